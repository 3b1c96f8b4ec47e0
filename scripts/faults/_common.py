"""What the fault scripts share: their own database, the processes they start (always
stopped again, even on failure), a deterministic data set, HTTP on 127.0.0.1.

Each script runs the fault against 127.0.0.1 only:

- PostgreSQL database ``assist_faults`` (created and migrated here; the data set is
  made once and reused, the matching tables are emptied before each script);
- Redis database 12 on the default port (``redis://127.0.0.1:6379/12``) as broker
  and cache, so the scripts' queues never mix with the test suites' databases;
- gunicorn on 127.0.0.1:8771 and Celery workers, started as process groups and
  stopped with SIGTERM then SIGKILL (``Processes``) whatever happens.

Import this module first: it sets the environment (production-like settings:
``DEBUG=0``, a secret key, no TLS redirect) before Django is set up."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DB_NAME = os.environ.get("FAULTS_DB_NAME", "assist_faults")
# FAULTS_PG_PORT: a trial of postgres_restart.py against a private cluster.
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5432"))
PG = f"postgres://postgres:postgres@127.0.0.1:{PG_PORT}"
# FAULTS_REDIS_PORT: a trial of redis_outage.py against a private server.
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6379"))
REDIS_DB = int(os.environ.get("FAULTS_REDIS_DB", "12"))  # the soak uses 13
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/{REDIS_DB}"
PORT = int(os.environ.get("FAULTS_PORT", "8771"))
BASE_URL = f"http://127.0.0.1:{PORT}"
LOG_DIR = ROOT / "var" / os.environ.get("FAULTS_LOG_DIR", "faults")

ENV = {
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": REDIS_URL,
    "DEBUG": "0",
    "SECRET_KEY": "faults-only-secret-key-not-for-production-0123456789abcdef",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    "LOG_LEVEL": "WARNING",
    "PYTHONPATH": str(ROOT),
    "DJANGO_SETTINGS_MODULE": "assist_platform.settings",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from assist_platform.celery import app as celery_app  # noqa: E402


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------ processes


class Processes:
    """Every process a script starts, each in its own process group; all of them
    are stopped on exit (normal, exception, SIGINT/SIGTERM)."""

    def __init__(self):
        # Made first thing in a script: its total time counts from here.
        self.started = time.monotonic()
        self.procs: list[subprocess.Popen] = []
        self._logs = []
        atexit.register(self.stop_all)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        raise SystemExit(128 + signum)

    def start(self, args: list[str], log_name: str, env: dict | None = None):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = (LOG_DIR / log_name).open("w")
        self._logs.append(log)
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            args,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log_path = LOG_DIR / log_name
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        """Send ``sig`` to the process group of ``proc`` (the worker and its pool)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)

    def stop(self, proc: subprocess.Popen, timeout: float = 15) -> None:
        if proc.poll() is None:
            self.kill(proc, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill(proc, signal.SIGKILL)
                proc.wait(10)
        # Whatever the group leader did, leave none of its children behind.
        self.kill(proc, signal.SIGKILL)

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            try:
                self.stop(proc)
            except Exception as exc:  # keep stopping the others
                print(f"could not stop {proc.pid}: {exc}", file=sys.stderr)
        self.procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()


def finish(
    procs: Processes,
    name: str,
    *,
    lost: int,
    checks: dict[str, int] | None = None,
    **figures,
) -> int:
    """Print the script's last line, ``fault=<name> lost=<n> <figures>
    total_s=<s>``, and stop its processes. The exit status: 0 when nothing was lost
    and none of the ``checks`` (``integrity()``) found anything."""
    figures["total_s"] = f"{time.monotonic() - procs.started:.0f}"
    print(
        " ".join(
            f"{key}={value}"
            for key, value in {"fault": name, "lost": lost, **figures}.items()
        ),
        flush=True,
    )
    procs.stop_all()
    return 0 if lost == 0 and not any((checks or {}).values()) else 1


def worker_hostname(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}@{os.uname().nodename}"


def start_worker(procs: Processes, prefix: str, *, pool: str = "prefork"):
    """A Celery worker (concurrency 1) that has answered a ping."""
    hostname = worker_hostname(prefix)
    proc = procs.start(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "assist_platform",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            hostname,
        ],
        f"{prefix}.log",
    )
    proc.hostname = hostname
    wait_for_worker(proc)
    return proc


def wait_for_worker(proc, timeout: float = 90) -> float:
    """Seconds until the worker answers a ping (it reconnected / started)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {proc.log_path.read_text()[-2000:]}")
        try:
            if celery_app.control.ping(destination=[proc.hostname], timeout=1):
                return time.monotonic() - t0
        except Exception:  # broker unreachable: try again
            time.sleep(0.5)
    raise RuntimeError(f"worker {proc.hostname} did not answer within {timeout}s")


def start_gunicorn(procs: Processes, workers: int = 2, extra: list[str] | None = None):
    proc = procs.start(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "assist_platform.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            *(extra or []),
        ],
        "gunicorn.log",
    )
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {proc.log_path.read_text()[-2000:]}")
        try:
            if requests.get(f"{BASE_URL}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


# ------------------------------------------------------------------- database


def ensure_database() -> None:
    """Create ``assist_faults`` when missing and migrate it."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    call_command("migrate", verbosity=0, interactive=False)


def ensure_big_county(n_needs: int = 30_000, n_teachers: int = 6_000) -> int:
    """One county with ``n_needs`` open needs and ``n_teachers`` teachers, generated
    deterministically by ``bench_matching``'s generator (its ``faults`` scale: the
    real specialty catalogue, Zipf-popular families, realistic windows), then put
    into one county: a single county run big enough to take seconds. Reused when
    present. Returns the county id."""
    from demo.management.commands import bench_matching as bench

    bench.SCALES.setdefault("faults", (n_needs, n_teachers))
    command = bench.Command()
    command.postgres = True
    counties = command._ensure_data("faults", n_needs, n_teachers)
    first = counties[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE needs_school SET county_id = %s WHERE county_id = ANY(%s)",
            [first, counties],
        )
        cursor.execute(
            "UPDATE teams_teacher SET county_id = %s WHERE county_id = ANY(%s)",
            [first, counties],
        )
    return first


def reset_matching() -> None:
    """Empty the matching tables (this database belongs to the fault scripts)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE matching_unmatchedneeds, matching_activity,"
            " matching_historicalactivity, matching_assignment,"
            " matching_historicalassignment, matching_matchingrun CASCADE"
        )
        cursor.execute("UPDATE needs_need SET filled = 0 WHERE filled <> 0")
        cursor.execute("VACUUM ANALYZE matching_assignment")


def admin_user():
    """The scripts' admin account and its API token."""
    from accounts.models import Role, User
    from accounts.tokens import token_issue

    user, created = User.objects.get_or_create(
        username="fault_admin", defaults={"role": Role.ADMIN, "is_staff": True}
    )
    if created or not user.check_password("Fault@2026-admin"):
        user.set_password("Fault@2026-admin")
        user.save()
    return user, token_issue(user=user)


def purge_queue() -> None:
    """Drop messages an earlier script may have left in this Redis database."""
    try:
        celery_app.control.purge()
    except Exception as exc:  # Redis down: nothing to purge that we could reach
        say(f"could not purge the queue: {exc}")


def scalar(sql: str):
    """The one value a query returns."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def integrity() -> dict[str, int]:
    """Invariants over the whole database: what a fault must never break."""
    over_capacity = scalar(
        """
        SELECT count(*) FROM (
            SELECT t.id FROM teams_teacher t
            JOIN matching_assignment a ON a.teacher_id = t.id
            WHERE a.status IN ('proposed', 'accepted')
            GROUP BY t.id, t.capacity HAVING count(*) > t.capacity
        ) x
        """
    )
    duplicates = scalar(
        """
        SELECT count(*) FROM (
            SELECT need_id, teacher_id FROM matching_assignment
            WHERE status IN ('proposed', 'accepted')
            GROUP BY need_id, teacher_id HAVING count(*) > 1
        ) x
        """
    )
    over_headcount = scalar(
        """
        SELECT count(*) FROM (
            SELECT n.id FROM needs_need n
            JOIN matching_assignment a ON a.need_id = n.id
            WHERE a.status IN ('proposed', 'accepted', 'completed')
            GROUP BY n.id, n.headcount, n.filled
            HAVING count(*) FILTER (WHERE a.status <> 'proposed') > n.headcount
                OR count(*) > n.headcount
        ) x
        """
    )
    return {
        "over_capacity": over_capacity,
        "duplicates": duplicates,
        "over_headcount": over_headcount,
    }
