"""Fault: a Celery worker is killed (SIGKILL) in the middle of a matching run.

    .venv/bin/python scripts/faults/kill_worker_mid_matching.py

On its own database (``assist_faults``: one county with 10,000 open needs and 2,000
teachers, so that a run takes seconds) and Redis database 12:

A. a worker takes a run; while the run is ``running`` in the solver (the script
   polls its stage and progress) the worker's process group gets SIGKILL;
B. a second worker takes a second run of the same county; once the run is in the
   solver the script locks the run's row, so that the worker waits at its next
   progress report, which comes right after it has written every proposal and
   reason (COPY) in its still open transaction; SIGKILL then, before COMMIT.

After each kill: nothing of the run is stored (no proposals, no reasons, the run not
``succeeded``). Then a third worker runs the recovery sweep (``matching.recover_runs``,
the task beat runs every five minutes): both lost runs end ``failed`` and their
county is matched again. The work is complete when the county has exactly the
proposals an undisturbed run makes (computed in this process beforehand), with no
duplicate pair, no teacher over capacity and no need over headcount.

Last line: ``fault=kill_worker_mid_matching lost=<n> ...`` where ``lost`` counts
proposals missing against the undisturbed run, plus rows a killed run left behind,
plus a lost run that was not recovered (the target is 0)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # sets the environment, then Django
from django.db import connection, transaction

from matching import pipeline, solver, tasks
from matching.models import Assignment, MatchingRun, UnmatchedNeeds
from matching.runs import matching_run_start
from places.models import County

NAME = "kill_worker_mid_matching"
TIMEOUT = 120  # seconds for any one wait


def expected_proposals(county_id: int) -> int:
    """What an undisturbed run of the county proposes (solved here, not stored)."""
    inputs = pipeline.read_inputs([county_id])
    result = solver.solve(
        inputs.needs, inputs.teachers, inputs.skills, **inputs.solver_kwargs()
    )
    return len(result.proposals)


def wait_for(what: str, condition, timeout: float = TIMEOUT, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


def run_row(run_id: int) -> MatchingRun:
    return MatchingRun.objects.get(pk=run_id)


def stored(run_id: int) -> tuple[int, int]:
    return (
        Assignment.objects.filter(run_id=run_id).count(),
        sum(
            UnmatchedNeeds.objects.filter(run_id=run_id).values_list("count", flat=True)
        ),
    )


def other_backends() -> int:
    """Client connections to our database other than this process's."""
    return c.scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )


def blocked_by_us() -> str | None:
    """The worker's backend, when it waits for the lock this process holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, wait_event FROM pg_stat_activity"
            " WHERE datname = current_database()"
            " AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        row = cursor.fetchone()
    return f"backend {row[0]} waiting on {row[1]}" if row else None


def relation_bytes() -> int:
    return c.scalar(
        "SELECT pg_relation_size('matching_assignment')"
        " + pg_relation_size('matching_unmatchedneeds')"
    )


def after_the_kill(label: str, run_id: int, report: list[str]) -> int:
    """Once the dead worker's connections are closed, what run ``run_id`` left
    (added to ``report``); returns how many of its rows are stored."""
    wait_for("the dead worker's connections to close", lambda: other_backends() == 0)
    row = run_row(run_id)
    rows = stored(run_id)
    report.append(f"{label} status={row.status} proposals={rows[0]} reasons={rows[1]}")
    c.say(f"{label} after the kill: {report[-1]}")
    return sum(rows)


def main() -> int:
    procs = c.Processes()
    c.say("preparing database assist_faults")
    c.ensure_database()
    county_id = c.ensure_big_county(10_000, 2_000)
    c.reset_matching()
    c.purge_queue()
    admin, _token = c.admin_user()
    county = County.objects.get(pk=county_id)
    expected = expected_proposals(county_id)
    c.say(f"an undisturbed run of county #{county_id} proposes {expected}")
    killed: list[int] = []
    partial = 0
    report: list[str] = []

    # ---- A: SIGKILL while the run is in the solver --------------------------
    worker = c.start_worker(procs, "fault-worker-a")
    run_a = matching_run_start(actor=admin, county=county).pk
    seen = wait_for(
        "run A in the solver",
        lambda: (
            (r := run_row(run_a)).status == "running" and r.stage == "solving" and r
        ),
    )
    c.Processes.kill(worker)
    worker.wait(10)
    killed.append(run_a)
    c.say(f"A: SIGKILL at stage={seen.stage} progress={seen.progress}%")
    partial += after_the_kill("A", run_a, report)

    # ---- B: SIGKILL with every row written, before COMMIT --------------------
    run_b = matching_run_start(actor=admin, county=county).pk
    before = relation_bytes()
    worker = c.start_worker(procs, "fault-worker-b")
    wait_for(
        "run B in the solver",
        lambda: (r := run_row(run_b)).stage == "solving" and r.progress == 30,
    )
    with transaction.atomic():
        # The run reports progress on a second connection right after it has
        # written its proposals and reasons (COPY, in its open transaction):
        # holding the run's row makes it wait there, before it marks the run
        # succeeded and commits.
        seen = MatchingRun.objects.select_for_update().get(pk=run_b)
        if (seen.stage, seen.progress) != ("solving", 30):
            raise RuntimeError(f"missed the window: {seen.stage} {seen.progress}%")
        waiting = wait_for("run B's writes", blocked_by_us, every=0.05)
        written = relation_bytes() - before
        c.Processes.kill(worker)
        worker.wait(10)
        killed.append(run_b)
        c.say(
            f"B: SIGKILL after the solver, with {written} bytes of rows written "
            f"in the run's open transaction ({waiting}: its next progress report)"
        )
    partial += after_the_kill("B", run_b, report)
    not_succeeded = all(run_row(r).status != "succeeded" for r in killed)

    # ---- recovery: a new worker runs the sweep --------------------------------
    t_recover = time.monotonic()
    worker = c.start_worker(procs, "fault-worker-c")
    tasks.recover_runs.delay(0)  # stale_after 0 s: the schedule uses 10 minutes
    wait_for(
        "the lost runs to be ended and re-run",
        lambda: (
            not MatchingRun.objects.filter(status__in=["queued", "running"]).exists()
        ),
        every=0.2,
    )
    recovery_s = time.monotonic() - t_recover
    reruns = list(
        MatchingRun.objects.exclude(pk__in=killed)
        .order_by("pk")
        .values_list("pk", "status", "stats")
    )
    for pk, status, stats in reruns:
        c.say(f"re-run #{pk}: {status}, proposed {stats.get('proposed')}")
    proposals = Assignment.objects.filter(
        need__school__county=county_id, status="proposed"
    ).count()
    checks = c.integrity()
    recovered = sum(1 for _, status, _ in reruns if status == "succeeded")
    lost = (
        max(0, expected - proposals)
        + partial
        + (0 if recovered else 1)
        + (0 if not_succeeded else 1)
    )
    c.say(
        f"killed runs {killed}: "
        + "; ".join(report)
        + f"; after the sweep: {[run_row(r).status for r in killed]}"
    )
    return c.finish(
        procs,
        NAME,
        lost=lost,
        checks=checks,
        partial_rows=partial,
        expected_proposals=expected,
        proposals=proposals,
        killed_runs=len(killed),
        reruns_succeeded=recovered,
        duplicates=checks["duplicates"],
        over_capacity=checks["over_capacity"],
        over_headcount=checks["over_headcount"],
        recovery_s=f"{recovery_s:.1f}",
    )


if __name__ == "__main__":
    sys.exit(main())
