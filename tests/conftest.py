"""Shared fixtures: a small world of two counties and the personas who work in it.

Personas (healthchecks-style): ``admin``; ``coord_a`` (county A), ``coord_b`` (county
B), ``coord_ab`` (both); ``staff_a`` (school A1 in county A), ``staff_b`` (school B1 in
county B); ``teacher_a`` and ``teacher_b`` (dispatched teachers stationed in A and B);
``outsider`` (a coordinator with no county)."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from assist_platform.celery import app as celery_app

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
    county_a = f.CountyFactory(name="白河县", province="陕西省", code="610929")
    county_b = f.CountyFactory(name="旬阳市", province="陕西省", code="610928")
    liyang = f.CountyFactory(name="溧阳市", province="江苏省", code="320481")
    school_a = f.SchoolFactory(name="白河县职业教育中心", county=county_a)
    school_a2 = f.SchoolFactory(name="白河县第二职业中学", county=county_a)
    school_b = f.SchoolFactory(name="旬阳市职业教育中心", county=county_b)
    home = f.SchoolFactory(name="溧阳中等专业学校", county=liyang, kind="supporting")
    family = f.SpecialtyFamilyFactory(code="73", name="财经商贸大类")
    ecommerce = f.SpecialtyFactory(code="730701", name="电子商务", family=family)
    accounting = f.SpecialtyFactory(code="730301", name="会计事务", family=family)
    teacher_a = f.TeacherFactory(name="张老师", home_school=home, county=county_a)
    teacher_b = f.TeacherFactory(name="李老师", home_school=home, county=county_b)
    f.TeacherSkillFactory(teacher=teacher_a, specialty=ecommerce, level=5)
    f.TeacherSkillFactory(teacher=teacher_b, specialty=accounting, level=3)

    users = SimpleNamespace(
        admin=f.UserFactory(username="admin", role=Role.ADMIN),
        coord_a=f.UserFactory(
            username="coord_a", role=Role.COORDINATOR, counties=[county_a]
        ),
        coord_b=f.UserFactory(
            username="coord_b", role=Role.COORDINATOR, counties=[county_b]
        ),
        coord_ab=f.UserFactory(
            username="coord_ab", role=Role.COORDINATOR, counties=[county_a, county_b]
        ),
        staff_a=f.UserFactory(
            username="staff_a", role=Role.SCHOOL_STAFF, school=school_a
        ),
        staff_b=f.UserFactory(
            username="staff_b", role=Role.SCHOOL_STAFF, school=school_b
        ),
        teacher_a=f.UserFactory(username="teacher_a", role=Role.TEACHER),
        teacher_b=f.UserFactory(username="teacher_b", role=Role.TEACHER),
        outsider=f.UserFactory(username="outsider", role=Role.COORDINATOR),
    )
    teacher_a.user = users.teacher_a
    teacher_a.save(update_fields=["user"])
    teacher_b.user = users.teacher_b
    teacher_b.save(update_fields=["user"])
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
