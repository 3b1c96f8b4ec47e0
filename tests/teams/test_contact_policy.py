"""One contact policy for a teacher's phone and e-mail, the same in the API, the
pages and every export: the teacher, the coordinators of the teacher's county, the
admins, and the staff of a school the teacher serves on an accepted assignment."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from accounts.scopes import sees_teacher_contact, with_teacher_contact
from teams.models import Teacher

from .. import factories as f
from .conftest import read_xlsx

PHONE = "13800000001"
EMAIL = "zhang@example.org"
PASSWORD = "pw-for-tests-123"


@pytest.fixture
def contact(world):
    """teacher_a (张老师, county A) with a phone and an account e-mail; accepted at
    school A, only proposed at school A2; teacher_b a team-mate of teacher_a."""
    teacher = world.teacher_a
    teacher.phone = PHONE
    teacher.save(update_fields=["phone"])
    User.objects.filter(pk=world.users.teacher_a.pk).update(email=EMAIL)
    served = f.NeedFactory(school=world.school_a, status="matched", filled=1)
    f.AssignmentFactory(need=served, teacher=teacher, status="accepted")
    proposed_at = f.NeedFactory(school=world.school_a2, status="open")
    f.AssignmentFactory(need=proposed_at, teacher=teacher, status="proposed")
    staff_a2 = f.UserFactory(
        username="staff_a2", role=Role.SCHOOL_STAFF, school=world.school_a2
    )
    team = f.TeamFactory(county=world.county_a, leader=teacher)
    team.members.set([teacher, world.teacher_b])
    return SimpleNamespace(teacher=teacher, staff_a2=staff_a2)


def persona(world, contact, name):
    return contact.staff_a2 if name == "staff_a2" else getattr(world.users, name)


# persona -> (the API's answer for teacher_a, whether the contact shows)
EXPECTED = {
    "teacher_a": (200, True),  # the teacher
    "coord_a": (200, True),  # a coordinator of the teacher's county
    "coord_ab": (200, True),
    "admin": (200, True),
    "staff_a": (200, True),  # staff of a school served on an accepted assignment
    "staff_a2": (200, False),  # staff of a school with only a proposal
    "staff_b": (404, False),  # staff of another school
    "coord_b": (404, False),  # a coordinator of another county
    "teacher_b": (200, False),  # a team-mate
    "outsider": (404, False),
}


@pytest.mark.parametrize("name", EXPECTED)
def test_the_policy_decides_per_persona(world, contact, name):
    _status, shown = EXPECTED[name]
    user = persona(world, contact, name)
    assert sees_teacher_contact(user, contact.teacher) is shown
    annotated = with_teacher_contact(
        user, Teacher.objects.filter(pk=contact.teacher.pk)
    )
    assert annotated.get().contact_visible is shown


@pytest.mark.parametrize("name", EXPECTED)
def test_the_api_shows_phone_and_email_per_the_policy(world, contact, api, name):
    status, shown = EXPECTED[name]
    client = api.as_user(persona(world, contact, name))
    detail = client.get(f"/api/v1/teachers/{contact.teacher.pk}/")
    assert detail.status_code == status
    listed = {t["id"]: t for t in client.get("/api/v1/teachers/").data["results"]}
    if status == 404:
        assert contact.teacher.pk not in listed
        return
    expected = (PHONE, EMAIL) if shown else (None, None)
    assert (detail.data["phone"], detail.data["email"]) == expected
    row = listed[contact.teacher.pk]
    assert (row["phone"], row["email"]) == expected


@pytest.mark.parametrize("name", EXPECTED)
def test_the_api_export_shows_the_phone_per_the_policy(world, contact, api, name):
    _status, shown = EXPECTED[name]
    response = api.as_user(persona(world, contact, name)).get(
        "/api/v1/teachers/export/"
    )
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    phone_column = rows[0].index("联系电话")
    by_name = {row[0]: row for row in rows[1:]}
    if "张老师" in by_name:
        assert (by_name["张老师"][phone_column] == PHONE) is shown
    else:
        assert not shown
    assert PHONE not in str(rows) or shown


def test_a_completed_assignment_no_longer_shows_the_contact(world, contact, api):
    contact.teacher.assignments.filter(status="accepted").update(status="completed")
    client = api.as_user(world.users.staff_a)
    detail = client.get(f"/api/v1/teachers/{contact.teacher.pk}/")
    assert detail.status_code == 200
    assert detail.data["phone"] is None and detail.data["email"] is None


def test_an_accepted_assignment_at_another_school_does_not_count(world, contact):
    """School and status must belong to the same assignment."""
    contact.teacher.assignments.filter(status="accepted").update(status="declined")
    other = f.NeedFactory(school=world.school_a2, status="matched", filled=1)
    f.AssignmentFactory(need=other, teacher=contact.teacher, status="accepted")
    assert not sees_teacher_contact(world.users.staff_a, contact.teacher)
    assert sees_teacher_contact(contact.staff_a2, contact.teacher)


def test_the_contact_costs_no_query_per_teacher(world, contact, api):
    client = api.as_user(world.users.staff_a)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/teachers/").status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        teacher = f.TeacherFactory(
            name=f"王老师{n}", home_school=world.home, county=world.county_a
        )
        need = f.NeedFactory(school=world.school_a, status="matched", filled=1)
        f.AssignmentFactory(need=need, teacher=teacher, status="accepted")
    assert queries() == before


# -- pages ---------------------------------------------------------------------------


def browser_for(user):
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize("name", ["coord_a", "coord_ab", "admin"])
def test_the_teacher_list_page_shows_the_contact_to_those_allowed(world, contact, name):
    page = browser_for(persona(world, contact, name)).get("/teams/teachers/")
    assert page.status_code == 200
    assert PHONE in page.content.decode() and EMAIL in page.content.decode()


@pytest.mark.parametrize("name", ["coord_a", "admin"])
def test_the_teacher_export_page_shows_the_phone_to_those_allowed(world, contact, name):
    response = browser_for(persona(world, contact, name)).get("/teams/teachers/export/")
    assert response.status_code == 200
    rows = read_xlsx(response.content)
    phone_column = rows[0].index("联系电话")
    assert {row[0]: row[phone_column] for row in rows[1:]}["张老师"] == PHONE


@pytest.mark.parametrize("name", ["coord_b", "staff_a", "staff_a2", "teacher_b"])
def test_no_page_shows_the_contact_to_anyone_else(world, contact, name):
    browser = browser_for(persona(world, contact, name))
    for path in (
        "/teams/teachers/",
        "/teams/teachers/export/",
        f"/teams/teachers/{contact.teacher.pk}/",
        "/me/",
    ):
        response = browser.get(path)
        assert PHONE.encode() not in response.content, path
        assert EMAIL.encode() not in response.content, path


def test_the_teacher_sees_their_own_contact_on_their_account_page(world, contact):
    page = browser_for(world.users.teacher_a).get("/me/")
    assert PHONE in page.content.decode() and EMAIL in page.content.decode()


def test_the_edit_page_is_only_for_those_the_policy_lets_see_the_phone(world, contact):
    """The teacher form carries the phone; who may open it must see it anyway."""
    path = f"/teams/teachers/{contact.teacher.pk}/"
    for name in EXPECTED:
        user = persona(world, contact, name)
        response = browser_for(user).get(path)
        if response.status_code == 200:
            assert sees_teacher_contact(user, contact.teacher), name
            assert PHONE in response.content.decode()


def test_a_coordinator_of_the_county_sets_the_phone_through_the_api(
    world, contact, api
):
    url = f"/api/v1/teachers/{contact.teacher.pk}/"
    response = api.as_user(world.users.coord_a).patch(
        url, {"phone": "13900000002"}, format="json"
    )
    assert response.status_code == 200
    assert response.data["phone"] == "13900000002"
    refused = api.as_user(world.users.staff_a).patch(
        url, {"phone": "000"}, format="json"
    )
    assert refused.status_code == 403
    contact.teacher.refresh_from_db()
    assert contact.teacher.phone == "13900000002"
