"""Web pages of the needs app: school staff post and follow their needs;
coordinators review and diagnose the needs of their counties.

Each view finds its need through ``access_need`` (404 outside the scope), asks the
need policy (``needs.policies.NEED``) whether the role and state allow the action
(403 / a message naming the state), and calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.forms.renderers import get_default_renderer
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.scopes import mark_teacher_contact, sees_teacher_contact, visible
from common.errors import TransitionNotAllowed
from common.forms import add_service_errors
from common.pagination import page_of, paged
from places.models import County, School
from spreadsheets.workbooks import xlsx_response

from . import services
from .fields import SpecialtyChoiceField
from .filters import NeedFilter
from .forms import (
    CancelForm,
    ConfirmForm,
    NeedForm,
    ReopenForm,
    ReviewForm,
)
from .goal_views import GoalConfirmForm, GoalMarkForm, goal_prefix, goals_context
from .goals import (
    CONFIRM,
    MARK,
    goal_confirm,
    goal_mark,
    goals_waiting,
    goals_with_marks,
)
from .imports import NEED_COLUMNS, NEEDS_TITLE
from .models import (
    Need,
    NeedKind,
    NeedStatus,
    NeedTransition,
    PlanGoal,
    Specialty,
    SpecialtyFamily,
)
from .policies import GOAL, NEED, access_need, reopen_deadline
from .thread_views import CommentForm, thread_context
from .threads import need_comment_post


def _needs(user):
    return visible(
        user,
        Need.objects.select_related("school__county", "specialty__family", "diagnosis"),
    )


def _need_or_404(request: HttpRequest, pk: int) -> Need:
    queryset = (
        _needs(request.user)
        .prefetch_related(
            goals_with_marks(),
            Prefetch(
                "transitions", queryset=NeedTransition.objects.select_related("actor")
            ),
        )
        .with_people()
    )
    return access_need(request.user, pk, queryset=queryset)


def _refused(request: HttpRequest, need: Need, exc: TransitionNotAllowed):
    messages.error(request, exc.message)
    return redirect("needs:detail", pk=need.pk)


def _filtered_needs(request: HttpRequest):
    """The needs list as the page shows it: scope, filters and the search box."""
    filterset = NeedFilter(
        request.GET,
        queryset=_needs(request.user).order_by("-created_at", "-id"),
        request=request,
    )
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    query = (request.GET.get("q") or "").strip()
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(description__icontains=query)
        )
    return filterset, queryset, query


@login_required
@require_GET
def need_export(request: HttpRequest) -> HttpResponse:
    """The needs list as shown, with its filters and search, as .xlsx."""
    _, queryset, _ = _filtered_needs(request)
    return xlsx_response(NEED_COLUMNS, queryset, filename=str(NEEDS_TITLE))


@login_required
@require_GET
def need_list(request: HttpRequest) -> HttpResponse:
    """The needs the user may see, with filters; school staff see their school's."""
    user = request.user
    filterset, queryset, query = _filtered_needs(request)
    listing = paged(request, queryset)
    return render(
        request,
        "needs/need_list.html",
        {
            **listing,
            "filter_errors": filterset.errors,
            "query": query,
            "chosen": request.GET,
            "statuses": NeedStatus.choices,
            "kinds": NeedKind.choices,
            "families": SpecialtyFamily.objects.all(),
            "schools": visible(user, School.objects.all())
            if not user.is_school_staff
            else School.objects.none(),
            "counties": visible(user, County.objects.assisted())
            if not user.is_school_staff
            else County.objects.none(),
            "may_create": NEED.may(user, "create"),
            "export_url": f"{reverse('needs:export')}?{listing['params']}",
        },
    )


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted needs in the coordinator's counties, oldest first."""
    if not NEED.may(request.user, "review"):
        raise PermissionDenied
    queryset = (
        _needs(request.user)
        .filter(status=NeedStatus.SUBMITTED)
        .order_by("submitted_at", "id")
    )
    page = page_of(request, queryset)
    return render(request, "needs/review_queue.html", {"page": page})


def _need_for(request: HttpRequest, pk: int, action: str):
    """The need, and the answer refusing ``action`` on it (``None`` when allowed)."""
    need = _need_or_404(request, pk)
    try:
        NEED.check(request.user, action, need)
    except TransitionNotAllowed as exc:
        return need, _refused(request, need, exc)
    return need, None


@login_required
@require_GET
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need_or_404(request, pk)
    return _render_detail(request, need, CancelForm())


def _render_detail(
    request,
    need,
    cancel_form,
    status=200,
    reopen_form=None,
    thread_form=None,
    goal_forms=None,
):
    actions = NEED.allowed_actions(request.user, need)
    mark_teacher_contact(request.user, [person.teacher for person in need.people])
    return render(
        request,
        "needs/need_detail.html",
        {
            "need": need,
            "actions": actions,
            "people": [
                (person, sees_teacher_contact(request.user, person.teacher))
                for person in need.people
            ],
            "cancel_form": cancel_form,
            "reopen_form": reopen_form or ReopenForm(),
            "reopen_until": reopen_deadline(need) if "reopen" in actions else None,
            "diagnosis": getattr(need, "diagnosis", None),
            "goals": goals_context(request, need, goal_forms),
            "transitions": list(need.transitions.all()),
            "thread": thread_context(request, need, thread_form),
        },
        status=status,
    )


def _specialty_choices_context(form: NeedForm) -> dict:
    return {"form": form, "families": SpecialtyFamily.objects.all()}


def _saved(request: HttpRequest, need: Need, saved_message: str) -> HttpResponse:
    """After the need form is saved: submit the need too when that button was
    pressed; back to the need."""
    if request.POST.get("action") == "submit":
        services.need_submit(need=need, actor=request.user)
        messages.success(request, _("The need was submitted for review."))
    else:
        messages.success(request, saved_message)
    return redirect("needs:detail", pk=need.pk)


def _need_form_page(request: HttpRequest, form: NeedForm, need) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    title = _("Edit need") if need else _("Post a need")
    return render(
        request,
        "needs/need_form.html",
        {"title": title, "form": form, "need": need},
        status=status,
    )


@login_required
def need_create(request: HttpRequest) -> HttpResponse:
    if not NEED.may(request.user, "create"):
        raise PermissionDenied
    form = NeedForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(actor=request.user, **form.service_data())
            return _saved(request, need, _("The need was saved as a draft."))
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _need_form_page(request, form, None)


@login_required
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need, refusal = _need_for(request, pk, "update")
    if refusal:
        return refusal
    initial = NeedForm.initial_for(need)
    form = NeedForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_update(
                need=need, actor=request.user, data=form.service_data()
            )
            return _saved(request, need, _("Your changes were saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _refused(request, need, exc)
    return _need_form_page(request, form, need)


@login_required
@require_GET
def specialty_options(request: HttpRequest) -> HttpResponse:
    """The ``<option>``s of the specialty picker, grouped by class, for one family
    or, without one, the whole current catalogue (htmx, on family change)."""
    family_id = request.GET.get("family") or ""
    specialties = Specialty.objects.current()
    if family_id.isdigit():
        specialties = specialties.filter(family_id=family_id)
    elif family_id:
        specialties = specialties.none()
    field = SpecialtyChoiceField(
        queryset=specialties, empty_label=_("Choose a specialty")
    )
    context = field.widget.get_context("specialty", request.GET.get("specialty"), {})
    # The form renderer, which knows Django's widget templates the options include.
    html = get_default_renderer().render("needs/_specialty_options.html", context)
    return HttpResponse(html)


def _transition_view(action: str):
    """A POST-only view that runs one transition service and goes back to the need."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        need = _need_or_404(request, pk)
        try:
            NEED.check(request.user, action, need)
            if action == "submit":
                services.need_submit(need=need, actor=request.user)
                messages.success(request, _("The need was submitted for review."))
            elif action == "delete":
                services.need_delete(need=need, actor=request.user)
                messages.success(request, _("The draft was deleted."))
                return redirect("needs:list")
        except TransitionNotAllowed as exc:
            return _refused(request, need, exc)
        return redirect("needs:detail", pk=need.pk)

    view.__name__ = f"need_{action}"
    return view


need_submit = _transition_view("submit")
need_delete = _transition_view("delete")


def _with_reason(request, need, form, service, done_message) -> HttpResponse | None:
    """Run a transition that takes the form's ``reason``: back to the need when it
    is done (or refused for its state); ``None`` with the errors on the form."""
    if not form.is_valid():
        return None
    try:
        service(need=need, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    except TransitionNotAllowed as exc:
        return _refused(request, need, exc)
    messages.success(request, done_message)
    return redirect("needs:detail", pk=need.pk)


@login_required
def need_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirming a need fulfilled asks first: a page says what will happen, and
    asks for a reason when the window has not started or no activity is logged."""
    need, refusal = _need_for(request, pk, "confirm")
    if refusal:
        return refusal
    reason_required = services.confirm_needs_reason(need)
    form = ConfirmForm(request.POST or None, reason_required=reason_required)
    if request.method == "POST":
        done = _with_reason(
            request,
            need,
            form,
            services.need_confirm,
            _("Thank you: the need is fulfilled."),
        )
        if done is not None:
            return done
    return render(
        request,
        "needs/confirm.html",
        {
            "title": f"{_('Confirm fulfilment')} · {need.title}",
            "need": need,
            "form": form,
            "reason_required": reason_required,
            "window_started": need.start_date <= timezone.localdate(),
            "activities": need.assignments.filter(activities__isnull=False)
            .values("activities")
            .count(),
            "people": [(p, False) for p in need.people if p.status != "proposed"],
        },
        status=400 if request.method == "POST" else 200,
    )


def _reason_view(action: str, form_class, service, done_message):
    """A POST-only view of a transition that takes a reason (reopen, cancel): back
    to the need when it is done; else the need's page, the errors on the form."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        need, refusal = _need_for(request, pk, action)
        if refusal:
            return refusal
        form = form_class(request.POST)
        done = _with_reason(request, need, form, service, done_message)
        if done:
            return done
        forms = {"cancel_form": CancelForm(), f"{action}_form": form}
        return _render_detail(request, need, status=400, **forms)

    view.__name__ = f"need_{action}"
    return view


need_reopen = _reason_view(
    "reopen", ReopenForm, services.need_reopen, gettext_lazy("The need was reopened.")
)
need_cancel = _reason_view(
    "cancel", CancelForm, services.need_cancel, gettext_lazy("The need was cancelled.")
)


@login_required
def need_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The diagnosis form: four scores, the computed priority, plan goals and the
    decision (approve, return for revision, reject)."""
    need, refusal = _need_for(request, pk, "review")
    if refusal:
        return refusal
    initial = {}
    diagnosis = getattr(need, "diagnosis", None)
    if diagnosis is not None:
        initial = {name: getattr(diagnosis, name) for name in ReviewForm.score_fields}
    if need.goals.all():
        initial["goals"] = "\n".join(goal.text for goal in need.goals.all())
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        scores = form.diagnosis()
        if form.is_valid():  # diagnosis() may have added errors
            try:
                services.need_review(
                    need=need,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    comment=form.cleaned_data["comment"],
                    diagnosis=scores,
                    goals=form.goal_list(),
                )
                messages.success(request, _("The review was recorded."))
                return redirect("needs:detail", pk=need.pk)
            except ValidationError as exc:
                if scores is None and "diagnosis" in getattr(exc, "error_dict", {}):
                    for name in ReviewForm.score_fields:
                        form.add_error(name, _("Give a score from 1 to 5."))
                    exc.error_dict.pop("diagnosis")
                if getattr(exc, "error_dict", None):
                    add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                return _refused(request, need, exc)
    priority = None
    if diagnosis is not None:
        priority = diagnosis.priority_score
    weights = services.priority_weights()
    return render(
        request,
        "needs/review_form.html",
        {
            "need": need,
            "form": form,
            "priority": priority,
            "weights": weights,
            "weights_total": sum(weights.values()),
            "cancel_url": reverse("needs:detail", args=[need.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def need_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Post to the need's thread from its page (text and optional files)."""
    need = _need_or_404(request, pk)
    if thread_context(request, need) is None:
        raise Http404
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            need_comment_post(
                need=need,
                actor=request.user,
                text=form.cleaned_data["text"],
                files=request.FILES.getlist("attachments"),
            )
            messages.success(request, _("Your message was posted."))
            return redirect(reverse("needs:detail", args=[need.pk]) + "#thread")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _render_detail(request, need, CancelForm(), status=400, thread_form=form)


def _goal_or_404(need: Need, goal_id: int) -> PlanGoal:
    goal = get_object_or_404(PlanGoal.objects.filter(need=need), pk=goal_id)
    goal.need = need
    return goal


def _goal_done(need: Need, goal: PlanGoal) -> HttpResponse:
    return redirect(reverse("needs:detail", args=[need.pk]) + f"#goal-{goal.pk}")


def _marked(request: HttpRequest, goal: PlanGoal, form: GoalMarkForm) -> str:
    goal_mark(
        goal=goal,
        actor=request.user,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
        files=request.FILES.getlist(f"{goal_prefix(goal.pk)}-attachments"),
    )
    return _(
        "Your mark was recorded. It counts once the county's coordinator confirms it."
    )


def _confirmed(request: HttpRequest, goal: PlanGoal, form: GoalConfirmForm) -> str:
    goal = goal_confirm(
        goal=goal,
        actor=request.user,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    return _("Confirmed: “%(goal)s” is %(outcome)s.") % {
        "goal": goal.text,
        "outcome": goal.get_confirmed_outcome_display(),
    }


# A goal action from the need's page: its form and the call that takes it (which
# answers the message to show).
_GOAL_ACTIONS = {MARK: (GoalMarkForm, _marked), CONFIRM: (GoalConfirmForm, _confirmed)}


def _goal_action(request: HttpRequest, pk: int, goal_id: int, action: str):
    need = _need_or_404(request, pk)
    goal = _goal_or_404(need, goal_id)
    form_class, take = _GOAL_ACTIONS[action]
    try:
        GOAL.check(request.user, action, goal)
    except TransitionNotAllowed as exc:
        return _refused(request, need, exc)
    form = form_class(request.POST, prefix=goal_prefix(goal.pk))
    if form.is_valid():
        try:
            messages.success(request, take(request, goal, form))
            return _goal_done(need, goal)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except TransitionNotAllowed as exc:
            return _refused(request, need, exc)
    return _render_detail(
        request, need, CancelForm(), status=400, goal_forms={goal.pk: form}
    )


@login_required
@require_POST
def need_goal_mark(request: HttpRequest, pk: int, goal_id: int) -> HttpResponse:
    """Mark a plan goal from the need's page (outcome, note, evidence files)."""
    return _goal_action(request, pk, goal_id, MARK)


@login_required
@require_POST
def need_goal_confirm(request: HttpRequest, pk: int, goal_id: int) -> HttpResponse:
    """Confirm a goal's waiting mark, or correct it with a note (coordinator)."""
    return _goal_action(request, pk, goal_id, CONFIRM)


@login_required
@require_GET
def goals_to_confirm(request: HttpRequest) -> HttpResponse:
    """Goal marks waiting for a coordinator of the user's counties, oldest first."""
    user = request.user
    if not (user.is_admin or user.is_coordinator):
        raise PermissionDenied
    counties = visible(user, County.objects.all()).values("pk")
    queryset = goals_waiting(counties).select_related(
        "need__school__county", "marked_by"
    )
    page = page_of(request, queryset)
    return render(request, "needs/goals_to_confirm.html", {"page": page})
