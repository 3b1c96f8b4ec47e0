"""Plan goals marked where the work happens, and confirmed by the county.

- **Mark** a goal met, partly met or not met (达成 / 部分达成 / 未达成) with a note and
  optional evidence files (the thread's checks and storage, :mod:`needs.attachments`):
  the staff of the need's school, the teachers with an accepted or completed
  assignment on it, admins.
- **Confirm** the mark, or **correct** it with a note: the coordinators of the need's
  county, admins.
- **When**: once the need is matched or fulfilled and its window has started;
  otherwise 409 naming the need's state. A confirmation needs a mark waiting for
  one (409 otherwise).
- **What counts**: the confirmed outcome only (met 1, partly met 0.5, not met 0); a
  goal without one is no data. A new mark on a confirmed goal waits for confirmation
  (待确认, shown so to everyone) while the confirmed outcome still stands.

Every mark, confirmation and correction is a :class:`~needs.models.GoalMark` row
(who, with which role, when, what, why). Scope is the caller's: the need is read
through ``accounts.scopes.visible`` (404 outside it); here a role that may not act
is ``PermissionDenied`` (403), a state that does not allow it
``TransitionNotAllowed`` (409), bad input ``ValidationError`` (400), checked in that
order before anything is written, on the goal's row locked ``FOR UPDATE``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role, User
from accounts.scopes import manages_county
from common.errors import TransitionNotAllowed

from .attachments import check_files, store
from .models import (
    GoalMark,
    GoalMarkAction,
    GoalMarkAttachment,
    GoalOutcome,
    GoalState,
    Need,
    NeedStatus,
    PlanGoal,
)

MARK = "mark"
CONFIRM = "confirm"
NOTE_MAX_CHARS = 2000
MARKABLE_NEED_STATUSES = frozenset({NeedStatus.MATCHED, NeedStatus.FULFILLED})
# matching.AssignmentStatus values (an app above this one): who serves the need.
SERVING_ASSIGNMENT_STATUSES = ("accepted", "completed")
# The evaluation's weight of each confirmed outcome.
OUTCOME_VALUE = {
    GoalOutcome.MET: 1.0,
    GoalOutcome.PARTLY: 0.5,
    GoalOutcome.NOT_MET: 0.0,
}

_ACTION_LABELS = {
    MARK: pgettext_lazy("goal action", "mark a plan goal"),
    CONFIRM: pgettext_lazy("goal action", "confirm a goal mark"),
}
_REFUSED = {
    MARK: gettext_lazy(
        "Only the school's staff and the teachers serving this need mark its goals."
    ),
    CONFIRM: gettext_lazy("Only the county's coordinators confirm goal marks."),
}


def _active(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.is_active


def _serves(actor: User, need: Need) -> bool:
    teacher = getattr(actor, "teacher", None)
    if teacher is None:
        return False
    people = getattr(need, "people", None)  # prefetched by Need.objects.with_people()
    if people is not None:
        return any(
            a.teacher_id == teacher.pk and a.status in SERVING_ASSIGNMENT_STATUSES
            for a in people
        )
    return need.assignments.filter(
        teacher_id=teacher.pk, status__in=SERVING_ASSIGNMENT_STATUSES
    ).exists()


def goal_may_mark(actor: User | None, need: Need) -> bool:
    """The need's school's staff, its serving teachers and admins (role and scope;
    the need's state is :func:`goal_marks_open`)."""
    if not _active(actor):
        return False
    if actor.is_admin:
        return True
    if actor.is_school_staff:
        return actor.school_id is not None and actor.school_id == need.school_id
    if actor.is_teacher:
        return _serves(actor, need)
    return False


def goal_may_confirm(actor: User | None, need: Need) -> bool:
    """The coordinators of the need's county, and admins."""
    return _active(actor) and manages_county(actor, need.school.county_id)


def goal_marks_open(need: Need, today=None) -> bool:
    """Goals are marked once the need is matched or fulfilled and its window has
    started."""
    today = today or timezone.localdate()
    return need.status in MARKABLE_NEED_STATUSES and need.start_date <= today


def goal_actions(actor: User | None, need: Need) -> set[str]:
    """What ``actor`` may do with the need's goals now: ``mark`` any of them,
    ``confirm`` those whose mark waits (see :func:`goal_can`)."""
    if not goal_marks_open(need):
        return set()
    actions = set()
    if goal_may_mark(actor, need):
        actions.add(MARK)
    if goal_may_confirm(actor, need):
        actions.add(CONFIRM)
    return actions


def goal_can(actions: set[str], goal: PlanGoal) -> list[str]:
    """The actions of :func:`goal_actions` that apply to this goal."""
    return sorted(
        action
        for action in actions
        if action == MARK or (action == CONFIRM and goal.awaiting_confirmation)
    )


def goal_check(
    actor: User | None, action: str, need: Need, goal: PlanGoal | None = None
) -> None:
    """Raise ``PermissionDenied`` (role) or ``TransitionNotAllowed`` (state)."""
    allowed = goal_may_mark if action == MARK else goal_may_confirm
    if not allowed(actor, need):
        raise PermissionDenied(_REFUSED[action])
    if not goal_marks_open(need):
        detail = ""
        if need.status in MARKABLE_NEED_STATUSES:
            detail = _(
                "Its goals can be marked once its window starts on %(start)s."
            ) % {"start": need.start_date.isoformat()}
        raise TransitionNotAllowed(
            obj_label=str(Need._meta.verbose_name),
            current=need.status,
            current_display=str(need.get_status_display()),
            action=str(_ACTION_LABELS[action]),
            detail=detail,
        )
    if action == CONFIRM and goal is not None and not goal.awaiting_confirmation:
        raise TransitionNotAllowed(
            obj_label=str(PlanGoal._meta.verbose_name),
            current=goal.state,
            current_display=str(GoalState(goal.state).label),
            action=str(_ACTION_LABELS[action]),
        )


def marks_prefetch() -> Prefetch:
    """A goal's history of marks, with their authors and evidence files."""
    marks = GoalMark.objects.select_related("author").prefetch_related("attachments")
    return Prefetch("marks", queryset=marks)


def goals_with_marks(lookup: str = "goals") -> Prefetch:
    """Prefetch a need's goals with their history of marks."""
    return Prefetch(
        lookup, queryset=PlanGoal.objects.prefetch_related(marks_prefetch())
    )


def goals_waiting(county_ids) -> QuerySet[PlanGoal]:
    """Goals of the counties whose mark waits for a coordinator's confirmation (on
    needs where it can still be confirmed), oldest mark first."""
    return PlanGoal.objects.filter(
        awaiting_confirmation=True,
        need__school__county_id__in=county_ids,
        need__status__in=MARKABLE_NEED_STATUSES,
    ).order_by("marked_at", "id")


def _lock(goal: PlanGoal) -> PlanGoal:
    return (
        PlanGoal.objects.select_for_update(of=("self",))
        .select_related("need__school")
        .get(pk=goal.pk)
    )


def _role(actor: User) -> str:
    return Role.ADMIN if actor.is_admin else actor.role


def _clean_outcome(outcome: str | None, errors: dict) -> str:
    outcome = (outcome or "").strip()
    if outcome not in GoalOutcome.values:
        errors["outcome"] = [_("Choose met, partly met or not met.")]
    return outcome


def _clean_note(note: str | None, errors: dict, *, required_message=None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_CHARS:
        errors["note"] = [
            _("At most %(count)d characters.") % {"count": NOTE_MAX_CHARS}
        ]
    elif not note and required_message is not None:
        errors["note"] = [required_message]
    return note


def _record(goal, actor, action, outcome, note) -> GoalMark:
    mark = GoalMark(
        goal=goal,
        action=action,
        outcome=outcome,
        note=note,
        author=actor,
        author_role=_role(actor),
    )
    mark.full_clean()
    mark.save()
    return mark


@transaction.atomic
def goal_mark(
    *, goal: PlanGoal, actor: User, outcome: str, note: str, files=()
) -> PlanGoal:
    """Mark a goal met, partly met or not met, with a note (required) and optional
    evidence files; the mark waits for the coordinator's confirmation. A refused
    file refuses the whole mark: nothing is stored."""
    goal_check(actor, MARK, goal.need)
    goal = _lock(goal)
    goal_check(actor, MARK, goal.need)
    errors: dict[str, list[str]] = {}
    outcome = _clean_outcome(outcome, errors)
    note = _clean_note(
        note,
        errors,
        required_message=_("Say what was done, or what is missing, and how you know."),
    )
    try:
        checked = check_files(files)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        checked = []
    if errors:
        raise ValidationError(errors)
    mark = _record(goal, actor, GoalMarkAction.MARK, outcome, note)
    store(GoalMarkAttachment, checked, mark=mark)
    goal.outcome = outcome
    goal.marked_by = actor
    goal.marked_at = mark.created_at
    goal.awaiting_confirmation = True
    goal.save(
        update_fields=["outcome", "marked_by", "marked_at", "awaiting_confirmation"]
    )
    return goal


@transaction.atomic
def goal_confirm(
    *, goal: PlanGoal, actor: User, outcome: str = "", note: str = ""
) -> PlanGoal:
    """Confirm the waiting mark, or correct it: an ``outcome`` other than the one
    marked needs a ``note`` saying why. The confirmed outcome is what the
    evaluation counts."""
    goal_check(actor, CONFIRM, goal.need, goal)
    goal = _lock(goal)
    goal_check(actor, CONFIRM, goal.need, goal)
    errors: dict[str, list[str]] = {}
    outcome = _clean_outcome(outcome or goal.outcome, errors)
    correcting = not errors and outcome != goal.outcome
    note = _clean_note(
        note,
        errors,
        required_message=_("Say why you correct the mark.") if correcting else None,
    )
    if errors:
        raise ValidationError(errors)
    action = GoalMarkAction.CORRECT if correcting else GoalMarkAction.CONFIRM
    mark = _record(goal, actor, action, outcome, note)
    goal.outcome = outcome
    goal.confirmed_outcome = outcome
    goal.confirmed_by = actor
    goal.confirmed_at = mark.created_at
    goal.awaiting_confirmation = False
    goal.save(
        update_fields=[
            "outcome",
            "confirmed_outcome",
            "confirmed_by",
            "confirmed_at",
            "awaiting_confirmation",
        ]
    )
    return goal
