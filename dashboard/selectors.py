"""Reads shared by the page and the API (a HackSoft-style selector): who may look,
which counties, the figures."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import CycleStatus, EvaluationCycle
from matching.models import Assignment, AssignmentStatus
from needs.goals import goals_waiting
from needs.models import Need, NeedStatus
from places.models import County

from .forms import DashboardFilterForm
from .queries import Period, dashboard_counties, dashboard_figures, may_view_dashboard


@dataclass
class DashboardResult:
    form: DashboardFilterForm
    counties: list[County]
    county: County | None
    period: Period
    figures: dict | None  # None when the form is invalid


def dashboard_read(*, user, params, default_single_county: bool = False):
    """Check the role (``PermissionDenied``), resolve the county (``Http404`` outside
    the scope) and compute the figures. With ``default_single_county`` a user with
    exactly one county sees it when none is asked for (the page)."""
    if not may_view_dashboard(user):
        raise PermissionDenied
    counties = list(dashboard_counties(user))
    form = DashboardFilterForm(params, counties=counties)
    if not form.is_valid():
        return DashboardResult(form, counties, None, Period(), None)
    county = form.chosen_county()
    if county is None and default_single_county and len(counties) == 1:
        county = counties[0]
    county_ids = [county.pk] if county else [c.pk for c in counties]
    period = form.period
    figures = dashboard_figures(county_ids, period)
    figures = {
        "county": (
            {"id": county.pk, "name": county.name, "province": county.province}
            if county
            else None
        ),
        "counties": county_ids,
        "period": period.as_dict(),
        **figures,
    }
    return DashboardResult(form, counties, county, period, figures)


def waiting_for_you(county_ids: list[int]) -> list[dict]:
    """What waits for a coordinator of ``county_ids``: needs to review, proposals to
    decide, goal marks to confirm, cycles whose period is over and that are still
    open. Four counts, each with the list it opens (the same filters, so the count
    and the list agree)."""
    today = timezone.localdate()
    return [
        {
            "key": "review",
            "label": _("Needs to review"),
            "count": Need.objects.filter(
                status=NeedStatus.SUBMITTED, school__county_id__in=county_ids
            ).count(),
            "link": reverse("needs:review_queue"),
        },
        {
            "key": "proposals",
            "label": _("Proposals to decide"),
            "count": Assignment.objects.filter(
                status=AssignmentStatus.PROPOSED,
                need__school__county_id__in=county_ids,
            ).count(),
            "link": reverse("matching-proposals"),
        },
        {
            "key": "goals",
            "label": _("Goal marks to confirm"),
            "count": goals_waiting(county_ids).count(),
            "link": reverse("needs:goals_to_confirm"),
        },
        {
            "key": "cycles",
            "label": _("Evaluation cycles to close"),
            "count": EvaluationCycle.objects.filter(
                status=CycleStatus.OPEN, county_id__in=county_ids, end_date__lt=today
            ).count(),
            "link": reverse("evaluations:cycles"),
        },
    ]
