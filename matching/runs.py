"""Matching runs (DESIGN section 5).

:func:`matching_run_start` records a run (``queued``) and enqueues
``matching.run_matching`` once the transaction commits; the task calls
:func:`matching_run_execute`, which

1. marks the run ``running`` at once (a short write other connections see);
2. a run of every county (``county`` empty) FANS OUT: one child run and one task per
   county with open needs; the parent ends when its last child does, with the sum of
   their statistics. (With ``MATCHING_ALLOW_NEIGHBOURS`` counties share teachers and
   are no longer independent, so such a run is solved as one problem instead.)
3. otherwise, in ONE transaction: takes the scope's database lock, reads the inputs
   (:func:`matching.pipeline.read_inputs`), solves exactly
   (:func:`matching.solver.solve`), writes every proposal, the unmatched needs with
   their reasons and the run's statistics. Any error rolls all of it back and the
   run ends ``failed`` with the error; nothing partial is ever stored. A large run
   (``PIPELINE_MIN_NEEDS``) is solved in parts made of whole counties
   (:func:`matching.pipeline.split`; independent, so the union of their optima is
   the optimum) and each part is written by a background thread on the run's own
   connection while the next is solved (:class:`matching.pipeline.Writer`): the
   database and Python then use both cores.

The lock. On PostgreSQL a transaction-level advisory lock per county
(``pg_try_advisory_xact_lock``), taken without waiting: a run whose scope is locked
by another run ends ``skipped`` and changes nothing. A county run locks the counties
whose needs it reads and whose teachers it may propose (with neighbours allowed,
the neighbouring counties too), plus a shared "all counties" lock; a run of every
county takes that lock exclusively. So runs that could touch the same teacher or
need never overlap, and runs of unrelated counties do. On SQLite (the one-process
demo) a run claims its place with one conditional ``UPDATE`` (SQLite serialises
writes): while another run is matching, it is skipped.

Idempotent: live proposals count against the teacher's capacity and the need's
open headcount, and a teacher is never proposed twice for one need, so a second run
with nothing changed proposes nothing. Accepted assignments are never touched.

Progress (``progress``, ``stage``) is written through a second, autocommit
connection on PostgreSQL so that pages polling the run see it during the run's
transaction.

Lost runs. A worker killed in the middle of a run leaves nothing stored (one
transaction), but the run's row still says ``running``; a run started while the
broker was unreachable stays ``queued``. The sweep :func:`matching_runs_recover`
(task ``matching.recover_runs`` every five minutes, and before the nightly run)
ends the first ``failed`` and re-runs its scope, and sends the second again.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.notifications import notify
from accounts.scopes import manages_county
from common.tasks import task
from needs.models import Need
from places.models import County
from teams.models import Teacher

from . import pipeline, solver
from .models import (
    AssignmentStatus,
    MatchingRun,
    RunStatus,
    RunTrigger,
)
from .policies import RUN

logger = logging.getLogger(__name__)

A = AssignmentStatus


FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED)


STAT_KEYS = (
    "needs_considered",
    "teachers_considered",
    "proposed",
    "unmatched",
    "total_score",
    "pairs",
    "components",
)


class Stage:
    """Codes stored in ``MatchingRun.stage``; pages show :data:`STAGE_LABELS`."""

    STARTING = "starting"
    LOCKING = "locking"
    READING = "reading"
    SOLVING = "solving"
    WRITING = "writing"
    FANNED_OUT = "fanned_out"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


STAGE_LABELS = {
    "": gettext_lazy("Waiting for a worker"),
    Stage.STARTING: gettext_lazy("Starting"),
    Stage.LOCKING: gettext_lazy("Taking the county lock"),
    Stage.READING: gettext_lazy("Reading needs and teachers"),
    Stage.SOLVING: gettext_lazy("Computing the optimal matching"),
    Stage.WRITING: gettext_lazy("Saving the proposals"),
    Stage.FANNED_OUT: gettext_lazy("Matching each county"),
    Stage.DONE: gettext_lazy("Done"),
    Stage.SKIPPED: gettext_lazy("Skipped"),
    Stage.FAILED: gettext_lazy("Failed"),
}


# Stages of a run that is matching right now (the SQLite claim looks for these).
_ACTIVE_STAGES = (Stage.LOCKING, Stage.READING, Stage.SOLVING, Stage.WRITING)


# A claim older than this is taken to belong to a process that died (SQLite only).
_STALE_CLAIM = timedelta(hours=1)


# Advisory-lock key spaces (two int4 keys): one key per county, one for "all".
_LOCK_COUNTY = 0x4D41  # "MA"


_LOCK_ALL = 0x4D42


class _ScopeBusy(Exception):
    """Another run holds the lock of this run's scope."""


def _send(run_id: int) -> None:
    """Hand a run to the workers. When the broker cannot be reached (Redis down)
    the run stays ``queued`` and the request that started it still succeeds: the
    recovery sweep (:func:`matching_runs_recover`) sends it again later."""
    run_matching = task("matching.run_matching")
    if run_matching.app.conf.task_always_eager:
        run_matching.delay(run_id)  # in process: let errors surface
        return
    try:
        run_matching.delay(run_id)
    except Exception:
        logger.warning(
            "matching run %s: the broker is unreachable; the run stays queued "
            "until the recovery sweep sends it again",
            run_id,
            exc_info=True,
        )


def _enqueue(run_id: int) -> None:
    transaction.on_commit(functools.partial(_send, run_id))


@transaction.atomic
def matching_run_start(
    *,
    actor: User | None,
    county: County | None,
    trigger: str = RunTrigger.MANUAL,
) -> MatchingRun:
    """Record a run of ``county`` (None: every county) and enqueue it.

    ``actor`` None is the scheduler. A coordinator must name one of their counties;
    only an admin (or the scheduler) starts a run of every county."""
    if actor is not None:
        RUN.check(actor, "start")
        if county is None and not actor.is_admin:
            raise ValidationError(
                {"county": [_("Choose one of your counties to match.")]}
            )
        if county is not None and not manages_county(actor, county.pk):
            raise PermissionDenied(_("You do not coordinate this county."))
    run = MatchingRun(county=county, trigger=trigger, started_by=actor)
    run.full_clean(validate_constraints=False)
    run.save()
    _enqueue(run.pk)
    return run


class _Progress:
    """Writes ``progress``/``stage`` where other connections see them at once."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self._conn = None
        # Inside an outer transaction (tests) or off PostgreSQL nobody else could
        # see the run row anyway: skip the second connection.
        self.enabled = (
            connection.vendor == "postgresql" and not connection.in_atomic_block
        )

    def __call__(self, progress: int, stage: str) -> None:
        if not self.enabled:
            return
        try:
            if self._conn is None:
                self._conn = connection.get_new_connection(
                    connection.get_connection_params()
                )
                self._conn.autocommit = True
                # A progress figure lost in a crash does not matter: do not wait
                # for the disk on every update.
                self._conn.execute("SET synchronous_commit = off")
            self._conn.execute(
                "UPDATE matching_matchingrun SET progress = %s, stage = %s "
                "WHERE id = %s",
                (progress, stage, self.run_id),
            )
        except Exception:  # progress is a courtesy: never fail a run over it
            logger.warning("run %s: could not report progress", self.run_id)
            self.enabled = False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _lock_scope(counties: list[int] | None) -> None:
    """Take the PostgreSQL advisory locks of a scope, or raise ``_ScopeBusy``."""
    with connection.cursor() as cursor:
        if counties is None:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, 0)", [_LOCK_ALL])
            if not cursor.fetchone()[0]:
                raise _ScopeBusy
            return
        cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s, 0)", [_LOCK_ALL])
        if not cursor.fetchone()[0]:
            raise _ScopeBusy
        cursor.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(%s, c::int))"
            " FROM unnest(%s::bigint[]) AS c",
            [_LOCK_COUNTY, sorted(pipeline.teacher_counties(counties) or [])],
        )
        if not cursor.fetchone()[0]:
            raise _ScopeBusy


def _claim_without_advisory_locks(run: MatchingRun) -> bool:
    """SQLite: claim the run unless another is matching (one atomic UPDATE)."""
    others = MatchingRun.objects.filter(
        status=RunStatus.RUNNING,
        stage__in=_ACTIVE_STAGES,
        started_at__gte=timezone.now() - _STALE_CLAIM,
    ).exclude(pk=OuterRef("pk"))
    claimed = (
        MatchingRun.objects.filter(pk=run.pk)
        .filter(~Exists(others))
        .update(stage=Stage.LOCKING)
    )
    return claimed == 1


# Runs with at least this many needs are solved in parts, whole counties each,
# so that the database writes one part while the solver works on the next.
PIPELINE_MIN_NEEDS = 5000


PIPELINE_PARTS = 16


def _parts(n_needs: int) -> int:
    return PIPELINE_PARTS if n_needs >= PIPELINE_MIN_NEEDS else 1


def _stats(inputs: pipeline.Inputs, result: solver.Result, timings: dict) -> dict:
    reasons: dict[str, int] = dict.fromkeys(solver.REASONS, 0)
    for reason in result.unmatched.values():
        reasons[reason] += 1
    return {
        "needs_considered": len(inputs.needs),
        "teachers_considered": int((inputs.teachers.free_capacity > 0).sum()),
        "proposed": len(result.proposals),
        "unmatched": len(result.unmatched),
        "total_score": result.total_score,  # unrounded: pages round it
        "pairs": result.pairs,
        "components": result.components,
        "open_places": int(inputs.needs.headcount.sum()),
        "free_capacity": int(inputs.teachers.free_capacity.sum()),
        "reasons": reasons,
        "timings": {k: round(v, 4) for k, v in timings.items() if k != "parts"},
        "parts": timings.get("parts", 1),
    }


def _finish(run_id: int, **fields) -> None:
    MatchingRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), **fields)


def matching_run_execute(
    run_id: int,
    *,
    fan_out: bool = True,
    counties: Sequence[int] | None = None,
) -> MatchingRun | None:
    """Run the matching of a queued run (see the module docstring); return it.

    A run that already finished is left alone (a task delivered twice is harmless).
    For a run of every county, ``fan_out=False`` solves it as one problem in this
    process, and ``counties`` narrows it to those counties, solved as one problem
    (the benchmark uses both)."""
    run = MatchingRun.objects.filter(pk=run_id).first()
    if run is None or run.status in FINISHED:
        return run
    started = time.perf_counter()
    MatchingRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
        progress=1,
        stage=Stage.STARTING,
        error="",
    )
    if run.county_id is not None:
        counties = [run.county_id]
    elif counties is not None:
        counties = sorted(set(counties))
    elif fan_out and not settings.MATCHING_ALLOW_NEIGHBOURS:
        _fan_out(run)
        run.refresh_from_db()
        return run
    advisory = connection.vendor == "postgresql"
    if not advisory and not _claim_without_advisory_locks(run):
        _skip(run)
    else:
        _match(run, counties, advisory=advisory, started=started)
    if run.parent_id is not None:
        _parent_refresh(run.parent_id)
    run.refresh_from_db()
    return run


def _skip(run: MatchingRun) -> None:
    _finish(
        run.pk,
        status=RunStatus.SKIPPED,
        stage=Stage.SKIPPED,
        error=_("Another matching run of this scope was in progress."),
    )
    if run.parent_id is None:
        _notify_starter(run.pk)


def _match(
    run: MatchingRun, counties: list[int] | None, *, advisory: bool, started: float
) -> None:
    progress = _Progress(run.pk)
    try:
        with transaction.atomic():
            if advisory:
                progress(3, Stage.LOCKING)
                _lock_scope(counties)
            progress(10, Stage.READING)
            inputs = pipeline.read_inputs(counties)
            parts = pipeline.split(inputs, _parts(len(inputs.needs)))
            progress(30, Stage.SOLVING)
            results = []
            with pipeline.Writer(
                run.pk, timezone.now(), background=len(parts) > 1
            ) as writer:
                # Part k is written (by the database) while part k+1 is solved.
                for done, part in enumerate(parts, start=1):
                    result = solver.solve(
                        part.needs, part.teachers, part.skills, **part.solver_kwargs()
                    )
                    writer.submit(result.proposals, result.unmatched)
                    results.append(result)
                    progress(30 + 60 * done // len(parts), Stage.SOLVING)
                progress(92, Stage.WRITING)
                t_write = time.perf_counter()
            result = pipeline.merge(results)
            timings = {
                "read_s": inputs.timings["read"],
                "build_pairs_s": result.timings["build_pairs"],
                "flow_s": result.timings["flow"],
                "assemble_s": result.timings["assemble"],
                "solve_s": result.timings["total"],
                # Writing overlaps solving: this is what is left after the last part.
                "write_tail_s": time.perf_counter() - t_write,
                "parts": len(parts),
            }
            timings["total_s"] = time.perf_counter() - started
            _finish(
                run.pk,
                status=RunStatus.SUCCEEDED,
                stage=Stage.DONE,
                progress=100,
                stats=_stats(inputs, result, timings),
            )
            _notify_proposed(run.pk)
            if run.parent_id is None:
                _notify_starter(run.pk)
    except _ScopeBusy:
        _skip(run)
    except Exception as exc:
        logger.exception("matching run %s failed", run.pk)
        _finish(
            run.pk,
            status=RunStatus.FAILED,
            stage=Stage.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if run.parent_id is None:
            _notify_starter(run.pk)
    finally:
        progress.close()


def _fan_out(run: MatchingRun) -> None:
    """One child run, and one task, per county with open needs."""
    county_ids = sorted(
        set(Need.objects.open().values_list("school__county_id", flat=True))
    )
    with transaction.atomic():
        children = MatchingRun.objects.bulk_create(
            [
                MatchingRun(
                    county_id=county_id,
                    parent=run,
                    trigger=run.trigger,
                    started_by_id=run.started_by_id,
                )
                for county_id in county_ids
            ]
        )
        if not children:
            _finish(
                run.pk,
                status=RunStatus.SUCCEEDED,
                stage=Stage.DONE,
                progress=100,
                stats=_sum_stats([], children=0),
            )
            _notify_starter(run.pk)
            return
        MatchingRun.objects.filter(pk=run.pk).update(
            stage=Stage.FANNED_OUT, progress=2, stats={"children": len(children)}
        )
        for child in children:
            _enqueue(child.pk)


def _sum_stats(runs_stats: list[dict], **extra) -> dict:
    total: dict = dict.fromkeys(STAT_KEYS, 0)
    total["reasons"] = dict.fromkeys(solver.REASONS, 0)
    for stats in runs_stats:
        for key in STAT_KEYS:
            total[key] += stats.get(key, 0)
        for reason, count in stats.get("reasons", {}).items():
            total["reasons"][reason] = total["reasons"].get(reason, 0) + count
    total.update(extra)
    return total


def _parent_refresh(parent_id: int) -> None:
    """Progress of an all-county run; when its last child ends, its result."""
    with transaction.atomic():
        parent = MatchingRun.objects.select_for_update().get(pk=parent_id)
        if parent.status in FINISHED:
            return
        children = list(parent.children.values_list("status", "stats"))
        done = [(s, stats) for s, stats in children if s in FINISHED]
        if len(done) < len(children):
            parent.progress = max(2, 100 * len(done) // max(len(children), 1))
            parent.save(update_fields=["progress"])
            return
        by_status = {s: sum(1 for d, _ in done if d == s) for s in FINISHED}
        failed = by_status[RunStatus.FAILED]
        parent.stats = _sum_stats(
            [stats for s, stats in done if s == RunStatus.SUCCEEDED],
            children=len(children),
            children_by_status=by_status,
        )
        parent.status = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
        parent.stage = Stage.FAILED if failed else Stage.DONE
        parent.error = (
            _("%(count)d of the county runs failed.") % {"count": failed}
            if failed
            else ""
        )
        parent.progress = 100
        parent.finished_at = timezone.now()
        parent.save(
            update_fields=[
                "stats",
                "status",
                "stage",
                "error",
                "progress",
                "finished_at",
            ]
        )
        _notify_starter(parent.pk)


def _notify_proposed(run_id: int) -> None:
    """Tell each teacher (with an account) the run proposed for a need: one notice
    per teacher, leading to the page where they accept or decline. Teachers are the
    few rows here: the query starts from those with an account."""
    counts = (
        Teacher.objects.filter(
            user__isnull=False,
            user__is_active=True,
            assignments__run_id=run_id,
            assignments__status=A.PROPOSED,
        )
        .annotate(proposed=Count("assignments"))
        .select_related("user")
    )
    by_count: dict[int, list[User]] = {}
    for teacher in counts:
        by_count.setdefault(teacher.proposed, []).append(teacher.user)
    with translation.override(settings.LANGUAGE_CODE):
        for count, users in sorted(by_count.items()):
            notify(
                users=users,
                title=ngettext(
                    "You are proposed for %(count)d need: please accept or decline",
                    "You are proposed for %(count)d needs: please accept or decline",
                    count,
                )
                % {"count": count},
                url=reverse("my-assignments"),
                action_label=_("Answer the proposals"),
                kind="proposed",
            )


def _notify_starter(run_id: int) -> None:
    """Tell the person who started the run (not the scheduler) how it ended: news,
    not a request, so its e-mail waits for the daily digest."""
    run = MatchingRun.objects.select_related("started_by").get(pk=run_id)
    if run.started_by is None or not run.started_by.is_active:
        return
    with translation.override(settings.LANGUAGE_CODE):
        if run.status == RunStatus.SUCCEEDED:
            title = _("Matching run #%(id)d finished: %(count)d new proposals") % {
                "id": run.pk,
                "count": run.stats.get("proposed", 0),
            }
        else:
            title = _("Matching run #%(id)d ended: %(status)s") % {
                "id": run.pk,
                "status": run.get_status_display(),
            }
        notify(
            users=[run.started_by],
            title=title,
            body=run.error,
            url=reverse("matching-run", args=[run.pk]),
            action_label=_("See the run"),
            kind="run_ended",
            urgent=False,
        )


# A run still ``queued`` or ``running`` this long after it was created or started
# is looked at by the sweep. A county run takes seconds and a national one under a
# minute, so this leaves a wide margin; on PostgreSQL a ``running`` run is only
# given up once its scope lock is free as well (see :func:`_scope_is_free`).
STALE_AFTER = timedelta(minutes=10)


def _scope_is_free(run: MatchingRun) -> bool:
    """True if no transaction holds the lock of ``run``'s scope.

    A run matches inside one transaction that holds its scope's advisory lock. A
    worker killed in the middle (SIGKILL, lost machine) loses its connection, and
    PostgreSQL rolls the transaction back and frees the lock: a ``running`` run
    whose lock is free has nobody working on it. (On SQLite there is no such lock;
    the age alone decides.)"""
    if connection.vendor != "postgresql":
        return True
    counties = [run.county_id] if run.county_id is not None else None
    try:
        with transaction.atomic():
            _lock_scope(counties)
    except _ScopeBusy:
        return False
    return True


def matching_runs_recover(
    *, stale_after: timedelta = STALE_AFTER, rerun: bool = True
) -> dict[str, list[int]]:
    """The sweep (task ``matching.recover_runs``, every few minutes; the nightly run
    calls it too). Nothing a lost worker did is ever half-stored -- a run writes
    all of its result in one transaction or nothing -- so recovering means:

    - a run ``running`` for longer than ``stale_after`` whose scope lock is free
      (its worker died; its transaction was rolled back) ends ``failed``, and with
      ``rerun`` a new run of the same scope is started in its place (the nightly
      run passes ``rerun=False``: it matches every county itself);
    - a run of every county waiting for its county runs is brought up to date (it
      ends once they have);
    - a run still ``queued`` after ``stale_after`` is sent to the workers again: its
      message was lost (the broker was down when it was started). A message that
      was only slow is harmless: a run that already finished is left alone.

    Returns the ids handled: ``failed``, ``rerun``, ``requeued``, ``busy`` (stale
    but its scope is locked: looked at again by the next sweep)."""
    cutoff = timezone.now() - stale_after
    done: dict[str, list[int]] = {"failed": [], "rerun": [], "requeued": [], "busy": []}
    stuck = MatchingRun.objects.filter(
        status=RunStatus.RUNNING, started_at__lt=cutoff
    ).order_by("id")
    for run in stuck.exclude(stage=Stage.FANNED_OUT):
        if not _scope_is_free(run):
            done["busy"].append(run.pk)
            continue
        claimed = MatchingRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, started_at__lt=cutoff
        ).update(
            status=RunStatus.FAILED,
            stage=Stage.FAILED,
            finished_at=timezone.now(),
            error=_(
                "The worker running it was lost; nothing of it was stored. "
                "The recovery sweep ended it."
            ),
        )
        if not claimed:  # picked up again meanwhile
            continue
        done["failed"].append(run.pk)
        if rerun:
            again = matching_run_start(
                actor=None, county=run.county, trigger=run.trigger
            )
            done["rerun"].append(again.pk)
            logger.warning("matching run %s was lost; re-run as %s", run.pk, again.pk)
        if run.parent_id is not None:
            _parent_refresh(run.parent_id)
        else:
            _notify_starter(run.pk)
    for parent_id in stuck.filter(stage=Stage.FANNED_OUT).values_list("pk", flat=True):
        _parent_refresh(parent_id)
    for run_id in MatchingRun.objects.filter(
        status=RunStatus.QUEUED, created_at__lt=cutoff
    ).values_list("pk", flat=True):
        _enqueue(run_id)
        done["requeued"].append(run_id)
    return done
