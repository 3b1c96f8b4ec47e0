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
(who, with which role, when, what, why). Who may do which, and when, is the
``GOAL`` policy (:mod:`needs.policies`). Scope is the caller's: the need is read
through ``accounts.scopes.visible`` (404 outside it); here a role that may not act
is ``PermissionDenied`` (403), a state that does not allow it
``TransitionNotAllowed`` (409), bad input ``ValidationError`` (400), checked in that
order before anything is written, on the goal's row locked ``FOR UPDATE``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Role, User
from common.services import model_create

from .attachments import check_files_into, store
from .models import (
    GoalMark,
    GoalMarkAction,
    GoalMarkAttachment,
    GoalOutcome,
    PlanGoal,
)
from .policies import GOAL, MARKABLE_NEED_STATUSES

MARK = "mark"
CONFIRM = "confirm"
NOTE_MAX_CHARS = 2000
# The evaluation's weight of each confirmed outcome.
OUTCOME_VALUE = {
    GoalOutcome.MET: 1.0,
    GoalOutcome.PARTLY: 0.5,
    GoalOutcome.NOT_MET: 0.0,
}


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
    return model_create(
        GoalMark,
        goal=goal,
        action=action,
        outcome=outcome,
        note=note,
        author=actor,
        author_role=_role(actor),
    )


@transaction.atomic
def goal_mark(
    *, goal: PlanGoal, actor: User, outcome: str, note: str, files=()
) -> PlanGoal:
    """Mark a goal met, partly met or not met, with a note (required) and optional
    evidence files; the mark waits for the coordinator's confirmation. A refused
    file refuses the whole mark: nothing is stored."""
    GOAL.check(actor, MARK, goal)
    goal = GOAL.lock(actor, MARK, goal, related=["need__school"])
    errors: dict[str, list[str]] = {}
    outcome = _clean_outcome(outcome, errors)
    note = _clean_note(
        note,
        errors,
        required_message=_("Say what was done, or what is missing, and how you know."),
    )
    checked = check_files_into(errors, files)
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
    GOAL.check(actor, CONFIRM, goal)
    goal = GOAL.lock(actor, CONFIRM, goal, related=["need__school"])
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
