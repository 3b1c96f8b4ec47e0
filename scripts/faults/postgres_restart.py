"""Fault: PostgreSQL restarts while requests run and a matching run is in progress.

    .venv/bin/python scripts/faults/postgres_restart.py

CAUTION: this restarts the PostgreSQL cluster on 127.0.0.1:5432
(``pg_ctlcluster --skip-systemctl-redirect 15 main restart``: a few seconds), which
other test suites on this machine may be using. With ``FAULTS_PG_PORT=5433
FAULTS_PG_CLUSTER=faults`` it restarts a private cluster instead.

On its own database (``assist_faults``: the demo world and one county of 10,000
needs) and Redis database 12: gunicorn (2 workers) and one Celery worker run; four
client threads send API reads with a token, pages with a session and health checks
without pause; a large matching run is in its solver when the cluster restarts.
Then: every failed request must lie inside the outage (from the restart command to
PostgreSQL accepting connections again); the worker must not be stuck -- a run
started after the restart completes, and the run cut off by the restart is ended
and matched again by the next scheduled run (``matching.run_scheduled_matching``, which
first ends runs left ``running``), with exactly the proposals of an undisturbed
run and no duplicate or over-capacity assignment.

Last line: ``fault=postgres_restart lost=<n> ...`` where ``lost`` counts requests
that failed outside the outage, runs that never finished, and missing proposals
(the target is 0)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as c  # sets the environment, then Django
import requests
from django.core.management import call_command
from django.db import connection

from matching import pipeline, solver, tasks
from matching.models import Assignment, MatchingRun
from matching.runs import matching_run_start
from places.models import County

NAME = "postgres_restart"
CLUSTER = os.environ.get("FAULTS_PG_CLUSTER", "main")
BEFORE_S, AFTER_S = 5.0, 8.0
GRACE_S = 0.5  # measurement granularity around the outage window
TIMEOUT = 120


def pg_version() -> str:
    return sorted(
        os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")]
    )[-1]


def pg_ready() -> bool:
    done = subprocess.run(  # noqa: S603
        ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(c.PG_PORT)],  # noqa: S607
        check=False,
    )
    return done.returncode == 0


def pg_ctlcluster(action: str, *, check: bool, **options) -> None:
    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            pg_version(),
            CLUSTER,
            action,
        ],
        check=check,
        **options,
    )


def restart_postgres() -> tuple[float, float]:
    """Restart the cluster; return (command issued, accepting again) as
    monotonic times."""
    t0 = time.monotonic()
    pg_ctlcluster("restart", check=True, capture_output=True)
    while not pg_ready():
        if time.monotonic() - t0 > 60:
            raise RuntimeError("PostgreSQL did not come back within 60 s")
        time.sleep(0.05)
    return t0, time.monotonic()


def ensure_running() -> None:
    if not pg_ready():
        pg_ctlcluster("start", check=False)


class Traffic:
    """Client threads; each request is kept with its start, end and outcome."""

    def __init__(self, token: str, page_cookies):
        self.token = token
        self.page_cookies = page_cookies
        self.stop = threading.Event()
        self.records: list[tuple[float, float, str, str]] = []
        self.lock = threading.Lock()

    def loop(self, paths: list[tuple[str, str]], auth: str) -> None:
        session = requests.Session()
        if auth == "token":
            session.headers["Authorization"] = f"Token {self.token}"
        elif auth == "session":
            session.cookies.update(self.page_cookies)
        i = 0
        while not self.stop.is_set():
            kind, path = paths[i % len(paths)]
            t0 = time.monotonic()
            try:
                code = session.get(c.BASE_URL + path, timeout=30).status_code
                outcome = "ok" if code == 200 else str(code)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            with self.lock:
                self.records.append((t0, time.monotonic(), kind, outcome))
            i += 1
            time.sleep(0.05)

    def start(self) -> list[threading.Thread]:
        plans = [
            (
                [("api", "/api/v1/needs/?page_size=20"), ("api", "/api/v1/dashboard/")],
                "token",
            ),
            (
                [
                    ("api", "/api/v1/teachers/?page_size=20"),
                    ("api", "/api/v1/assignments/"),
                ],
                "token",
            ),
            ([("page", "/needs/"), ("page", "/matching/runs/")], "session"),
            ([("health", "/healthz")], None),
        ]
        threads = [
            threading.Thread(target=self.loop, args=plan, daemon=True) for plan in plans
        ]
        for thread in threads:
            thread.start()
        return threads


def sign_in_page() -> requests.cookies.RequestsCookieJar:
    session = requests.Session()
    session.get(f"{c.BASE_URL}/accounts/login/", timeout=30)
    response = session.post(
        f"{c.BASE_URL}/accounts/login/",
        data={
            "username": "fault_admin",
            "password": "Fault@2026-admin",
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        },
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in: {response.status_code}")
    return session.cookies


def expected_proposals(county_id: int) -> int:
    inputs = pipeline.read_inputs([county_id])
    result = solver.solve(
        inputs.needs, inputs.teachers, inputs.skills, **inputs.solver_kwargs()
    )
    return len(result.proposals)


def wait_until(condition, timeout: float = TIMEOUT, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:  # the database is restarting: ask again
            connection.close()
        time.sleep(every)
    return False


def main() -> int:
    procs = c.Processes()
    c.say(f"preparing database assist_faults on port {c.PG_PORT}")
    c.ensure_database()
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    big = c.ensure_big_county(10_000, 2_000)
    c.reset_matching()
    c.purge_queue()
    admin, token = c.admin_user()
    expected = expected_proposals(big)
    c.say(f"an undisturbed run of the large county proposes {expected}")
    demo = County.objects.get(code="610929")  # 白河县

    c.start_gunicorn(procs, workers=2)
    worker = c.start_worker(procs, "fault-pg-worker")
    traffic = Traffic(token, sign_in_page())
    threads = traffic.start()
    cut_off = None
    try:
        time.sleep(BEFORE_S)
        cut_off = matching_run_start(actor=admin, county=County.objects.get(pk=big)).pk
        wait_until(lambda: MatchingRun.objects.get(pk=cut_off).stage == "solving")
        connection.close()  # this process's own connection goes down too
        c.say(f"restarting PostgreSQL while run #{cut_off} is in its solver")
        t_down, t_up = restart_postgres()
        c.say(f"PostgreSQL accepts connections again after {t_up - t_down:.1f} s")
        time.sleep(AFTER_S)
    finally:
        ensure_running()
        traffic.stop.set()
        for thread in threads:
            thread.join(40)

    # The worker is not stuck: a run started now completes.
    after = matching_run_start(actor=admin, county=demo).pk
    finished = wait_until(
        lambda: MatchingRun.objects.get(pk=after).status in ("succeeded", "skipped"),
        every=0.2,
    )
    c.say(
        f"run #{after} started after the restart: "
        f"{MatchingRun.objects.get(pk=after).status}"
    )
    cut = MatchingRun.objects.get(pk=cut_off)
    c.say(f"run #{cut_off} cut off by the restart: {cut.status} ({cut.error[:80]!r})")
    # What beat runs: the recovery sweep (every five minutes; stale_after 0 s
    # here, 10 minutes in the schedule) ends a run left ``running`` by the
    # restart and matches its county again; the nightly run then matches every
    # county (a run that ended ``failed`` is covered by it).
    tasks.recover_runs.delay(0)
    tasks.run_scheduled_matching.delay()
    scheduled = MatchingRun.objects.filter(trigger="schedule", county=None)
    wait_until(
        lambda: (
            scheduled.exists()
            and not MatchingRun.objects.filter(
                status__in=["queued", "running"]
            ).exists()
        ),
        every=0.2,
    )
    runs = list(MatchingRun.objects.order_by("pk").values_list("pk", "status"))
    c.say(f"runs after the sweep and the scheduled run: {runs}")
    unfinished = sum(1 for _, status in runs if status in ("queued", "running"))
    proposals = Assignment.objects.filter(
        need__school__county=big, status="proposed"
    ).count()
    checks = c.integrity()
    try:
        active = (
            c.celery_app.control.inspect(
                destination=[worker.hostname], timeout=2
            ).active()
            or {}
        )
    except Exception:
        active = {}
    busy_tasks = sum(len(v) for v in active.values())

    failed = [r for r in traffic.records if r[3] != "ok"]
    inside = [r for r in failed if r[1] >= t_down - GRACE_S and r[0] <= t_up + GRACE_S]
    outside = [r for r in failed if r not in inside]
    after_ok = [r for r in traffic.records if r[0] > t_up and r[3] == "ok"]
    first_ok_s = min((r[1] for r in after_ok), default=float("nan")) - t_up
    c.say(
        f"{len(traffic.records)} requests: {len(failed)} failed, {len(inside)} of "
        f"them during the outage ({sorted({r[3] for r in inside})}), "
        f"{len(outside)} outside it {sorted({(r[2], r[3]) for r in outside})}"
    )
    lost = (
        len(outside)
        + unfinished
        + (0 if finished else 1)
        + max(0, expected - proposals)
        + busy_tasks
    )
    return c.finish(
        procs,
        NAME,
        lost=lost,
        checks=checks,
        requests=len(traffic.records),
        failed_in_outage=len(inside),
        failed_outside_outage=len(outside),
        outage_s=f"{t_up - t_down:.1f}",
        first_ok_after_s=f"{first_ok_s:.2f}",
        run_after_restart="succeeded" if finished else "stuck",
        cut_off_run=cut.status,
        expected_proposals=expected,
        proposals=proposals,
        runs_unfinished=unfinished,
        worker_busy_tasks=busy_tasks,
        duplicates=checks["duplicates"],
        over_capacity=checks["over_capacity"],
    )


if __name__ == "__main__":
    sys.exit(main())
