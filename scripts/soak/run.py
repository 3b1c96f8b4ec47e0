"""``make soak``: Locust, headless, against gunicorn on 127.0.0.1, with matching
running.

    .venv/bin/python scripts/soak/run.py            # or: make soak
    SOAK_USERS_N=100 SOAK_DURATION_S=60 ...          # the defaults
    make soak SOAK_USERS=50                          # the same through make

1. PostgreSQL database ``assist_soak``, made afresh: migrate, ``load_demo``,
   scripts/soak/prepare.py (thousands of needs and teachers in the demo counties,
   proposals, accepted assignments, the soak's accounts), and ``bench_matching``'s
   province data (10,000 open needs in 25 counties) for the matching run;
2. production-like settings: ``DEBUG=0``, a secret key, ``SECURE_SSL_REDIRECT=0``,
   ``ALLOWED_HOSTS=127.0.0.1``, ``REDIS_URL`` (database 13), plain static files
   collected and served by WhiteNoise; gunicorn with 5 workers on 127.0.0.1:8781
   and one Celery worker;
3. every account signs in once (``POST /api/v1/auth/token/``; teachers also on the
   sign-in page for a session), before the measured time: sign-in hashing is
   deliberately slow (PBKDF2) and is no part of the steady state;
4. Locust: ``SOAK_USERS_N`` users (100) for 60 s, spawned 10 a second
   (scripts/soak/locustfile.py); from 10 s in, an admin
   starts matching runs of every county through the API, one after the other
   until the end, so that the Celery worker is matching during the soak;
5. prints req/s, p50, p95, p99 and errors, overall and per category and endpoint,
   and ends with ``soak users=.. duration_s=.. rps=.. p50_ms=.. p95_ms=..
   p99_ms=.. read_p95_ms=.. errors=..``.

Every process started here is stopped at the end, also on failure or Ctrl-C."""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "faults"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _env  # noqa: F401  (assist_soak, port 8781, Redis database 13)

# isort: split
import _common as c  # sets the environment (DEBUG=0 ...), then Django
import numpy as np
import psutil
import psycopg
import requests
from django.core.management import call_command

HERE = Path(__file__).resolve().parent
USERS_N = int(os.environ.get("SOAK_USERS_N", "100"))
DURATION_S = int(os.environ.get("SOAK_DURATION_S", "60"))
MATCHING_AT_S = 10.0
OUT = c.LOG_DIR


def fresh_database() -> None:
    with psycopg.connect(f"{c.PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{c.DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{c.DB_NAME}"')
    call_command("migrate", verbosity=0, interactive=False)


def prepare_data() -> dict:
    from prepare import prepare

    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    figures = prepare()
    from demo.management.commands import bench_matching as bench

    command = bench.Command(stdout=io.StringIO())
    command.postgres = True
    command._ensure_data("province", *bench.SCALES["province"])
    from needs.models import Need
    from teams.models import Teacher

    figures.update(needs=Need.objects.count(), teachers=Teacher.objects.count())
    call_command("collectstatic", verbosity=0, interactive=False)
    return figures


def sign_in_everyone() -> tuple[dict, float]:
    """Tokens for all, a session for the teachers: once per account."""
    from prepare import PASSWORD

    from accounts.models import User

    accounts = list(
        User.objects.filter(username__startswith="soak_")
        .order_by("username")
        .values_list("username", "role")
    )

    def sign_in(account):
        username, role = account
        token = requests.post(
            f"{c.BASE_URL}/api/v1/auth/token/",
            json={"username": username, "password": PASSWORD},
            timeout=60,
        )
        token.raise_for_status()
        entry = {"username": username, "token": token.json()["token"], "cookies": {}}
        if role == "teacher":
            session = requests.Session()
            session.get(f"{c.BASE_URL}/accounts/login/", timeout=60)
            page = session.post(
                f"{c.BASE_URL}/accounts/login/",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
                allow_redirects=False,
                timeout=60,
            )
            if page.status_code != 302:
                raise RuntimeError(f"{username}: sign-in page {page.status_code}")
            entry["cookies"] = session.cookies.get_dict()
        return role, entry

    t0 = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(sign_in, accounts))
    users: dict[str, list] = {
        "coordinator": [],
        "staff": [],
        "teacher": [],
        "admin": [],
    }
    kinds = {
        "coordinator": "coordinator",
        "school_staff": "staff",
        "teacher": "teacher",
    }
    for role, entry in results:
        users[kinds.get(role, "admin")].append(entry)
    return users, time.monotonic() - t0


class MatchingWatch:
    """Keeps matching running: from ``MATCHING_AT_S`` until the last few seconds
    an admin starts a run of every county through the API, waits for it, and
    starts the next (the first run proposes; the later ones read, pair and solve
    again and find little new)."""

    def __init__(self, token: str):
        self.token = token
        self.runs: list[tuple[int, float, float, str, int, int]] = []
        self.problem = ""

    def __call__(self, t_soak: float) -> None:
        headers = {"Authorization": f"Token {self.token}"}
        while time.monotonic() - t_soak < DURATION_S - 5:
            started = time.monotonic() - t_soak
            response = requests.post(
                f"{c.BASE_URL}/api/v1/matching-runs/",
                json={},
                headers=headers,
                timeout=60,
            )
            if response.status_code != 202:
                self.problem = f"could not start matching: {response.status_code}"
                return
            run_id = response.json()["id"]
            while time.monotonic() - t_soak < DURATION_S + 120:
                run = requests.get(
                    f"{c.BASE_URL}/api/v1/matching-runs/{run_id}/",
                    headers=headers,
                    timeout=60,
                ).json()
                if run["status"] in ("succeeded", "failed", "skipped"):
                    stats = run.get("stats") or {}
                    self.runs.append(
                        (
                            run_id,
                            started,
                            time.monotonic() - t_soak,
                            run["status"],
                            stats.get("children", 0),
                            stats.get("proposed", 0),
                        )
                    )
                    break
                time.sleep(0.5)
            else:
                self.problem = f"run #{run_id} did not finish"
                return

    def summary(self) -> str:
        if not self.runs:
            return f"no matching run finished {self.problem}"
        busy = sum(end - start for _, start, end, *_ in self.runs)
        first = self.runs[0]
        return (
            f"{len(self.runs)} runs of every county back to back from "
            f"{first[1]:.0f} s to {self.runs[-1][2]:.0f} s (matching {busy:.0f} s of "
            f"the {DURATION_S} s), statuses {sorted({r[3] for r in self.runs})}; the "
            f"first: {first[4]} county runs, {first[5]} proposals in "
            f"{first[2] - first[1]:.0f} s {self.problem}"
        )


def percentiles(values) -> tuple[float, float, float]:
    if not values:
        return (float("nan"),) * 3
    p50, p95, p99 = np.percentile(np.asarray(values, dtype=float), [50, 95, 99])
    return float(p50), float(p95), float(p99)


def report(samples: list, duration: float) -> dict:
    rows = [s for s in samples if s[0] != "conflict"]
    conflicts = sum(1 for s in samples if s[0] == "conflict")
    out = {}
    print(
        f"\n{'':<34}{'requests':>9}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'errors':>8}"
    )

    def line(label, group):
        p50, p95, p99 = percentiles([s[2] for s in group])
        errors = sum(1 for s in group if not s[3])
        print(
            f"{label:<34}{len(group):>9}{len(group) / duration:>8.1f}{p50:>7.0f}"
            f"{p95:>7.0f}{p99:>7.0f}{errors:>8}"
        )
        return len(group), p50, p95, p99, errors

    out["all"] = line("all (ms)", rows)
    for category in ("read", "write", "page"):
        group = [s for s in rows if s[0] == category]
        out[category] = line(
            f"  {category} ({100 * len(group) / max(len(rows), 1):.0f}%)", group
        )
    print()
    for name in sorted({s[1] for s in rows}):
        line(f"  {name}", [s for s in rows if s[1] == name])
    print(f"\nreview conflicts (409: another coordinator was first): {conflicts}")
    return out


def _group_cpu(proc) -> dict[int, float]:
    """CPU seconds (user + system) of a process and its children, by pid."""
    out = {}
    try:
        root = psutil.Process(proc.pid)
        for each in [root, *root.children(recursive=True)]:
            times = each.cpu_times()
            out[each.pid] = times.user + times.system
    except psutil.Error:
        pass
    return out


def _postgres_cpu() -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving assist_soak."""
    with psycopg.connect(f"{c.PG}/postgres", autocommit=True) as admin:
        pids = [
            row[0]
            for row in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [c.DB_NAME]
            )
        ]
    out = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            out[pid] = times.user + times.system
        except psutil.Error:
            pass
    return out


def cpu_snapshot(groups: dict) -> dict:
    snapshot = {name: _group_cpu(proc) for name, proc in groups.items()}
    snapshot["postgres (assist_soak)"] = _postgres_cpu()
    machine = psutil.cpu_times()
    snapshot["_machine"] = (
        sum(machine) - machine.idle - getattr(machine, "iowait", 0.0),
        sum(machine),
    )
    return snapshot


def cpu_report(before: dict, after: dict, seconds: float) -> None:
    """Where the machine's CPU went during the soak (core-seconds)."""
    ours = 0.0
    parts = []
    for name, pids in after.items():
        if name.startswith("_"):
            continue
        used = sum(t - before[name].get(pid, 0.0) for pid, t in pids.items())
        ours += used
        parts.append(f"{name} {used:.1f}")
    busy = after["_machine"][0] - before["_machine"][0]
    total = after["_machine"][1] - before["_machine"][1]
    cores = psutil.cpu_count() or 1
    print(
        f"CPU during the soak ({seconds:.0f} s x {cores} cores = {total:.0f} "
        f"core-s): {', '.join(parts)}; everything else on the machine "
        f"{max(busy - ours, 0):.0f}; idle {total - busy:.0f}"
    )


def server_side(access_log: Path, offset: int) -> None:
    """gunicorn's own time per request (from its access log): what the client
    waited beyond it was spent queueing for a free worker."""
    with access_log.open(encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        rows = [line.split() for line in log if line.strip()]
    ms = [float(r[3]) for r in rows if len(r) == 4]
    reads = [
        float(r[3])
        for r in rows
        if len(r) == 4 and r[0] == "GET" and r[1].startswith("/api/")
    ]
    p50, p95, p99 = percentiles(ms)
    r50, r95, _r99 = percentiles(reads)
    print(
        f"gunicorn's own time per request: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
        f"p99 {p99:.0f} ms ({len(ms)} requests); API reads p50 {r50:.0f}, "
        f"p95 {r95:.0f}"
    )


def main() -> int:
    procs = c.Processes()
    t0 = time.monotonic()
    OUT.mkdir(parents=True, exist_ok=True)
    c.say(f"database {c.DB_NAME}: migrate, demo world, soak data, matching data")
    fresh_database()
    figures = prepare_data()
    c.say(f"data: {figures}")
    c.purge_queue()
    access_log = OUT / "access.log"
    access_log.unlink(missing_ok=True)
    gunicorn = c.start_gunicorn(
        procs,
        workers=5,
        extra=[
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(M)s",
        ],
    )
    worker = c.start_worker(procs, "soak-worker")
    users, auth_s = sign_in_everyone()
    c.say(
        f"signed in {sum(len(v) for v in users.values())} accounts once "
        f"({len(users['teacher'])} with a session too) in {auth_s:.0f} s"
    )
    users_path, samples_path = OUT / "users.json", OUT / "samples.json"
    users_path.write_text(json.dumps(users), encoding="utf-8")
    samples_path.unlink(missing_ok=True)
    locust = procs.start(
        [
            str(c.ROOT / ".venv" / "bin" / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(USERS_N),
            "--spawn-rate",
            "10",
            "--run-time",
            f"{DURATION_S}s",
            "--stop-timeout",
            "10",
            "--host",
            c.BASE_URL,
            "--only-summary",
            "--csv",
            str(OUT / "locust"),
            "--loglevel",
            "WARNING",
        ],
        "locust.log",
        env={"SOAK_USERS": str(users_path), "SOAK_SAMPLES": str(samples_path)},
    )
    t_soak = time.monotonic()
    access_offset = access_log.stat().st_size
    groups = {"gunicorn": gunicorn, "celery worker": worker}
    cpu_before = cpu_snapshot(groups)
    reaped_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    watch = MatchingWatch(users["admin"][0]["token"])
    timer = threading.Timer(MATCHING_AT_S, watch, args=(t_soak,))
    timer.start()
    try:
        locust.wait(DURATION_S + 90)
        cpu_after = cpu_snapshot(groups)
        # locust is the only child reaped meanwhile: its CPU is the difference.
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_after["locust"] = {
            0: reaped.ru_utime
            + reaped.ru_stime
            - reaped_before.ru_utime
            - reaped_before.ru_stime
        }
        cpu_before["locust"] = {}
    finally:
        timer.cancel()
    timer.join(DURATION_S + 130)
    duration = float(DURATION_S)
    samples = json.loads(samples_path.read_text(encoding="utf-8"))
    c.say(f"locust exited with {locust.returncode}; log: {locust.log_path}")
    figures = report(samples, duration)
    c.say(f"matching during the soak: {watch.summary()}")
    server_side(access_log, access_offset)
    cpu_report(cpu_before, cpu_after, time.monotonic() - t_soak)
    count, p50, p95, p99, errors = figures["all"]
    read_p95 = figures["read"][2]
    procs.stop_all()
    c.say(f"total {time.monotonic() - t0:.0f} s")
    print(
        f"soak users={USERS_N} duration_s={DURATION_S} rps={count / duration:.1f} "
        f"p50_ms={p50:.0f} p95_ms={p95:.0f} p99_ms={p99:.0f} "
        f"read_p95_ms={read_p95:.0f} errors={errors}",
        flush=True,
    )
    return 0 if errors == 0 and read_p95 < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
