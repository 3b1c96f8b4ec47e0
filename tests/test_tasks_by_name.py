"""Services hand work to Celery by task name (common/tasks.py). In a fresh web
process no ``tasks`` module has been imported yet; the lookup must still find them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import django
django.setup()
import sys
from common.tasks import task
assert "matching.tasks" not in sys.modules
for name in ("matching.run_matching", "evaluations.cycle_open",
             "evaluations.cycle_close"):
    print(task(name).name)
"""


def test_a_fresh_process_finds_every_task_by_name():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "assist_platform.settings"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "matching.run_matching",
        "evaluations.cycle_open",
        "evaluations.cycle_close",
    ]
