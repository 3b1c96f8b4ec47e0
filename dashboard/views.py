"""The dashboard page: the figures of :mod:`dashboard.queries` as charts and
numbers, each linking to the list behind it. Chart data travels in a
``json_script`` element read by ``dashboard/dashboard.js`` (no inline script)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from evaluations.models import SubjectType
from needs.models import NeedStatus

from .queries import BACKLOG_STATUSES
from .reports import report_read, report_response
from .selectors import dashboard_read, waiting_for_you

CHART_JS = "vendor/chartjs/chart.umd.min.js"

STATUS_COLOURS = {
    NeedStatus.DRAFT: "#9aa5b1",
    NeedStatus.SUBMITTED: "#e0a800",
    NeedStatus.OPEN: "#1565c0",
    NeedStatus.MATCHED: "#00897b",
    NeedStatus.FULFILLED: "#2e7d32",
    NeedStatus.REJECTED: "#c62828",
    NeedStatus.CANCELLED: "#6d4c41",
}


def _charts_available() -> bool:
    """Chart.js is installed from npm at set-up time; without it the page still
    shows every figure as numbers and tables."""
    return finders.find(CHART_JS) is not None


def link(name: str, *args, query: dict | list | None = None) -> str | None:
    """The URL of a list page, or ``None`` where that page does not exist."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    if query:
        items = query.items() if isinstance(query, dict) else query
        pairs = [(k, v) for k, v in items if v not in (None, "")]
        if pairs:
            url += "?" + urlencode(pairs)
    return url


def _backlog_label(row: dict) -> str:
    if row["max_days"] is None:
        return _("%(days)s days or more") % {"days": row["min_days"]}
    if row["min_days"] == 0:
        return _("under %(days)s days") % {"days": row["max_days"]}
    return _("%(low)s–%(high)s days") % {
        "low": row["min_days"],
        "high": row["max_days"],
    }


def _build_links(view, figures: dict) -> dict:
    county = view.county.pk if view.county else None
    period = view.period
    # A need is in the period when its window overlaps it.
    window = [
        ("start_date_before", period.end.isoformat() if period.end else None),
        ("end_date_after", period.start.isoformat() if period.start else None),
    ]
    base = [("county", county), *window]

    def needs(*statuses, **extra):
        return link(
            "needs:list",
            query=[*base, *(("status", s) for s in statuses), *extra.items()],
        )

    return {
        "status": {s: needs(s) for s in NeedStatus.values},
        "all_needs": needs(),
        "approved": needs(NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.FULFILLED),
        "matched": needs(NeedStatus.MATCHED, NeedStatus.FULFILLED),
        "backlog": needs(*BACKLOG_STATUSES),
        "review_queue": link("needs:review_queue"),
        "family_demand": {
            row["family"]: needs(NeedStatus.OPEN, family=row["family_code"])
            for row in figures["supply_demand"]
        },
        "family_supply": {
            row["family"]: link(
                "teams:teacher_list",
                query={
                    "county": county,
                    "family": row["family_code"],
                    "active": "true",
                },
            )
            for row in figures["supply_demand"]
        },
        "school": {
            row["school"]: link(
                "needs:list", query=[("school", row["school"]), *window]
            )
            for row in figures["engagement"]
        },
        "activities": link("activities:list"),
        "teachers": link("teams:teacher_list", query={"county": county}),
        "cycles": {
            c["id"]: link("evaluations:results", c["id"])
            for c in figures["grade_distribution"]["cycles"]
        },
    }


def _chart_data(figures: dict, links: dict) -> dict:
    statuses = [s for s in NeedStatus.values if figures["needs_by_status"][s]]
    status_labels = dict(NeedStatus.choices)
    served = figures["schools_served"]
    unserved = figures["schools_total"] - served
    supply_demand = figures["supply_demand"]
    grades = [g for g in figures["grade_distribution"]["grades"] if g["total"]]
    subject_labels = dict(SubjectType.choices)
    return {
        "status": {
            "labels": [str(status_labels[s]) for s in statuses],
            "values": [figures["needs_by_status"][s] for s in statuses],
            "colours": [STATUS_COLOURS[s] for s in statuses],
            "links": [links["status"][s] for s in statuses],
            "label": _("Needs"),
        },
        "coverage": {
            "labels": [_("Served"), _("Nobody yet")],
            "values": [served, unserved],
            "colours": ["#2e7d32", "#c62828"],
            "links": [None, "#unserved"],
        },
        "backlog": {
            "labels": [_backlog_label(r) for r in figures["backlog"]],
            "series": [
                {
                    "label": str(status_labels[s]),
                    "values": [r[s] for r in figures["backlog"]],
                    "colour": STATUS_COLOURS[s],
                }
                for s in BACKLOG_STATUSES
            ],
            "links": [links["backlog"]] * len(figures["backlog"]),
        },
        "supply_demand": {
            "labels": [r["family_name"] for r in supply_demand],
            "series": [
                {
                    "label": _("Demand (open places)"),
                    "values": [r["demand"] for r in supply_demand],
                    "colour": "#c62828",
                },
                {
                    "label": _("Supply (free teacher capacity)"),
                    "values": [r["supply"] for r in supply_demand],
                    "colour": "#1565c0",
                },
            ],
            "links": [links["family_demand"][r["family"]] for r in supply_demand],
        },
        "grades": {
            "labels": [g["grade"] for g in grades],
            "series": [
                {
                    "label": str(subject_labels[t]),
                    "values": [g[t] for g in grades],
                    "colour": colour,
                }
                for t, colour in (
                    (SubjectType.TEACHER, "#1565c0"),
                    (SubjectType.TEAM, "#00897b"),
                    (SubjectType.SCHOOL, "#e0a800"),
                )
                if any(g[t] for g in grades)
            ],
            "links": [
                next(iter(links["cycles"].values()), None)
                if len(links["cycles"]) == 1
                else None
            ]
            * len(grades),
        },
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    view = dashboard_read(
        user=request.user, params=request.GET, default_single_county=True
    )
    context: dict = {
        "form": view.form,
        "counties": view.counties,
        "county": view.county,
        "period": view.period,
        "figures": view.figures,
        "charts_available": _charts_available(),
        "chart_js": CHART_JS,
        "presets": _presets(request),
        "report_month": _last_month(),
        # Over all the coordinator's counties, whatever the switcher shows: the
        # lists these counts open are not filtered by county.
        "waiting": waiting_for_you([c.pk for c in view.counties]),
    }
    if view.figures is not None:
        figures = view.figures
        links = _build_links(view, figures)
        statuses = [
            {
                "code": s,
                "label": label,
                "count": figures["needs_by_status"][s],
                "link": links["status"][s],
                "colour": STATUS_COLOURS[s],
            }
            for s, label in NeedStatus.choices
        ]
        for row in figures["engagement"]:
            row["link"] = links["school"].get(row["school"])
            row["parts"] = _engagement_parts(row)
            row["trend_size"] = abs(row["trend"]) if row["trend"] is not None else None
        county_names = {c.pk: str(c) for c in view.counties}
        for row in figures["schools_unserved"]:
            row["link"] = links["school"].get(row["id"])
            row["county_name"] = county_names.get(row["county"], "")
        # The mismatch at a glance: the largest shortfall first.
        figures["supply_demand"].sort(key=lambda r: (-r["gap"], r["family_code"]))
        for row in figures["supply_demand"]:
            row["demand_link"] = links["family_demand"][row["family"]]
            row["supply_link"] = links["family_supply"][row["family"]]
        for cycle in figures["grade_distribution"]["cycles"]:
            cycle["link"] = links["cycles"].get(cycle["id"])
            cycle["county_name"] = county_names.get(cycle["county"], "")
        for row in figures["backlog"]:
            row["label"] = _backlog_label(row)
        context.update(
            {
                "links": links,
                "statuses": statuses,
                "chart_data": _chart_data(figures, links),
                "fill_percent": round(figures["fill_rate"] * 100)
                if figures["fill_rate"] is not None
                else None,
                "coverage_percent": round(figures["coverage"] * 100)
                if figures["coverage"] is not None
                else None,
                "as_of": parse_date(figures["today"]),
            }
        )
    return render(
        request,
        "dashboard/dashboard.html",
        context,
        status=200 if view.figures is not None else 400,
    )


def _engagement_parts(row: dict) -> list[dict]:
    """The four kinds of chances of a school's engagement, as the page shows them:
    share in percent (``None`` without a chance), taken and given."""
    kinds = (
        (_("Needs posted complete"), "complete_share", "needs_posted_complete",
         "needs_posted"),
        (_("Confirmed on time"), "on_time_share", "confirmations_on_time",
         "confirmations_due"),
        (_("Goals marked"), "goals_marked_share", "goals_marked", "goals_to_mark"),
        (_("Ratings submitted"), "ratings_share", "rating_tasks_done",
         "rating_chances"),
    )  # fmt: skip
    return [
        {
            "label": label,
            "percent": round(row[share] * 100) if row[share] is not None else None,
            "taken": row[taken],
            "chances": row[chances],
        }
        for label, share, taken, chances in kinds
    ]


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


@login_required
@require_GET
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The monthly report as a download (``format=xlsx`` or ``pdf``); a bad choice
    goes back to the dashboard with the reason."""
    try:
        report = report_read(user=request.user, params=request.GET)
    except ValidationError as exc:
        for messages_of_field in exc.message_dict.values():
            for message in messages_of_field:
                messages.error(request, message)
        return redirect("dashboard")
    fmt = "pdf" if request.GET.get("format") == "pdf" else "xlsx"
    return report_response(report, fmt)


def _presets(request: HttpRequest) -> list[dict]:
    """Quick periods: the last 30 and 90 days, this year, everything."""
    today = timezone.localdate()
    county = request.GET.get("county") or None
    url = reverse("dashboard")

    def href(start, end):
        pairs = [
            ("county", county),
            ("from", start.isoformat() if start else None),
            ("to", end.isoformat() if end else None),
        ]
        query = urlencode([(k, v) for k, v in pairs if v])
        return f"{url}?{query}" if query else url

    return [
        {
            "label": _("Last 30 days"),
            "href": href(today - dt.timedelta(days=29), today),
        },
        {
            "label": _("Last 90 days"),
            "href": href(today - dt.timedelta(days=89), today),
        },
        {"label": _("This year"), "href": href(today.replace(month=1, day=1), None)},
        {"label": _("All time"), "href": href(None, None)},
    ]
