"""Planning pages: the recruitment plan (curve, table, exports) and the scenarios
of the caller's counties. The curve's data travels in a ``json_script`` element
read by ``planning/recruitment.js`` (no inline script)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.policies import actor_role

from . import recruitment
from .models import Scenario
from .policies import SCENARIO

CHART_JS = "vendor/chartjs/chart.umd.min.js"  # from npm, served by staticfiles


def _planner(user) -> None:
    if actor_role(user) is None or not SCENARIO.may(user, "plan"):
        raise PermissionDenied


@login_required
@require_GET
def recruitment_plan(request: HttpRequest) -> HttpResponse:
    _planner(request.user)
    counties = list(recruitment.planning_counties(request.user))
    errors: dict = {}
    plan = None
    try:
        ask = recruitment.read_request(user=request.user, params=request.GET)
    except ValidationError as exc:
        errors = exc.message_dict
    else:
        plan = recruitment.compute(ask)
        fmt = request.GET.get("format")
        if fmt in ("xlsx", "pdf"):
            return recruitment.plan_response(plan, fmt)
    chart = None
    if plan is not None:
        base = plan["baseline"]
        points = [(0, base["places_met"], base["score"])]
        for step in plan["steps"]:
            points.append(
                (
                    points[-1][0] + step["count"],
                    base["places_met"] + step["cumulative_places"],
                    round(base["score"] + step["cumulative_score"], 2),
                )
            )
        chart = {
            "places": [{"x": x, "y": places} for x, places, _ in points],
            "score": [{"x": x, "y": score} for x, _, score in points],
            "x_label": _("Recruits"),
            "places_label": _("Places met"),
            "score_label": _("Score"),
        }
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "planning/recruitment_plan.html",
        {
            "plan": plan,
            "errors": errors,
            "counties": counties,
            "values": {
                "county": request.GET.get("county", ""),
                "from": request.GET.get("from") or (plan["from"] if plan else ""),
                "to": request.GET.get("to") or (plan["to"] if plan else ""),
                "budget": request.GET.get("budget") or (plan["budget"] if plan else ""),
            },
            "chart": chart,
            "chart_js": CHART_JS,
            "charts_available": finders.find(CHART_JS) is not None,
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    _planner(request.user)
    scenarios = SCENARIO.visible(
        request.user, Scenario.objects.select_related("county")
    )[:100]
    return render(request, "planning/scenario_list.html", {"scenarios": scenarios})


@login_required
@require_GET
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = SCENARIO.access(
        request.user, pk, queryset=Scenario.objects.select_related("county")
    )
    return render(
        request,
        "planning/scenario_detail.html",
        {"scenario": scenario, "result": scenario.result},
    )
