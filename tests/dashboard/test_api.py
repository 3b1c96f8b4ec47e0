"""GET /api/v1/dashboard/: the contract's keys, the scope and the errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from dashboard.queries import QUERY_COUNT
from needs.models import NeedStatus

from .. import factories as f
from .conftest import need, serving

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/"
DESIGN_KEYS = {
    "needs_by_status",
    "schools_total",
    "schools_served",
    "fill_rate",
    "median_days_to_match",
    "supply_demand",
    "local_teachers_reached",
}


def test_coordinator_gets_every_design_key(api, scenario):
    w = scenario.world
    response = api.as_user(w.users.coord_a).get(URL, {"county": w.county_a.pk})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= DESIGN_KEYS
    assert set(body["needs_by_status"]) == set(NeedStatus.values)
    assert body["needs_by_status"]["open"] == 3
    assert body["schools_total"] == 3
    assert body["schools_served"] == 2
    assert body["fill_rate"] == 0.5
    assert body["local_teachers_reached"] == 8
    for row in body["supply_demand"]:
        assert {"family", "demand", "supply"} <= set(row)
    assert body["county"]["id"] == w.county_a.pk
    assert body["counties"] == [w.county_a.pk]
    for extra in ("students_reached", "backlog", "schools_unserved", "engagement"):
        assert extra in body
    assert "grades" in body["grade_distribution"]


def test_without_a_county_a_coordinator_sees_all_of_theirs(api, scenario):
    w = scenario.world
    body = api.as_user(w.users.coord_ab).get(URL).json()
    assert body["county"] is None
    assert sorted(body["counties"]) == sorted([w.county_a.pk, w.county_b.pk])
    assert body["needs_total"] == 12


def test_coordinator_of_b_sees_nothing_of_a(api, scenario):
    w = scenario.world
    body = api.as_user(w.users.coord_b).get(URL).json()
    assert body["counties"] == [w.county_b.pk]
    assert body["needs_total"] == 1
    assert body["schools_total"] == 1
    assert body["local_teachers_reached"] == 50
    school_ids = {r["school"] for r in body["engagement"]}
    assert school_ids == {w.school_b.pk}


def test_county_outside_the_scope_is_not_found(api, scenario):
    w = scenario.world
    assert (
        api.as_user(w.users.coord_b).get(URL, {"county": w.county_a.pk}).status_code
        == 404
    )
    assert (
        api.as_user(w.users.outsider).get(URL, {"county": w.county_a.pk}).status_code
        == 404
    )
    assert api.as_user(w.users.admin).get(URL, {"county": 999999}).status_code == 404


def test_coordinator_without_counties_sees_an_empty_dashboard(api, scenario):
    body = api.as_user(scenario.world.users.outsider).get(URL).json()
    assert body["counties"] == []
    assert body["needs_total"] == 0
    assert body["schools_total"] == 0


def test_admin_sees_every_county_and_may_pick_any(api, scenario):
    w = scenario.world
    admin = api.as_user(w.users.admin)
    body = admin.get(URL).json()
    assert {w.county_a.pk, w.county_b.pk} <= set(body["counties"])
    assert w.liyang.pk not in body["counties"]  # the supporting city gets no help
    assert body["needs_total"] == 12
    assert admin.get(URL, {"county": w.county_b.pk}).json()["needs_total"] == 1


@pytest.mark.parametrize("persona", ["staff_a", "staff_b", "teacher_a"])
def test_school_staff_and_teachers_have_no_dashboard(api, scenario, persona):
    user = getattr(scenario.world.users, persona)
    assert api.as_user(user).get(URL).status_code == 403
    county = scenario.world.county_a.pk
    assert api.as_user(user).get(URL, {"county": county}).status_code == 403


def test_anonymous_is_unauthorised(api, world):
    assert api.get(URL).status_code == 401


def test_bad_period_is_a_bad_request_with_field_messages(api, world):
    client = api.as_user(world.users.coord_a)
    response = client.get(URL, {"from": "2026-13-01"})
    assert response.status_code == 400
    assert "from" in response.json()
    response = client.get(URL, {"from": "2026-09-10", "to": "2026-09-01"})
    assert response.status_code == 400
    assert "to" in response.json()
    assert client.get(URL, {"county": "abc"}).status_code == 400


def test_period_filters_the_figures(api, scenario):
    w = scenario.world
    body = (
        api.as_user(w.users.coord_a)
        .get(URL, {"from": "2026-06-23", "to": "2026-07-28"})
        .json()
    )
    # days -70 .. -35 of T = 2026-09-01: needs 6, 7 and 8 (see test_figures)
    assert body["period"] == {"from": "2026-06-23", "to": "2026-07-28"}
    assert body["needs_total"] == 3
    assert body["local_teachers_reached"] == 3


def _api_queries(api, user, **params):
    # A fresh user object each time, as each real request has.
    client = api.as_user(User.objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("cached", [False, True])
def test_api_query_count_is_the_same_for_small_and_larger_data(
    api, scenario, settings, cached
):
    settings.DASHBOARD_CACHE = cached
    w = scenario.world
    coordinator = w.users.coord_ab
    small = _api_queries(api, coordinator, county=w.county_a.pk)
    small_all = _api_queries(api, coordinator)
    for _ in range(15):
        school = f.SchoolFactory(county=w.county_a)
        teacher = f.TeacherFactory(home_school=w.home, county=w.county_b)
        f.TeacherSkillFactory(teacher=teacher, specialty=w.accounting)
        for status in ("submitted", "open", "matched"):
            made = need(
                w,
                school,
                status,
                # A matched need's one place is the teacher's.
                headcount=1 if status == "matched" else 3,
                submitted=12,
                matched=2 if status == "matched" else None,
            )
            if status == "matched":
                serving(w, made, teacher)
    assert _api_queries(api, coordinator, county=w.county_a.pk) == small
    assert _api_queries(api, coordinator) == small_all
    # the county list, the coordinator's counties, and the figures' own queries;
    # with the cache, inside this test's transaction (which wrote: nothing is
    # kept), also the snapshot and the moment the backlog next moves
    extra = 2 if cached and connection.vendor == "postgresql" else 0
    assert small == small_all == 2 + QUERY_COUNT + extra


def test_schema_documents_the_dashboard(api, world):
    response = api.as_user(world.users.admin).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/dashboard/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"county", "from", "to"}
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    properties = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert set(properties) >= DESIGN_KEYS
    assert {"403", "404"} <= set(operation["responses"])


def test_engagement_carries_its_trend_against_the_period_before(api, scenario):
    w = scenario.world
    body = (
        api.as_user(w.users.coord_a)
        .get(URL, {"county": w.county_a.pk, "from": "2026-06-23", "to": "2026-07-28"})
        .json()
    )
    assert body["engagement_previous_period"] == {
        "from": "2026-05-18",
        "to": "2026-06-22",
    }
    row = next(r for r in body["engagement"] if r["school"] == w.school_a.pk)
    # The names the page always had are kept beside the new ones.
    for key in (
        "score",
        "confirmed_share",
        "on_time_share",
        "ratings_share",
        "needs_fulfilled",
        "needs_awaiting_confirmation",
        "rating_tasks",
        "rating_tasks_done",
        "previous_score",
        "trend",
        "complete_share",
        "goals_marked_share",
        "chances",
        "chances_taken",
    ):
        assert key in row
    assert row["trend"] == round(row["score"] - row["previous_score"], 1)
    without_start = api.as_user(w.users.coord_a).get(URL).json()
    assert without_start["engagement_previous_period"] is None
