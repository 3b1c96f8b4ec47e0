"""Planning pages: the recruitment plan (curve, table, exports), the scenarios of
the caller's counties and a form to describe a new one. The curve's data travels in
a ``json_script`` element read by ``planning/recruitment.js`` (no inline script)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError as FieldErrors

from common.forms import DateInput, add_service_errors
from common.pagination import page_of, query_without
from needs.fields import SpecialtyChoiceField
from places.models import County
from teams.models import Teacher

from . import recruitment, scenarios
from .models import Scenario
from .policies import SCENARIO

CHART_JS = "vendor/chartjs/chart.umd.min.js"  # from npm, served by staticfiles


def _planner(user) -> None:
    if not SCENARIO.may(user, "plan"):
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
            "query": query_without(request, "format"),
        },
    )


@login_required
@require_GET
def scenario_list(request: HttpRequest) -> HttpResponse:
    _planner(request.user)
    page = page_of(
        request,
        SCENARIO.visible(request.user, Scenario.objects.select_related("county")),
    )
    return render(
        request,
        "planning/scenario_list.html",
        {
            "title": _("Planning scenarios"),
            "scenarios": page.object_list,
            "page": page,
        },
    )


@login_required
@require_GET
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scenario = SCENARIO.access(
        request.user, pk, queryset=Scenario.objects.select_related("county")
    )
    return render(
        request,
        "planning/scenario_detail.html",
        {"title": scenario.name, "scenario": scenario, "result": scenario.result},
    )


class AddTeachersForm(forms.Form):
    """One row of "add teachers"; a row left untouched adds nobody."""

    count = forms.IntegerField(label=gettext_lazy("how many"), required=False)
    specialty = SpecialtyChoiceField(label=gettext_lazy("specialty"), required=False)
    county = forms.ModelChoiceField(
        label=gettext_lazy("stationed in"),
        queryset=County.objects.none(),
        required=False,
        empty_label=gettext_lazy("The scenario's county"),
    )
    start_date = forms.DateField(
        label=gettext_lazy("available from"), widget=DateInput, required=False
    )
    end_date = forms.DateField(
        label=gettext_lazy("available until"), widget=DateInput, required=False
    )
    capacity = forms.IntegerField(label=gettext_lazy("capacity"), required=False)

    def __init__(self, *args, counties=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties

    def change(self) -> dict | None:
        if not self.has_changed():
            return None
        data = self.cleaned_data
        out: dict = {"kind": "add_teachers"}
        for name in ("count", "capacity"):
            if data.get(name) is not None:
                out[name] = data[name]
        if data.get("specialty"):
            out["specialty"] = data["specialty"].pk
        if data.get("county"):
            out["county"] = data["county"].pk
        for name in ("start_date", "end_date"):
            out[name] = data[name].isoformat() if data.get(name) else ""
        return out


AddTeachersFormSet = forms.formset_factory(AddTeachersForm, extra=3, max_num=10)


class ScenarioForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=200, required=False)
    county = forms.ModelChoiceField(
        label=gettext_lazy("county"), queryset=County.objects.none()
    )
    allow_neighbours = forms.BooleanField(
        label=gettext_lazy("teachers of neighbouring counties may serve"),
        required=False,
    )
    remove = forms.ModelMultipleChoiceField(
        label=gettext_lazy("teachers who leave"),
        queryset=Teacher.objects.none(),
        required=False,
        help_text=gettext_lazy("Hold Ctrl (or tap on a phone) to choose several."),
    )
    capacity_teacher = forms.ModelChoiceField(
        label=gettext_lazy("change the capacity of"),
        queryset=Teacher.objects.none(),
        required=False,
    )
    capacity = forms.IntegerField(label=gettext_lazy("new capacity"), required=False)

    def __init__(self, *args, counties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        if len(counties) == 1:  # a county's coordinator: their county
            self.fields["county"].initial = counties[0].pk
        teachers = Teacher.objects.filter(county__in=counties, active=True).order_by(
            "name", "id"
        )
        self.fields["remove"].queryset = teachers
        self.fields["capacity_teacher"].queryset = teachers


# Which form field shows a service message about a change's field, per kind.
_SHOWN_AT = {
    "remove_teachers": {"teachers": "remove"},
    "set_capacity": {"teacher": "capacity_teacher", "capacity": "capacity"},
}


def _changes(form: ScenarioForm, rows) -> tuple[list[dict], list]:
    """The ``changes`` the API takes, and for each the form that shows its errors."""
    changes, shown_by = [], []
    for row in rows:
        change = row.change()
        if change is not None:
            changes.append(change)
            shown_by.append(row)
    data = form.cleaned_data
    if data["remove"]:
        changes.append(
            {"kind": "remove_teachers", "teachers": [t.pk for t in data["remove"]]}
        )
        shown_by.append(form)
    if data["capacity_teacher"] or data["capacity"] is not None:
        change = {"kind": "set_capacity", "capacity": data["capacity"]}
        if data["capacity_teacher"]:
            change["teacher"] = data["capacity_teacher"].pk
        changes.append(change)
        shown_by.append(form)
    if data["allow_neighbours"]:
        changes.append({"kind": "allow_neighbours"})
        shown_by.append(form)
    return changes, shown_by


def _show_change_errors(form, changes, shown_by, detail) -> None:
    """Put the service's messages (per change by position, per field) beside the
    fields the page shows them in."""
    for index, fields in detail.items():
        change, target = changes[int(index)], shown_by[int(index)]
        names = _SHOWN_AT.get(change["kind"], {})
        for field, messages in fields.items():
            name = names.get(field, field) if target is form else field
            messages = [str(m) for m in messages]
            if name not in target.fields:
                name = None
            target.add_error(name, messages)


@login_required
def scenario_new(request: HttpRequest) -> HttpResponse:
    """A scenario described on a form; it builds the ``changes`` the API takes and
    hands them to the same service, then shows the scenario being solved."""
    SCENARIO.check(request.user, "create")
    counties = recruitment.planning_counties(request.user)
    stations = (
        County.objects.filter(Q(pk__in=counties) | Q(neighbours__in=counties))
        .distinct()
        .order_by("name", "id")
    )
    data = request.POST if request.method == "POST" else None
    form = ScenarioForm(data, counties=counties)
    rows = AddTeachersFormSet(data, prefix="add", form_kwargs={"counties": stations})
    if data is not None and form.is_valid() and rows.is_valid():
        changes, shown_by = _changes(form, rows)
        try:
            scenario = scenarios.scenario_create(
                actor=request.user,
                county=form.cleaned_data["county"],
                name=form.cleaned_data["name"],
                changes=changes,
            )
        except FieldErrors as exc:
            _show_change_errors(form, changes, shown_by, exc.detail["changes"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("planning:scenario_detail", scenario.pk)
    status = 400 if data is not None else 200
    return render(
        request,
        "planning/scenario_form.html",
        {"title": _("New planning scenario"), "form": form, "rows": rows},
        status=status,
    )
