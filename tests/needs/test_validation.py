"""Bad input is 400 with messages per field, in the user's language (Chinese by
default), and nothing is stored; fields the caller may not set are never stored."""

import pytest
from django.conf import settings

from needs.models import Diagnosis, Need, NeedStatus, NeedTransition

S = NeedStatus


@pytest.fixture
def good(world):
    return {
        "specialty": world.ecommerce.pk,
        "kind": "teaching",
        "title": "直播电商教师",
        "description": "需要一名直播电商教师",
        "headcount": 2,
        "start_date": "2026-09-01",
        "end_date": "2026-12-31",
        "urgency": 4,
    }


def counts():
    return (Need.objects.count(), NeedTransition.objects.count())


@pytest.mark.parametrize(
    ("changes", "field", "chinese"),
    [
        ({"headcount": 11}, "headcount", "人数必须在 1 到 10 之间。"),
        ({"headcount": 0}, "headcount", "人数必须在 1 到 10 之间。"),
        ({"urgency": 6}, "urgency", "紧迫程度必须在 1 到 5 之间。"),
        ({"end_date": "2026-08-01"}, "end_date", "结束日期不能早于开始日期。"),
        ({"kind": "party"}, "kind", "“party” 不是合法选项。"),
        ({"title": ""}, "title", "该字段不能为空。"),
        ({"start_date": "2026/09/01"}, "start_date", "日期格式错误"),
        ({"specialty": 999999}, "specialty", "无效主键"),
    ],
)
def test_bad_input_is_400_per_field_in_chinese_and_nothing_is_stored(
    world, api, good, changes, field, chinese
):
    before = counts()
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/needs/", {**good, **changes}, format="json"
    )
    assert response.status_code == 400
    assert field in response.data, response.data
    assert any(chinese in str(message) for message in response.data[field]), (
        response.data
    )
    assert counts() == before


def test_missing_fields_are_each_named(world, api):
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/needs/", {}, format="json"
    )
    assert response.status_code == 400
    for field in (
        "specialty",
        "kind",
        "title",
        "headcount",
        "start_date",
        "end_date",
        "urgency",
    ):
        assert response.data[field] == ["该字段是必填项。"], field
    assert Need.objects.count() == 0


def test_several_rule_errors_come_back_together(world, api, good):
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/needs/",
        {**good, "headcount": 20, "urgency": 9, "end_date": "2026-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.data) == {"headcount", "urgency", "end_date"}


def test_messages_are_english_when_asked(world, api, good):
    client = api.as_user(world.users.staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch
    response = client.post("/api/v1/needs/", {**good, "headcount": 11}, format="json")
    assert response.status_code == 400
    assert response.data["headcount"] == ["Headcount must be between 1 and 10."]


def test_editing_a_draft_with_bad_input_changes_nothing(world, api, need_in):
    need = need_in(S.DRAFT, title="原标题", headcount=1)
    response = api.as_user(world.users.staff_a).patch(
        f"/api/v1/needs/{need.pk}/",
        {"title": "新标题", "headcount": 12},
        format="json",
    )
    assert response.status_code == 400
    assert "headcount" in response.data
    need.refresh_from_db()
    assert (need.title, need.headcount) == ("原标题", 1)


def test_end_date_before_a_stored_start_date_is_refused(world, api, need_in):
    need = need_in(S.DRAFT)
    response = api.as_user(world.users.staff_a).patch(
        f"/api/v1/needs/{need.pk}/", {"end_date": "2020-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.data) == ["end_date"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "approve"}, "diagnosis"),
        ({"decision": "approve", "diagnosis": None}, "diagnosis"),
        (
            {
                "decision": "approve",
                "diagnosis": {
                    "urgency": 6,
                    "students_affected": 3,
                    "industry_fit": 3,
                    "readiness": 3,
                },
            },
            "diagnosis",
        ),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "return"}, "comment"),
        ({"decision": "return", "comment": "   "}, "comment"),
        ({"decision": "reject"}, "comment"),
        ({"decision": "approve", "goals": "一个目标"}, "goals"),
    ],
)
def test_review_input_is_checked_and_nothing_is_stored(
    world, api, need_in, body, field
):
    need = need_in(S.SUBMITTED)
    response = api.as_user(world.users.coord_a).post(
        f"/api/v1/needs/{need.pk}/review/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.data, response.data
    need.refresh_from_db()
    assert need.status == S.SUBMITTED
    assert need.priority_score is None
    assert not Diagnosis.objects.filter(need=need).exists()
    assert need.goals.count() == 0


def test_approving_without_a_diagnosis_says_so_in_chinese(world, api, need_in):
    need = need_in(S.SUBMITTED)
    response = api.as_user(world.users.coord_a).post(
        f"/api/v1/needs/{need.pk}/review/", {"decision": "approve"}, format="json"
    )
    assert response.data["diagnosis"] == ["批准需求前必须完成需求诊断。"]


def test_cancel_needs_a_reason(world, api, need_in):
    need = need_in(S.OPEN)
    client = api.as_user(world.users.staff_a)
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = client.post(f"/api/v1/needs/{need.pk}/cancel/", body, format="json")
        assert response.status_code == 400
        assert "reason" in response.data
    need.refresh_from_db()
    assert need.status == S.OPEN and need.cancel_reason == ""


# -- fields the caller may not set ------------------------------------------------


def test_protected_fields_sent_on_create_are_ignored(world, api, good):
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/needs/",
        {
            **good,
            "status": "open",
            "priority_score": 99,
            "filled": 2,
            "created_by": world.users.admin.pk,
            "created_at": "2020-01-01T00:00:00Z",
            "submitted_at": "2020-01-01T00:00:00Z",
            "cancel_reason": "x",
        },
        format="json",
    )
    assert response.status_code == 201
    need = Need.objects.get(pk=response.data["id"])
    assert need.status == S.DRAFT
    assert need.priority_score is None
    assert need.filled == 0
    assert need.created_by == world.users.staff_a
    assert need.submitted_at is None
    assert need.cancel_reason == ""
    assert need.created_at.year != 2020


def test_school_staff_may_omit_the_school(world, api, good):
    response = api.as_user(world.users.staff_b).post(
        "/api/v1/needs/", good, format="json"
    )
    assert response.status_code == 201
    assert response.data["school"] == world.school_b.pk


def test_school_staff_cannot_post_for_another_school(world, api, good):
    for other in (world.school_a2, world.school_b):
        response = api.as_user(world.users.staff_a).post(
            "/api/v1/needs/", {**good, "school": other.pk}, format="json"
        )
        assert response.status_code == 400
        assert "school" in response.data
    assert Need.objects.count() == 0


def test_another_school_is_refused_like_a_missing_one(world, api, good):
    """The answer does not reveal that the other school exists."""
    client = api.as_user(world.users.staff_a)
    other = client.post("/api/v1/needs/", {**good, "school": world.school_b.pk})
    missing = client.post("/api/v1/needs/", {**good, "school": 987654})
    assert other.status_code == missing.status_code == 400
    assert other.data["school"][0].replace(
        str(world.school_b.pk), "ID"
    ) == missing.data["school"][0].replace("987654", "ID")


def test_school_staff_cannot_move_a_need_or_change_protected_fields(
    world, api, need_in
):
    need = need_in(S.DRAFT)
    client = api.as_user(world.users.staff_a)
    response = client.patch(
        f"/api/v1/needs/{need.pk}/",
        {"status": "open", "priority_score": 90, "created_by": world.users.admin.pk},
        format="json",
    )
    assert response.status_code == 200
    response = client.patch(
        f"/api/v1/needs/{need.pk}/", {"school": world.school_a2.pk}, format="json"
    )
    assert response.status_code == 400
    need.refresh_from_db()
    assert need.status == S.DRAFT
    assert need.priority_score is None
    assert need.created_by == world.users.staff_a
    assert need.school == world.school_a


def test_admin_must_name_an_assisted_school(world, api, good):
    client = api.as_user(world.users.admin)
    response = client.post("/api/v1/needs/", good, format="json")
    assert response.status_code == 400 and "school" in response.data
    response = client.post(
        "/api/v1/needs/", {**good, "school": world.home.pk}, format="json"
    )
    assert response.status_code == 400 and "school" in response.data
    response = client.post(
        "/api/v1/needs/", {**good, "school": world.school_a2.pk}, format="json"
    )
    assert response.status_code == 201
    assert Need.objects.get().school == world.school_a2
