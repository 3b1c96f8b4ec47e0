"""teachers/ through the API: who sees and changes what, validation, filters."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needs.models import Specialty
from teams.models import Teacher

from .. import factories as f

URL = "/api/v1/teachers/"


def payload(world, **overrides):
    data = {
        "name": "赵新",
        "home_school": world.home.pk,
        "title": "高级讲师",
        "county": world.county_a.pk,
        "skills": [
            {"specialty": world.ecommerce.pk, "level": 5},
            {"specialty": world.accounting.pk, "level": 2},
        ],
        "available_from": "2026-09-01",
        "available_until": "2027-07-10",
        "capacity": 2,
    }
    data.update(overrides)
    return data


def names(response):
    return {row["name"] for row in response.json()["results"]}


# --- who sees what ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"张老师", "李老师"}),
        ("coord_a", {"张老师"}),
        ("coord_b", {"李老师"}),
        ("coord_ab", {"张老师", "李老师"}),
        ("staff_a", set()),
        ("teacher_a", {"张老师"}),
        ("outsider", set()),
    ],
)
def test_each_persona_lists_the_teachers_of_their_scope(api, world, persona, expected):
    response = api.as_user(getattr(world.users, persona)).get(URL)
    assert response.status_code == 200
    assert names(response) == expected


def test_list_has_the_fields_of_the_contract(api, world):
    row = api.as_user(world.users.coord_a).get(URL).json()["results"][0]
    assert set(row) == {
        "id",
        "name",
        "home_school",
        "title",
        "county",
        "skills",
        "available_from",
        "available_until",
        "capacity",
        "can_lead",
        "active",
        "phone",
        "email",
    }
    assert row["skills"] == [{"specialty": world.ecommerce.pk, "level": 5}]


def test_school_staff_see_teachers_assigned_to_their_school(api, world):
    need = f.NeedFactory(school=world.school_a, specialty=world.ecommerce)
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    response = api.as_user(world.users.staff_a).get(URL)
    assert names(response) == {"张老师"}


def test_anonymous_gets_401(api, world):
    assert api.get(URL).status_code == 401


@pytest.mark.parametrize("persona", ["coord_b", "staff_a", "teacher_b", "outsider"])
def test_teacher_outside_the_scope_is_404(api, world, persona):
    user = getattr(world.users, persona)
    response = api.as_user(user).get(f"{URL}{world.teacher_a.pk}/")
    assert response.status_code == 404
    response = api.as_user(user).patch(
        f"{URL}{world.teacher_a.pk}/", {"title": "x"}, format="json"
    )
    assert response.status_code == 404


# --- who may write ---------------------------------------------------------------


def test_coordinator_registers_a_teacher_with_skills(api, world):
    response = api.as_user(world.users.coord_a).post(URL, payload(world), format="json")
    assert response.status_code == 201, response.json()
    teacher = Teacher.objects.get(pk=response.json()["id"])
    assert teacher.county == world.county_a
    assert {(s.specialty_id, s.level) for s in teacher.skills.all()} == {
        (world.ecommerce.pk, 5),
        (world.accounting.pk, 2),
    }


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_roles_that_may_not_act_get_403_and_nothing_is_stored(api, world, persona):
    before = Teacher.objects.count()
    response = api.as_user(getattr(world.users, persona)).post(
        URL, payload(world), format="json"
    )
    assert response.status_code == 403
    assert Teacher.objects.count() == before


def test_coordinator_cannot_put_a_teacher_into_another_county(api, world):
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, county=world.county_b.pk), format="json"
    )
    assert response.status_code == 400
    assert "county" in response.json()
    assert not Teacher.objects.filter(name="赵新").exists()


def test_coordinator_cannot_move_their_teacher_into_another_county(api, world):
    response = api.as_user(world.users.coord_a).patch(
        f"{URL}{world.teacher_a.pk}/", {"county": world.county_b.pk}, format="json"
    )
    assert response.status_code == 400
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.county == world.county_a


def test_coordinator_without_counties_cannot_register_anyone(api, world):
    response = api.as_user(world.users.outsider).post(
        URL, payload(world), format="json"
    )
    assert response.status_code == 400
    assert not Teacher.objects.filter(name="赵新").exists()


def test_teacher_may_read_but_not_change_their_own_record(api, world):
    client = api.as_user(world.users.teacher_a)
    url = f"{URL}{world.teacher_a.pk}/"
    assert client.get(url).status_code == 200
    assert client.patch(url, {"capacity": 5}, format="json").status_code == 403
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.capacity == 2


def test_school_staff_who_see_a_teacher_still_may_not_change_them(api, world):
    need = f.NeedFactory(school=world.school_a, specialty=world.ecommerce)
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    response = api.as_user(world.users.staff_a).patch(
        f"{URL}{world.teacher_a.pk}/", {"capacity": 5}, format="json"
    )
    assert response.status_code == 403


def test_patch_replaces_skills_and_deactivates(api, world):
    response = api.as_user(world.users.coord_a).patch(
        f"{URL}{world.teacher_a.pk}/",
        {"skills": [{"specialty": world.accounting.pk, "level": 4}], "active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["skills"] == [{"specialty": world.accounting.pk, "level": 4}]
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.active is False


def test_admin_may_change_any_teacher(api, world):
    response = api.as_user(world.users.admin).patch(
        f"{URL}{world.teacher_b.pk}/", {"title": "正高级讲师"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["title"] == "正高级讲师"


# --- validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"available_until": "2026-08-01"}, "available_until"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 6}, "capacity"),
        ({"skills": [{"specialty": 1, "level": 6}]}, "skills"),
        ({"name": "  "}, "name"),
        ({"name": "张老师"}, "name"),  # same name, same home school
    ],
)
def test_bad_input_is_refused_per_field(api, world, overrides, field):
    before = Teacher.objects.count()
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, **overrides), format="json"
    )
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Teacher.objects.count() == before


def test_the_same_specialty_twice_is_refused(api, world):
    skills = [
        {"specialty": world.ecommerce.pk, "level": 3},
        {"specialty": world.ecommerce.pk, "level": 4},
    ]
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, skills=skills), format="json"
    )
    assert response.status_code == 400
    assert "skills" in response.json()


def test_home_school_must_be_a_supporting_school(api, world):
    response = api.as_user(world.users.coord_a).post(
        URL, payload(world, home_school=world.school_a.pk), format="json"
    )
    assert response.status_code == 400
    assert "home_school" in response.json()


def test_capacity_cannot_drop_below_live_assignments(api, world):
    for _ in range(2):
        need = f.NeedFactory(school=world.school_a, specialty=world.ecommerce)
        f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    response = api.as_user(world.users.coord_a).patch(
        f"{URL}{world.teacher_a.pk}/", {"capacity": 1}, format="json"
    )
    assert response.status_code == 400
    assert "capacity" in response.json()


# --- filters, search, ordering, query counts -------------------------------------


@pytest.fixture
def pool(world):
    computing = Specialty.objects.get(name="计算机应用")
    for index in range(6):
        teacher = f.TeacherFactory(
            name=f"教师{index}",
            home_school=world.home,
            county=world.county_a,
            available_from=dt.date(2026, 9, 1) + dt.timedelta(days=30 * index),
            capacity=1 + index % 3,
            active=index != 5,
        )
        f.TeacherSkillFactory(
            teacher=teacher, specialty=computing if index % 2 else world.accounting
        )
    return computing


def test_filters_search_and_ordering(api, world, pool):
    client = api.as_user(world.users.coord_a)
    assert names(client.get(URL, {"specialty": pool.pk})) == {"教师1", "教师3", "教师5"}
    assert names(client.get(URL, {"family": "71"})) == {"教师1", "教师3", "教师5"}
    assert "教师5" not in names(client.get(URL, {"active": "false"})) - {"教师5"}
    assert names(client.get(URL, {"active": "false"})) == {"教师5"}
    assert names(client.get(URL, {"search": "计算机"})) == {"教师1", "教师3", "教师5"}
    on = client.get(URL, {"available_on": "2026-09-15"})
    assert names(on) == {"教师0", "张老师"}
    ordered = client.get(URL, {"ordering": "-capacity", "page_size": 100}).json()
    capacities = [row["capacity"] for row in ordered["results"]]
    assert capacities == sorted(capacities, reverse=True)


def test_a_county_filter_outside_the_scope_is_refused(api, world):
    response = api.as_user(world.users.coord_a).get(URL, {"county": world.county_b.pk})
    assert response.status_code == 400


def test_list_query_count_is_flat(api, world, pool):
    client = api.as_user(world.users.coord_a)
    client.get(URL)  # warm the scope cache
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL, {"page_size": 2}).status_code == 200
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL, {"page_size": 7}).status_code == 200
    assert len(large) == len(small)


def test_team_list_query_count_is_flat(api, world):
    for index in range(5):
        team = f.TeamFactory(name=f"团队{index}", county=world.county_a)
        team.members.set([world.teacher_a])
    client = api.as_user(world.users.coord_a)
    client.get("/api/v1/teams/")
    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/teams/", {"page_size": 1})
    with CaptureQueriesContext(connection) as large:
        client.get("/api/v1/teams/", {"page_size": 5})
    assert len(large) == len(small)
