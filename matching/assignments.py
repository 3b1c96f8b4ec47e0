"""The assignments' actions (DESIGN section 4; the rules are declared in
matching/policies.py)::

    proposed -> accepted | declined;  accepted -> completed | cancelled

Accepting or declining: a coordinator of the need's county, an admin, or the
teacher of the assignment. Completing and cancelling: a coordinator or an admin.
Declining and cancelling need a reason. Accepting fills one place of the need
(``Need.filled``) and marks the need ``matched`` when every place is filled;
cancelling an accepted assignment frees the place again. Each decision notifies the
teacher and the school's staff (inbox and e-mail), except the person who made it.
Order of refusals: ``PermissionDenied`` (403), ``TransitionNotAllowed`` (409), then
``ValidationError`` (400); nothing changes when one is raised.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from accounts.notifications import notify
from common.errors import TransitionNotAllowed
from needs.models import Need, NeedStatus
from needs.policies import NEED
from needs.services import need_mark_matched, need_mark_open
from teams.models import Teacher

from .models import (
    Assignment,
    AssignmentStatus,
)
from .policies import ASSIGNMENT

logger = logging.getLogger(__name__)

A = AssignmentStatus


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    return reason


def _decide(assignment: Assignment, *, status: str, actor: User, reason: str = ""):
    assignment.status = status
    assignment.decided_by = actor
    assignment.decided_at = timezone.now()
    assignment.decision_reason = reason
    assignment.full_clean(validate_unique=False, validate_constraints=False)
    assignment.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "updated_at",
        ]
    )


def assignment_audience(
    assignment: Assignment, *, exclude: User | None = None
) -> list[User]:
    """The teacher's account and the active staff accounts of the need's school."""
    users = list(
        User.objects.filter(
            is_active=True, role=Role.SCHOOL_STAFF, school_id=assignment.need.school_id
        ).order_by("id")
    )
    teacher_user_id = assignment.teacher.user_id
    if teacher_user_id and all(u.pk != teacher_user_id for u in users):
        teacher_user = User.objects.filter(pk=teacher_user_id, is_active=True).first()
        if teacher_user is not None:
            users.insert(0, teacher_user)
    return [u for u in users if exclude is None or u.pk != exclude.pk]


def _notify(
    assignment: Assignment, actor: User, title, body: str = "", *, school: bool = True
) -> None:
    """Tell the teacher (link: their assignments) and, unless ``school`` is false,
    the school's staff (link: the need), but not the person who made the decision."""
    audience = assignment_audience(assignment, exclude=actor)
    teacher_user_id = assignment.teacher.user_id
    with translation.override(settings.LANGUAGE_CODE):
        text = str(title) % {
            "teacher": assignment.teacher.name,
            "need": assignment.need.title,
            "school": assignment.need.school.name,
        }
        notify(
            users=[u for u in audience if u.pk == teacher_user_id],
            title=text,
            body=body,
            url=reverse("my-assignments"),
            action_label=_("Open my assignments"),
        )
        if school:
            notify(
                users=[u for u in audience if u.pk != teacher_user_id],
                title=text,
                body=body,
                url=reverse("needs:detail", args=[assignment.need_id]),
                action_label=_("Open the need"),
            )


@transaction.atomic
def assignment_accept(*, assignment: Assignment, actor: User) -> Assignment:
    """proposed -> accepted: fills one place of the need (``matched`` when full)."""
    assignment = ASSIGNMENT.lock(
        actor, "accept", assignment, related=("need__school", "teacher")
    )
    need = Need.objects.select_for_update().get(pk=assignment.need_id)
    if need.status != NeedStatus.OPEN or need.filled >= need.headcount:
        raise ASSIGNMENT.refuse_state(need, "accept")
    teacher = Teacher.objects.select_for_update().get(pk=assignment.teacher_id)
    busy = Assignment.objects.filter(teacher=teacher, status=A.ACCEPTED).count()
    if busy >= teacher.capacity:
        raise ValidationError(
            {
                "teacher": [
                    _("%(teacher)s already serves %(count)d needs, their capacity.")
                    % {"teacher": teacher.name, "count": busy}
                ]
            }
        )
    _decide(assignment, status=A.ACCEPTED, actor=actor)
    need.filled += 1
    need.save(update_fields=["filled", "updated_at"])
    if need.filled >= need.headcount:
        # The need's own service records the transition; the system marks it when
        # the actor's role may not (a teacher accepting the last place).
        need_mark_matched(
            need, actor=actor if NEED.may(actor, "mark_matched", need) else None
        )
    _notify(
        assignment,
        actor,
        gettext_lazy("%(teacher)s will serve “%(need)s” at %(school)s"),
    )
    return assignment


@transaction.atomic
def assignment_decline(
    *, assignment: Assignment, actor: User, reason: str
) -> Assignment:
    """proposed -> declined, with a reason; the teacher's capacity is free again."""
    assignment = ASSIGNMENT.lock(
        actor, "decline", assignment, related=("need__school", "teacher")
    )
    reason = _reason(reason)
    _decide(assignment, status=A.DECLINED, actor=actor, reason=reason)
    # Only the teacher hears of it: a reason about a named teacher is not for the
    # school's staff, who never relied on a mere proposal.
    _notify(
        assignment,
        actor,
        gettext_lazy("The proposal of %(teacher)s for “%(need)s” was declined"),
        body=reason,
        school=False,
    )
    return assignment


@transaction.atomic
def assignment_complete(*, assignment: Assignment, actor: User) -> Assignment:
    """accepted -> completed: the teacher's work on the need is done."""
    assignment = ASSIGNMENT.lock(
        actor, "complete", assignment, related=("need__school", "teacher")
    )
    _decide(assignment, status=A.COMPLETED, actor=actor)
    _notify(
        assignment,
        actor,
        gettext_lazy("%(teacher)s completed the assignment “%(need)s”"),
    )
    return assignment


@transaction.atomic
def assignment_cancel(
    *, assignment: Assignment, actor: User, reason: str
) -> Assignment:
    """accepted -> cancelled, with a reason: the place of the need is open again,
    and a need that was ``matched`` goes back to ``open`` so that the next run may
    fill it (with another teacher: the cancelled pair is not proposed again)."""
    assignment = ASSIGNMENT.lock(
        actor, "cancel", assignment, related=("need__school", "teacher")
    )
    reason = _reason(reason)
    need = Need.objects.select_for_update().get(pk=assignment.need_id)
    _decide(assignment, status=A.CANCELLED, actor=actor, reason=reason)
    if need.filled > 0:
        need.filled -= 1
        need.save(update_fields=["filled", "updated_at"])
    if need.status == NeedStatus.MATCHED and need.filled < need.headcount:
        need_mark_open(need, actor=actor)
    _notify(
        assignment,
        actor,
        gettext_lazy("The assignment of %(teacher)s to “%(need)s” was cancelled"),
        body=reason,
    )
    return assignment


@transaction.atomic
def assignment_clear_decline(*, assignment: Assignment, actor: User) -> Assignment:
    """Let matching propose a declined pair again (coordinators): the decline stays
    in the record, with who cleared it and when."""
    assignment = ASSIGNMENT.lock(
        actor, "clear_decline", assignment, related=("need__school", "teacher")
    )
    assignment.decline_cleared_at = timezone.now()
    assignment.decline_cleared_by = actor
    assignment.full_clean(validate_unique=False, validate_constraints=False)
    assignment.save(
        update_fields=["decline_cleared_at", "decline_cleared_by", "updated_at"]
    )
    return assignment


@transaction.atomic
def assignment_accept_many(
    *, assignments: list[Assignment], actor: User
) -> tuple[list[Assignment], list[tuple[Assignment, str]]]:
    """Accept several proposals; return (accepted, [(refused, why)]).

    Each is accepted in its own savepoint: one refusal does not undo the others."""
    accepted, refused = [], []
    for assignment in assignments:
        try:
            with transaction.atomic():
                accepted.append(assignment_accept(assignment=assignment, actor=actor))
        except (PermissionDenied, TransitionNotAllowed, ValidationError) as exc:
            message = getattr(exc, "message", None) or "; ".join(
                getattr(exc, "messages", [str(exc)])
            )
            refused.append((assignment, str(message)))
    return accepted, refused


@transaction.atomic
def assignment_propose(
    *,
    actor: User,
    need: Need,
    teacher: Teacher,
    score: float = 0.0,
    breakdown: dict | None = None,
) -> Assignment:
    """A proposal made outside a matching run (a confirmed team): the need must be
    open with an open place, and the teacher active with free capacity. The
    database guards (one live assignment per pair, live assignments within the
    capacity) hold as for a run's proposals."""
    if not ASSIGNMENT.may(actor, "propose", Assignment(need=need, teacher=teacher)):
        raise PermissionDenied(ASSIGNMENT.refusal_for(None))
    need = Need.objects.select_for_update().get(pk=need.pk)
    teacher = Teacher.objects.select_for_update().get(pk=teacher.pk)
    live = Assignment.objects.filter(need=need, status__in=(A.PROPOSED, A.ACCEPTED))
    proposed = live.filter(status=A.PROPOSED).count()
    if need.status != NeedStatus.OPEN or need.filled + proposed >= need.headcount:
        raise ValidationError({"need": [_("This need has no open place.")]})
    if live.filter(teacher=teacher).exists():
        raise ValidationError(
            {
                "teacher": [
                    _("This teacher already has a live assignment for this need.")
                ]
            }
        )
    busy = Assignment.objects.filter(
        teacher=teacher, status__in=(A.PROPOSED, A.ACCEPTED)
    ).count()
    if not teacher.active or busy >= teacher.capacity:
        raise ValidationError(
            {
                "teacher": [
                    _("%(teacher)s already serves %(count)d needs, their capacity.")
                    % {"teacher": teacher.name, "count": busy}
                ]
            }
        )
    assignment = Assignment(
        need=need, teacher=teacher, score=score, breakdown=breakdown or {}
    )
    assignment.full_clean(validate_unique=False, validate_constraints=False)
    assignment.save()
    return assignment
