"""The need state machine (DESIGN section 4) through the API and the services:
every allowed transition, and every refused one answers 409 naming the state and
changes nothing."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from common.errors import TransitionNotAllowed
from needs import services
from needs.models import Diagnosis, Need, NeedStatus, NeedTransition, PlanGoal

S = NeedStatus
DIAGNOSIS = {"urgency": 5, "students_affected": 3, "industry_fit": 4, "readiness": 2}

ALL_STATES = [choice for choice, _ in S.choices]


def url(need, action=""):
    base = f"/api/v1/needs/{need.pk}/"
    return f"{base}{action}/" if action else base


def snapshot(need):
    """Everything a refused request must leave as it was."""
    fresh = Need.objects.get(pk=need.pk)
    return (
        fresh.status,
        fresh.updated_at,
        fresh.priority_score,
        fresh.submitted_at,
        fresh.fulfilled_at,
        fresh.cancel_reason,
        NeedTransition.objects.filter(need=need).count(),
        Diagnosis.objects.filter(need=need).count(),
        PlanGoal.objects.filter(need=need).count(),
    )


def last_transition(need):
    return NeedTransition.objects.filter(need=need).order_by("-id").first()


# -- allowed transitions ---------------------------------------------------------


def test_school_staff_submit_a_draft(world, api, need_in):
    need = need_in(S.DRAFT)
    response = api.as_user(world.users.staff_a).post(
        url(need, "submit"), {"comment": "请审核"}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    need.refresh_from_db()
    assert need.status == S.SUBMITTED
    assert need.submitted_at is not None
    step = last_transition(need)
    assert (step.from_status, step.to_status, step.actor, step.comment) == (
        "draft",
        "submitted",
        world.users.staff_a,
        "请审核",
    )
    assert response.data["transitions"][-1]["to_status"] == "submitted"


def test_coordinator_may_submit_a_draft_too(world, api, need_in):
    need = need_in(S.DRAFT)
    response = api.as_user(world.users.coord_a).post(url(need, "submit"))
    assert response.status_code == 200
    assert last_transition(need).actor == world.users.coord_a


def test_coordinator_approves_with_a_diagnosis_and_goals(world, api, need_in):
    need = need_in(S.SUBMITTED)
    response = api.as_user(world.users.coord_a).post(
        url(need, "review"),
        {
            "decision": "approve",
            "comment": "优先安排",
            "diagnosis": DIAGNOSIS,
            "goals": ["培训4名本地教师掌握直播电商", "  ", "建成1间直播实训室"],
        },
        format="json",
    )
    assert response.status_code == 200, response.data
    need.refresh_from_db()
    assert need.status == S.OPEN
    assert need.priority_score == 70
    assert need.diagnosis.priority_score == 70
    assert need.diagnosis.diagnosed_by == world.users.coord_a
    assert list(need.goals.values_list("text", "position")) == [
        ("培训4名本地教师掌握直播电商", 1),
        ("建成1间直播实训室", 2),
    ]
    step = last_transition(need)
    assert (step.from_status, step.to_status, step.comment) == (
        "submitted",
        "open",
        "优先安排",
    )
    assert response.data["diagnosis"]["priority_score"] == 70
    assert [g["text"] for g in response.data["goals"]] == [
        "培训4名本地教师掌握直播电商",
        "建成1间直播实训室",
    ]


def test_coordinator_returns_a_need_with_a_comment(world, api, need_in):
    need = need_in(S.SUBMITTED)
    response = api.as_user(world.users.coord_a).post(
        url(need, "review"),
        {"decision": "return", "comment": "请补充学生人数"},
        format="json",
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.status == S.DRAFT
    assert last_transition(need).comment == "请补充学生人数"
    # back in draft, the school may edit and submit again
    staff = api.as_user(world.users.staff_a)
    assert staff.patch(url(need), {"headcount": 2}, format="json").status_code == 200
    assert staff.post(url(need, "submit")).status_code == 200


def test_coordinator_rejects_a_need_with_a_reason(world, api, need_in):
    need = need_in(S.SUBMITTED)
    response = api.as_user(world.users.coord_ab).post(
        url(need, "review"),
        {"decision": "reject", "comment": "不属于帮扶范围"},
        format="json",
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.status == S.REJECTED
    assert last_transition(need).comment == "不属于帮扶范围"


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.OPEN, S.MATCHED])
def test_any_state_before_fulfilled_can_be_cancelled_with_a_reason(
    world, api, need_in, state
):
    need = need_in(state)
    response = api.as_user(world.users.staff_a).post(
        url(need, "cancel"), {"reason": "学校计划调整"}, format="json"
    )
    assert response.status_code == 200, response.data
    need.refresh_from_db()
    assert need.status == S.CANCELLED
    assert need.cancel_reason == "学校计划调整"
    step = last_transition(need)
    assert (step.from_status, step.to_status, step.comment) == (
        state,
        "cancelled",
        "学校计划调整",
    )


def test_school_staff_confirm_a_matched_need(world, api, need_in):
    need = need_in(S.MATCHED)
    response = api.as_user(world.users.staff_a).post(
        url(need, "confirm"), {"reason": "已线上完成"}, format="json"
    )
    assert response.status_code == 200
    need.refresh_from_db()
    assert need.status == S.FULFILLED
    assert need.fulfilled_at is not None
    assert last_transition(need).to_status == "fulfilled"


def test_mark_matched_needs_open_and_full_headcount(world, need_in):
    need = need_in(S.OPEN, headcount=2, filled=1)
    with pytest.raises(ValidationError) as excinfo:
        services.need_mark_matched(need, world.users.coord_a)
    assert "filled" in excinfo.value.message_dict
    assert Need.objects.get(pk=need.pk).status == S.OPEN
    Need.objects.filter(pk=need.pk).update(filled=2)
    need.refresh_from_db()
    matched = services.need_mark_matched(need=need, actor=None)
    assert matched.status == S.MATCHED and matched.matched_at is not None
    step = last_transition(need)
    assert (step.from_status, step.to_status, step.actor) == ("open", "matched", None)


def test_creating_a_need_records_the_first_step(world, api):
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/needs/",
        {
            "specialty": world.ecommerce.pk,
            "kind": "teaching",
            "title": "电商教师",
            "headcount": 1,
            "start_date": "2026-09-01",
            "end_date": "2026-12-31",
            "urgency": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    need = Need.objects.get(pk=response.data["id"])
    assert need.status == S.DRAFT and need.created_by == world.users.staff_a
    step = last_transition(need)
    assert (step.from_status, step.to_status, step.actor) == (
        "",
        "draft",
        world.users.staff_a,
    )


def test_deleting_a_draft_removes_it(world, api, need_in):
    need = need_in(S.DRAFT)
    assert api.as_user(world.users.staff_a).delete(url(need)).status_code == 204
    assert not Need.objects.filter(pk=need.pk).exists()


# -- refused transitions ---------------------------------------------------------

# action -> (persona allowed to take it, request body, the states it starts from)
ACTIONS = {
    "submit": ("staff_a", {}, {S.DRAFT}),
    "review": (
        "coord_a",
        {"decision": "approve", "diagnosis": DIAGNOSIS, "goals": ["目标"]},
        {S.SUBMITTED},
    ),
    "cancel": (
        "staff_a",
        {"reason": "不需要了"},
        {S.DRAFT, S.SUBMITTED, S.OPEN, S.MATCHED},
    ),
    "confirm": ("staff_a", {}, {S.MATCHED}),
    "patch": ("staff_a", {"title": "新标题"}, {S.DRAFT}),
    "delete": ("staff_a", None, {S.DRAFT}),
}

REFUSED = [
    (action, state)
    for action, (_, _, allowed) in ACTIONS.items()
    for state in ALL_STATES
    if state not in allowed
]


@pytest.mark.parametrize(("action", "state"), REFUSED)
def test_refused_transition_is_409_naming_the_state_and_changes_nothing(
    world, api, need_in, action, state
):
    persona, body, _allowed = ACTIONS[action]
    need = need_in(state)
    before = snapshot(need)
    client = api.as_user(getattr(world.users, persona))
    if action == "patch":
        response = client.patch(url(need), body, format="json")
    elif action == "delete":
        response = client.delete(url(need))
    else:
        response = client.post(url(need, action), body, format="json")
    assert response.status_code == 409, response.data
    assert response.data["status"] == state
    assert response.data["code"] == "invalid_state"
    label = str(S(state).label)
    assert label in response.data["detail"]
    assert snapshot(need) == before


def test_409_names_the_state_in_chinese_by_default_and_english_on_request(
    world, api, need_in
):
    need = need_in(S.OPEN)
    client = api.as_user(world.users.staff_a)
    response = client.post(url(need, "submit"))
    assert response.status_code == 409
    assert response.data["detail"] == "无法提交：该需求当前状态为“待匹配”。"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    response = client.post(url(need, "submit"))
    assert response.data["detail"] == "Cannot submit: this need is Open."


def test_services_refuse_the_same_way(world, need_in):
    need = need_in(S.FULFILLED)
    with pytest.raises(TransitionNotAllowed) as excinfo:
        services.need_cancel(need=need, actor=world.users.staff_a, reason="x")
    assert excinfo.value.current == "fulfilled"
    with pytest.raises(TransitionNotAllowed):
        services.need_mark_matched(need, None)
    assert Need.objects.get(pk=need.pk).status == S.FULFILLED


def test_a_refused_review_keeps_no_diagnosis_or_goals(world, api, need_in):
    """Bad input after the diagnosis would have been written: nothing is kept."""
    need = need_in(S.SUBMITTED)
    before = snapshot(need)
    response = api.as_user(world.users.coord_a).post(
        url(need, "review"),
        {"decision": "reject", "diagnosis": DIAGNOSIS, "goals": ["目标"]},
        format="json",
    )
    assert response.status_code == 400
    assert "comment" in response.data
    assert snapshot(need) == before


def test_the_timeline_records_the_whole_journey(world, api):
    staff = api.as_user(world.users.staff_a)
    created = staff.post(
        "/api/v1/needs/",
        {
            "specialty": world.ecommerce.pk,
            "kind": "curriculum",
            "title": "课程开发",
            "headcount": 1,
            "start_date": "2026-09-01",
            "end_date": "2026-10-01",
            "urgency": 4,
        },
        format="json",
    ).data
    need = Need.objects.get(pk=created["id"])
    staff.post(url(need, "submit"))
    api.as_user(world.users.coord_a).post(
        url(need, "review"), {"decision": "return", "comment": "补充"}, format="json"
    )
    staff = api.as_user(world.users.staff_a)
    staff.post(url(need, "submit"))
    api.as_user(world.users.coord_a).post(
        url(need, "review"),
        {"decision": "approve", "diagnosis": DIAGNOSIS},
        format="json",
    )
    Need.objects.filter(pk=need.pk).update(filled=1)
    need.refresh_from_db()
    services.need_mark_matched(need, world.users.coord_a)
    response = api.as_user(world.users.staff_a).post(
        url(need, "confirm"), {"reason": "已线上完成"}, format="json"
    )
    assert response.status_code == 200
    steps = [(t["from_status"], t["to_status"]) for t in response.data["transitions"]]
    assert steps == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "draft"),
        ("draft", "submitted"),
        ("submitted", "open"),
        ("open", "matched"),
        ("matched", "fulfilled"),
    ]
