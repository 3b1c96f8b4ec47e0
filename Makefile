# Two commands do all set-up: `make demo` (SQLite, demo data, http://127.0.0.1:8000)
# and `make test` (the whole suite against PostgreSQL and Redis on 127.0.0.1).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/assist_platform
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The suite runs in TEST_WORKERS processes (pytest-xdist; 0: a single process, as
# before). Worker gwN gets its own test database (pytest-django appends _gwN to its
# name) and its own Redis DB: TEST_REDIS_URL's DB number minus N (gw0 15, gw1 14 by
# default; tests/conftest.py derives it), so keep that many DBs below it free.
# Tests that must not run at the same time share an xdist_group (--dist loadgroup).
TEST_WORKERS ?= 2

.PHONY: demo test lint format services install messages migrations-check soak clean

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Chart.js for the dashboard, from npm at set-up time (package-lock.json pins it;
# served through staticfiles, never from a CDN); again whenever the lock changes.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		echo "install: npm not found, the dashboard shows no charts (Debian: apt-get install npm)" >&2; \
	fi

install: $(VENV)/.installed node_modules/.installed

demo: install
	mkdir -p var
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py run_matching
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

services:
	./scripts/services.sh

test: services install
	mkdir -p var/static
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	SECRET_KEY=test-only-secret-key-not-for-production-0123456789abcdef \
	SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage \
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=var
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

migrations-check: install
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

# Locust, SOAK_USERS users (100) for SOAK_DURATION_S seconds (60), against gunicorn
# (5 workers) on 127.0.0.1 with a Celery worker and a matching run going; its own
# database assist_soak, made afresh. Prints req/s and p50/p95/p99 (ms) per category
# and gunicorn's own time per request; the last line sums it up.
SOAK_USERS ?= 100
SOAK_DURATION_S ?= 60
soak: services install
	SOAK_USERS_N=$(SOAK_USERS) SOAK_DURATION_S=$(SOAK_DURATION_S) $(PY) scripts/soak/run.py

clean:
	rm -rf $(VENV) var/db.sqlite3 var/static
