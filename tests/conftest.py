"""Shared fixtures: a small world of two counties and the personas who work in it.

Personas (healthchecks-style): ``admin``; ``coord_a`` (county A), ``coord_b`` (county
B), ``coord_ab`` (both); ``staff_a`` (school A1 in county A), ``staff_b`` (school B1 in
county B); ``teacher_a`` and ``teacher_b`` (dispatched teachers stationed in A and B);
``outsider`` (a coordinator with no county). Built by ``demo.world`` (its
:class:`~demo.world.Builder`), as the demo and the benchmarks are."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from assist_platform.celery import app as celery_app
from demo.world import Builder
from places.models import SchoolKind

from . import factories as f

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in process unless a test asks for the real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


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
