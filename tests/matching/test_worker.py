"""End to end through a REAL Celery worker on the real Redis broker: the API answers
202 at once, the worker process runs the matching against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from assist_platform.celery import app as celery_app
from matching.models import Assignment, MatchingRun

from .helpers import open_need, teacher

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds, for the worker to start and for the run to finish


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return (
        f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def worker(tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and REDIS_URL (make test sets both)")
    name = f"matching-test-{uuid.uuid4().hex[:8]}@%h"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "assist_platform",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            name,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        hostname = name.replace("%h", os.uname().nodename)
        while not celery_app.control.ping(destination=[hostname], timeout=1):
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
        process.log_path = log_path
        yield process
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
        connection.close()


def test_a_run_posted_through_the_api_is_done_by_a_real_worker(api, worker):
    from .. import factories as f

    county = f.CountyFactory(name="白河县", code="610929")
    spec = f.SpecialtyFactory(code="730701")
    school = f.SchoolFactory(county=county)
    for _ in range(3):
        open_need(school, spec)
    for _ in range(2):
        teacher(county, spec)
    coordinator = f.UserFactory(
        username="coord_worker", role="coordinator", counties=[county]
    )

    celery_app.conf.task_always_eager = False  # the autouse fixture restores it
    response = api.as_user(coordinator).post(
        "/api/v1/matching-runs/", {"county": county.pk}, format="json"
    )

    assert response.status_code == 202
    run_id = response.json()["id"]
    deadline = time.monotonic() + TIMEOUT
    while True:
        run = MatchingRun.objects.get(pk=run_id)
        if run.status in ("succeeded", "failed", "skipped"):
            break
        assert worker.poll() is None, worker.log_path.read_text()
        assert time.monotonic() < deadline, worker.log_path.read_text()
        time.sleep(0.2)
    assert run.status == "succeeded", run.error
    assert run.stats["proposed"] == 2
    assert Assignment.objects.filter(run=run, status="proposed").count() == 2
