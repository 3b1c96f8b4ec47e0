"""Appeals: within EVALUATION_APPEAL_DAYS after close the one evaluated appeals
with a reason; the county's coordinator answers and may revise the score with a
reason; all of it stays in the result's history."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from evaluations import appeals, cycles
from evaluations.models import Appeal, Evaluation

from .conftest import rate_all, serve

URL = "/api/v1/appeals/"


@pytest.fixture
def closed(world, season, cycle):
    serve(world, season.mate)
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    rate_all(cycle, 70)
    cycles.cycle_close(actor=world.users.coord_a, cycle=cycle)
    return cycle


def _mine(world, cycle):
    return Evaluation.objects.get(cycle=cycle, teacher=world.teacher_a)


def test_a_teacher_appeals_and_the_coordinator_revises_the_score(world, api, closed):
    evaluation = _mine(world, closed)
    before = evaluation.score
    client = api.as_user(world.users.teacher_a)
    response = client.post(
        URL, {"evaluation": evaluation.pk, "reason": "活动记录漏算"}, format="json"
    )
    assert response.status_code == 201, response.json()
    appeal_id = response.json()["id"]
    again = client.post(URL, {"evaluation": evaluation.pk, "reason": "再议"})
    assert again.status_code == 409
    assert Notification.objects.filter(user=world.users.coord_a).exists()
    response = api.as_user(world.users.coord_a).post(
        f"{URL}{appeal_id}/answer/",
        {"answer": "核实后补记3月活动，上调得分", "score": 92},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "answered"
    assert body["previous_score"] == float(before)
    assert body["revised_score"] == 92.0
    evaluation.refresh_from_db()
    assert (str(evaluation.score), evaluation.grade, evaluation.rank) == (
        "92.00",
        "优秀",
        1,
    )
    [entry] = evaluation.breakdown["history"]
    assert entry["from"] == float(before) and entry["to"] == 92.0
    assert entry["reason"] == "核实后补记3月活动，上调得分"
    assert Appeal.history.filter(id=appeal_id).count() == 2
    again = api.as_user(world.users.coord_a).post(
        f"{URL}{appeal_id}/answer/", {"answer": "再答"}, format="json"
    )
    assert again.status_code == 409
    mine = client.get(f"{URL}{appeal_id}/").json()
    assert mine["answer"] == "核实后补记3月活动，上调得分"


def test_an_answer_may_keep_the_score_but_needs_words(world, api, closed):
    evaluation = _mine(world, closed)
    appeal = appeals.appeal_create(
        actor=world.users.teacher_a, evaluation=evaluation, reason="不服"
    )
    coordinator = api.as_user(world.users.coord_a)
    url = f"{URL}{appeal.pk}/answer/"
    assert coordinator.post(url, {"answer": ""}, format="json").status_code == 400
    response = coordinator.post(url, {"answer": "评分有据，维持"}, format="json")
    assert response.status_code == 200
    assert response.json()["revised_score"] is None
    evaluation.refresh_from_db()
    assert "history" not in evaluation.breakdown


def test_an_appeal_after_the_window_is_409(world, api, closed, settings):
    settings.EVALUATION_APPEAL_DAYS = 14
    closed.closed_at = timezone.now() - dt.timedelta(days=15)
    closed.save(update_fields=["closed_at"])
    evaluation = _mine(world, closed)
    response = api.as_user(world.users.teacher_a).post(
        URL, {"evaluation": evaluation.pk, "reason": "晚了"}, format="json"
    )
    assert response.status_code == 409
    assert not Appeal.objects.exists()


def test_only_the_one_evaluated_appeals_and_only_the_county_answers(world, api, closed):
    evaluation = _mine(world, closed)
    body = {"evaluation": evaluation.pk, "reason": "代为申诉"}
    assert api.as_user(world.users.coord_a).post(URL, body).status_code == 403
    assert api.as_user(world.users.staff_b).post(URL, body).status_code == 404
    appeal = appeals.appeal_create(
        actor=world.users.teacher_a, evaluation=evaluation, reason="不服"
    )
    answer = {"answer": "改", "score": 99}
    url = f"{URL}{appeal.pk}/answer/"
    assert api.as_user(world.users.teacher_a).post(url, answer).status_code == 403
    assert api.as_user(world.users.coord_b).post(url, answer).status_code == 404
    assert (
        api.as_user(world.users.staff_a).get(url.replace("answer/", "")).status_code
        == 404
    )
    evaluation.refresh_from_db()
    assert "history" not in evaluation.breakdown


def test_appeal_and_answer_from_the_results_page(world, client, closed):
    evaluation = _mine(world, closed)
    page = f"/evaluations/cycles/{closed.pk}/results/"
    client.force_login(world.users.teacher_a)
    assert 'data-testid="appeal-form"' in client.get(page).content.decode()
    client.post(
        f"/evaluations/results/{evaluation.pk}/appeal/", {"reason": "漏记培训人次"}
    )
    html = client.get(page).content.decode()
    assert "漏记培训人次" in html and 'data-testid="appeal-form"' not in html
    appeal = Appeal.objects.get()
    client.force_login(world.users.coord_a)
    assert 'data-testid="answer-form"' in client.get(page).content.decode()
    client.post(
        f"/evaluations/appeals/{appeal.pk}/answer/",
        {"answer": "补记后上调", "score": "88"},
    )
    evaluation.refresh_from_db()
    assert str(evaluation.score) == "88.00"
    client.force_login(world.users.teacher_a)
    html = client.get(page).content.decode()
    assert "补记后上调" in html and 'data-testid="history"' in html
