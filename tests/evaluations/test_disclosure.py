"""Rater anonymity: the person evaluated sees their total, grade, rank and
per-indicator scores, and a rater role's figures only where that role has at least
EVALUATION_MIN_RATERS_SHOWN raters; coordinators and admins see all. The same rule
in the API, the results page and the export."""

import io

import pytest
from openpyxl import load_workbook

from evaluations import cycles, ratings
from evaluations.models import Evaluation, Rating

# Each rater gives a score no other gives, so a leak is easy to spot.
GIVEN = {"staff_a": 61, "coord_a": 73, "coord_ab": 87, "teacher_a": 99}


@pytest.fixture
def closed(world, cycle):
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    evaluation = Evaluation.objects.get(cycle=cycle, teacher=world.teacher_a)
    for name, score in GIVEN.items():
        user = getattr(world.users, name)
        rating = Rating.objects.get(evaluation=evaluation, rater=user)
        ratings.rating_submit(
            actor=user,
            rating=rating,
            scores={i.code: score for i in ratings.rated_indicators(evaluation)},
        )
    cycles.cycle_close(
        actor=world.users.coord_a, cycle=cycle, force=True, reason="测试"
    )
    evaluation.refresh_from_db()
    return evaluation


def _roles(body):
    return body["breakdown"]["raters"]


def _by_role_scores(body):
    return {
        score
        for row in body["breakdown"]["indicators"]
        for score in row["by_role"].values()
    }


def test_the_teacher_evaluated_sees_no_role_with_fewer_than_three_raters(
    world, api, closed
):
    body = (
        api.as_user(world.users.teacher_a)
        .get(f"/api/v1/evaluations/{closed.pk}/")
        .json()
    )
    assert body["score"] is not None and body["grade"]
    assert all(
        row["score"] is not None or row["kind"] == "objective"
        for row in body["breakdown"]["indicators"]
    )
    roles = _roles(body)
    assert {r: info["submitted"] for r, info in roles.items()} == {
        "school": 1,
        "coordinator": 2,
        "self": 1,
        "peer": 0,
    }
    assert all(info["hidden"] and info["score"] is None for info in roles.values())
    assert _by_role_scores(body) == set()


def test_coordinators_and_admins_see_every_raters_figures(world, api, closed):
    for user in (world.users.coord_a, world.users.admin):
        body = api.as_user(user).get(f"/api/v1/evaluations/{closed.pk}/").json()
        assert _roles(body)["school"]["score"] == 61.0
        assert not any(info["hidden"] for info in _roles(body).values())
        assert {61.0, 80.0, 99.0} <= _by_role_scores(body)


def test_one_hidden_role_hides_every_role_since_it_would_follow_from_the_others(
    world, api, closed, settings
):
    # Coordinators (2 raters) reach the threshold of 2; the one school contact
    # does not, and would be the indicator score minus the coordinators' share.
    settings.EVALUATION_MIN_RATERS_SHOWN = 2
    body = (
        api.as_user(world.users.teacher_a)
        .get(f"/api/v1/evaluations/{closed.pk}/")
        .json()
    )
    assert all(info["hidden"] for info in _roles(body).values())
    assert _by_role_scores(body) == set()
    settings.EVALUATION_MIN_RATERS_SHOWN = 1
    body = (
        api.as_user(world.users.teacher_a)
        .get(f"/api/v1/evaluations/{closed.pk}/")
        .json()
    )
    assert _roles(body)["coordinator"]["score"] == 80.0
    assert [r for r, info in _roles(body).items() if info["hidden"]] == ["peer"]


def _export_text(client, url):
    response = client.get(url)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return [
        [value for value in row]
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]


def test_the_export_follows_the_same_rule(world, api, closed):
    url = f"/api/v1/evaluation-cycles/{closed.cycle_id}/results/export/"
    mine = _export_text(api.as_user(world.users.teacher_a), url)
    header = [str(v) for v in mine[0]]
    assert not [h for h in header if h.startswith("评价主体：")]
    assert 61 not in {v for row in mine for v in row}
    coordinator = _export_text(api.as_user(world.users.coord_a), url)
    assert 61 in {v for row in coordinator for v in row}


def test_the_results_page_follows_the_same_rule(world, client, closed):
    client.force_login(world.users.teacher_a)
    page = client.get(f"/evaluations/cycles/{closed.cycle_id}/results/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="role-hidden"' in html
    assert ">61.0<" not in html and ">99.0<" not in html
    client.force_login(world.users.coord_a)
    html = client.get(f"/evaluations/cycles/{closed.cycle_id}/results/").content
    assert b">61.0<" in html
