"""Background matching. Tasks take ids and call the services; both are idempotent: a
run that already finished is left alone, so a task delivered twice (``acks_late``
redelivers after a lost worker) does no harm. The nightly schedule lives in the
database (django-celery-beat, created by migration 0002, editable in the admin)."""

from datetime import timedelta

from celery import shared_task

from accounts import notifications

from . import reminders, runs
from .models import RunTrigger


@shared_task(name="matching.run_matching", acks_late=True)
def run_matching(run_id: int) -> str | None:
    """Execute one run; a run of every county fans out one such task per county."""
    run = runs.matching_run_execute(run_id)
    return run.status if run is not None else None


@shared_task(name="matching.run_scheduled_matching", acks_late=True)
def run_scheduled_matching() -> int:
    """The nightly run: one run of every county, which fans out a run (and a task)
    for every county with open needs. Return the id of the run.

    Runs lost since the last sweep are ended first (not re-run: this run matches
    every county anyway)."""
    runs.matching_runs_recover(rerun=False)
    run = runs.matching_run_start(actor=None, county=None, trigger=RunTrigger.SCHEDULE)
    return run.pk


@shared_task(name="matching.recover_runs", acks_late=True)
def recover_runs(stale_after_s: float | None = None) -> dict[str, list[int]]:
    """The recovery sweep (every five minutes, migration 0006): runs whose worker
    died are ended and re-run, runs whose message was lost are sent again (see
    ``runs.matching_runs_recover``). ``stale_after_s`` overrides the age after
    which a run is looked at (scripts/faults use it; the schedule does not)."""
    kwargs = {}
    if stale_after_s is not None:
        kwargs["stale_after"] = timedelta(seconds=stale_after_s)
    return runs.matching_runs_recover(**kwargs)


@shared_task(name="matching.notify_waiting_coordinators", acks_late=True)
def notify_waiting_coordinators() -> int:
    """Every morning (migration 0008): remind coordinators of what waits too long;
    at most one reminder of each kind a day, so a redelivered task adds nothing."""
    return reminders.notify_waiting_coordinators()


@shared_task(name="matching.send_notification_digests", acks_late=True)
def send_notification_digests() -> int:
    """Every evening (migration 0008): one e-mail per user with the day's
    non-urgent notices; at most one a day, so a redelivered task sends nothing.
    The digest is written by ``accounts.notifications``; the task keeps its name,
    which the beat schedule refers to."""
    return notifications.send_digests()
