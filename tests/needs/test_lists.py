"""List endpoints: filters named after the fields, search in Chinese, ordering,
pagination capped at 100, and a number of queries that does not grow with the page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from needs.models import Diagnosis, NeedStatus, PlanGoal

from .. import factories as f
from .conftest import make_need

S = NeedStatus


def ids(response):
    assert response.status_code == 200, response.data
    return {row["id"] for row in response.data["results"]}


@pytest.fixture
def varied(world):
    """Needs that differ in each filtered field."""
    other_family = f.SpecialtyFamilyFactory(code="71", name="电子与信息大类")
    computing = f.SpecialtyFactory(
        code="710201", name="计算机应用", family=other_family
    )
    return {
        "live": make_need(
            world,
            S.OPEN,
            title="直播电商实训教师",
            description="建设直播间，培训本地教师",
            kind="teaching",
            urgency=5,
            priority_score=80,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 12, 31),
        ),
        "lab": make_need(
            world,
            S.DRAFT,
            title="计算机实训室建设",
            description="需要网络布线指导",
            kind="lab_setup",
            specialty=computing,
            urgency=2,
            start_date=dt.date(2027, 3, 1),
            end_date=dt.date(2027, 6, 30),
        ),
        "a2": make_need(
            world,
            S.SUBMITTED,
            school=world.school_a2,
            title="会计课程开发",
            description="开发会计实务课程",
            kind="curriculum",
            specialty=world.accounting,
            urgency=3,
            start_date=dt.date(2026, 10, 1),
            end_date=dt.date(2027, 1, 31),
        ),
        "b": make_need(
            world,
            S.OPEN,
            school=world.school_b,
            title="旬阳电商培训",
            description="电商师资培训",
            kind="teacher_training",
            urgency=4,
            priority_score=60,
        ),
        "family_code": other_family.code,
        "family_id": other_family.pk,
        "computing": computing.pk,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "open"}, {"live", "b"}),
        ({"status": ["open", "submitted"]}, {"live", "a2", "b"}),
        ({"kind": "lab_setup"}, {"lab"}),
        ({"urgency": 5}, {"live"}),
        ({"urgency_min": 3}, {"live", "a2", "b"}),
        ({"priority_score_min": 70}, {"live"}),
        ({"family": "71"}, {"lab"}),
        ({"start_date_after": "2026-10-01"}, {"lab", "a2"}),
        ({"start_date_before": "2026-09-30"}, {"live", "b"}),
        ({"end_date_after": "2027-01-01", "end_date_before": "2027-02-01"}, {"a2"}),
        ({"search": "电商"}, {"live", "b"}),
        ({"search": "布线"}, {"lab"}),
        ({"search": "会计实务"}, {"a2"}),
        ({"search": "电商", "status": "open", "kind": "teaching"}, {"live"}),
    ],
)
def test_filters_and_chinese_search(world, api, varied, params, expected):
    client = api.as_user(world.users.coord_ab)
    assert ids(client.get("/api/v1/needs/", params)) == {varied[k].pk for k in expected}


def test_filters_by_object(world, api, varied):
    client = api.as_user(world.users.coord_ab)
    assert ids(client.get("/api/v1/needs/", {"school": world.school_a2.pk})) == {
        varied["a2"].pk
    }
    assert ids(client.get("/api/v1/needs/", {"county": world.county_b.pk})) == {
        varied["b"].pk
    }
    assert ids(client.get("/api/v1/needs/", {"specialty": varied["computing"]})) == {
        varied["lab"].pk
    }
    assert ids(client.get("/api/v1/needs/", {"family": str(varied["family_id"])})) == {
        varied["lab"].pk
    }


def test_search_stays_in_the_scope(world, api, varied):
    client = api.as_user(world.users.staff_a)
    assert ids(client.get("/api/v1/needs/", {"search": "电商"})) == {varied["live"].pk}


def test_ordering(world, api, varied):
    client = api.as_user(world.users.coord_ab)
    rows = client.get("/api/v1/needs/", {"ordering": "-urgency"}).data["results"]
    assert [r["urgency"] for r in rows] == [5, 4, 3, 2]
    rows = client.get("/api/v1/needs/", {"ordering": "start_date,id"}).data["results"]
    assert [r["start_date"] for r in rows] == sorted(r["start_date"] for r in rows)


def test_pagination_is_capped_at_100(world, api):
    for _ in range(105):
        make_need(world, S.DRAFT)
    client = api.as_user(world.users.staff_a)
    response = client.get("/api/v1/needs/", {"page_size": 1000})
    assert response.data["count"] == 105
    assert len(response.data["results"]) == 100
    assert response.data["next"] is not None
    assert set(response.data) == {"count", "next", "previous", "results"}
    assert len(client.get("/api/v1/needs/").data["results"]) == 20


def test_specialties_filter_by_family_code_or_id_and_search_aliases(world, api):
    client = api.as_user(world.users.teacher_a)
    by_code = client.get("/api/v1/specialties/", {"family": "73", "page_size": 100})
    assert by_code.status_code == 200
    assert by_code.data["count"] >= 2
    assert {row["family_name"] for row in by_code.data["results"]} == {"财经商贸大类"}
    family_id = by_code.data["results"][0]["family"]
    by_id = client.get("/api/v1/specialties/", {"family": family_id, "page_size": 100})
    assert by_id.data["count"] == by_code.data["count"]
    found = client.get("/api/v1/specialties/", {"search": "农业机械使用与维护"})
    assert found.data["count"] >= 1
    row = client.get("/api/v1/specialties/", {"search": "电子商务"}).data["results"][0]
    assert set(row) >= {"id", "code", "name", "family", "family_name"}


# -- query counts -------------------------------------------------------------------


def count_queries(api, user, path, page_size):
    """Queries of one request, by a freshly loaded user (as token auth gives)."""
    client = api.as_user(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.data["results"]) == page_size, path
    return len(queries)


@pytest.fixture
def many(world):
    """60 needs in each county, with diagnoses, goals, timelines and assignments."""
    for school in (world.school_a, world.school_a2, world.school_b):
        for n in range(30 if school != world.school_b else 60):
            need = make_need(world, S.OPEN, school=school, title=f"需求{n}")
            Diagnosis.objects.create(
                need=need,
                urgency=3,
                students_affected=3,
                industry_fit=3,
                readiness=3,
                priority_score=50,
                diagnosed_by=world.users.coord_a,
            )
            PlanGoal.objects.create(need=need, text="目标一", position=1)
            PlanGoal.objects.create(need=need, text="目标二", position=2)
            teacher = world.teacher_a if school != world.school_b else world.teacher_b
            # Declined: a teacher cannot hold 60 live assignments (the database
            # keeps live ones within capacity, matching migration 0004).
            f.AssignmentFactory(need=need, teacher=teacher, status="declined")
    for n in range(60):
        f.UserFactory(
            username=f"extra{n}", counties=[world.county_a], role="coordinator"
        )
        f.SchoolFactory(name=f"学校{n}", county=world.county_a)
        f.CountyFactory(name=f"县{n}", code=f"99{n:04d}")


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("admin", "/api/v1/needs/"),
        ("coord_a", "/api/v1/needs/"),
        ("coord_ab", "/api/v1/needs/"),
        ("staff_b", "/api/v1/needs/"),
        ("teacher_a", "/api/v1/needs/"),
        ("coord_a", "/api/v1/schools/"),
        ("admin", "/api/v1/counties/"),
        ("staff_a", "/api/v1/specialties/"),
        ("admin", "/api/v1/users/"),
    ],
)
def test_list_queries_do_not_grow_with_the_page(world, api, many, persona, path):
    user = getattr(world.users, persona)
    small = count_queries(api, user, path, 5)
    large = count_queries(api, user, path, 50)
    assert small == large, (small, large)
    assert large <= 8
    print(f"queries {persona} {path}: {small} at page_size 5, {large} at 50")
