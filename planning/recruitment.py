"""The recruitment plan of a county (or all the caller's counties) for a target
period: whom the sending side should recruit next, and what each recruit buys
(下一轮选派需求建议). The arithmetic is :mod:`planning.greedy`; this module reads
the problem from the database, checks who asks, and names what it found.

A recruit is a teacher of one specialty at ``PLANNING_RECRUIT_LEVEL``, serving
``PLANNING_RECRUIT_CAPACITY`` needs at once. Needs of a school whose diagnosed
readiness is below ``PLANNING_MIN_READINESS`` are not planned for: recruiting
cannot help a school that cannot receive a teacher."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.scopes import visible
from common.downloads import pdf_attachment
from common.pdf import render_pdf
from matching import pipeline, solver
from needs.models import Need, Specialty
from places.models import County
from spreadsheets.cells import neutralise
from spreadsheets.workbooks import workbook_bytes, xlsx_attachment

from . import greedy, problem
from .policies import SCENARIO

# The CJK font the PDF embeds (the certificates' and reports' own).

TITLE = gettext_lazy("Recommendations for the next round of dispatched teachers")

LIMIT_LABELS = {
    greedy.OUTSIDE_PERIOD: gettext_lazy("window outside the period"),
    greedy.SCHOOL_NOT_READY: gettext_lazy("school not ready"),
    greedy.BUDGET_SPENT: gettext_lazy("beyond the budget"),
    greedy.BELOW_THRESHOLD: gettext_lazy("gain below the threshold"),
}
REASON_LABELS = {
    solver.NO_TEACHER_WITH_SPECIALTY: gettext_lazy("no teacher with the specialty"),
    solver.NO_AVAILABILITY_IN_WINDOW: gettext_lazy(
        "no teacher available in the window"
    ),
    solver.CAPACITY_EXHAUSTED: gettext_lazy("capacity exhausted"),
    solver.OUTSCORED: gettext_lazy("outscored"),
}


@dataclass
class Request:
    counties: list[County]
    start: dt.date
    end: dt.date
    budget: int
    min_gain: float


def planning_counties(user):
    return visible(user, County.objects.all()).order_by("name", "id")


def read_request(*, user, params) -> Request:
    """What a request asks for: coordinators and admins (403 otherwise); a county
    of theirs (404 otherwise; none: all of theirs); ``from``/``to`` (default: a
    year from today), ``budget`` and ``min_gain`` (400 per field)."""
    SCENARIO.check(user, "plan")
    errors: dict[str, list] = {}
    counties = planning_counties(user)
    county = str(params.get("county") or "")
    if county:
        if not county.isdigit():
            errors["county"] = [_("Choose a county.")]
        else:
            counties = counties.filter(pk=int(county))
            if not counties.exists():
                raise Http404
    today = timezone.localdate()
    dates = {}
    for name, default in (("from", today), ("to", None)):
        text = params.get(name)
        if not text:
            dates[name] = default
            continue
        try:
            dates[name] = dt.date.fromisoformat(str(text))
        except ValueError:
            errors[name] = [_("Give a date as YYYY-MM-DD.")]
    start = dates.get("from") or today
    end = dates.get("to") or start + dt.timedelta(days=364)
    if "from" not in errors and "to" not in errors and end < start:
        errors["to"] = [_("The end comes before the start.")]
    budget = settings.PLANNING_BUDGET
    if params.get("budget") not in (None, ""):
        text = str(params.get("budget"))
        if not text.isdigit() or not 1 <= int(text) <= settings.PLANNING_MAX_BUDGET:
            errors["budget"] = [
                _("Give a whole number from 1 to %(max)d.")
                % {"max": settings.PLANNING_MAX_BUDGET}
            ]
        else:
            budget = int(text)
    min_gain = settings.PLANNING_MIN_GAIN
    if params.get("min_gain") not in (None, ""):
        try:
            min_gain = float(params.get("min_gain"))
            if not 0 <= min_gain <= 1000:
                raise ValueError
        except ValueError:
            errors["min_gain"] = [_("Give a number of points from 0 to 1000.")]
    if errors:
        raise ValidationError(errors)
    return Request(list(counties), start, end, budget, min_gain)


def blocked_needs(need_ids) -> list[int]:
    """Needs of schools not ready to receive a teacher (diagnosed readiness)."""
    return list(
        Need.objects.filter(
            pk__in=list(need_ids),
            diagnosis__readiness__lt=settings.PLANNING_MIN_READINESS,
        ).values_list("id", flat=True)
    )


def compute(request: Request, *, check: bool = False) -> dict:
    """The plan, as the API and the page show it."""
    county_ids = [c.pk for c in request.counties]
    inputs = pipeline.read_inputs(county_ids)
    result = greedy.plan(
        inputs,
        start=problem.day(request.start),
        end=problem.day(request.end),
        budget=request.budget,
        min_gain=request.min_gain,
        capacity=settings.PLANNING_RECRUIT_CAPACITY,
        level=settings.PLANNING_RECRUIT_LEVEL,
        blocked_needs=blocked_needs(inputs.needs.id.tolist()),
        check=check,
    )
    return describe(request, result)


def describe(request: Request, result: greedy.Plan) -> dict:
    specialties = {
        s.pk: s
        for s in Specialty.objects.filter(
            pk__in={s.candidate.specialty for s in result.steps}
        ).select_related("specialty_class")
    }
    names = {c.pk: c.name for c in request.counties}
    steps, places, score, schools = [], 0, 0.0, 0
    for rank, step in enumerate(result.steps, start=1):
        specialty = specialties[step.candidate.specialty]
        klass = specialty.specialty_class
        places += step.places_gain
        score += step.score_gain
        schools += step.schools_gain
        steps.append(
            {
                "rank": rank,
                "specialty": specialty.code,
                "specialty_id": specialty.pk,
                "specialty_name": specialty.name,
                "class_code": klass.code if klass else "",
                "class_name": klass.name if klass else "",
                "county": step.candidate.county,
                "county_name": names.get(step.candidate.county, ""),
                "start_date": problem.date_of(step.start).isoformat(),
                "end_date": problem.date_of(step.end).isoformat(),
                "count": step.count,
                "places_gain": step.places_gain,
                "score_gain": round(step.score_gain, 2),
                "schools_gain": step.schools_gain,
                "cumulative_places": places,
                "cumulative_score": round(score, 2),
                "cumulative_schools": schools,
                "needs": step.needs,
            }
        )
    limited = sorted(result.limits.items())
    need_rows = {
        n.pk: n
        for n in Need.objects.filter(pk__in=[n for n, _ in limited]).select_related(
            "school", "specialty"
        )
    }
    limits = dict.fromkeys(greedy.LIMITS, 0)
    rows = []
    for need_id, limit in limited:
        limits[limit] += 1
        need = need_rows.get(need_id)
        rows.append(
            {
                "need": need_id,
                "title": need.title if need else "",
                "school": need.school.name if need else "",
                "specialty": f"{need.specialty.code} {need.specialty.name}"
                if need
                else "",
                "limit": limit,
                "limit_label": str(LIMIT_LABELS[limit]),
                "reason": result.final.unmatched.get(need_id, ""),
                "reason_label": str(
                    REASON_LABELS.get(result.final.unmatched.get(need_id, ""), "")
                ),
            }
        )
    return {
        "title": str(TITLE),
        "counties": [{"id": c.pk, "name": c.name} for c in request.counties],
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "budget": request.budget,
        "min_gain": request.min_gain,
        "recruit": {
            "capacity": settings.PLANNING_RECRUIT_CAPACITY,
            "level": settings.PLANNING_RECRUIT_LEVEL,
        },
        "baseline": result.baseline.figures(),
        "projected": result.final.figures(),
        "recruits": result.recruits,
        "steps": steps,
        "stopped": result.stopped,
        "limits": limits,
        "limited_needs": rows,
        "candidates": result.candidates,
        "resolves": result.resolves,
        "exact": result.exact,
    }


# --- exports ----------------------------------------------------------------------


def step_header() -> list[str]:
    return [
        _("Rank"),
        _("Specialty code"),
        _("Specialty"),
        _("Class"),
        _("County"),
        _("Available from"),
        _("Available until"),
        _("Recruits"),
        _("Places gained"),
        _("Score gained"),
        _("Schools newly covered"),
        _("Places (cumulative)"),
    ]


def step_cells(step: dict) -> list:
    return [
        step["rank"],
        step["specialty"],
        step["specialty_name"],
        f"{step['class_code']} {step['class_name']}".strip(),
        step["county_name"],
        step["start_date"],
        step["end_date"],
        step["count"],
        step["places_gain"],
        step["score_gain"],
        step["schools_gain"],
        step["cumulative_places"],
    ]


def filename(plan: dict) -> str:
    names = "、".join(c["name"] for c in plan["counties"][:3]) or "-"
    return f"{plan['title']}-{names}-{plan['from']}"


def plan_xlsx(plan: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Recruits")[:31]
    sheet.append([neutralise(plan["title"])])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            neutralise(
                _("%(counties)s, %(start)s to %(end)s")
                % {
                    "counties": "、".join(c["name"] for c in plan["counties"]),
                    "start": plan["from"],
                    "end": plan["to"],
                }
            )
        ]
    )
    sheet.append([])
    sheet.append(step_header())
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for step in plan["steps"]:
        sheet.append([neutralise(v) for v in step_cells(step)])
    limits = workbook.create_sheet(_("Not helped by recruiting")[:31])
    limits.append(
        [_("Need"), _("School"), _("Specialty"), _("Why"), _("Matching says")]
    )
    for row in plan["limited_needs"]:
        limits.append(
            [
                neutralise(v)
                for v in (
                    row["title"],
                    row["school"],
                    row["specialty"],
                    row["limit_label"],
                    row["reason_label"],
                )
            ]
        )
    return workbook_bytes(workbook)


def plan_pdf(plan: dict) -> bytes:
    return render_pdf(
        "planning/recruitment_pdf.html",
        {
            "plan": plan,
            "header": step_header(),
            "rows": [step_cells(step) for step in plan["steps"]],
        },
    )


def plan_response(plan: dict, fmt: str) -> HttpResponse:
    if fmt != "pdf":
        return xlsx_attachment(plan_xlsx(plan), filename(plan))
    return pdf_attachment(plan_pdf(plan), filename(plan))
