"""States that cannot be reached by accident: a need is confirmed fulfilled only once
its window has started and work is logged (or with a reason), a coordinator may
reopen it within 30 days, and cancelling an accepted assignment opens its place
again (matched -> open) for the next run."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import assignments as matching
from matching.models import Assignment, AssignmentStatus
from needs.models import Need, NeedStatus, NeedTransition

from .. import factories as f
from ..matching.helpers import run as run_matching
from .conftest import make_need

S = NeedStatus
A = AssignmentStatus


def url(need, action):
    return f"/api/v1/needs/{need.pk}/{action}/"


def serving(world, need, status=A.ACCEPTED):
    teacher = f.TeacherFactory(county=world.county_a, capacity=3)
    return f.AssignmentFactory(need=need, teacher=teacher, status=status)


def started_need(world, **fields):
    today = timezone.localdate()
    return make_need(
        world,
        S.MATCHED,
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=60),
        **fields,
    )


# -- confirming ------------------------------------------------------------------


def test_confirming_before_the_window_starts_needs_a_reason(world, api):
    today = timezone.localdate()
    need = make_need(
        world,
        S.MATCHED,
        start_date=today + dt.timedelta(days=90),
        end_date=today + dt.timedelta(days=200),
    )
    f.ActivityFactory(assignment=serving(world, need))
    client = api.as_user(world.users.staff_a)
    refused = client.post(url(need, "confirm"), {}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.data
    assert Need.objects.get(pk=need.pk).status == S.MATCHED
    done = client.post(url(need, "confirm"), {"reason": "提前完成"}, format="json")
    assert done.status_code == 200, done.data
    assert done.data["status"] == "fulfilled"
    step = NeedTransition.objects.filter(need=need).latest("id")
    assert step.comment == "提前完成"


def test_confirming_without_any_activity_needs_a_reason(world, api):
    need = started_need(world)
    serving(world, need)
    refused = api.as_user(world.users.staff_a).post(
        url(need, "confirm"), {"reason": "  "}, format="json"
    )
    assert refused.status_code == 400
    assert Need.objects.get(pk=need.pk).status == S.MATCHED


def test_confirming_a_started_need_with_an_activity_needs_no_reason(world, api):
    need = started_need(world)
    f.ActivityFactory(assignment=serving(world, need))
    done = api.as_user(world.users.staff_a).post(
        url(need, "confirm"), {}, format="json"
    )
    assert done.status_code == 200, done.data
    assert Need.objects.get(pk=need.pk).status == S.FULFILLED


# -- reopening -------------------------------------------------------------------


def test_coordinator_reopens_a_fulfilled_need_with_a_reason(world, api):
    need = make_need(world, S.FULFILLED)
    client = api.as_user(world.users.coord_a)
    refused = client.post(url(need, "reopen"), {"reason": ""}, format="json")
    assert refused.status_code == 400
    assert Need.objects.get(pk=need.pk).status == S.FULFILLED
    done = client.post(url(need, "reopen"), {"reason": "学校误点了确认"}, format="json")
    assert done.status_code == 200, done.data
    need.refresh_from_db()
    assert (need.status, need.fulfilled_at) == (S.MATCHED, None)
    step = NeedTransition.objects.filter(need=need).latest("id")
    assert (step.from_status, step.to_status, step.actor, step.comment) == (
        "fulfilled",
        "matched",
        world.users.coord_a,
        "学校误点了确认",
    )


def test_a_need_fulfilled_more_than_30_days_ago_cannot_be_reopened(world, api):
    need = make_need(
        world, S.FULFILLED, fulfilled_at=timezone.now() - dt.timedelta(days=31)
    )
    response = api.as_user(world.users.coord_a).post(
        url(need, "reopen"), {"reason": "太晚了"}, format="json"
    )
    assert response.status_code == 409
    assert "30" in response.data["detail"]
    assert Need.objects.get(pk=need.pk).status == S.FULFILLED


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a", "coord_b"])
def test_only_the_county_coordinator_may_reopen(world, api, persona):
    need = make_need(world, S.FULFILLED)
    response = api.as_user(getattr(world.users, persona)).post(
        url(need, "reopen"), {"reason": "想重开"}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Need.objects.get(pk=need.pk).status == S.FULFILLED


def test_the_detail_lists_reopen_only_while_it_is_allowed(world, api):
    recent = make_need(world, S.FULFILLED)
    old = make_need(
        world, S.FULFILLED, fulfilled_at=timezone.now() - dt.timedelta(days=40)
    )
    client = api.as_user(world.users.coord_a)
    assert "reopen" in client.get(f"/api/v1/needs/{recent.pk}/").data["actions"]
    assert "reopen" not in client.get(f"/api/v1/needs/{old.pk}/").data["actions"]


# -- cancelling an accepted assignment ----------------------------------------------


def test_cancelling_an_accepted_assignment_opens_the_need_again(world):
    need = started_need(world, headcount=2, filled=2)
    first = serving(world, need)
    serving(world, need)
    matching.assignment_cancel(
        assignment=first, actor=world.users.coord_a, reason="教师因病返回"
    )
    need.refresh_from_db()
    assert (need.status, need.filled) == (S.OPEN, 1)
    step = NeedTransition.objects.filter(need=need).latest("id")
    assert (step.from_status, step.to_status) == ("matched", "open")


def test_the_next_run_fills_the_place_with_another_teacher(world):
    need = started_need(world, headcount=1, filled=1)
    first = serving(world, need)
    other = f.TeacherFactory(county=world.county_a, capacity=2)
    f.TeacherSkillFactory(teacher=other, specialty=world.ecommerce, level=4)
    f.TeacherSkillFactory(teacher=first.teacher, specialty=world.ecommerce, level=5)
    matching.assignment_cancel(
        assignment=first, actor=world.users.coord_a, reason="调回原单位"
    )
    run_matching(world.county_a)
    proposed = [
        a.teacher_id for a in Assignment.objects.filter(need=need, status=A.PROPOSED)
    ]
    # One place again, and never for the teacher whose assignment was cancelled.
    assert len(proposed) == 1
    assert proposed[0] != first.teacher_id


def test_a_declined_pair_returns_only_once_the_coordinator_clears_it(world, api):
    need = make_need(world, S.OPEN)
    declined = f.AssignmentFactory(
        need=need, teacher=world.teacher_a, status=A.DECLINED
    )
    run_matching(world.county_a)
    assert not Assignment.objects.filter(need=need, status=A.PROPOSED).exists()

    staff = api.as_user(world.users.staff_a)
    assert (
        staff.post(f"/api/v1/assignments/{declined.pk}/clear-decline/").status_code
        == 403
    )
    coordinator = api.as_user(world.users.coord_a)
    cleared = coordinator.post(f"/api/v1/assignments/{declined.pk}/clear-decline/")
    assert cleared.status_code == 200, cleared.data
    assert cleared.data["decline_cleared_at"] is not None
    again = coordinator.post(f"/api/v1/assignments/{declined.pk}/clear-decline/")
    assert again.status_code == 409
    run_matching(world.county_a)
    assert Assignment.objects.filter(
        need=need, teacher=world.teacher_a, status=A.PROPOSED
    ).exists()


# -- who is coming -----------------------------------------------------------------


def test_the_need_lists_its_proposed_accepted_and_completed_teachers(world, api):
    need = started_need(world, headcount=3, filled=2)
    accepted = serving(world, need, A.ACCEPTED)
    completed = serving(world, need, A.COMPLETED)
    proposed = serving(world, need, A.PROPOSED)
    serving(world, need, A.DECLINED)
    serving(world, need, A.CANCELLED)
    for persona in ("staff_a", "coord_a", "admin"):
        data = (
            api.as_user(getattr(world.users, persona))
            .get(f"/api/v1/needs/{need.pk}/")
            .data
        )
        people = {row["id"]: row for row in data["assignments"]}
        assert set(people) == {accepted.pk, completed.pk, proposed.pk}, persona
        row = people[accepted.pk]
        contract = ("id", "teacher", "teacher_name", "home_school", "status")
        assert {key: row[key] for key in contract} == {
            "id": accepted.pk,
            "teacher": accepted.teacher_id,
            "teacher_name": accepted.teacher.name,
            "home_school": accepted.teacher.home_school.name,
            "status": "accepted",
        }


def test_school_staff_never_read_why_a_teacher_declined(world, api):
    need = make_need(world, S.OPEN)
    assignment = f.AssignmentFactory(need=need, teacher=world.teacher_a)
    matching.assignment_decline(
        assignment=assignment, actor=world.users.coord_a, reason="该教师身体不适"
    )
    staff = api.as_user(world.users.staff_a).get(
        f"/api/v1/assignments/{assignment.pk}/"
    )
    assert staff.status_code == 200
    assert staff.data["decision_reason"] == ""
    coordinator = api.as_user(world.users.coord_a).get(
        f"/api/v1/assignments/{assignment.pk}/"
    )  # the same client, now signed in as the coordinator
    assert coordinator.data["decision_reason"] == "该教师身体不适"
    inbox = world.users.staff_a.notifications.all()
    assert not any("身体不适" in n.body for n in inbox)


def test_the_school_sees_the_contact_of_an_accepted_teacher_only(world, api):
    need = started_need(world, headcount=2, filled=1)
    world.teacher_a.phone = "13800000001"
    world.teacher_a.save(update_fields=["phone"])
    world.users.teacher_a.email = "zhang@example.cn"
    world.users.teacher_a.save(update_fields=["email"])
    accepted = f.AssignmentFactory(
        need=need, teacher=world.teacher_a, status="accepted"
    )
    other = f.TeacherFactory(county=world.county_a, phone="13900000002")
    proposed = f.AssignmentFactory(need=need, teacher=other, status="proposed")

    def rows(persona):
        data = (
            api.as_user(getattr(world.users, persona))
            .get(f"/api/v1/needs/{need.pk}/")
            .data
        )
        return {row["id"]: (row["phone"], row["email"]) for row in data["assignments"]}

    assert rows("staff_a") == {
        accepted.pk: ("13800000001", "zhang@example.cn"),
        proposed.pk: (None, None),  # a proposal is not yet someone who serves
    }
    assert rows("coord_a")[proposed.pk] == ("13900000002", "")
    assert rows("teacher_a")[accepted.pk] == ("13800000001", "zhang@example.cn")


def test_the_teacher_card_shows_the_schools_contact_once_accepted(world, client):
    world.users.staff_a.email = "staff@bhzj.cn"
    world.users.staff_a.save(update_fields=["email"])
    need = started_need(world)
    proposed_need = make_need(world, S.OPEN, school=world.school_a2)
    accepted = serving(world, need)
    accepted.teacher = world.teacher_a
    accepted.save(update_fields=["teacher"])
    proposal = f.AssignmentFactory(
        need=proposed_need, teacher=world.teacher_a, status="proposed"
    )
    client.force_login(world.users.teacher_a)
    page = client.get("/matching/my-assignments/").content.decode()
    assert f'data-testid="school-contact-{accepted.pk}"' in page
    assert "staff@bhzj.cn" in page
    assert f'data-testid="school-contact-{proposal.pk}"' not in page


def test_contacts_on_a_need_cost_the_same_queries_for_one_teacher_or_five(
    world, api, client
):
    def queries_for(teachers: int) -> int:
        need = started_need(world, headcount=teachers, filled=teachers)
        for _ in range(teachers):
            serving(world, need)
        client = api.as_user(world.users.staff_a)
        client.get(f"/api/v1/needs/{need.pk}/")  # warm the caller's caches
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/needs/{need.pk}/").status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert browser.get(f"/needs/{need.pk}/").status_code == 200
        return len(captured), len(page)

    browser = client
    browser.force_login(world.users.staff_a)
    assert queries_for(1) == queries_for(5)
