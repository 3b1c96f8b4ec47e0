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
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Role
from accounts.policies import Action, Policy, in_county, own_school

from .models import Need, NeedStatus

S = NeedStatus

STAFF = {Role.SCHOOL_STAFF: own_school("school_id")}
COORDINATOR = {Role.COORDINATOR: in_county("school__county_id")}


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


def _label(text: str):
    return pgettext_lazy("need action", text)


NEED = Policy(
    Need,
    {
        "create": Action(_label("create"), STAFF, collection=True),
        "update": Action(_label("edit"), STAFF, frozenset({S.DRAFT})),
        "delete": Action(_label("delete"), STAFF, frozenset({S.DRAFT})),
        "submit": Action(
            _label("submit"),
            {**STAFF, **COORDINATOR},
            frozenset({S.DRAFT}),
            leads_to=S.SUBMITTED,
        ),
        # approve -> open, return -> draft, reject -> rejected
        "review": Action(_label("review"), COORDINATOR, frozenset({S.SUBMITTED})),
        "mark_matched": Action(
            _label("mark as matched"),
            COORDINATOR,
            frozenset({S.OPEN}),
            leads_to=S.MATCHED,
            system=True,
        ),
        "mark_open": Action(
            _label("open its places again"),
            COORDINATOR,
            frozenset({S.MATCHED}),
            leads_to=S.OPEN,
            system=True,
        ),
        "confirm": Action(
            _label("confirm fulfilment"),
            STAFF,
            frozenset({S.MATCHED}),
            leads_to=S.FULFILLED,
        ),
        "reopen": Action(
            _label("reopen"),
            COORDINATOR,
            frozenset({S.FULFILLED}),
            leads_to=S.MATCHED,
            refuse_if=_reopen_too_late,
        ),
        "cancel": Action(
            _label("cancel"),
            {**STAFF, **COORDINATOR},
            frozenset({S.DRAFT, S.SUBMITTED, S.OPEN, S.MATCHED}),
            leads_to=S.CANCELLED,
        ),
    },
    refusal=gettext_lazy("Your role may not do this with this need."),
)


def access_need(actor, pk, *, for_write: str | None = None, queryset=None) -> Need:
    """The need ``pk`` for pages and API alike: 404 outside the actor's scope; with
    ``for_write``, locked and checked for that action (403, 409)."""
    return NEED.access(actor, pk, for_write=for_write, queryset=queryset)
