"""Who may plan: coordinators for the counties they manage, and admins. Scenarios
are seen by the coordinators of their county (others get 404); the service checks
that a new scenario or plan names one of the caller's counties."""

from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role
from accounts.policies import Action, Policy, anyone

from .models import Scenario

SCENARIO = Policy(
    Scenario,
    {
        "create": Action(
            pgettext_lazy("scenario action", "create"),
            {Role.COORDINATOR: anyone},
            collection=True,
        ),
        "plan": Action(
            pgettext_lazy("scenario action", "plan recruitment"),
            {Role.COORDINATOR: anyone},
            collection=True,
        ),
    },
    refusal=gettext_lazy("Only coordinators and admins plan."),
)
