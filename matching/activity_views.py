"""Phone-sized pages for activity logs: teachers log and list their work, school
staff dispute, coordinators settle disputes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import visible
from assist_platform.errors import TransitionNotAllowed

from . import activities as services
from .models import Activity, ActivityKind, Assignment, AssignmentStatus

PAGE_SIZE = 30


class ActivityForm(forms.Form):
    assignment = forms.ModelChoiceField(
        label=gettext_lazy("Assignment"), queryset=Assignment.objects.none()
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
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
    return visible(
        user,
        Activity.objects.select_related(
            "assignment__teacher", "assignment__need__school"
        ),
    )


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    queryset = _activities(request.user).order_by("-date", "-id")
    if request.GET.get("disputed") == "1":
        queryset = queryset.filter(disputed=True)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for activity in page.object_list:
        activity.may_dispute = not activity.disputed and services.may_dispute(
            request.user, activity
        )
        activity.may_dismiss = activity.disputed and services.may_dismiss_dispute(
            request.user, activity
        )
    return render(
        request,
        "matching/activities_list.html",
        {
            "page": page,
            "may_log": services.can_log_activities(request.user),
            "only_disputed": request.GET.get("disputed") == "1",
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
            services.activity_log(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The activity was logged."))
            return redirect("activities:list")
    return render(
        request,
        "matching/activities_form.html",
        {"form": form, "has_assignments": assignments.exists()},
    )


@login_required
def activity_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(_activities(request.user), pk=pk)
    if not services.may_dispute(request.user, activity):
        raise PermissionDenied
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_dispute(
                user=request.user,
                activity=activity,
                reason=form.cleaned_data["reason"],
            )
        except TransitionNotAllowed as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            for error in exc.message_dict.get("reason", exc.messages):
                form.add_error("reason", error)
            return render(
                request,
                "matching/activities_dispute.html",
                {"form": form, "activity": activity},
            )
        else:
            messages.success(request, _("The activity is marked as disputed."))
        return redirect("activities:list")
    return render(
        request,
        "matching/activities_dispute.html",
        {"form": form, "activity": activity},
    )


@login_required
@require_POST
def activity_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(_activities(request.user), pk=pk)
    try:
        services.activity_dismiss_dispute(user=request.user, activity=activity)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The dispute was dismissed."))
    return redirect("activities:list")
