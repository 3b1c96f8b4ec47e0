"""The assignment state machine: proposed -> accepted | declined; accepted ->
completed | cancelled. Accepting fills the need (matched when full); every decision
notifies the teacher and the school's staff in the inbox and by e-mail."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Notification
from common.errors import TransitionNotAllowed
from matching import assignments
from matching.models import Assignment
from needs.models import NeedTransition

from .. import factories as f
from .helpers import open_need


@pytest.fixture
def proposal(world):
    """张老师 proposed for a two-place need of school A (staff_a has an address)."""
    world.users.staff_a.email = "staff_a@example.cn"
    world.users.staff_a.save(update_fields=["email"])
    world.users.teacher_a.email = "zhang@example.cn"
    world.users.teacher_a.save(update_fields=["email"])
    need = open_need(world.school_a, world.ecommerce, headcount=2)
    return f.AssignmentFactory(need=need, teacher=world.teacher_a, status="proposed")


def _fresh(assignment):
    return Assignment.objects.select_related("need__school", "teacher").get(
        pk=assignment.pk
    )


def test_accepting_fills_a_place_and_notifies_teacher_and_school_staff(
    world, proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)

    accepted = _fresh(proposal)
    assert accepted.status == "accepted"
    assert accepted.decided_by == world.users.coord_a and accepted.decided_at
    accepted.need.refresh_from_db()
    assert accepted.need.filled == 1 and accepted.need.status == "open"
    links = dict(Notification.objects.values_list("user__username", "url"))
    assert links == {
        "teacher_a": reverse("my-assignments"),
        "staff_a": reverse("needs:detail", args=[proposal.need_id]),
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "staff_a@example.cn",
        "zhang@example.cn",
    ]
    assert "张老师" in mail.outbox[0].subject


def test_e_mail_waits_for_the_commit(
    world, proposal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 2


def test_accepting_the_last_place_marks_the_need_matched(world, proposal):
    second = f.AssignmentFactory(
        need=proposal.need, teacher=world.teacher_b, status="proposed"
    )
    assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    assignments.assignment_accept(assignment=second, actor=world.users.coord_a)

    need = _fresh(second).need
    need.refresh_from_db()
    assert need.filled == 2
    assert need.status == "matched" and need.matched_at is not None
    transition = NeedTransition.objects.get(need=need, to_status="matched")
    assert transition.from_status == "open"
    assert transition.actor == world.users.coord_a


def test_a_teacher_accepting_the_last_place_lets_the_system_mark_it_matched(world):
    need = open_need(world.school_a, world.ecommerce)
    own = f.AssignmentFactory(need=need, teacher=world.teacher_a)

    assignments.assignment_accept(assignment=own, actor=world.users.teacher_a)

    need.refresh_from_db()
    assert need.status == "matched"
    assert NeedTransition.objects.get(need=need, to_status="matched").actor is None
    # The teacher made the decision: only the school's staff are told.
    assert set(Notification.objects.values_list("user__username", flat=True)) == {
        "staff_a"
    }


def test_declining_needs_a_reason_and_changes_nothing_without_one(world, proposal):
    with pytest.raises(ValidationError) as refused:
        assignments.assignment_decline(
            assignment=proposal, actor=world.users.coord_a, reason="  "
        )
    assert "reason" in refused.value.message_dict
    assert _fresh(proposal).status == "proposed"
    assert not Notification.objects.exists()

    assignments.assignment_decline(
        assignment=proposal, actor=world.users.coord_a, reason="时间冲突"
    )
    declined = _fresh(proposal)
    assert declined.status == "declined" and declined.decision_reason == "时间冲突"
    declined.need.refresh_from_db()
    assert declined.need.filled == 0
    # The teacher hears of it; the school's staff never read a reason about a
    # named teacher.
    told = Notification.objects.filter(body="时间冲突")
    assert [n.user for n in told] == [world.users.teacher_a]


def test_completing_and_cancelling_start_from_accepted(world, proposal):
    with pytest.raises(TransitionNotAllowed) as refused:
        assignments.assignment_complete(assignment=proposal, actor=world.users.coord_a)
    assert refused.value.current == "proposed"

    assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    assignments.assignment_complete(assignment=proposal, actor=world.users.coord_a)
    completed = _fresh(proposal)
    assert completed.status == "completed"
    completed.need.refresh_from_db()
    assert completed.need.filled == 1  # the place was served

    with pytest.raises(TransitionNotAllowed):
        assignments.assignment_cancel(
            assignment=proposal, actor=world.users.coord_a, reason="x"
        )
    with pytest.raises(TransitionNotAllowed):
        assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)


def test_cancelling_an_accepted_assignment_frees_the_place(world, proposal):
    assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    assignments.assignment_cancel(
        assignment=proposal, actor=world.users.coord_a, reason="教师调回"
    )
    cancelled = _fresh(proposal)
    assert cancelled.status == "cancelled"
    cancelled.need.refresh_from_db()
    assert cancelled.need.filled == 0


def test_a_cancelled_need_cannot_take_a_teacher(world, proposal):
    proposal.need.status = "cancelled"
    proposal.need.save(update_fields=["status"])
    with pytest.raises(TransitionNotAllowed) as refused:
        assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    assert refused.value.current == "cancelled"
    assert _fresh(proposal).status == "proposed"


def test_accepting_beyond_the_teachers_capacity_is_refused(world, proposal):
    f.AssignmentFactory(
        need=open_need(world.school_a2, world.ecommerce),
        teacher=world.teacher_a,
        status="accepted",
    )
    # Capacity lowered after the fact (the database refuses a live assignment
    # beyond capacity, matching migration 0004, but not a lower capacity).
    world.teacher_a.capacity = 1
    world.teacher_a.save(update_fields=["capacity"])
    with pytest.raises(ValidationError):
        assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    assert _fresh(proposal).status == "proposed"


@pytest.mark.parametrize(
    ("persona", "action", "allowed"),
    [
        ("coord_a", "accept", True),
        ("coord_ab", "decline", True),
        ("admin", "accept", True),
        ("teacher_a", "accept", True),
        ("teacher_a", "decline", True),
        ("coord_b", "accept", False),
        ("staff_a", "accept", False),
        ("staff_a", "decline", False),
        ("teacher_b", "accept", False),
        ("outsider", "decline", False),
    ],
)
def test_who_may_accept_or_decline(world, proposal, persona, action, allowed):
    actor = getattr(world.users, persona)
    call = getattr(assignments, f"assignment_{action}")
    kwargs = {"reason": "不合适"} if action == "decline" else {}
    if allowed:
        call(assignment=proposal, actor=actor, **kwargs)
        assert (
            _fresh(proposal).status
            == {"accept": "accepted", "decline": "declined"}[action]
        )
    else:
        with pytest.raises(PermissionDenied):
            call(assignment=proposal, actor=actor, **kwargs)
        assert _fresh(proposal).status == "proposed"


def test_a_teacher_may_not_complete_or_cancel_their_own(world, proposal):
    assignments.assignment_accept(assignment=proposal, actor=world.users.coord_a)
    with pytest.raises(PermissionDenied):
        assignments.assignment_complete(
            assignment=proposal, actor=world.users.teacher_a
        )
    with pytest.raises(PermissionDenied):
        assignments.assignment_cancel(
            assignment=proposal, actor=world.users.teacher_a, reason="不去了"
        )
    assert _fresh(proposal).status == "accepted"


def test_accepting_many_accepts_what_it_can(world, proposal):
    full = open_need(world.school_a2, world.ecommerce)
    full.status = "cancelled"
    full.save(update_fields=["status"])
    refused = f.AssignmentFactory(need=full, teacher=world.teacher_b)

    accepted, failed = assignments.assignment_accept_many(
        assignments=[_fresh(proposal), _fresh(refused)], actor=world.users.coord_ab
    )

    assert [a.pk for a in accepted] == [proposal.pk]
    assert [a.pk for a, _ in failed] == [refused.pk]
    assert _fresh(refused).status == "proposed"
