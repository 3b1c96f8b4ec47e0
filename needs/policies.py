"""Who may do what with a need, and from which state (DESIGN section 4)::

    draft -> submitted -> open -> matched -> fulfilled
    submitted -> draft (returned with a comment) | rejected (with a reason)
    matched -> open (an accepted assignment was cancelled: places are missing again)
    fulfilled -> matched (a coordinator reopens within NEED_REOPEN_DAYS, with a reason)
    draft | submitted | open | matched -> cancelled (reason required)

School staff create, edit, delete, submit, cancel and confirm their own school's
needs; coordinators submit, review and cancel the needs of their counties and reopen
them; admins do everything; teachers only read. ``mark_matched`` and ``mark_open``
follow an assignment's change: the matching app takes them, never a button.

A need's plan goals (``GOAL``) are marked met, partly met or not met by its school's
staff and the teachers serving it, and the mark confirmed or corrected by the
county's coordinators, once the need is matched or fulfilled and its window has
started (the 409 then names the need's state); a confirmation needs a mark waiting
for one (the 409 names the goal's state).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role
from accounts.policies import Action, Policy, in_county, own_school
from common.errors import TransitionNotAllowed

from .models import Need, NeedStatus, PlanGoal

S = NeedStatus

STAFF = {Role.SCHOOL_STAFF: own_school("school_id")}
COORDINATOR = {Role.COORDINATOR: in_county("school__county_id")}
STAFF_OR_COORDINATOR = {**STAFF, **COORDINATOR}


def reopen_deadline(need: Need) -> dt.datetime:
    """Until when a fulfilled need may be reopened (``NEED_REOPEN_DAYS`` after)."""
    fulfilled_at = need.fulfilled_at or need.updated_at
    return fulfilled_at + dt.timedelta(days=settings.NEED_REOPEN_DAYS)


def _reopen_too_late(need: Need) -> str | None:
    if reopen_deadline(need) >= timezone.now():
        return None
    return _(
        "It was confirmed on %(date)s; a need can be reopened within "
        "%(days)d days of its confirmation."
    ) % {
        "date": timezone.localtime(need.fulfilled_at).date().isoformat(),
        "days": settings.NEED_REOPEN_DAYS,
    }


NEED = Policy(
    Need,
    {
        "create": Action(
            pgettext_lazy("need action", "create"), STAFF, collection=True
        ),
        "update": Action(pgettext_lazy("need action", "edit"), STAFF, S.DRAFT),
        "delete": Action(pgettext_lazy("need action", "delete"), STAFF, S.DRAFT),
        "submit": Action(
            pgettext_lazy("need action", "submit"),
            STAFF_OR_COORDINATOR,
            S.DRAFT,
            leads_to=S.SUBMITTED,
        ),
        # approve -> open, return -> draft, reject -> rejected
        "review": Action(
            pgettext_lazy("need action", "review"), COORDINATOR, S.SUBMITTED
        ),
        "mark_matched": Action(
            pgettext_lazy("need action", "mark as matched"),
            COORDINATOR,
            S.OPEN,
            leads_to=S.MATCHED,
            system=True,
        ),
        "mark_open": Action(
            pgettext_lazy("need action", "open its places again"),
            COORDINATOR,
            S.MATCHED,
            leads_to=S.OPEN,
            system=True,
        ),
        "confirm": Action(
            pgettext_lazy("need action", "confirm fulfilment"),
            STAFF,
            S.MATCHED,
            leads_to=S.FULFILLED,
        ),
        "reopen": Action(
            pgettext_lazy("need action", "reopen"),
            COORDINATOR,
            S.FULFILLED,
            leads_to=S.MATCHED,
            refuse_if=_reopen_too_late,
        ),
        "cancel": Action(
            pgettext_lazy("need action", "cancel"),
            STAFF_OR_COORDINATOR,
            {S.DRAFT, S.SUBMITTED, S.OPEN, S.MATCHED},
            leads_to=S.CANCELLED,
        ),
    },
    refusal=gettext_lazy("Your role may not do this with this need."),
)


def access_need(actor, pk, *, for_write: str | None = None, queryset=None) -> Need:
    """The need ``pk`` for pages and API alike: 404 outside the actor's scope; with
    ``for_write``, locked and checked for that action (403, 409)."""
    return NEED.access(actor, pk, for_write=for_write, queryset=queryset)


# Plan goals.

MARKABLE_NEED_STATUSES = frozenset({NeedStatus.MATCHED, NeedStatus.FULFILLED})
# matching.AssignmentStatus values (an app above this one): who serves the need.
SERVING_ASSIGNMENT_STATUSES = ("accepted", "completed")


def goal_marks_open(need: Need, today=None) -> bool:
    """Goals are marked once the need is matched or fulfilled and its window has
    started."""
    today = today or timezone.localdate()
    return need.status in MARKABLE_NEED_STATUSES and need.start_date <= today


def serves_need(actor, need: Need) -> bool:
    """The actor is a teacher with an accepted or completed assignment on ``need``."""
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


def _marks_closed(goal: PlanGoal, action: str = "mark") -> TransitionNotAllowed | None:
    need = goal.need
    if goal_marks_open(need):
        return None
    detail = ""
    if need.status in MARKABLE_NEED_STATUSES:
        detail = _("Its goals can be marked once its window starts on %(start)s.") % {
            "start": need.start_date.isoformat()
        }
    return TransitionNotAllowed(
        obj_label=str(Need._meta.verbose_name),
        current=need.status,
        current_display=str(need.get_status_display()),
        action=str(GOAL.actions[action].label),
        detail=detail,
    )


def _nothing_to_confirm(goal: PlanGoal) -> TransitionNotAllowed | bool | None:
    return _marks_closed(goal, "confirm") or not goal.awaiting_confirmation


GOAL = Policy(
    PlanGoal,
    {
        "mark": Action(
            pgettext_lazy("goal action", "mark a plan goal"),
            {
                Role.SCHOOL_STAFF: own_school("need__school_id"),
                Role.TEACHER: lambda actor, goal: (
                    goal is None or serves_need(actor, goal.need)
                ),
            },
            refuse_if=_marks_closed,
            refusal=gettext_lazy(
                "Only the school's staff and the teachers serving this need mark "
                "its goals."
            ),
        ),
        "confirm": Action(
            pgettext_lazy("goal action", "confirm a goal mark"),
            {Role.COORDINATOR: in_county("need__school__county_id")},
            refuse_if=_nothing_to_confirm,
            refusal=gettext_lazy("Only the county's coordinators confirm goal marks."),
        ),
    },
    state_field="state",
)
