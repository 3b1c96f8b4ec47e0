"""The recovery sweep (``matching.recover_runs``): a run whose worker died is ended
and its scope matched again; a run whose message never reached a worker is sent
again; a run that is still being worked on (its scope lock is held) is left alone.

A worker's death is what the database shows after it: the run's row ``running``
with nothing stored (its transaction was rolled back). scripts/faults/
kill_worker_mid_matching.py does it for real with SIGKILL."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from assist_platform.celery import app as celery_app
from matching import runs, tasks
from matching.models import Assignment, MatchingRun

from .. import factories as f
from .helpers import assert_within_capacity_and_unique, open_need

LONG_AGO = dt.timedelta(minutes=11)  # past runs.STALE_AFTER (10 minutes)


@pytest.fixture
def market(world):
    for school in (world.school_a, world.school_a2):
        open_need(school, world.ecommerce)
    return world


def lost_run(county, *, age=LONG_AGO, **fields):
    """A run as a dead worker leaves it: ``running``, nothing stored."""
    defaults = {"status": "running", "stage": "solving", "progress": 40}
    return f.MatchingRunFactory(
        county=county, started_at=timezone.now() - age, **{**defaults, **fields}
    )


def test_the_sweep_is_scheduled_every_five_minutes(db):
    task = PeriodicTask.objects.select_related("interval").get(
        task="matching.recover_runs"
    )
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (5, "minutes")
    assert celery_app.tasks["matching.recover_runs"].acks_late


def test_a_lost_run_ends_failed_and_its_scope_is_matched_again(
    market, django_capture_on_commit_callbacks
):
    lost = lost_run(market.county_a)

    with django_capture_on_commit_callbacks(execute=True):
        done = tasks.recover_runs.apply().get()

    lost.refresh_from_db()
    assert done["failed"] == [lost.pk]
    assert lost.status == "failed" and lost.finished_at and lost.error
    assert not lost.assignments.exists()
    (rerun_id,) = done["rerun"]
    rerun = MatchingRun.objects.get(pk=rerun_id)
    assert rerun.county == market.county_a and rerun.trigger == lost.trigger
    assert rerun.status == "succeeded"
    assert Assignment.objects.filter(run=rerun).count() == 2  # teacher_a, capacity 2
    assert_within_capacity_and_unique()


def test_a_run_started_recently_is_left_alone(market):
    recent = lost_run(market.county_a, age=dt.timedelta(minutes=1))

    done = runs.matching_runs_recover()

    recent.refresh_from_db()
    assert recent.status == "running"
    assert done == {"failed": [], "rerun": [], "requeued": [], "busy": []}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="needs PostgreSQL's locks"
)
def test_a_run_whose_scope_lock_is_held_is_not_taken_for_lost(world):
    """An old run still holding its county's lock is being worked on: leave it."""
    stale = lost_run(world.county_a)
    locked, release = threading.Event(), threading.Event()

    def hold_the_county_lock():
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [runs._LOCK_COUNTY, world.county_a.pk],
                )
                locked.set()
                release.wait(20)
                cursor.execute("ROLLBACK")
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_county_lock)
    holder.start()
    try:
        assert locked.wait(20)
        done = runs.matching_runs_recover(rerun=False)
    finally:
        release.set()
        holder.join(20)
    stale.refresh_from_db()
    assert done["busy"] == [stale.pk] and stale.status == "running"

    done = runs.matching_runs_recover(rerun=False)  # the lock is free now
    stale.refresh_from_db()
    assert done["failed"] == [stale.pk] and stale.status == "failed"


def test_a_run_whose_message_was_lost_is_sent_again(
    market, django_capture_on_commit_callbacks
):
    queued = f.MatchingRunFactory(county=market.county_a)
    MatchingRun.objects.filter(pk=queued.pk).update(
        created_at=timezone.now() - LONG_AGO
    )

    with django_capture_on_commit_callbacks(execute=True):
        done = runs.matching_runs_recover()

    queued.refresh_from_db()
    assert done["requeued"] == [queued.pk]
    assert queued.status == "succeeded" and queued.assignments.count() == 2


def test_a_run_of_every_county_ends_when_its_lost_county_run_is_ended(market):
    parent = f.MatchingRunFactory(
        county=None,
        status="running",
        stage="fanned_out",
        started_at=timezone.now() - LONG_AGO,
    )
    lost_run(market.county_a, parent=parent)
    f.MatchingRunFactory(
        county=market.county_b,
        parent=parent,
        status="succeeded",
        stats={"proposed": 3},
    )

    runs.matching_runs_recover(rerun=False)

    parent.refresh_from_db()
    assert parent.status == "failed"
    assert parent.stats["children_by_status"] == {
        "succeeded": 1,
        "failed": 1,
        "skipped": 0,
    }
    assert parent.stats["proposed"] == 3


def test_the_nightly_run_ends_lost_runs_first_and_matches_every_county(
    market, django_capture_on_commit_callbacks
):
    lost = lost_run(market.county_a)

    with django_capture_on_commit_callbacks(execute=True):
        nightly_id = tasks.run_scheduled_matching.apply().get()

    lost.refresh_from_db()
    assert lost.status == "failed"
    nightly = MatchingRun.objects.get(pk=nightly_id)
    assert nightly.status == "succeeded"
    # No separate re-run: the nightly run covers county A itself.
    assert set(MatchingRun.objects.values_list("pk", flat=True)) == {
        lost.pk,
        nightly.pk,
        *nightly.children.values_list("pk", flat=True),
    }
    assert Assignment.objects.filter(run__parent=nightly).count() == 2
