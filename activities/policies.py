"""Who may do what with an activity log: the teacher of an accepted assignment logs
activities on it; the assisted school's staff dispute one; a coordinator of the
county dismisses a dispute, after which the activity counts again::

    undisputed -> disputed (staff, with a reason) -> undisputed (coordinator)
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.policies import Action, Policy, in_county, own_school

from .models import Activity


def _is_dispatched_teacher(actor, obj) -> bool:
    return getattr(actor, "teacher", None) is not None


TEACHER = {Role.TEACHER: _is_dispatched_teacher}
STAFF = {Role.SCHOOL_STAFF: own_school("assignment__need__school_id")}
COORDINATOR = {Role.COORDINATOR: in_county("assignment__need__school__county_id")}


ACTIVITY = Policy(
    Activity,
    {
        # which assignment it is logged on is checked by the service
        "log": Action(_("log"), TEACHER, collection=True, admins=False),
        "dispute": Action(
            _("dispute"), STAFF, "undisputed", leads_to="disputed", admins=False
        ),
        "dismiss_dispute": Action(
            _("dismiss the dispute"), COORDINATOR, "disputed", leads_to="undisputed"
        ),
    },
    state_field="dispute_state",
    refusal=lambda obj: (
        _("Only dispatched teachers log activities, on their assignments.")
        if obj is None
        else _("Only the staff of the assisted school dispute its activities.")
        if not obj.disputed
        else _("Only a coordinator of the county settles disputed activities.")
    ),
)


def activity_rows():
    """Activities with what their pages and API show of them (teacher, school,
    files); :func:`access_activity` and the lists narrow them to the scope."""
    return Activity.objects.select_related(
        "assignment__teacher", "assignment__need__school"
    ).prefetch_related("attachments")


def access_activity(
    actor, pk, *, for_write: str | None = None, queryset=None
) -> Activity:
    """The activity ``pk`` for pages and API alike: 404 outside the actor's scope;
    with ``for_write``, locked and checked for that action (403, 409)."""
    return ACTIVITY.access(
        actor,
        pk,
        for_write=for_write,
        queryset=activity_rows() if queryset is None else queryset,
    )
