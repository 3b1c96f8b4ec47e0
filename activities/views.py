"""Phone-sized pages for activity logs: teachers log and list their work, school
staff dispute, coordinators settle disputes."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.errors import TransitionNotAllowed
from common.forms import DateInput, add_service_errors
from common.pagination import page_of
from matching.models import Assignment, AssignmentStatus
from needs.attachments import KINDS
from spreadsheets.workbooks import xlsx_response

from . import services
from .exports import ACTIVITIES_TITLE, ACTIVITY_COLUMNS
from .models import ActivityKind
from .policies import ACTIVITY, access_activity, activity_rows


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; what they are is checked by the service."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(KINDS)})
        )
        super().__init__(required=False, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [
            super(EvidenceField, self).clean(each, initial) for each in files if each
        ]


class ActivityForm(forms.Form):
    assignment = forms.ModelChoiceField(
        label=gettext_lazy("Assignment"), queryset=Assignment.objects.none()
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=DateInput,
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices)
    hours = forms.DecimalField(
        label=pgettext_lazy("activity", "Hours"),
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )
    local_teachers_reached = forms.IntegerField(
        label=gettext_lazy("Local teachers reached"), min_value=0, initial=0
    )
    students_reached = forms.IntegerField(
        label=gettext_lazy("Students reached"), min_value=0, initial=0
    )
    reached_names = forms.CharField(
        label=gettext_lazy("Names of the local teachers reached"),
        help_text=gettext_lazy("Optional, one per line: each person counts once."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = EvidenceField(
        label=gettext_lazy("Photos or PDF"),
        help_text=gettext_lazy("JPEG, PNG, WebP or PDF, up to 10 MB each."),
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = assignments
        self.fields["assignment"].label_from_instance = lambda a: (
            f"{a.need.title} · {a.need.school.name}"
        )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why do you dispute this activity?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _activities(user):
    return ACTIVITY.visible(user, activity_rows())


def _listed(request: HttpRequest):
    """The activities the list shows: the caller's, with its filters (disputed
    only; for coordinators, implausible reach only)."""
    queryset = _activities(request.user).order_by("-date", "-id")
    if request.GET.get("disputed") == "1":
        queryset = queryset.filter(disputed=True)
    checks_reach = request.user.is_admin or request.user.is_coordinator
    only_flagged = checks_reach and request.GET.get("flagged") == "1"
    if only_flagged:
        queryset = queryset.filter(
            local_teachers_reached__gt=settings.ACTIVITY_PLAUSIBLE_REACH
        )
    return queryset, checks_reach, only_flagged


@login_required
@require_GET
def activity_export(request: HttpRequest) -> HttpResponse:
    """The list as shown, with its filters, as .xlsx."""
    queryset, _checks, _flagged = _listed(request)
    queryset = queryset.select_related(
        "assignment__teacher", "assignment__need__school"
    )
    return xlsx_response(ACTIVITY_COLUMNS, queryset, filename=str(ACTIVITIES_TITLE))


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    queryset, checks_reach, only_flagged = _listed(request)
    page = page_of(request, queryset)
    for activity in page.object_list:
        actions = ACTIVITY.allowed_actions(request.user, activity)
        activity.may_dispute = "dispute" in actions
        activity.may_dismiss = "dismiss_dispute" in actions
    return render(
        request,
        "activities/list.html",
        {
            "page": page,
            "may_log": ACTIVITY.may(request.user, "log"),
            "only_disputed": request.GET.get("disputed") == "1",
            "checks_reach": checks_reach,
            "only_flagged": only_flagged,
            "plausible_reach": settings.ACTIVITY_PLAUSIBLE_REACH,
            "reach": services.reach_by_assignment(_activities(request.user)),
            "export_query": request.GET.urlencode(),
        },
    )


def _chosen_assignment(request: HttpRequest, assignments) -> int | None:
    ids = [a.pk for a in assignments]
    asked = request.GET.get("assignment", "")
    if asked.isdigit() and int(asked) in ids:
        return int(asked)
    return ids[0] if len(ids) == 1 else None


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    teacher = services.teacher_of(request.user)
    if teacher is None:
        raise PermissionDenied(_("Only dispatched teachers log activities."))
    assignments = Assignment.objects.filter(
        teacher=teacher, status=AssignmentStatus.ACCEPTED
    ).select_related("need__school")
    form = ActivityForm(
        request.POST or None,
        request.FILES or None,
        assignments=assignments,
        initial={
            "date": timezone.localdate(),
            # Chosen already: the one asked for (from an assignment's card), or
            # the only one.
            "assignment": _chosen_assignment(request, assignments),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            services.activity_log(
                actor=request.user, files=data.pop("attachments"), **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The activity was logged."))
            return redirect("activities:list")
    return render(
        request,
        "activities/form.html",
        {
            "title": _("Log an activity"),
            "form": form,
            "has_assignments": assignments.exists(),
        },
    )


@login_required
def activity_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    activity = access_activity(request.user, pk)
    if not ACTIVITY.may(request.user, "dispute", activity):
        raise PermissionDenied
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_dispute(
                actor=request.user,
                activity=activity,
                reason=form.cleaned_data["reason"],
            )
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
            return redirect("activities:list")
        except ValidationError as exc:
            for error in exc.message_dict.get("reason", exc.messages):
                form.add_error("reason", error)
        else:
            messages.success(request, _("The activity is marked as disputed."))
            return redirect("activities:list")
    return render(
        request,
        "activities/dispute.html",
        {"title": _("Dispute"), "form": form, "activity": activity},
    )


@login_required
@require_POST
def activity_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    activity = access_activity(request.user, pk)
    try:
        services.activity_dismiss_dispute(actor=request.user, activity=activity)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The dispute was dismissed."))
    return redirect("activities:list")
