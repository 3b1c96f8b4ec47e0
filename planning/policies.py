"""Who may do what in planning (accounts/policies.py is the engine).

Scenarios and recruitment plans: coordinators for the counties they manage, and
admins. Scenarios are seen by the coordinators of their county (others get 404); the
service checks that a new scenario or plan names one of the caller's counties.

Team proposals: the coordinators of the proposal's county (and admins) propose a
team, shape it (swap a member, change the leader) and confirm it while it is
``proposed``; a confirmed or infeasible proposal stays as it is. Nobody else sees
a proposal (404)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role
from accounts.policies import ANY_COORDINATOR, Action, Policy, in_county

from .models import ProposalStatus, Scenario, TeamProposal

SCENARIO = Policy(
    Scenario,
    {
        "create": Action(
            pgettext_lazy("scenario action", "create"), ANY_COORDINATOR, collection=True
        ),
        "plan": Action(
            pgettext_lazy("scenario action", "plan recruitment"),
            ANY_COORDINATOR,
            collection=True,
        ),
    },
    refusal=gettext_lazy("Only coordinators and admins plan."),
)

P = ProposalStatus

_PROPOSAL_SCOPE = {Role.COORDINATOR: in_county("county_id")}


TEAM_PROPOSAL = Policy(
    TeamProposal,
    {
        "create": Action(
            pgettext_lazy("team proposal action", "propose a team"),
            ANY_COORDINATOR,
            collection=True,
        ),
        "swap": Action(
            pgettext_lazy("team proposal action", "swap a member"),
            _PROPOSAL_SCOPE,
            P.PROPOSED,
        ),
        "set_leader": Action(
            pgettext_lazy("team proposal action", "change the leader"),
            _PROPOSAL_SCOPE,
            P.PROPOSED,
        ),
        "confirm": Action(
            pgettext_lazy("team proposal action", "confirm"),
            _PROPOSAL_SCOPE,
            P.PROPOSED,
            leads_to=P.CONFIRMED,
        ),
    },
    refusal=gettext_lazy("Only the county's coordinators and admins form teams."),
)


def access_team_proposal(actor, pk, *, for_write: str | None = None, queryset=None):
    return TEAM_PROPOSAL.access(actor, pk, for_write=for_write, queryset=queryset)
