"""Web pages of the evaluation system: cycles, rating tasks, results, certificates,
frameworks. Each view reads through the scope module and writes through one
service."""

from collections import Counter, defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scopes import visible
from common.errors import TransitionNotAllowed
from common.forms import add_service_errors
from places.models import County

from . import appeals, ratings
from . import cycles as cycle_services
from .certificates import (
    certificate_available,
    certificate_response,
    document_kind,
    top_grade,
)
from .completion import completion_of, subject_completion
from .disclosure import breakdown_for, min_raters_shown
from .evidence import evidence_for
from .exports import results_response
from .facts import not_evaluated
from .forms import CycleForm, RatingForm
from .models import (
    Appeal,
    AppealStatus,
    CycleStatus,
    Evaluation,
    Framework,
    Indicator,
    SubjectType,
)
from .policies import (
    CYCLE,
    RATING,
    access_appeal,
    access_cycle,
    access_framework,
    access_rating,
    cycle_rows,
    is_subject,
    rating_rows,
)


def _cycles(user):
    return CYCLE.visible(user, cycle_rows())


def _managed_counties(user):
    counties = visible(user, County.objects.all())
    if user.is_admin:
        return counties
    if user.is_coordinator:
        return counties
    return counties.none()


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    counties = _managed_counties(request.user)
    form = None
    if counties.exists():
        form = CycleForm(request.POST or None, counties=counties)
        if request.method == "POST" and form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v is not None}
            try:
                cycle = cycle_services.cycle_create(actor=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The cycle was created as a draft."))
                return redirect("evaluations:cycle", pk=cycle.pk)
    elif request.method == "POST":
        raise PermissionDenied
    cycles = _cycles(request.user).annotate(evaluation_count=Count("evaluations"))
    return render(
        request,
        "evaluations/cycle_list.html",
        {"cycles": cycles, "form": form},
    )


@login_required
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access_cycle(
        request.user,
        pk,
        queryset=cycle_rows().select_related(
            "framework", "team_framework", "school_framework", "created_by"
        ),
    )
    may_run = CYCLE.may(request.user, "update", cycle)
    counts = Counter(
        dict(
            cycle.evaluations.values_list("subject_type")
            .annotate(n=Count("id"))
            .values_list("subject_type", "n")
        )
    )
    figures = by_subject = None
    if may_run and cycle.status != CycleStatus.DRAFT:
        figures = completion_of([cycle])[cycle.pk]
        by_subject = subject_completion(cycle, figures)
        for row in by_subject:
            row["below"] = row["ratio"] < figures["threshold"]
            row["percent"] = round(100 * row["ratio"])
            row["type_label"] = SubjectType(row["subject_type"]).label
    left_out = []
    if may_run:
        left_out = [
            (SubjectType(kind).label, rows)
            for kind, rows in not_evaluated(cycle).items()
            if rows
        ]
    return render(
        request,
        "evaluations/cycle_detail.html",
        {
            "cycle": cycle,
            "may_run": may_run,
            "counts": [(SubjectType(t).label, counts.get(t, 0)) for t in SubjectType],
            "completion": figures,
            "completion_percent": {
                key: round(100 * figures[key])
                for key in ("overall", "minimum", "threshold")
            }
            if figures
            else None,
            "by_subject": by_subject,
            "not_evaluated": left_out,
        },
    )


@login_required
@require_POST
def cycle_open(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = access_cycle(request.user, pk)
    try:
        stats = cycle_services.cycle_open(actor=request.user, cycle=cycle)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "The cycle is open: %(teachers)d teachers, %(teams)d teams and "
                "%(schools)d schools to evaluate; %(rating_tasks)d rating tasks."
            )
            % stats,
        )
    return redirect("evaluations:cycle", pk=pk)


@login_required
@require_POST
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close after an explicit confirmation; below the minimum completion only
    with ``force`` and a written reason (the results are then provisional)."""
    cycle = access_cycle(request.user, pk)
    if not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm that the cycle closes."))
        return redirect("evaluations:cycle", pk=pk)
    try:
        stats = cycle_services.cycle_close(
            actor=request.user,
            cycle=cycle,
            force=bool(request.POST.get("force")),
            reason=request.POST.get("reason", ""),
        )
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
        return redirect("evaluations:cycle", pk=pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("evaluations:cycle", pk=pk)
    messages.success(
        request,
        _("The cycle is closed: %(scored)d results, %(flagged)d flagged.") % stats,
    )
    return redirect("evaluations:results", pk=pk)


def _results_queryset(user, cycle):
    return (
        visible(user, Evaluation.objects.filter(cycle=cycle))
        .select_related("cycle", "teacher", "team", "school")
        .order_by("subject_type", "rank", "id")
    )


def _closed_cycle(request, pk):
    cycle = access_cycle(request.user, pk)
    if cycle.status != CycleStatus.CLOSED:
        messages.warning(request, _("Results appear when the cycle is closed."))
        return cycle, False
    return cycle, True


def _indicator_rows(evaluation):
    """The breakdown's indicators in tree order, each with its depth."""
    rows = evaluation.breakdown.get("indicators", [])
    children = defaultdict(list)
    for row in rows:
        children[row.get("parent")].append(row)
    ordered = []

    def walk(parent, level):
        for row in children.get(parent, []):
            ordered.append({**row, "level": level})
            walk(row["code"], level + 1)

    walk(None, 0)
    return ordered


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, closed = _closed_cycle(request, pk)
    if not closed:
        return redirect("evaluations:cycle", pk=pk)
    evaluations = list(_results_queryset(request.user, cycle))
    appeals_of = defaultdict(list)
    for appeal in visible(
        request.user,
        Appeal.objects.filter(evaluation__cycle=cycle).select_related("appellant"),
    ).order_by("created_at", "id"):
        appeals_of[appeal.evaluation_id].append(appeal)
    deadline = appeals.appeal_deadline(cycle)
    window_open = deadline is not None and timezone.localdate() <= deadline
    groups = []
    for subject_type in SubjectType:
        items = [e for e in evaluations if e.subject_type == subject_type]
        if items:
            for e in items:
                e.appeal_list = appeals_of.get(e.pk, [])
                e.may_appeal = (
                    window_open
                    and is_subject(request.user, e)
                    and not any(a.status == AppealStatus.OPEN for a in e.appeal_list)
                )
                e.breakdown = breakdown_for(request.user, e)
                e.indicator_rows = _indicator_rows(e)
                e.roles = sorted(e.breakdown.get("raters", {}).items())
                e.shown_roles = [(r, i) for r, i in e.roles if not i.get("hidden")]
                e.has_certificate = certificate_available(e)
                e.document = document_kind(e)
            groups.append((subject_type.label, items))
    return render(
        request,
        "evaluations/results.html",
        {
            "cycle": cycle,
            "groups": groups,
            "min_raters": min_raters_shown(),
            "appeal_deadline": deadline,
            "may_answer": CYCLE.may(request.user, "update", cycle),
        },
    )


@login_required
@require_POST
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The one evaluated appeals a result (evaluation ``pk``)."""
    evaluation = get_object_or_404(
        visible(request.user, Evaluation.objects.select_related("cycle")), pk=pk
    )
    try:
        appeals.appeal_create(
            actor=request.user,
            evaluation=evaluation,
            reason=request.POST.get("reason", ""),
        )
    except (TransitionNotAllowed, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Your appeal was sent to the coordinators."))
    return redirect("evaluations:results", pk=evaluation.cycle_id)


@login_required
@require_POST
def appeal_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The county's coordinator answers appeal ``pk``, may revise the score."""
    appeal = access_appeal(
        request.user, pk, queryset=Appeal.objects.select_related("evaluation__cycle")
    )
    try:
        appeals.appeal_answer(
            actor=request.user,
            appeal=appeal,
            answer=request.POST.get("answer", ""),
            score=request.POST.get("score") or None,
        )
    except (TransitionNotAllowed, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("The appeal was answered."))
    return redirect("evaluations:results", pk=appeal.evaluation.cycle_id)


def _message(exc) -> str:
    if isinstance(exc, TransitionNotAllowed):
        return exc.message
    return " ".join(exc.messages)


@login_required
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    cycle, closed = _closed_cycle(request, pk)
    if not closed:
        return redirect("evaluations:cycle", pk=pk)
    return results_response(
        cycle, _results_queryset(request.user, cycle), user=request.user
    )


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_object_or_404(
        visible(
            request.user,
            Evaluation.objects.select_related(
                "cycle__county", "teacher", "team", "school"
            ),
        ),
        pk=pk,
    )
    if not certificate_available(evaluation):
        raise Http404(_("This result has no certificate."))
    return certificate_response(evaluation)


def _my_results(user):
    """A teacher's own results, school staff their school's."""
    teacher = getattr(user, "teacher", None) if user.is_teacher else None
    if teacher is not None:
        condition = Q(teacher=teacher)
    elif user.is_school_staff and user.school_id:
        condition = Q(school_id=user.school_id)
    else:
        return Evaluation.objects.none()
    return (
        visible(user, Evaluation.objects.filter(condition))
        .filter(cycle__status=CycleStatus.CLOSED)
        .select_related("cycle", "teacher", "school")
        .order_by("-cycle__end_date")
    )


def _my_ratings(user):
    """The rating tasks given to ``user``, with what their pages show."""
    return RATING.visible(user, rating_rows(user))


@login_required
def tasks(request: HttpRequest) -> HttpResponse:
    ratings = _my_ratings(request.user).order_by(
        "status", "-evaluation__cycle__start_date", "id"
    )
    pending = [r for r in ratings if r.evaluation.cycle.status == CycleStatus.OPEN]
    past = [r for r in ratings if r.evaluation.cycle.status != CycleStatus.OPEN]
    mine = list(_my_results(request.user))
    for evaluation in mine:
        evaluation.has_certificate = certificate_available(evaluation)
        evaluation.document = document_kind(evaluation)
    return render(
        request,
        "evaluations/tasks.html",
        {"open_tasks": pending, "past_tasks": past, "my_results": mine},
    )


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    rating = access_rating(
        request.user,
        pk,
        queryset=rating_rows(request.user).prefetch_related("scores__indicator"),
    )
    indicators = ratings.rated_indicators(rating.evaluation)
    parents = {
        i.pk: i
        for i in Indicator.objects.filter(
            pk__in={i.parent_id for i in indicators if i.parent_id}
        )
    }
    for indicator in indicators:
        indicator.parent_label = (
            str(parents[indicator.parent_id]) if indicator.parent_id else ""
        )
        indicator.anchor_rows = sorted(
            (indicator.anchors or {}).items(), key=lambda item: -int(item[0])
        )
    initial = {s.indicator.code: s.score for s in rating.scores.all()}
    form = RatingForm(
        request.POST or None,
        indicators=indicators,
        initial_scores=initial,
        initial={"comment": rating.comment},
    )
    is_open = rating.evaluation.cycle.status == CycleStatus.OPEN
    if request.method == "POST" and form.is_valid():
        try:
            ratings.rating_submit(
                actor=request.user,
                rating=rating,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
            )
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your rating was saved."))
            return redirect("evaluations:tasks")
    return render(
        request,
        "evaluations/rate.html",
        {
            "rating": rating,
            "form": form,
            "is_open": is_open,
            "evidence": evidence_for(request.user, rating.evaluation),
        },
    )


@login_required
def framework_list(request: HttpRequest) -> HttpResponse:
    frameworks = (
        visible(request.user, Framework.objects.select_related("county"))
        .annotate(indicator_count=Count("indicators"))
        .order_by("subject_type", "name", "id")
    )
    return render(
        request,
        "evaluations/framework_list.html",
        {"frameworks": frameworks},
    )


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    framework = access_framework(request.user, pk)
    indicators = list(framework.indicators.all())
    children = defaultdict(list)
    for indicator in indicators:
        children[indicator.parent_id].append(indicator)
    rows = []

    def walk(parent_id, level):
        for indicator in children.get(parent_id, []):
            indicator.level = level
            indicator.is_leaf = not children.get(indicator.pk)
            rows.append(indicator)
            walk(indicator.pk, level + 1)

    walk(None, 0)
    return render(
        request,
        "evaluations/framework_detail.html",
        {
            "framework": framework,
            "rows": rows,
            "rater_weights": framework.rater_weights.all(),
        },
    )


def _achievements(evaluation) -> dict:
    """Hours, local teachers trained and goals met, from the result's data."""
    basis = {
        row["metric"]: row.get("basis") or {}
        for row in evaluation.breakdown.get("indicators", [])
        if row.get("metric")
    }
    return {
        "hours": basis.get("hours_taught", {}).get("hours"),
        "teachers": basis.get("local_teachers_trained", {}).get("teachers"),
        "goals_met": basis.get("goals_met", {}).get("met"),
        "goals": basis.get("goals_met", {}).get("goals"),
    }


@login_required
def honour_roll(request: HttpRequest) -> HttpResponse:
    """荣誉榜: the teachers, teams and schools graded at the top in each closed
    cycle (final results only), for everyone signed in to the programme: public
    recognition, so it shows names, counties and what was achieved, not scores."""
    evaluations = (
        Evaluation.objects.filter(
            cycle__status=CycleStatus.CLOSED,
            cycle__provisional=False,
            grade=top_grade(),
        )
        .select_related("cycle__county", "teacher", "team", "school")
        .order_by("-cycle__end_date", "cycle_id", "subject_type", "rank", "id")
    )
    cycles: dict[int, dict] = {}
    for evaluation in evaluations:
        entry = cycles.setdefault(
            evaluation.cycle_id, {"cycle": evaluation.cycle, "rows": []}
        )
        entry["rows"].append(
            {
                "kind": evaluation.get_subject_type_display(),
                "name": evaluation.subject_name,
                **_achievements(evaluation),
            }
        )
    return render(
        request, "evaluations/honour_roll.html", {"cycles": list(cycles.values())}
    )
