"""What-if scenarios and the recruitment plan through the API, role by role."""

import datetime as dt

import pytest

from matching.models import Assignment
from planning import scenarios
from planning.models import Scenario

from ..matching.helpers import TODAY, open_need, run, teacher

pytestmark = pytest.mark.django_db

URL = "/api/v1/planning/scenarios/"
PLAN = "/api/v1/planning/recruitment/"


@pytest.fixture
def demand(world):
    """County A: four open e-commerce places and one accounting place; its one
    teacher (张老师, e-commerce, capacity 2) serves two of them."""
    needs = [
        open_need(world.school_a, world.ecommerce, headcount=2, priority=90),
        open_need(world.school_a2, world.ecommerce, headcount=2, priority=50),
        open_need(world.school_a2, world.accounting, priority=70),
    ]
    return needs


def _add(world, **extra):
    change = {
        "kind": "add_teachers",
        "count": 1,
        "specialty": world.ecommerce.pk,
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY + dt.timedelta(days=200)).isoformat(),
        "capacity": 2,
        "level": 4,
    }
    change.update(extra)
    return change


def test_a_scenario_adding_a_teacher_projects_what_a_real_run_then_proposes(
    world, demand, api, django_capture_on_commit_callbacks
):
    client = api.as_user(world.users.coord_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            URL,
            {
                "county": world.county_a.pk,
                "name": "多一名电商教师",
                "changes": [_add(world)],
            },
            format="json",
        )
    assert answer.status_code == 202
    scenario = client.get(f"{URL}{answer.data['id']}/").data
    assert scenario["status"] == "succeeded"
    assert scenario["baseline"]["places_met"] == 2  # 张老师's capacity
    assert scenario["projected"]["places_met"] == 4
    assert scenario["projected"]["score"] > scenario["baseline"]["score"]
    assert {r["name"]: r["change"] for r in scenario["by_specialty"]} == {
        "730701 电子商务": 2,
        "730301 会计事务": 0,
    }
    assert Assignment.objects.count() == 0  # a scenario writes no assignment

    # The same teacher, real this time: the run proposes exactly the projection.
    teacher(
        world.county_a,
        world.ecommerce,
        capacity=2,
        level=4,
        available_from=TODAY,
        available_until=TODAY + dt.timedelta(days=200),
    )
    record = run(world.county_a)
    assert record.stats["proposed"] == scenario["projected"]["places_met"]
    assert record.stats["total_score"] == pytest.approx(
        scenario["projected"]["score"], abs=0.01
    )
    assert len(scenario["unmatched"]) == record.stats["unmatched"]


def test_removing_and_limiting_teachers_lowers_the_projection(
    world, demand, api, django_capture_on_commit_callbacks
):
    client = api.as_user(world.users.admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            URL,
            {
                "county": world.county_a.pk,
                "changes": [
                    {"kind": "remove_teachers", "teachers": [world.teacher_a.pk]}
                ],
            },
            format="json",
        )
    assert answer.status_code == 202
    data = client.get(f"{URL}{answer.data['id']}/").data
    assert data["projected"]["places_met"] == 0
    assert data["reasons"]["projected"]["no_teacher_with_specialty"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            URL,
            {
                "county": world.county_a.pk,
                "changes": [
                    {
                        "kind": "set_capacity",
                        "teacher": world.teacher_a.pk,
                        "capacity": 1,
                    }
                ],
            },
            format="json",
        )
    assert client.get(f"{URL}{answer.data['id']}/").data["projected"]["places_met"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "fly"}, "kind"),
        (
            {
                "kind": "add_teachers",
                "specialty": 999999,
                "start_date": "2026-01-01",
                "end_date": "2026-02-01",
            },
            "specialty",
        ),
        ({"kind": "add_teachers", "count": 0}, "count"),
        ({"kind": "add_teachers", "start_date": "soon"}, "start_date"),
        ({"kind": "set_capacity", "teacher": "x", "capacity": 9}, "capacity"),
    ],
)
def test_bad_changes_are_refused_with_field_messages(world, api, change, field):
    client = api.as_user(world.users.coord_a)
    answer = client.post(
        URL, {"county": world.county_a.pk, "changes": [change]}, format="json"
    )
    assert answer.status_code == 400
    assert field in answer.data["changes"]["0"]
    assert Scenario.objects.count() == 0


def test_teachers_of_another_county_cannot_be_named(world, api):
    client = api.as_user(world.users.coord_a)
    answer = client.post(
        URL,
        {
            "county": world.county_a.pk,
            "changes": [{"kind": "remove_teachers", "teachers": [world.teacher_b.pk]}],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "teachers" in answer.data["changes"]["0"]


def test_scenarios_are_scoped_to_the_coordinators_counties(world, demand, api):
    answer = api.as_user(world.users.coord_a).post(
        URL, {"county": world.county_a.pk, "changes": [_add(world)]}, format="json"
    )
    detail = f"{URL}{answer.data['id']}/"
    assert api.as_user(world.users.coord_b).get(detail).status_code == 404
    assert api.as_user(world.users.coord_b).get(URL).data["count"] == 0
    assert api.as_user(world.users.coord_ab).get(detail).status_code == 200
    assert api.as_user(world.users.admin).get(detail).status_code == 200
    for user in (world.users.staff_a, world.users.teacher_a):
        assert api.as_user(user).get(detail).status_code == 404
        refused = api.as_user(user).post(
            URL, {"county": world.county_a.pk, "changes": [_add(world)]}, format="json"
        )
        assert refused.status_code == 403
    other = api.as_user(world.users.coord_b).post(
        URL, {"county": world.county_a.pk, "changes": [_add(world)]}, format="json"
    )
    assert other.status_code == 404


def test_the_recruitment_plan_recruits_for_the_unmet_places(world, demand, api):
    answer = api.as_user(world.users.coord_a).get(
        PLAN,
        {
            "county": world.county_a.pk,
            "from": TODAY.isoformat(),
            "to": (TODAY + dt.timedelta(days=180)).isoformat(),
            "budget": 5,
        },
    )
    assert answer.status_code == 200
    plan = answer.data
    assert plan["baseline"]["places_met"] == 2
    assert plan["projected"]["places_met"] == 5  # every open place
    assert sum(s["places_gain"] for s in plan["steps"]) == 3
    first = plan["steps"][0]
    assert first["specialty"] == "730701"
    assert {"class_code", "start_date", "end_date", "count", "score_gain"} <= set(first)
    assert plan["stopped"] == "below_threshold"
    scores = [s["score_gain"] / s["count"] for s in plan["steps"]]
    assert scores == sorted(scores, reverse=True)


def test_the_plan_names_needs_recruiting_cannot_help(world, demand, api):
    late = open_need(
        world.school_a,
        world.accounting,
        start_date=TODAY + dt.timedelta(days=400),
        end_date=TODAY + dt.timedelta(days=460),
    )
    plan = (
        api.as_user(world.users.coord_a)
        .get(
            PLAN,
            {
                "county": world.county_a.pk,
                "from": TODAY.isoformat(),
                "to": (TODAY + dt.timedelta(days=100)).isoformat(),
            },
        )
        .data
    )
    limited = {row["need"]: row["limit"] for row in plan["limited_needs"]}
    assert limited[late.pk] == "outside_period"
    assert plan["limits"]["outside_period"] == 1


def test_the_recruitment_plan_is_scoped_and_checks_its_input(world, demand, api):
    url = PLAN
    assert (
        api.as_user(world.users.coord_b)
        .get(url, {"county": world.county_a.pk})
        .status_code
        == 404
    )
    assert api.as_user(world.users.staff_a).get(url).status_code == 403
    bad = api.as_user(world.users.coord_a).get(
        url, {"county": world.county_a.pk, "from": "x", "budget": "0"}
    )
    assert bad.status_code == 400
    assert set(bad.data) >= {"from", "budget"}
    mine = api.as_user(world.users.coord_b).get(url).data
    assert [c["id"] for c in mine["counties"]] == [world.county_b.pk]


def test_allowing_neighbours_lets_a_neighbouring_countys_teacher_serve(
    world, api, django_capture_on_commit_callbacks
):
    world.county_a.neighbours.add(world.county_b)
    world.teacher_a.active = False  # county A has no teacher of its own now
    world.teacher_a.save(update_fields=["active"])
    open_need(world.school_a, world.accounting, priority=70)
    client = api.as_user(world.users.coord_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            URL,
            {"county": world.county_a.pk, "changes": [{"kind": "allow_neighbours"}]},
            format="json",
        )
    data = client.get(f"{URL}{answer.data['id']}/").data
    assert data["baseline"]["places_met"] == 0
    assert data["projected"]["places_met"] == 1  # 李老师, from county B


def test_the_scenario_list_costs_the_same_queries_however_long(
    world, api, django_assert_max_num_queries
):
    client = api.as_user(world.users.coord_a)
    for n in range(3):
        Scenario.objects.create(name=f"s{n}", county=world.county_a)
    with django_assert_max_num_queries(8) as few:
        assert client.get(URL).data["count"] == 3
    for n in range(20):
        Scenario.objects.create(name=f"t{n}", county=world.county_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).data["count"] == 23


def test_a_scenario_delivered_twice_is_solved_once(world, api):
    scenario = Scenario.objects.create(
        name="x", county=world.county_a, changes=[{"kind": "allow_neighbours"}]
    )
    assert scenarios.scenario_execute(scenario.pk).status == "succeeded"
    finished = Scenario.objects.get(pk=scenario.pk).finished_at
    assert scenarios.scenario_execute(scenario.pk).finished_at == finished
