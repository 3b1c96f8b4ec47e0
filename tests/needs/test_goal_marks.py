"""Plan goals marked where the work happens: the school's staff and the serving
teachers mark a goal met, partly met or not met with a note and evidence; the
county's coordinator confirms or corrects the mark. Who may do it (404 outside the
need's scope, 403 for a role that may not), when (409 before the window starts or
outside matched/fulfilled, or with nothing to confirm), bad input (400), and that a
refusal changes nothing."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from needs.models import GoalMark, GoalMarkAttachment, NeedStatus, PlanGoal

from .. import factories as f
from .conftest import make_need

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name, content, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def plan(world):
    """School A's need, matched, its window started ten days ago, 张老师 accepted
    and 王老师 only proposed; two goals. County B's matched need with 李老师."""
    need = make_need(world, NeedStatus.MATCHED, start_date=days(-10), end_date=days(80))
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    proposed = f.TeacherFactory(name="王老师", home_school=world.home)
    proposed_user = f.UserFactory(username="teacher_p", role="teacher")
    proposed.user = proposed_user
    proposed.save(update_fields=["user"])
    f.AssignmentFactory(need=need, teacher=proposed, status="proposed")
    first = PlanGoal.objects.create(need=need, text="培训4名本地教师", position=1)
    second = PlanGoal.objects.create(need=need, text="开发校本教材1本", position=2)
    need_b = make_need(
        world,
        NeedStatus.MATCHED,
        school=world.school_b,
        specialty=world.accounting,
        start_date=days(-10),
        end_date=days(80),
    )
    f.AssignmentFactory(need=need_b, teacher=world.teacher_b, status="accepted")
    goal_b = PlanGoal.objects.create(need=need_b, text="目标B", position=1)
    return type(
        "Plan",
        (),
        {
            "need": need,
            "first": first,
            "second": second,
            "need_b": need_b,
            "goal_b": goal_b,
            "proposed": proposed_user,
        },
    )


def mark_url(goal, need=None):
    return f"/api/v1/needs/{(need or goal.need).pk}/goals/{goal.pk}/mark/"


def confirm_url(goal, need=None):
    return f"/api/v1/needs/{(need or goal.need).pk}/goals/{goal.pk}/confirm/"


MET = {"outcome": "met", "note": "4名教师已独立授课，见听课记录。"}


def snapshot(goal):
    goal.refresh_from_db()
    return (
        goal.outcome,
        goal.confirmed_outcome,
        goal.awaiting_confirmation,
        GoalMark.objects.count(),
    )


# --- who marks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("staff_a", 200),
        ("teacher_a", 200),
        ("coord_a", 403),
        ("coord_ab", 403),
        ("coord_b", 404),
        ("staff_b", 404),
        ("teacher_b", 404),
        ("outsider", 404),
    ],
)
def test_the_school_and_the_serving_teacher_mark_and_others_are_refused(
    world, api, plan, persona, expected
):
    before = snapshot(plan.first)
    user = getattr(world.users, persona)
    response = api.as_user(user).post(mark_url(plan.first), MET, format="json")
    assert response.status_code == expected, response.content
    if expected == 200:
        body = response.json()
        assert (body["state"], body["outcome"], body["confirmed_outcome"]) == (
            "waiting",
            "met",
            "",
        )
        assert body["met"] is None  # not confirmed: not counted
        [mark] = body["marks"]
        assert (mark["action"], mark["author"], mark["note"]) == (
            "mark",
            user.pk,
            MET["note"],
        )
        assert mark["author_role"] == user.role
    else:
        assert snapshot(plan.first) == before


def test_a_teacher_only_proposed_sees_the_need_but_may_not_mark(world, api, plan):
    client = api.as_user(plan.proposed)
    assert client.get(f"/api/v1/needs/{plan.need.pk}/").status_code == 200
    assert client.post(mark_url(plan.first), MET, format="json").status_code == 403
    assert not GoalMark.objects.exists()


def test_a_goal_of_another_need_is_not_found_through_this_one(world, api, plan):
    client = api.as_user(world.users.admin)
    response = client.post(mark_url(plan.goal_b, plan.need), MET, format="json")
    assert response.status_code == 404
    assert (
        client.post(
            f"/api/v1/needs/{plan.need.pk}/goals/999999/mark/", MET, format="json"
        ).status_code
        == 404
    )
    assert not GoalMark.objects.exists()


# --- when ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "start"),
    [
        (NeedStatus.MATCHED, 5),  # the window has not started
        (NeedStatus.OPEN, -10),
        (NeedStatus.CANCELLED, -10),
        (NeedStatus.SUBMITTED, -10),
    ],
)
def test_marks_wait_for_the_window_and_a_matched_or_fulfilled_need(
    world, api, plan, status, start
):
    need = make_need(world, status, start_date=days(start), end_date=days(60))
    goal = PlanGoal.objects.create(need=need, text="目标")
    client = api.as_user(world.users.staff_a)
    response = client.post(mark_url(goal), MET, format="json")
    assert response.status_code == 409
    assert response.json()["status"] == status
    # The state is checked before the body: a bad body is still 409.
    bad = client.post(mark_url(goal), {"outcome": "nope"}, format="json")
    assert bad.status_code == 409
    coordinator = api.as_user(world.users.coord_a)
    assert coordinator.post(confirm_url(goal), {}, format="json").status_code == 409
    assert not GoalMark.objects.exists()


def test_a_fulfilled_need_takes_marks(world, api, plan):
    need = make_need(
        world, NeedStatus.FULFILLED, start_date=days(-60), end_date=days(-5)
    )
    goal = PlanGoal.objects.create(need=need, text="目标")
    response = api.as_user(world.users.staff_a).post(
        mark_url(goal), {"outcome": "partly", "note": "完成一半"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["outcome"] == "partly"


def test_the_page_says_when_goals_can_be_marked(world, client, plan):
    need = make_need(world, NeedStatus.MATCHED, start_date=days(5), end_date=days(60))
    PlanGoal.objects.create(need=need, text="目标")
    client.force_login(world.users.staff_a)
    html = client.get(f"/needs/{need.pk}/").content.decode()
    assert 'data-testid="goals-not-yet"' in html
    assert 'data-testid="goal-mark-form"' not in html


# --- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "met"}, "note"),
        ({"outcome": "met", "note": "   "}, "note"),
        ({"outcome": "done", "note": "x"}, "outcome"),
        ({"note": "x"}, "outcome"),
        ({"outcome": "met", "note": "x" * 2001}, "note"),
    ],
)
def test_a_mark_needs_an_outcome_and_a_note(world, api, plan, body, field):
    before = snapshot(plan.first)
    response = api.as_user(world.users.staff_a).post(
        mark_url(plan.first), body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert snapshot(plan.first) == before


def test_a_refused_file_refuses_the_whole_mark(world, api, plan):
    response = api.as_user(world.users.staff_a).post(
        mark_url(plan.first),
        {
            **MET,
            "attachments": [
                upload("ok.png", png()),
                upload("evil.png", b"<html><script>alert(1)</script>", "image/png"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "evil.png" in str(response.json()["attachments"])
    assert not GoalMark.objects.exists()
    assert not GoalMarkAttachment.objects.exists()


# --- evidence ------------------------------------------------------------------


def test_evidence_is_stored_and_served_only_to_those_who_see_the_need(world, api, plan):
    response = api.as_user(world.users.teacher_a).post(
        mark_url(plan.first),
        {
            **MET,
            "attachments": [
                upload("听课记录.png", png()),
                upload("plan.pdf", PDF, "application/pdf"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    files = response.json()["marks"][0]["attachments"]
    assert [(a["name"], a["content_type"]) for a in files] == [
        ("听课记录.png", "image/png"),
        ("plan.pdf", "application/pdf"),
    ]
    url = files[0]["url"]
    for persona, expected in [
        ("staff_a", 200),
        ("coord_a", 200),
        ("teacher_a", 200),
        ("admin", 200),
        ("staff_b", 404),
        ("coord_b", 404),
        ("teacher_b", 404),
    ]:
        got = api.as_user(getattr(world.users, persona)).get(url)
        assert got.status_code == expected, persona
        if expected == 200:
            assert got["Content-Type"] == "image/png"
            assert got["X-Content-Type-Options"] == "nosniff"
            assert "sandbox" in got["Content-Security-Policy"]


# --- confirmation --------------------------------------------------------------


@pytest.fixture
def marked(world, api, plan):
    response = api.as_user(world.users.staff_a).post(
        mark_url(plan.first), {"outcome": "partly", "note": "完成2名"}, format="json"
    )
    assert response.status_code == 200
    return plan


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 200),
        ("coord_a", 200),
        ("coord_ab", 200),
        ("staff_a", 403),
        ("teacher_a", 403),
        ("coord_b", 404),
        ("staff_b", 404),
        ("teacher_b", 404),
        ("outsider", 404),
    ],
)
def test_the_county_confirms_a_mark_and_others_are_refused(
    world, api, marked, persona, expected
):
    before = snapshot(marked.first)
    response = api.as_user(getattr(world.users, persona)).post(
        confirm_url(marked.first), {}, format="json"
    )
    assert response.status_code == expected, response.content
    if expected == 200:
        body = response.json()
        assert (body["state"], body["confirmed_outcome"], body["met"]) == (
            "confirmed",
            "partly",
            False,
        )
        assert [m["action"] for m in body["marks"]] == ["mark", "confirm"]
    else:
        assert snapshot(marked.first) == before


def test_a_correction_needs_a_note_and_is_kept_in_the_history(world, api, marked):
    client = api.as_user(world.users.coord_a)
    before = snapshot(marked.first)
    refused = client.post(
        confirm_url(marked.first), {"outcome": "not_met"}, format="json"
    )
    assert refused.status_code == 400
    assert "note" in refused.json()
    assert snapshot(marked.first) == before
    response = client.post(
        confirm_url(marked.first),
        {"outcome": "not_met", "note": "现场核实：尚未开展培训。"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["confirmed_outcome"], body["state"]) == (
        "not_met",
        "not_met",
        "confirmed",
    )
    assert [(m["action"], m["outcome"]) for m in body["marks"]] == [
        ("mark", "partly"),
        ("correct", "not_met"),
    ]
    assert body["marks"][1]["author"] == world.users.coord_a.pk
    # Confirming with the outcome marked is no correction: no note needed.


def test_confirming_the_outcome_marked_needs_no_note(world, api, marked):
    response = api.as_user(world.users.coord_a).post(
        confirm_url(marked.first), {"outcome": "partly"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["marks"][-1]["action"] == "confirm"


def test_nothing_to_confirm_is_409(world, api, marked):
    client = api.as_user(world.users.coord_a)
    unmarked = client.post(confirm_url(marked.second), {}, format="json")
    assert unmarked.status_code == 409
    assert unmarked.json()["status"] == "not_marked"
    assert client.post(confirm_url(marked.first), {}, format="json").status_code == 200
    again = client.post(confirm_url(marked.first), {}, format="json")
    assert again.status_code == 409
    assert again.json()["status"] == "confirmed"


def test_a_new_mark_waits_while_the_confirmed_outcome_stands(world, api, marked):
    api.as_user(world.users.coord_a).post(confirm_url(marked.first), {}, format="json")
    response = api.as_user(world.users.teacher_a).post(
        mark_url(marked.first), {"outcome": "met", "note": "已完成4名"}, format="json"
    )
    body = response.json()
    assert (body["state"], body["outcome"], body["confirmed_outcome"]) == (
        "waiting",
        "met",
        "partly",
    )
    assert [m["action"] for m in body["marks"]] == ["mark", "confirm", "mark"]


# --- reading -------------------------------------------------------------------


def test_the_need_lists_its_goals_with_their_state_and_what_the_caller_may_do(
    world, api, marked
):
    body = api.as_user(world.users.coord_a).get(f"/api/v1/needs/{marked.need.pk}/")
    goals = {g["text"]: g for g in body.json()["goals"]}
    first, second = goals["培训4名本地教师"], goals["开发校本教材1本"]
    assert (first["state"], first["outcome"], first["actions"]) == (
        "waiting",
        "partly",
        ["confirm"],
    )
    assert (second["state"], second["actions"]) == ("not_marked", [])
    staff = api.as_user(world.users.staff_a).get(f"/api/v1/needs/{marked.need.pk}/")
    assert [g["actions"] for g in staff.json()["goals"]] == [["mark"], ["mark"]]
    listed = api.as_user(world.users.staff_a).get("/api/v1/needs/")
    row = next(r for r in listed.json()["results"] if r["id"] == marked.need.pk)
    assert [g["state"] for g in row["goals"]] == ["waiting", "not_marked"]


def test_the_need_detail_reads_goals_and_marks_in_a_flat_number_of_queries(
    world, api, plan
):
    client = api.as_user(world.users.staff_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/needs/{plan.need.pk}/").status_code == 200
        return len(queries)

    client.post(mark_url(plan.first), MET, format="json")
    small = count()
    for number in range(6):
        goal = PlanGoal.objects.create(need=plan.need, text=f"目标{number}")
        client.post(
            mark_url(goal),
            {**MET, "attachments": [upload("a.png", png())]},
            format="multipart",
        )
    assert count() == small


# --- pages ---------------------------------------------------------------------


def test_staff_mark_a_goal_on_the_page_and_the_coordinator_confirms_it(
    world, client, plan
):
    page = f"/needs/{plan.need.pk}/"
    client.force_login(world.users.staff_a)
    html = client.get(page).content.decode()
    assert 'data-testid="goal-mark-form"' in html
    assert 'data-testid="goal-confirm-form"' not in html
    prefix = f"goal{plan.first.pk}"
    response = client.post(
        f"{page}goals/{plan.first.pk}/mark/",
        {
            f"{prefix}-outcome": "met",
            f"{prefix}-note": "已完成",
            f"{prefix}-attachments": [upload("签到表.png", png())],
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#goal-{plan.first.pk}")
    html = client.get(page).content.decode()
    assert "待确认（达成）" in html
    assert 'data-testid="goal-evidence"' in html

    client.force_login(world.users.coord_a)
    html = client.get(page).content.decode()
    assert 'data-testid="goal-confirm-form"' in html
    assert 'data-testid="goal-mark-form"' not in html
    response = client.post(f"{page}goals/{plan.first.pk}/confirm/", {})
    assert response.status_code == 302
    plan.first.refresh_from_db()
    assert (plan.first.confirmed_outcome, plan.first.awaiting_confirmation) == (
        "met",
        False,
    )
    assert plan.first.confirmed_by == world.users.coord_a


def test_a_mark_without_a_note_shows_the_error_on_the_page(world, client, plan):
    client.force_login(world.users.teacher_a)
    prefix = f"goal{plan.first.pk}"
    response = client.post(
        f"/needs/{plan.need.pk}/goals/{plan.first.pk}/mark/",
        {f"{prefix}-outcome": "met", f"{prefix}-note": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "field-error" in html and '<details class="goal-form" open>' in html
    assert not GoalMark.objects.exists()


def test_pages_refuse_like_the_api(world, client, plan):
    url = f"/needs/{plan.need.pk}/goals/{plan.first.pk}/mark/"
    client.force_login(world.users.coord_a)
    assert client.post(url, {}).status_code == 403
    client.force_login(world.users.staff_b)
    assert client.post(url, {}).status_code == 404
    client.force_login(world.users.coord_a)
    confirm = f"/needs/{plan.need.pk}/goals/{plan.first.pk}/confirm/"
    response = client.post(confirm, {}, follow=True)  # nothing waits: a message
    assert "无法确认目标标记" in response.content.decode()
    assert not GoalMark.objects.exists()


def test_the_coordinators_list_of_marks_to_confirm(world, client, api, marked):
    api.as_user(world.users.teacher_b).post(mark_url(marked.goal_b), MET, format="json")
    client.force_login(world.users.coord_a)
    html = client.get("/needs/goals/to-confirm/").content.decode()
    assert "培训4名本地教师" in html and "目标B" not in html
    assert f"#goal-{marked.first.pk}" in html
    client.force_login(world.users.coord_b)
    html = client.get("/needs/goals/to-confirm/").content.decode()
    assert "目标B" in html and "培训4名本地教师" not in html
    client.force_login(world.users.staff_a)
    assert client.get("/needs/goals/to-confirm/").status_code == 403


def test_the_dashboard_counts_the_marks_waiting_for_the_coordinator(
    world, client, api, marked
):
    import re

    api.as_user(world.users.teacher_b).post(mark_url(marked.goal_b), MET, format="json")
    client.force_login(world.users.coord_a)
    page = client.get("/dashboard/").content.decode()
    block = page.split('data-testid="waiting-goals"', 1)[1]
    assert int(re.search(r"waiting-count[^>]*>(\d+)<", block).group(1)) == 1
    assert "/needs/goals/to-confirm/" in block


def test_a_teachers_card_shows_the_state_of_each_goal(world, client, marked):
    client.force_login(world.users.teacher_a)
    html = client.get("/matching/my-assignments/").content.decode()
    assert "待确认（部分达成）" in html and "未标记" in html
    assert f"/needs/{marked.need.pk}/#goals" in html
