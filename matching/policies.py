"""Who may do what with an assignment and a matching run (DESIGN section 4)::

    proposed -> accepted -> completed
    proposed -> declined (reason) -> proposable again once a coordinator clears it
    accepted -> cancelled (reason): the place returns to the need

A teacher accepts or declines their own proposals; the coordinators of the need's
county (and admins) take every action. Coordinators and admins start runs, a
coordinator only for the counties they manage (checked when the run names one).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role
from accounts.policies import (
    ANY_COORDINATOR,
    Action,
    Policy,
    in_county,
    own_teacher,
)

from .models import Assignment, AssignmentStatus, MatchingRun

A = AssignmentStatus

COORDINATOR = {Role.COORDINATOR: in_county("need__school__county_id")}
TEACHER_OR_COORDINATOR = {Role.TEACHER: own_teacher("teacher_id"), **COORDINATOR}


def _cleared_already(assignment: Assignment) -> bool:
    return assignment.decline_cleared_at is not None


ASSIGNMENT = Policy(
    Assignment,
    {
        "accept": Action(
            pgettext_lazy("assignment action", "accept"),
            TEACHER_OR_COORDINATOR,
            A.PROPOSED,
            leads_to=A.ACCEPTED,
        ),
        "decline": Action(
            pgettext_lazy("assignment action", "decline"),
            TEACHER_OR_COORDINATOR,
            A.PROPOSED,
            leads_to=A.DECLINED,
        ),
        "complete": Action(
            pgettext_lazy("assignment action", "complete"),
            COORDINATOR,
            A.ACCEPTED,
            leads_to=A.COMPLETED,
        ),
        "cancel": Action(
            pgettext_lazy("assignment action", "cancel"),
            COORDINATOR,
            A.ACCEPTED,
            leads_to=A.CANCELLED,
        ),
        # Outside a run: the proposals of a confirmed team.
        "propose": Action(
            pgettext_lazy("assignment action", "propose"), COORDINATOR, collection=True
        ),
        "clear_decline": Action(
            pgettext_lazy("assignment action", "allow proposing again"),
            COORDINATOR,
            A.DECLINED,
            refuse_if=_cleared_already,
        ),
    },
    refusal=gettext_lazy("Your role may not do this with this assignment."),
)

RUN = Policy(
    MatchingRun,
    {
        "start": Action(
            pgettext_lazy("run action", "start"), ANY_COORDINATOR, collection=True
        ),
    },
    refusal=gettext_lazy("Only coordinators and admins start matching."),
)


def access_assignment(actor, pk, *, for_write: str | None = None, queryset=None):
    return ASSIGNMENT.access(actor, pk, for_write=for_write, queryset=queryset)


def access_run(actor, pk, *, queryset=None):
    return RUN.access(actor, pk, queryset=queryset)
