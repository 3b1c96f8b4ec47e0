"""The evaluation's notices go through ``notify()``: rating tasks and appeals are
work to do, e-mailed once the change commits; the answer to an appeal is news, in
the daily digest. A change that rolls back tells nobody."""

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Notification
from accounts.notifications import send_digests
from evaluations import appeals, cycles
from evaluations.models import Evaluation

from .conftest import rate_all, serve


class Refused(Exception):
    pass


@pytest.fixture
def addresses(world):
    for name in ("coord_a", "coord_ab", "coord_b", "staff_a", "teacher_a"):
        user = getattr(world.users, name)
        user.email = f"{name}@example.cn"
        user.save(update_fields=["email"])
    return world


@pytest.fixture
def closed(addresses, season, cycle):
    serve(addresses, season.mate)
    cycles.cycle_open(actor=addresses.users.coord_a, cycle=cycle)
    rate_all(cycle, 70)
    cycles.cycle_close(actor=addresses.users.coord_a, cycle=cycle)
    Notification.objects.all().delete()
    mail.outbox.clear()
    return cycle


def _evaluation_of(world, cycle):
    return Evaluation.objects.get(cycle=cycle, teacher=world.teacher_a)


def test_each_rater_is_e_mailed_their_tasks_once_the_cycle_opens(
    addresses, season, cycle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cycles.cycle_open(actor=addresses.users.coord_a, cycle=cycle)
    notes = Notification.objects.filter(kind="rating_tasks")
    told = {n.user.username for n in notes}
    assert {"coord_a", "coord_ab", "staff_a", "teacher_a"} <= told
    assert not told & {"coord_b", "staff_b", "teacher_b"}
    assert all(n.urgent and n.action_label == "去评分" for n in notes)
    assert all(n.url == "/evaluations/tasks/" for n in notes)
    assert mail.outbox == []  # not before the commit
    for callback in callbacks:
        callback()
    mailed = sorted(m.to[0] for m in mail.outbox)
    assert mailed == [
        "coord_a@example.cn",
        "coord_ab@example.cn",
        "staff_a@example.cn",
        "teacher_a@example.cn",
    ]
    assert all("评分任务" in m.subject and cycle.name in m.subject for m in mail.outbox)


def test_the_countys_coordinators_are_e_mailed_an_appeal_at_once(
    addresses, closed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_create(
            actor=addresses.users.teacher_a,
            evaluation=_evaluation_of(addresses, closed),
            reason="活动记录漏算",
        )
    notes = Notification.objects.filter(kind="appeal")
    assert {n.user.username for n in notes} == {"coord_a", "coord_ab"}
    assert all(n.urgent and n.action_label == "答复申诉" for n in notes)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coord_a@example.cn",
        "coord_ab@example.cn",
    ]


def test_the_answer_to_an_appeal_reaches_the_appellant_in_the_daily_digest(
    addresses, closed, django_capture_on_commit_callbacks
):
    appeal = appeals.appeal_create(
        actor=addresses.users.teacher_a,
        evaluation=_evaluation_of(addresses, closed),
        reason="不服",
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_answer(
            actor=addresses.users.coord_a, appeal=appeal, answer="评分有据，维持"
        )
    note = Notification.objects.get(kind="appeal_answered")
    assert note.user == addresses.users.teacher_a and not note.urgent
    assert note.action_label == "查看考核结果"
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        send_digests()
    [digest] = [m for m in mail.outbox if m.to == ["teacher_a@example.cn"]]
    assert "申诉已获答复" in digest.body


def test_an_appeal_rolled_back_tells_nobody(
    addresses, closed, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused),
        transaction.atomic(),
    ):
        appeals.appeal_create(
            actor=addresses.users.teacher_a,
            evaluation=_evaluation_of(addresses, closed),
            reason="活动记录漏算",
        )
        raise Refused
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []
