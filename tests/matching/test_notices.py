"""Notices that lead somewhere: a teacher hears of a proposal with a link to answer
it, each inbox item's link says what to do, coordinators are reminded (once a day)
of work that waits too long (the digest: tests/accounts/test_notifications.py)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import notify, send_digests
from activities import services as activities
from matching import assignments, reminders, runs
from needs.models import NeedStatus

from .. import factories as f
from .helpers import open_need, run


@pytest.fixture
def addresses(world):
    for name in ("teacher_a", "coord_a", "staff_a"):
        user = getattr(world.users, name)
        user.email = f"{name}@example.cn"
        user.save(update_fields=["email"])
    return world


def test_a_teacher_is_told_of_a_proposal_with_a_link_to_answer_it(
    addresses, client, django_capture_on_commit_callbacks
):
    open_need(addresses.school_a, addresses.ecommerce)
    with django_capture_on_commit_callbacks(execute=True):
        run(addresses.county_a)
    note = Notification.objects.get(user=addresses.users.teacher_a, kind="proposed")
    assert "接受或拒绝" in note.title
    assert note.url == "/matching/my-assignments/"
    assert note.action_label == "回应匹配建议"
    assert [m.to for m in mail.outbox] == [["teacher_a@example.cn"]]
    client.force_login(addresses.users.teacher_a)
    inbox = client.get("/inbox/").content.decode()
    assert "回应匹配建议" in inbox  # the link names the action
    # A second run with nothing new proposes nothing and tells nobody again.
    run(addresses.county_a)
    assert Notification.objects.filter(kind="proposed").count() == 1


def test_coordinators_are_reminded_once_a_day_of_what_waits_too_long(addresses):
    old = timezone.now() - dt.timedelta(days=5)
    f.NeedFactory(
        school=addresses.school_a, status=NeedStatus.SUBMITTED, submitted_at=old
    )
    f.NeedFactory(  # recent: not yet a reminder
        school=addresses.school_a,
        status=NeedStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    f.NeedFactory(  # another county: not coord_a's
        school=addresses.school_b, status=NeedStatus.SUBMITTED, submitted_at=old
    )
    assert reminders.notify_waiting_coordinators() >= 1
    mine = Notification.objects.get(user=addresses.users.coord_a, kind="waiting_review")
    assert mine.title.startswith("1 ")
    assert mine.url == "/needs/review/" and not mine.urgent
    assert mail.outbox == []  # it waits for the digest
    reminders.notify_waiting_coordinators()
    assert (
        Notification.objects.filter(
            user=addresses.users.coord_a, kind="waiting_review"
        ).count()
        == 1
    )


def test_the_school_is_told_when_a_teacher_accepts_with_a_link_to_the_need(
    addresses,
):
    need = open_need(addresses.school_a, addresses.ecommerce)
    proposal = f.AssignmentFactory(need=need, teacher=addresses.teacher_a)
    assignments.assignment_accept(assignment=proposal, actor=addresses.users.coord_a)
    note = Notification.objects.get(user=addresses.users.staff_a)
    assert note.url == f"/needs/{need.pk}/" and note.action_label == "查看需求"


def test_a_notice_without_an_action_says_open_not_a_need_state(world, client):
    notify(users=[world.users.teacher_a], title="评分任务", url="/evaluations/tasks/")
    client.force_login(world.users.teacher_a)
    inbox = client.get("/inbox/").content.decode()
    assert ">打开<" in inbox and "待匹配" not in inbox


def _mailed_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_the_starter_of_a_run_hears_how_it_ended_in_the_daily_digest(
    addresses, django_capture_on_commit_callbacks
):
    open_need(addresses.school_a, addresses.ecommerce)
    coordinator = addresses.users.coord_a
    with django_capture_on_commit_callbacks(execute=True):
        started = runs.matching_run_start(actor=coordinator, county=addresses.county_a)
    note = Notification.objects.get(user=coordinator, kind="run_ended")
    assert note.url == f"/matching/runs/{started.pk}/" and not note.urgent
    assert note.action_label == "查看匹配运行结果"
    assert _mailed_to("coord_a@example.cn") == []  # news: it waits for the digest
    with django_capture_on_commit_callbacks(execute=True):
        send_digests()
    [digest] = _mailed_to("coord_a@example.cn")
    assert f"匹配运行 #{started.pk}" in digest.body


def test_a_teacher_hears_of_a_disputed_activity_in_the_daily_digest(
    addresses, django_capture_on_commit_callbacks
):
    need = open_need(addresses.school_a, addresses.ecommerce)
    activity = f.ActivityFactory(
        assignment=f.AssignmentFactory(
            need=need, teacher=addresses.teacher_a, status="accepted"
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        activities.activity_dispute(
            actor=addresses.users.staff_a, activity=activity, reason="当天学校放假"
        )
    note = Notification.objects.get(kind="activity_disputed")
    assert note.user == addresses.users.teacher_a and not note.urgent
    assert note.body == "当天学校放假" and note.action_label == "查看我的帮扶活动"
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == 1
    [digest] = mail.outbox
    assert digest.to == ["teacher_a@example.cn"] and "当天学校放假" in digest.body


def test_the_school_is_e_mailed_when_its_teacher_accepts_and_when_cancelled(
    addresses, django_capture_on_commit_callbacks
):
    need = open_need(addresses.school_a, addresses.ecommerce)
    proposal = f.AssignmentFactory(need=need, teacher=addresses.teacher_a)
    with django_capture_on_commit_callbacks(execute=True):
        assignments.assignment_accept(
            assignment=proposal, actor=addresses.users.teacher_a
        )
    # The teacher answered: the school hears of it at once, the teacher does not.
    [accepted] = mail.outbox
    assert accepted.to == ["staff_a@example.cn"] and "张老师" in accepted.subject
    assert f"/needs/{need.pk}/" in accepted.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assignments.assignment_cancel(
            assignment=proposal, actor=addresses.users.coord_a, reason="家中有事"
        )
    assert sorted(m.to[0] for m in mail.outbox) == [
        "staff_a@example.cn",
        "teacher_a@example.cn",
    ]
    assert all("家中有事" in m.body for m in mail.outbox)
