"""Closing a cycle: completion per subject and rater role, refused below
EVALUATION_MIN_COMPLETION unless forced with a reason, and then the results are
provisional (暂定) everywhere and no certificate is issued."""

import io

import pytest
from openpyxl import load_workbook

from evaluations import cycles
from evaluations.models import Evaluation, EvaluationCycle

from .conftest import END, START, framework, rate_all


def url(cycle, action=""):
    return f"/api/v1/evaluation-cycles/{cycle.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def opened(world, season):
    """A subjective-only teacher framework rated by the coordinators, so that a
    result can be 优秀; the default team and school frameworks."""
    cycle = cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="2026年春季考核",
        start_date=START,
        end_date=END,
        framework=framework(
            world.users.admin, "teacher", [("Q", 100, "", None)], {"coordinator": 100}
        ),
    )
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    return cycle


def test_the_cycle_shows_completion_per_subject_and_role(world, api, opened):
    teacher = Evaluation.objects.get(cycle=opened, teacher=world.teacher_a)
    rate_all(opened, 95, only=teacher)
    body = api.as_user(world.users.coord_a).get(url(opened)).json()
    completion = body["completion"]
    assert completion["threshold"] == 0.6
    assert completion["below"] == 3  # the team and both schools: nothing rated
    assert completion["ready"] is False
    assert completion["minimum"] == 0.0
    assert completion["by_role"]["coordinator"]["submitted"] == 2
    rows = {row["name"]: row for row in body["completion_by_subject"]}
    assert rows["张老师"]["ratio"] == 1.0
    assert rows["张老师"]["by_role"] == {"coordinator": {"submitted": 2, "total": 2}}
    assert rows["溧阳帮扶团队"]["ratio"] == 0.0
    # Staff and teachers see the figures, not who is behind.
    staff_view = api.as_user(world.users.staff_a).get(url(opened)).json()
    assert staff_view["completion"]["below"] == 3
    assert staff_view["completion_by_subject"] is None
    listed = api.as_user(world.users.coord_a).get("/api/v1/evaluation-cycles/").json()
    assert listed["results"][0]["completion"]["below"] == 3


def test_closing_below_the_minimum_is_409_with_the_figures_and_changes_nothing(
    world, api, opened
):
    client = api.as_user(world.users.coord_a)
    response = client.post(url(opened, "close"), {}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "completion_too_low"
    assert body["completion"]["below"] == 4
    assert "60" in body["detail"]
    opened.refresh_from_db()
    assert opened.status == "open"
    assert not Evaluation.objects.filter(cycle=opened, score__isnull=False).exists()
    response = client.post(url(opened, "close"), {"background": True}, format="json")
    assert response.status_code == 409


def test_a_forced_close_needs_a_written_reason(world, api, opened):
    response = api.as_user(world.users.coord_a).post(
        url(opened, "close"), {"force": True, "reason": "  "}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()
    opened.refresh_from_db()
    assert opened.status == "open"


def test_a_cycle_forced_closed_with_few_ratings_publishes_no_final_grade(
    world, api, opened
):
    teacher = Evaluation.objects.get(cycle=opened, teacher=world.teacher_a)
    rate_all(opened, 95, only=teacher)
    client = api.as_user(world.users.coord_a)
    response = client.post(
        url(opened, "close"),
        {"force": True, "reason": "学期结束，学校评价未完成"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["cycle"]["provisional"] is True
    assert response.json()["cycle"]["close_reason"] == "学期结束，学校评价未完成"
    teacher.refresh_from_db()
    assert teacher.grade == "优秀"
    # Provisional in the results, the evaluation, the export; no certificate.
    mine = api.as_user(world.users.teacher_a)
    [row] = mine.get(url(opened, "results")).json()["results"]
    assert row["provisional"] is True
    assert mine.get(f"/api/v1/evaluations/{teacher.pk}/").json()["provisional"]
    assert mine.get(f"/api/v1/evaluations/{teacher.pk}/certificate/").status_code == 404
    book = load_workbook(io.BytesIO(client.get(url(opened, "results/export")).content))
    grades = {row[2]: row[4] for row in book.active.iter_rows(values_only=True)}
    assert grades["张老师"] == "优秀（暂定）"


def test_a_cycle_whose_ratings_are_in_closes_final(world, api, opened):
    rate_all(opened, 95)
    response = api.as_user(world.users.coord_a).post(
        url(opened, "close"), {}, format="json"
    )
    assert response.status_code == 200, response.json()
    cycle = EvaluationCycle.objects.get(pk=opened.pk)
    assert (cycle.status, cycle.provisional, cycle.close_reason) == (
        "closed",
        False,
        "",
    )
    teacher = Evaluation.objects.get(cycle=opened, teacher=world.teacher_a)
    response = api.as_user(world.users.teacher_a).get(
        f"/api/v1/evaluations/{teacher.pk}/certificate/"
    )
    assert response.status_code == 200


def test_the_minimum_completion_is_a_setting(world, api, opened, settings):
    settings.EVALUATION_MIN_COMPLETION = 0
    response = api.as_user(world.users.coord_a).post(
        url(opened, "close"), {}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["cycle"]["provisional"] is False
