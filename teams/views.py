"""Coordinator pages of the supply side: the teacher pool with skills inline, teams,
who is free when, spreadsheet import (teachers, schools, needs) and export.

Each view reads through ``accounts.scopes.visible`` (404 outside the scope), refuses a
role that may not act with 403, and calls one service."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import coordinator_required
from accounts.scopes import visible
from common.forms import add_service_errors
from common.pagination import paged
from needs.models import Specialty, SpecialtyFamily
from spreadsheets.workbooks import xlsx_response

from . import services
from .api import (
    IMPORTERS,
    import_report,
    make_importer,
    teacher_export_columns,
    teacher_queryset,
    teachers_for,
    team_queryset,
    template_response,
)
from .availability import availability
from .filters import TeacherFilter, TeamFilter
from .forms import (
    ImportForm,
    PeriodForm,
    SkillFormSet,
    TeacherForm,
    TeamForm,
)
from .imports import TEACHERS_TITLE, TEAM_COLUMNS, TEAMS_TITLE
from .models import Teacher, Team
from .policies import TEACHER, TEAM, access_teacher, access_team

TEACHER_SEARCH_FIELDS = (
    "name",
    "title",
    "home_school__name",
    "skills__specialty__name",
)


def _search(queryset, term: str, fields):
    """Every word of ``term`` must appear in one of ``fields`` (as the API's search)."""
    for word in term.replace(",", " ").split():
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(
            pk__in=queryset.model.objects.filter(condition).values("pk")
        )
    return queryset


def _filtered(request: HttpRequest, filter_class, queryset, search_fields):
    """A list page's objects through its filters and its search box."""
    filterset = filter_class(request.GET or None, queryset=queryset, request=request)
    queryset = filterset.qs if filterset.is_bound else queryset
    term = request.GET.get("search", "").strip()
    if term:
        queryset = _search(queryset, term, search_fields)
    return filterset, queryset


def _list_page(request: HttpRequest, template: str, filterset, queryset, **context):
    """A list page of ``_filtered`` objects: a page of them, the filters as chosen
    (the counties to choose from) and what was wrong with them."""
    return render(
        request,
        template,
        {
            **paged(request, queryset),
            "chosen": request.GET,
            "counties": filterset.filters["county"].queryset,
            "filter_errors": filterset.errors if filterset.is_bound else {},
            **context,
        },
    )


def _filtered_teachers(request: HttpRequest):
    filterset, queryset = _filtered(
        request, TeacherFilter, teachers_for(request.user), TEACHER_SEARCH_FIELDS
    )
    return filterset, queryset.order_by("name", "id")


@coordinator_required
def teacher_list(request: HttpRequest) -> HttpResponse:
    """The teacher pool of the coordinator's counties, with filters."""
    filterset, queryset = _filtered_teachers(request)
    return _list_page(
        request,
        "teams/teacher_list.html",
        filterset,
        queryset,
        filter=filterset,
        specialties=Specialty.objects.select_related("family"),
        families=SpecialtyFamily.objects.all(),
    )


@coordinator_required
def teacher_export(request: HttpRequest) -> HttpResponse:
    """The teacher list as shown, with its filters, as .xlsx."""
    filterset, queryset = _filtered_teachers(request)
    if filterset.is_bound and not filterset.is_valid():
        queryset = queryset.none()
    return xlsx_response(
        teacher_export_columns(), queryset, filename=str(TEACHERS_TITLE)
    )


def _teacher_or_404(request: HttpRequest, pk: int) -> Teacher:
    teacher = access_teacher(request.user, pk, queryset=teacher_queryset())
    TEACHER.check(request.user, "update", teacher)
    return teacher


def _teacher_form_page(request: HttpRequest, teacher: Teacher | None) -> HttpResponse:
    if teacher is None:
        initial = {"capacity": 1}
        skill_initial: list[dict] = []
    else:
        initial = {
            "name": teacher.name,
            "home_school": teacher.home_school_id,
            "title": teacher.title,
            "county": teacher.county_id,
            "phone": teacher.phone,
            "available_from": teacher.available_from,
            "available_until": teacher.available_until,
            "capacity": teacher.capacity,
            "can_lead": teacher.can_lead,
        }
        skill_initial = [
            {"specialty": s.specialty_id, "level": s.level}
            for s in teacher.skills.all()
        ]
    if request.method == "POST":
        form = TeacherForm(request.POST, user=request.user, initial=initial)
        skills = SkillFormSet(request.POST, initial=skill_initial, prefix="skills")
        other_errors: list[str] = []
        if form.is_valid() and skills.is_valid():
            data = form.cleaned_data
            try:
                if teacher is None:
                    teacher = services.teacher_create(
                        actor=request.user, skills=skills.skills(), **data
                    )
                    messages.success(
                        request, _("%(name)s was registered.") % {"name": teacher.name}
                    )
                else:
                    teacher = services.teacher_update(
                        actor=request.user,
                        teacher=teacher,
                        skills=skills.skills(),
                        **data,
                    )
                    messages.success(
                        request, _("%(name)s was saved.") % {"name": teacher.name}
                    )
                return redirect("teams:teacher_list")
            except ValidationError as exc:
                other_errors = add_service_errors(form, exc, return_others=True)
    else:
        form = TeacherForm(user=request.user, initial=initial)
        skills = SkillFormSet(initial=skill_initial, prefix="skills")
        other_errors = []
    return render(
        request,
        "teams/teacher_form.html",
        {
            "title": teacher.name if teacher else _("Add a teacher"),
            "form": form,
            "skills": skills,
            "teacher": teacher,
            "other_errors": other_errors,
        },
    )


@coordinator_required
def teacher_create(request: HttpRequest) -> HttpResponse:
    return _teacher_form_page(request, None)


@coordinator_required
def teacher_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _teacher_form_page(request, _teacher_or_404(request, pk))


@coordinator_required
@require_POST
def teacher_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = _teacher_or_404(request, pk)
    services.teacher_deactivate(actor=request.user, teacher=teacher)
    messages.success(
        request,
        _("%(name)s was deactivated; matching no longer considers them.")
        % {"name": teacher.name},
    )
    return redirect("teams:teacher_list")


@coordinator_required
@require_POST
def teacher_activate(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = _teacher_or_404(request, pk)
    services.teacher_update(actor=request.user, teacher=teacher, active=True)
    messages.success(request, _("%(name)s is active again.") % {"name": teacher.name})
    return redirect("teams:teacher_edit", pk=teacher.pk)


def _filtered_teams(request: HttpRequest):
    filterset, queryset = _filtered(
        request,
        TeamFilter,
        visible(request.user, team_queryset()),
        ("name", "members__name"),
    )
    return filterset, queryset.order_by("-start_date", "name")


@coordinator_required
def team_list(request: HttpRequest) -> HttpResponse:
    filterset, queryset = _filtered_teams(request)
    return _list_page(request, "teams/team_list.html", filterset, queryset)


@coordinator_required
def team_export(request: HttpRequest) -> HttpResponse:
    filterset, queryset = _filtered_teams(request)
    if filterset.is_bound and not filterset.is_valid():
        queryset = queryset.none()
    return xlsx_response(TEAM_COLUMNS, queryset, filename=str(TEAMS_TITLE))


def _team_form_page(request: HttpRequest, team: Team | None) -> HttpResponse:
    initial: dict = {}
    if team is not None:
        initial = {
            "name": team.name,
            "county": team.county_id,
            "start_date": team.start_date,
            "end_date": team.end_date,
            "leader": team.leader_id,
            "members": [m.pk for m in team.members.all()],
        }
    other_errors: list[str] = []
    if request.method == "POST":
        form = TeamForm(request.POST, user=request.user, initial=initial)
        if form.is_valid():
            data = dict(form.cleaned_data)
            members = list(data.pop("members"))
            try:
                if team is None:
                    team = services.team_create(
                        actor=request.user, members=members, **data
                    )
                else:
                    team = services.team_update(
                        actor=request.user, team=team, members=members, **data
                    )
                messages.success(
                    request, _("The team %(name)s was saved.") % {"name": team.name}
                )
                return redirect("teams:team_list")
            except ValidationError as exc:
                other_errors = add_service_errors(form, exc, return_others=True)
    else:
        form = TeamForm(user=request.user, initial=initial)
    return render(
        request,
        "teams/team_form.html",
        {
            "title": team.name if team else _("Form a team"),
            "form": form,
            "team": team,
            "other_errors": other_errors,
        },
    )


@coordinator_required
def team_create(request: HttpRequest) -> HttpResponse:
    return _team_form_page(request, None)


@coordinator_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = access_team(request.user, pk, queryset=team_queryset())
    TEAM.check(request.user, "update", team)
    return _team_form_page(request, team)


def _default_period() -> tuple[dt.date, dt.date]:
    """This month and the five after it."""
    start = timezone.localdate().replace(day=1)
    years, month = divmod(start.month - 1 + 6, 12)
    following = dt.date(start.year + years, month + 1, 1)
    return start, following - dt.timedelta(days=1)


@coordinator_required
def who_is_free(request: HttpRequest) -> HttpResponse:
    """Teachers' windows and free capacity, month by month, over a chosen period."""
    start, end = _default_period()
    data = request.GET if "start" in request.GET else None
    form = PeriodForm(data, user=request.user, initial={"start": start, "end": end})
    rows = []
    if data is None or form.is_valid():
        if data is not None:
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        teachers = visible(request.user, teacher_queryset()).filter(
            active=True, available_from__lte=end, available_until__gte=start
        )
        if data is not None and form.cleaned_data.get("county"):
            teachers = teachers.filter(county=form.cleaned_data["county"])
        if data is not None and form.cleaned_data.get("specialty"):
            teachers = teachers.filter(
                skills__specialty=form.cleaned_data["specialty"]
            ).distinct()
        rows = availability(list(teachers.order_by("county_id", "name")), start, end)
    months = rows[0].cells if rows else []
    return render(
        request,
        "teams/who_is_free.html",
        {
            "title": _("Who is free when"),
            "form": form,
            "rows": rows,
            "months": [c.month for c in months],
            "start": start,
            "end": end,
        },
    )


def _import_kinds(user) -> list[tuple[str, str]]:
    return [
        (kind, str(importer.title))
        for kind, importer in IMPORTERS.items()
        if importer.allowed(user)
    ]


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a spreadsheet of teachers, schools or needs; see what was wrong."""
    kinds = _import_kinds(request.user)
    if not kinds:
        raise PermissionDenied
    report = None
    extras: dict = {}
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid():
            importer = make_importer(
                form.cleaned_data["kind"],
                request,
                create_accounts=form.cleaned_data["create_accounts"],
            )
            report = importer.run(
                form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
            )
            extras = import_report(importer, report)
            if report.ok and not report.dry_run:
                messages.success(
                    request,
                    _(
                        "Imported %(rows)d rows: %(created)d new, %(updated)d "
                        "changed, %(unchanged)d unchanged."
                    )
                    % {
                        "rows": report.rows,
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
    else:
        form = ImportForm(kinds=kinds, initial={"kind": request.GET.get("kind")})
    return render(
        request,
        "teams/import.html",
        {
            "title": _("Import from a spreadsheet"),
            "form": form,
            "kinds": kinds,
            "report": report,
            "extras": extras,
            "create_accounts": bool(
                report is not None
                and report.kind == "teachers"
                and form.cleaned_data.get("create_accounts")
            ),
        },
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    importer_class = IMPORTERS.get(kind)
    if importer_class is None:
        raise Http404
    if not importer_class.allowed(request.user):
        raise PermissionDenied
    return template_response(importer_class(request.user))
