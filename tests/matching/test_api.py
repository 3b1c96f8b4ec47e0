"""``matching-runs/`` and ``assignments/`` through the API, persona by persona:
404 outside the scope, 403 for a role that may not act, 409 for a state that does
not allow it, 400 for bad input, 202 when a run is started; flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from matching.models import Assignment, MatchingRun, UnmatchedNeeds

from .. import factories as f
from .helpers import open_need, teacher

RUNS = "/api/v1/matching-runs/"
ASSIGNMENTS = "/api/v1/assignments/"


@pytest.fixture
def scene(world):
    need_a = open_need(world.school_a, world.ecommerce, headcount=2)
    need_a2 = open_need(world.school_a2, world.ecommerce)
    need_b = open_need(world.school_b, world.accounting)
    run_a = f.MatchingRunFactory(
        county=world.county_a, status="succeeded", stats={"proposed": 2}
    )
    run_b = f.MatchingRunFactory(county=world.county_b, status="succeeded")
    UnmatchedNeeds.objects.create(
        run=run_a, reason="outscored", count=1, needs=str(need_a2.pk)
    )
    other = teacher(world.county_a, world.ecommerce)
    return {
        "own": f.AssignmentFactory(need=need_a, teacher=world.teacher_a, run=run_a),
        "a2": f.AssignmentFactory(need=need_a, teacher=other, run=run_a),
        "b": f.AssignmentFactory(need=need_b, teacher=world.teacher_b, run=run_b),
        "need_a": need_a,
        "need_b": need_b,
        "run_a": run_a,
        "run_b": run_b,
        "other": other,
    }


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# ------------------------------------------------------------------ matching-runs


def test_a_coordinator_starts_a_run_of_their_county_and_gets_202_at_once(world, api):
    response = api.as_user(world.users.coord_a).post(
        RUNS, {"county": world.county_a.pk}, format="json"
    )
    assert response.status_code == 202, response.content
    body = response.json()
    run = MatchingRun.objects.get(pk=body["id"])
    assert body["status"] == "queued"
    assert run.county == world.county_a and run.started_by == world.users.coord_a


def test_an_admin_may_start_a_run_of_every_county(world, api):
    response = api.as_user(world.users.admin).post(RUNS, {}, format="json")
    assert response.status_code == 202
    assert MatchingRun.objects.get(pk=response.json()["id"]).county is None


@pytest.mark.parametrize(
    ("persona", "county", "code"),
    [
        ("coord_a", None, 400),  # a coordinator must name a county
        ("coord_a", "b", 400),  # ... one of theirs: another is like none
        ("coord_b", "a", 400),
        ("outsider", "a", 400),
        ("staff_a", "a", 403),
        ("teacher_a", "a", 403),
        ("staff_a", None, 403),
    ],
)
def test_starting_a_run_is_refused(world, api, persona, county, code):
    data = {} if county is None else {"county": getattr(world, f"county_{county}").pk}
    response = api.as_user(getattr(world.users, persona)).post(
        RUNS, data, format="json"
    )
    assert response.status_code == code, response.content
    assert not MatchingRun.objects.exists()


def test_starting_a_run_needs_credentials(world, api):
    assert api.post(RUNS, {"county": world.county_a.pk}).status_code == 401


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"run_a", "run_b"}),
        ("coord_a", {"run_a"}),
        ("coord_b", {"run_b"}),
        ("coord_ab", {"run_a", "run_b"}),
        ("staff_a", set()),
        ("teacher_a", set()),
        ("outsider", set()),
    ],
)
def test_runs_list_is_scoped(world, api, scene, persona, expected):
    response = api.as_user(getattr(world.users, persona)).get(RUNS)
    assert ids(response) == {scene[name].pk for name in expected}


def test_run_detail_shows_status_stats_progress_and_unmatched_reasons(
    world, api, scene
):
    response = api.as_user(world.users.coord_a).get(f"{RUNS}{scene['run_a'].pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["stats"] == {"proposed": 2}
    assert body["progress"] == 0
    need_a2 = int(UnmatchedNeeds.objects.get().needs)
    assert body["unmatched"] == [{"need": need_a2, "reason": "outscored"}]


@pytest.mark.parametrize("persona", ["coord_b", "staff_a", "teacher_a", "outsider"])
def test_run_outside_the_scope_is_404(world, api, scene, persona):
    response = api.as_user(getattr(world.users, persona)).get(
        f"{RUNS}{scene['run_a'].pk}/"
    )
    assert response.status_code == 404


def test_runs_list_query_count_is_flat(world, api, scene):
    client = api.as_user(world.users.coord_a)
    client.get(RUNS)  # the user's scope is cached after the first request
    with CaptureQueriesContext(connection) as few:
        client.get(RUNS)
    for _ in range(15):
        f.MatchingRunFactory(county=world.county_a, started_by=world.users.coord_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get(RUNS)
    assert response.json()["count"] == 16
    assert len(many) == len(few)


# -------------------------------------------------------------------- assignments


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"own", "a2", "b"}),
        ("coord_a", {"own", "a2"}),
        ("coord_b", {"b"}),
        ("coord_ab", {"own", "a2", "b"}),
        ("staff_a", {"own", "a2"}),
        ("staff_b", {"b"}),
        ("teacher_a", {"own"}),
        ("teacher_b", {"b"}),
        ("outsider", set()),
    ],
)
def test_assignments_list_is_scoped(world, api, scene, persona, expected):
    response = api.as_user(getattr(world.users, persona)).get(ASSIGNMENTS)
    assert ids(response) == {scene[name].pk for name in expected}


def test_assignment_fields(world, api, scene):
    response = api.as_user(world.users.coord_a).get(f"{ASSIGNMENTS}{scene['own'].pk}/")
    body = response.json()
    for field in ("id", "need", "teacher", "status", "score", "breakdown", "run"):
        assert field in body
    assert body["need"] == scene["need_a"].pk
    assert body["run"] == scene["run_a"].pk


def test_filters_inside_the_scope_reveal_nothing_outside_it(world, api, scene):
    client = api.as_user(world.users.coord_a)
    assert ids(client.get(ASSIGNMENTS, {"teacher": world.teacher_a.pk})) == {
        scene["own"].pk
    }
    assert ids(client.get(ASSIGNMENTS, {"need": scene["need_a"].pk})) == {
        scene["own"].pk,
        scene["a2"].pk,
    }
    assert ids(client.get(ASSIGNMENTS, {"status": "proposed"})) == {
        scene["own"].pk,
        scene["a2"].pk,
    }
    assert ids(client.get(ASSIGNMENTS, {"status": "accepted"})) == set()
    # An id outside the scope answers exactly like one that does not exist.
    outside = client.get(ASSIGNMENTS, {"need": scene["need_b"].pk})
    missing = client.get(ASSIGNMENTS, {"need": 999999})
    assert outside.status_code == missing.status_code == 200
    assert outside.json() == missing.json()
    assert ids(client.get(ASSIGNMENTS, {"teacher": world.teacher_b.pk})) == set()


@pytest.mark.parametrize("persona", ["coord_b", "staff_b", "teacher_b", "outsider"])
def test_assignment_outside_the_scope_is_404_on_every_verb(world, api, scene, persona):
    client = api.as_user(getattr(world.users, persona))
    url = f"{ASSIGNMENTS}{scene['own'].pk}/"
    assert client.get(url).status_code == 404
    for action in ("accept", "decline", "complete", "cancel"):
        response = client.post(f"{url}{action}/", {"reason": "x"}, format="json")
        assert response.status_code == 404, action
    assert Assignment.objects.get(pk=scene["own"].pk).status == "proposed"


def test_school_staff_see_but_may_not_decide(world, api, scene):
    client = api.as_user(world.users.staff_a)
    url = f"{ASSIGNMENTS}{scene['own'].pk}/"
    assert client.get(url).status_code == 200
    # 403 comes before the missing reason (400) and before any state (409).
    for action in ("accept", "decline", "complete", "cancel"):
        assert client.post(f"{url}{action}/", {}, format="json").status_code == 403
    assert Assignment.objects.get(pk=scene["own"].pk).status == "proposed"


def test_coordinator_accepts_then_409_names_the_state(world, api, scene):
    client = api.as_user(world.users.coord_a)
    url = f"{ASSIGNMENTS}{scene['own'].pk}/"
    response = client.post(f"{url}accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    again = client.post(f"{url}accept/")
    assert again.status_code == 409
    assert again.json()["status"] == "accepted"
    assert again.json()["code"] == "invalid_state"
    assert client.post(f"{url}decline/", {"reason": "x"}).status_code == 409
    scene["need_a"].refresh_from_db()
    assert scene["need_a"].filled == 1


def test_decline_requires_a_reason(world, api, scene):
    client = api.as_user(world.users.coord_a)
    url = f"{ASSIGNMENTS}{scene['a2'].pk}/decline/"
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()
    blank = client.post(url, {"reason": "   "}, format="json")
    assert blank.status_code == 400
    assert Assignment.objects.get(pk=scene["a2"].pk).status == "proposed"
    done = client.post(url, {"reason": "专业不对口"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "declined"
    assert done.json()["decision_reason"] == "专业不对口"


def test_complete_follows_accept_and_is_for_coordinators(world, api, scene):
    coordinator = api.as_user(world.users.coord_a)
    url = f"{ASSIGNMENTS}{scene['own'].pk}/"
    assert coordinator.post(f"{url}complete/").status_code == 409
    assert coordinator.post(f"{url}accept/").status_code == 200
    teacher_client = api.as_user(world.users.teacher_a)
    assert teacher_client.post(f"{url}complete/").status_code == 403
    coordinator = api.as_user(world.users.coord_a)
    response = coordinator.post(f"{url}complete/")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"


def test_a_teacher_answers_their_own_proposals(world, api, scene):
    client = api.as_user(world.users.teacher_a)
    response = client.post(f"{ASSIGNMENTS}{scene['own'].pk}/accept/")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    # Someone else's proposal in the same need is not theirs to see.
    assert client.post(f"{ASSIGNMENTS}{scene['a2'].pk}/accept/").status_code == 404


def test_assignments_list_query_count_is_flat(world, api, scene):
    client = api.as_user(world.users.coord_a)
    client.get(ASSIGNMENTS)  # the user's scope is cached after the first request
    with CaptureQueriesContext(connection) as few:
        client.get(ASSIGNMENTS)
    for _ in range(15):
        need = open_need(world.school_a2, world.ecommerce)
        # One teacher each: a teacher's live assignments stay within capacity
        # (a database trigger refuses more, matching migration 0004).
        other = teacher(world.county_a, world.ecommerce)
        f.AssignmentFactory(need=need, teacher=other, run=scene["run_a"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(ASSIGNMENTS)
    assert response.json()["count"] == 17
    assert len(many) == len(few)


def test_the_schema_documents_the_matching_endpoints(world, api):
    schema = api.as_user(world.users.admin).get("/api/v1/schema/?format=json").json()
    post = schema["paths"]["/api/v1/matching-runs/"]["post"]
    assert {"202", "400", "403"} <= set(post["responses"])
    decline = schema["paths"]["/api/v1/assignments/{id}/decline/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(decline["responses"])
