"""Fault: Redis (broker and cache) stopped for 30 s while gunicorn serves the app.

    .venv/bin/python scripts/faults/redis_outage.py

CAUTION: this stops the Redis server on 127.0.0.1:6379 (``SHUTDOWN NOSAVE``), which
other test suites on this machine may be using, and starts it again with the command
scripts/services.sh uses -- in a ``finally``, whatever happens. With
``FAULTS_REDIS_PORT=6390`` it starts and stops a private server on that port instead.

On its own database (``assist_faults`` with the demo world) and Redis database 12:
gunicorn (2 workers) and one Celery worker run; five client threads send, before,
during and after the outage, API reads with a token, pages with a session, API and
page sign-ins (the throttle counts in the cache), and every 4 s a matching run
start (``POST /api/v1/matching-runs/``, whose task cannot reach the broker during
the outage). After Redis is back: the worker reconnects (ping), the recovery sweep
(``matching.recover_runs``, every five minutes under beat) sends the runs whose
message was lost, and every run started at any time must end succeeded.

Last line: ``fault=redis_outage lost=<n> ...`` where ``lost`` counts failed
requests (5xx or no answer, in any phase) plus matching runs that never finished
(the target is 0)."""

from __future__ import annotations

import atexit
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

from matching import tasks
from matching.models import MatchingRun
from places.models import County

NAME = "redis_outage"
REDIS_PORT = c.REDIS_PORT
OUTAGE_S = float(os.environ.get("FAULTS_OUTAGE_S", "30"))
BEFORE_S, AFTER_S = 8.0, 10.0
TIMEOUT = 120
ADMIN_PASSWORD = "Fault@2026-admin"  # noqa: S105 - the scripts' own account


def redis_command() -> list[str]:
    """How scripts/services.sh starts Redis (the same flags; another port gets a
    private directory and log)."""
    if REDIS_PORT == 6379:
        where = ["--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]
        os.makedirs("/var/lib/redis", exist_ok=True)
        os.makedirs("/var/log/redis", exist_ok=True)
    else:
        private = Path(f"/tmp/redis-faults-{REDIS_PORT}")  # noqa: S108
        private.mkdir(exist_ok=True)
        where = ["--dir", str(private), "--logfile", str(private / "redis.log")]
    return [
        "redis-server",
        "--daemonize",
        "yes",
        "--bind",
        "127.0.0.1",
        "-::1",
        "--port",
        str(REDIS_PORT),
        "--save",
        "",
        "--appendonly",
        "no",
        *where,
    ]


def redis_up() -> bool:
    done = subprocess.run(  # noqa: S603
        ["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "ping"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() == "PONG"


def start_redis() -> None:
    subprocess.run(redis_command(), check=True)  # noqa: S603
    deadline = time.monotonic() + 30
    while not redis_up():
        if time.monotonic() > deadline:
            raise RuntimeError("Redis did not come back within 30 s")
        time.sleep(0.2)


def stop_redis() -> None:
    subprocess.run(  # noqa: S603
        ["redis-cli", "-h", "127.0.0.1", "-p", str(REDIS_PORT), "shutdown", "nosave"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    deadline = time.monotonic() + 10
    while redis_up():
        if time.monotonic() > deadline:
            raise RuntimeError("Redis did not stop")
        time.sleep(0.1)


class Traffic:
    """Client threads; every request is recorded with its phase and outcome."""

    def __init__(self, token: str, county_id: int):
        self.token = token
        self.county_id = county_id
        self.phase = "before"
        self.stop = threading.Event()
        self.records: list[tuple[str, str, str, float]] = []  # phase, kind, outcome, s
        self.runs: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def record(self, phase: str, kind: str, outcome: str, seconds: float) -> None:
        with self.lock:
            self.records.append((phase, kind, outcome, seconds))

    def call(self, kind: str, send, expect=(200,)) -> requests.Response | None:
        """Send, and record the outcome: ``ok`` when the status is expected."""
        phase, t0 = self.phase, time.monotonic()
        try:
            response = send()
            code = response.status_code
            outcome = "ok" if code in expect else str(code)
        except requests.RequestException as exc:
            response, outcome = None, type(exc).__name__
        self.record(phase, kind, outcome, time.monotonic() - t0)
        return response

    def api(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def page_session(self) -> requests.Session:
        session = requests.Session()
        self.sign_in_page(session)
        return session

    def sign_in_page(self, session: requests.Session) -> None:
        session.cookies.clear()
        self.call(
            "page",
            lambda: session.get(f"{c.BASE_URL}/accounts/login/", timeout=30),
        )
        self.call(
            "sign-in page",
            lambda: session.post(
                f"{c.BASE_URL}/accounts/login/",
                data={
                    "username": "fault_admin",
                    "password": ADMIN_PASSWORD,
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                allow_redirects=False,
                timeout=30,
            ),
            expect=(302,),
        )

    def reads(self) -> None:
        api = self.api()
        pages = self.page_session()
        paths = [
            ("api read", api, "/api/v1/needs/?page_size=20"),
            ("api read", api, "/api/v1/teachers/?page_size=20"),
            ("api read", api, "/api/v1/dashboard/"),
            ("api read", api, "/api/v1/matching-runs/"),
            ("page", pages, "/needs/"),
            ("page", pages, "/dashboard/"),
            ("page", pages, "/matching/runs/"),
        ]
        i = 0
        while not self.stop.is_set():
            kind, session, path = paths[i % len(paths)]
            self.call(kind, lambda s=session, p=path: s.get(c.BASE_URL + p, timeout=30))
            i += 1
            time.sleep(0.1)

    def sign_ins(self) -> None:
        page = requests.Session()
        i = 0
        while not self.stop.is_set():
            if i % 2 == 0:
                self.call(
                    "sign-in api",
                    lambda: requests.post(
                        f"{c.BASE_URL}/api/v1/auth/token/",
                        json={"username": "fault_admin", "password": ADMIN_PASSWORD},
                        timeout=30,
                    ),
                )
            else:
                self.sign_in_page(page)
            i += 1
            self.stop.wait(2.5)

    def run_starts(self) -> None:
        api = self.api()
        while not self.stop.is_set():
            phase = self.phase
            response = self.call(
                "run start",
                lambda: api.post(
                    f"{c.BASE_URL}/api/v1/matching-runs/",
                    json={"county": self.county_id},
                    timeout=30,
                ),
                expect=(202,),
            )
            if response is not None and response.status_code == 202:
                with self.lock:
                    self.runs.append((phase, response.json()["id"]))
            self.stop.wait(4)

    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=target, daemon=True)
            for target in (self.reads, self.reads, self.reads, self.sign_ins)
        ]
        threads.append(threading.Thread(target=self.run_starts, daemon=True))
        for thread in threads:
            thread.start()
        return threads


def summarise(traffic: Traffic) -> dict:
    out: dict = {}
    for phase in ("before", "outage", "after"):
        rows = [r for r in traffic.records if r[0] == phase]
        failed = [r for r in rows if r[2] != "ok"]
        slowest = max((r[3] for r in rows), default=0.0)
        kinds = sorted({r[1] for r in failed})
        out[phase] = (len(rows), len(failed), slowest, kinds)
        c.say(
            f"{phase}: {len(rows)} requests, {len(failed)} failed {kinds or ''}, "
            f"slowest {slowest * 1000:.0f} ms"
        )
    return out


def send_sweep() -> None:
    """The sweep beat sends every five minutes (stale_after 0 s here, 10 minutes
    in the schedule); retried while this process's broker connection recovers."""
    for attempt in range(10):
        try:
            tasks.recover_runs.delay(0)
            return
        except Exception as exc:
            c.say(f"sending the sweep failed ({exc}); again")
            time.sleep(1 + attempt)
    raise RuntimeError("could not send the sweep")


def main() -> int:
    procs = c.Processes()
    private = REDIS_PORT != 6379
    if private:
        start_redis()  # a trial run's own server, stopped again at the end
        atexit.register(stop_redis)
    elif not redis_up():
        raise SystemExit("Redis on 6379 is not running: start it first")
    c.say("preparing database assist_faults (demo world)")
    c.ensure_database()
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    c.reset_matching()
    c.purge_queue()
    _admin, token = c.admin_user()
    county = County.objects.get(code="610929")  # 白河县, the demo county
    c.start_gunicorn(procs, workers=2)
    worker = c.start_worker(procs, "fault-redis-worker")
    traffic = Traffic(token, county.pk)
    threads = traffic.start()
    try:
        time.sleep(BEFORE_S)
        c.say(f"stopping Redis on port {REDIS_PORT} for {OUTAGE_S:.0f} s")
        traffic.phase = "outage"
        stop_redis()
        time.sleep(OUTAGE_S)
    finally:
        if not redis_up():
            c.say("starting Redis again: " + " ".join(redis_command()))
            start_redis()
        traffic.phase = "after"
    reconnect_s = c.wait_for_worker(worker, timeout=TIMEOUT)
    c.say(f"the worker answers again {reconnect_s:.1f} s after Redis is back")
    time.sleep(AFTER_S)
    traffic.stop.set()
    for thread in threads:
        thread.join(40)

    # The sweep sends again the runs whose message never reached the broker.
    left = list(
        MatchingRun.objects.filter(status="queued").values_list("pk", flat=True)
    )
    c.say(f"runs still queued before the sweep (message lost): {left}")
    send_sweep()
    deadline = time.monotonic() + TIMEOUT
    while MatchingRun.objects.filter(status__in=["queued", "running"]).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    statuses = dict(MatchingRun.objects.values_list("pk", "status"))
    by_phase: dict[str, list[str]] = {}
    for phase, run_id in traffic.runs:
        by_phase.setdefault(phase, []).append(statuses.get(run_id, "missing"))
    for phase, states in by_phase.items():
        c.say(f"runs started {phase}: {len(states)}: {sorted(states)}")
    unfinished = sum(
        1
        for _, run_id in traffic.runs
        if statuses.get(run_id) not in ("succeeded", "skipped")
    )
    phases = summarise(traffic)
    failed = sum(p[1] for p in phases.values())
    outage = phases["outage"]
    lost = failed + unfinished
    return c.finish(
        procs,
        NAME,
        lost=lost,
        requests=len(traffic.records),
        failed_requests=failed,
        outage_requests=outage[0],
        outage_failed=outage[1],
        outage_slowest_ms=f"{outage[2] * 1000:.0f}",
        runs_started=len(traffic.runs),
        runs_started_in_outage=len(by_phase.get("outage", [])),
        requeued_by_sweep=len(left),
        runs_unfinished=unfinished,
        worker_reconnect_s=f"{reconnect_s:.1f}",
        outage_s=f"{OUTAGE_S:.0f}",
    )


if __name__ == "__main__":
    sys.exit(main())
