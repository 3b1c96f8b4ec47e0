"""Shared fixtures: a small world of two counties and the personas who work in it.

Personas (healthchecks-style): ``admin``; ``coord_a`` (county A), ``coord_b`` (county
B), ``coord_ab`` (both); ``staff_a`` (school A1 in county A), ``staff_b`` (school B1 in
county B); ``teacher_a`` and ``teacher_b`` (dispatched teachers stationed in A and B);
``outsider`` (a coordinator with no county). Built by ``demo.world`` (its
:class:`~demo.world.Builder`), as the demo and the benchmarks are."""

import os
import time
from types import SimpleNamespace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.test.signals import setting_changed
from rest_framework.test import APIClient

from accounts import throttling
from accounts.models import Role
from assist_platform.celery import app as celery_app
from demo.world import Builder
from places.models import SchoolKind

from . import factories as f

PASSWORD = "pw-for-tests-123"
# The REDIS_URL the run was started with, before a worker moved to its own DB.
BASE_REDIS_URL = pytest.StashKey[str]()


def worker_number(config) -> int | None:
    """N for pytest-xdist's worker ``gwN``; None in a single-process run."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    return int(worker.removeprefix("gw")) if worker else None


def worker_redis_url(url: str, number: int) -> str:
    """The Redis URL of worker ``gwN``: the same server, its DB number minus N (gw0
    keeps the DB of ``url``), so that workers never see each other's cache entries,
    rate-limit counters or Celery queues. The DB is the URL's path (``redis://``,
    ``rediss://``) or its ``db`` parameter (``unix://``), 0 when it has neither."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    in_path = parts.scheme in ("redis", "rediss") and parts.path.strip("/") != ""
    base = int(parts.path.strip("/") if in_path else query.get("db", 0))
    db = base - number
    if db < 0:
        raise pytest.UsageError(
            f"REDIS_URL {url} leaves no Redis DB for worker gw{number}: "
            "give TEST_REDIS_URL a DB number of at least TEST_WORKERS - 1"
        )
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{db}"))
    # unix:///path: urlunsplit would drop the empty host's "//".
    return url.split("?", 1)[0] + "?" + urlencode({**query, "db": db})


def pytest_configure(config):
    """Under pytest-xdist each worker moves to its own Redis DB. Django's settings
    were read (pytest-django loads them before any conftest), so the values built
    from REDIS_URL are moved here, before any test touches the cache or the broker;
    subprocesses (the real Celery worker, start-up checks) inherit the environment."""
    config.stash[BASE_REDIS_URL] = settings.REDIS_URL
    number = worker_number(config)
    if number is None or not settings.REDIS_URL:
        return
    url = worker_redis_url(settings.REDIS_URL, number)
    os.environ["REDIS_URL"] = url
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    # Django's own handler drops the cache connections made with the old value.
    setting_changed.send(
        sender=type(settings), setting="CACHES", value=settings.CACHES, enter=True
    )
    celery_app.conf.broker_url = url


def _serialized_rollback(request) -> bool:
    """Whether the test asks for pytest-django's serialized rollback."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("serialized_rollback"):
        return True
    return "django_db_serialized_rollback" in request.fixturenames


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Around pytest-django's database set-up of each test.

    A serialized rollback loads the snapshot of the new test database (the content
    types, permissions and catalogue that migrations made) back under the ids it
    was taken with. A transactional test without one ends by flushing the tables,
    after which Django re-creates content types and permissions under NEW ids; the
    snapshot's rows would then collide with them (duplicate key on
    django_content_type). So the tables are emptied first, without re-creating
    anything, whenever they hold content types: the snapshot then lands in empty
    tables, whatever ran before in this process (the order differs per worker).

    After the set-up of a transactional test, ContentType's cache is dropped: it
    may hold the ids of rows that a flush or a snapshot load replaced."""
    if fixturedef.argname != "_django_db_helper":
        return (yield)
    if _serialized_rollback(request):
        with request.getfixturevalue("django_db_blocker").unblock():
            for alias in connections:
                if not hasattr(connections[alias], "_test_serialized_contents"):
                    continue
                if ContentType.objects.using(alias).exists():
                    call_command(
                        "flush",
                        verbosity=0,
                        interactive=False,
                        database=alias,
                        reset_sequences=False,
                        inhibit_post_migrate=True,
                    )
    result = yield
    if not connection.in_atomic_block:  # transactional: no test transaction
        ContentType.objects.clear_cache()
    return result


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in process unless a test asks for the real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _throttle_clock_from_mid_window(monkeypatch):
    """The sign-in throttle counts failures over fixed windows, so a test that
    happened to straddle a window's end saw its counters start again (and, say, a
    third failure allowed). The throttle's clock runs at the real pace from the
    middle of a window."""
    real_start, started = time.time(), time.monotonic()

    def clock() -> float:
        window = settings.LOGIN_THROTTLE_WINDOW
        middle = (real_start // window) * window + window / 2
        return middle + (time.monotonic() - started)

    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=clock))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are made for every test; the production hasher would take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded evidence goes to a directory of the test, never the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    return build_world()


def people(world, school) -> dict:
    """Who takes the steps of a need of ``school``: its county's staff and
    coordinator in ``world`` (county A's for a school of A, else B's)."""
    if school.county_id == world.county_a.id:
        return {"staff": world.users.staff_a, "coordinator": world.users.coord_a}
    return {"staff": world.users.staff_b, "coordinator": world.users.coord_b}


def build_world():
    """The objects of ``world``, made in the database that is open."""
    build = Builder(password=PASSWORD)
    county_a = build.county(code="610929", name="白河县", province="陕西省")
    county_b = build.county(code="610928", name="旬阳市", province="陕西省")
    liyang = build.county(code="320481", name="溧阳市", province="江苏省")
    school_a = build.school(county=county_a, name="白河县职业教育中心")
    school_a2 = build.school(county=county_a, name="白河县第二职业中学")
    school_b = build.school(county=county_b, name="旬阳市职业教育中心")
    home = build.school(
        county=liyang, name="溧阳中等专业学校", kind=SchoolKind.SUPPORTING
    )
    family = f.SpecialtyFamilyFactory(code="73", name="财经商贸大类")
    ecommerce = f.SpecialtyFactory(code="730701", name="电子商务", family=family)
    accounting = f.SpecialtyFactory(code="730301", name="会计事务", family=family)

    coordinator, staff = Role.COORDINATOR, Role.SCHOOL_STAFF
    users = SimpleNamespace(
        admin=build.person("admin", role=Role.ADMIN),
        coord_a=build.person("coord_a", role=coordinator, counties=[county_a]),
        coord_b=build.person("coord_b", role=coordinator, counties=[county_b]),
        coord_ab=build.person(
            "coord_ab", role=coordinator, counties=[county_a, county_b]
        ),
        staff_a=build.person("staff_a", role=staff, school=school_a),
        staff_b=build.person("staff_b", role=staff, school=school_b),
        teacher_a=build.person("teacher_a", role=Role.TEACHER),
        teacher_b=build.person("teacher_b", role=Role.TEACHER),
        outsider=build.person("outsider", role=coordinator),
    )
    teacher_a = build.teacher(
        home_school=home,
        name="张老师",
        county=county_a,
        user=users.teacher_a,
        skills={ecommerce: 5},
        **f.SERVICE,
    )
    teacher_b = build.teacher(
        home_school=home,
        name="李老师",
        county=county_b,
        user=users.teacher_b,
        skills={accounting: 3},
        **f.SERVICE,
    )
    return SimpleNamespace(
        county_a=county_a,
        county_b=county_b,
        liyang=liyang,
        school_a=school_a,
        school_a2=school_a2,
        school_b=school_b,
        home=home,
        family=family,
        ecommerce=ecommerce,
        accounting=accounting,
        teacher_a=teacher_a,
        teacher_b=teacher_b,
        users=users,
    )


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` authenticates it as that persona."""
    client = APIClient()

    def as_user(user):
        client.force_authenticate(user=user)
        return client

    client.as_user = as_user
    return client
