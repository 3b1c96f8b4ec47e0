"""The soak's own database, port, Redis database and log folder for
scripts/faults/_common.py (imported before it)."""

import os

os.environ.setdefault("FAULTS_DB_NAME", "assist_soak")
os.environ.setdefault("FAULTS_PORT", "8781")
os.environ.setdefault("FAULTS_REDIS_DB", "13")
os.environ.setdefault("FAULTS_LOG_DIR", "soak")
