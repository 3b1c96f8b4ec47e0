"""Who may change dispatched teachers and teams: the programme's admins and the
coordinators of the county where the teacher is stationed or the team serves.
Everyone signed in reads what their scope covers (accounts/scopes.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role
from accounts.policies import ANY_COORDINATOR, Action, Policy, in_county

from .models import Teacher, Team

_REFUSAL = gettext_lazy(
    "Only programme admins and the county's coordinators may do this."
)


def _actions(create: object, edit: object) -> dict[str, Action]:
    in_scope = {Role.COORDINATOR: in_county("county_id")}
    return {
        "create": Action(create, ANY_COORDINATOR, collection=True),
        "update": Action(edit, in_scope),
    }


# Each label spelled out where makemessages can find it, in its own context
# ("create" a teacher is to register one, a team is formed).
TEACHER = Policy(
    Teacher,
    _actions(
        pgettext_lazy("teacher action", "create"),
        pgettext_lazy("teacher action", "edit"),
    ),
    refusal=_REFUSAL,
)
TEAM = Policy(
    Team,
    _actions(
        pgettext_lazy("team action", "create"),
        pgettext_lazy("team action", "edit"),
    ),
    refusal=_REFUSAL,
)


def access_teacher(actor, pk, *, for_write: str | None = None, queryset=None):
    return TEACHER.access(actor, pk, for_write=for_write, queryset=queryset)


def access_team(actor, pk, *, for_write: str | None = None, queryset=None):
    return TEAM.access(actor, pk, for_write=for_write, queryset=queryset)
