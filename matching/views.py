"""Web pages of matching: start a run and follow it, review proposals (coordinators),
answer one's own proposals (teachers), and the notification inbox.

Each view reads through ``accounts.scopes.visible`` (404 outside the scope), and
each action calls one service, which decides role (403) and state (a message that
names the state)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Notification
from accounts.scopes import school_contacts, sees_school_contact, visible
from common.errors import TransitionNotAllowed
from common.pagination import page_of
from needs.models import Need
from places.models import County
from spreadsheets.workbooks import xlsx_response

from . import assignments, pipeline, runs
from .exports import ASSIGNMENT_COLUMNS, ASSIGNMENTS_TITLE
from .forms import RunStartForm
from .models import (
    Assignment,
    AssignmentStatus,
    MatchingRun,
    UnmatchedNeeds,
    UnmatchedReason,
)
from .policies import ASSIGNMENT, RUN, access_assignment, access_run

# How often a page showing a running run asks for its progress (htmx).
POLL_SECONDS = 1


def _breakdown_labels() -> list[tuple[str, str]]:
    # Evaluated per request so that the active language applies.
    return [
        ("specialty", _("Specialty fit")),
        ("overlap", _("Time overlap")),
        ("place", _("Place")),
        ("priority", _("Priority")),
        ("coverage", _("Coverage bonus")),
    ]


def _rows(user, page) -> list[tuple]:
    """(assignment, actions the user may take, [(label, score part)]) per row."""
    labels = _breakdown_labels()
    return [
        (
            a,
            ASSIGNMENT.allowed_actions(user, a),
            [(label, float(a.breakdown.get(key, 0) or 0)) for key, label in labels],
        )
        for a in page.object_list
    ]


def _runs_base():
    return MatchingRun.objects.select_related("county", "started_by")


def _runs(user):
    return RUN.visible(user, _runs_base())


def _listed_runs(user):
    """Admins see each all-county run once (its county runs are on its page);
    coordinators see the runs of their counties, the nightly ones included."""
    runs = _runs(user)
    return runs.filter(parent__isnull=True) if user.is_admin else runs


def _assignments_base():
    return Assignment.objects.select_related(
        "need__school__county", "need__specialty", "teacher__home_school"
    )


def _assignments(user):
    return ASSIGNMENT.visible(user, _assignments_base())


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


# --------------------------------------------------------------------------------
# Runs


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    if not RUN.may(request.user, "start"):
        raise PermissionDenied
    return render(
        request,
        "matching/run_list.html",
        {
            "title": _("Matching runs"),
            "page": page_of(request, _listed_runs(request.user)),
            "form": RunStartForm(user=request.user),
            "stage_labels": runs.STAGE_LABELS,
        },
    )


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    if not RUN.may(request.user, "start"):
        raise PermissionDenied
    form = RunStartForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            run = runs.matching_run_start(
                actor=request.user, county=form.cleaned_data["county"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Matching run #%(id)d started.") % {"id": run.pk}
            )
            return redirect("matching-run", pk=run.pk)
    return render(
        request,
        "matching/run_list.html",
        {
            "title": _("Matching runs"),
            "page": page_of(request, _listed_runs(request.user)),
            "form": form,
            "stage_labels": runs.STAGE_LABELS,
        },
        status=400,
    )


def _run_context(run: MatchingRun) -> dict:
    return {
        "run": run,
        "finished": run.status in runs.FINISHED,
        "stage_label": runs.STAGE_LABELS.get(run.stage, run.stage),
        "poll_seconds": POLL_SECONDS,
    }


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access_run(request.user, pk, queryset=_runs_base())
    left_open = UnmatchedNeeds.objects.filter(Q(run=run) | Q(run__parent=run))
    reason = request.GET.get("reason") or ""
    if reason in UnmatchedReason.values:
        left_open = left_open.filter(reason=reason)
    why = left_open.by_need()
    page = page_of(
        request,
        Need.objects.filter(pk__in=list(why))
        .select_related("school", "specialty")
        .order_by("school__name", "id"),
    )
    for need in page.object_list:
        need.unmatched_reason = UnmatchedReason(why[need.pk]).label
    reasons = [
        (code, label, run.stats.get("reasons", {}).get(code, 0))
        for code, label in UnmatchedReason.choices
    ]
    children = (
        _runs(request.user).filter(parent=run).order_by("county__name")
        if run.county_id is None
        else MatchingRun.objects.none()
    )
    return render(
        request,
        "matching/run_detail.html",
        {
            **_run_context(run),
            "unmatched_page": page,
            "reasons": reasons,
            "reason": reason,
            "params": f"reason={reason}" if reason else "",
            "children": children,
            "stage_labels": runs.STAGE_LABELS,
        },
    )


@login_required
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar (htmx). A finished run reloads the page to show results."""
    run = access_run(request.user, pk, queryset=_runs_base())
    response = render(request, "matching/_run_progress.html", _run_context(run))
    if run.status in runs.FINISHED and request.htmx:
        response["HX-Refresh"] = "true"
    return response


# --------------------------------------------------------------------------------
# Proposals and assignments


PROPOSAL_TABS = (
    (AssignmentStatus.PROPOSED, AssignmentStatus.PROPOSED.label),
    (AssignmentStatus.ACCEPTED, AssignmentStatus.ACCEPTED.label),
    ("decided", gettext_lazy("Declined, completed, cancelled")),
)


def _filtered_proposals(request: HttpRequest):
    """The proposals page's rows: its tab (status), county and run."""
    if not RUN.may(request.user, "start"):
        raise PermissionDenied
    status = request.GET.get("status") or AssignmentStatus.PROPOSED
    queryset = _assignments(request.user)
    if status == "decided":
        queryset = queryset.exclude(status__in=pipeline.LIVE)
    else:
        status = (
            status if status in AssignmentStatus.values else AssignmentStatus.PROPOSED
        )
        queryset = queryset.filter(status=status)
    params = {"status": status}
    county = request.GET.get("county") or ""
    if county.isdigit():
        queryset = queryset.filter(need__school__county_id=int(county))
        params["county"] = county
    run = request.GET.get("run") or ""
    if run.isdigit():
        queryset = queryset.filter(Q(run_id=int(run)) | Q(run__parent_id=int(run)))
        params["run"] = run
    queryset = queryset.order_by("need__school__name", "need_id", "-score", "id")
    return queryset, status, params, county


@login_required
@require_GET
def proposals_export(request: HttpRequest) -> HttpResponse:
    """The proposals page's tab, with its county and run, as .xlsx."""
    queryset, _status, _params, _county = _filtered_proposals(request)
    queryset = queryset.select_related(
        "need__school__county", "need__specialty", "teacher__home_school"
    )
    return xlsx_response(ASSIGNMENT_COLUMNS, queryset, filename=str(ASSIGNMENTS_TITLE))


@login_required
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    """Coordinators review the proposals of their counties (one by one or together)."""
    user = request.user
    queryset, status, params, county = _filtered_proposals(request)
    page = page_of(request, queryset)
    rows = _rows(user, page)
    return render(
        request,
        "matching/proposals.html",
        {
            "page": page,
            "rows": rows,
            "tabs": [
                (
                    code,
                    label,
                    "&".join(f"{k}={v}" for k, v in {**params, "status": code}.items()),
                )
                for code, label in PROPOSAL_TABS
            ],
            "status": status,
            "params": "&".join(f"{k}={v}" for k, v in params.items()),
            "export_url": reverse("matching-proposals-export")
            + "?"
            + urlencode(params),
            "counties": visible(user, County.objects.assisted()),
            "chosen_county": county,
        },
    )


@login_required
@require_GET
def my_assignments(request: HttpRequest) -> HttpResponse:
    """A teacher's own assignments: answer proposals, see what is accepted."""
    user = request.user
    if not user.is_teacher:
        raise PermissionDenied
    queryset = (
        _assignments(user)
        .prefetch_related("need__goals")
        .order_by("-created_at", "-id")
    )
    page = page_of(request, queryset)
    rows = _rows(user, page)
    # Once accepted, the teacher may reach the school's contact people.
    contacts: dict[int, list] = {}
    for assignment, _actions, _parts in rows:
        school_id = assignment.need.school_id
        if assignment.status == AssignmentStatus.ACCEPTED and sees_school_contact(
            user, school_id
        ):
            if school_id not in contacts:
                contacts[school_id] = school_contacts(school_id)
            assignment.school_contacts = contacts[school_id]
    return render(
        request,
        "matching/my_assignments.html",
        {
            "title": _("My assignments"),
            "page": page,
            "rows": rows,
            "teacher": getattr(user, "teacher", None),
        },
    )


def _fallback(user) -> str:
    return (
        reverse("my-assignments") if user.is_teacher else reverse("matching-proposals")
    )


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assignment = access_assignment(request.user, pk, queryset=_assignments_base())
    reason = request.POST.get("reason", "")
    try:
        if action == "accept":
            assignments.assignment_accept(assignment=assignment, actor=request.user)
            messages.success(
                request,
                _("Accepted: %(teacher)s for “%(need)s”.")
                % {"teacher": assignment.teacher.name, "need": assignment.need.title},
            )
        elif action == "decline":
            assignments.assignment_decline(
                assignment=assignment, actor=request.user, reason=reason
            )
            messages.success(
                request,
                _("Declined: %(teacher)s for “%(need)s”.")
                % {"teacher": assignment.teacher.name, "need": assignment.need.title},
            )
        elif action == "complete":
            assignments.assignment_complete(assignment=assignment, actor=request.user)
            messages.success(request, _("The assignment is completed."))
        elif action == "clear_decline":
            assignments.assignment_clear_decline(
                assignment=assignment, actor=request.user
            )
            messages.success(
                request,
                _("The next matching run may propose %(teacher)s for “%(need)s” again.")
                % {"teacher": assignment.teacher.name, "need": assignment.need.title},
            )
        else:
            assignments.assignment_cancel(
                assignment=assignment, actor=request.user, reason=reason
            )
            messages.success(request, _("The assignment was cancelled."))
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return _back(request, _fallback(request.user))


def _assignment_action(action: str):
    """The page view that applies ``action`` to an assignment (a POST)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, action)

    view.__name__ = view.__qualname__ = f"assignment_{action}"
    return view


assignment_accept = _assignment_action("accept")
assignment_decline = _assignment_action("decline")
assignment_complete = _assignment_action("complete")
assignment_cancel = _assignment_action("cancel")
assignment_clear_decline = _assignment_action("clear_decline")


@login_required
@require_POST
def accept_selected(request: HttpRequest) -> HttpResponse:
    """Accept every selected proposal; report the ones that could not be."""
    if not RUN.may(request.user, "start"):
        raise PermissionDenied
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()]
    chosen = list(
        _assignments(request.user).filter(pk__in=ids).order_by("need_id", "-score")
    )
    if not chosen:
        messages.error(request, _("Select at least one proposal."))
        return _back(request, reverse("matching-proposals"))
    accepted, refused = assignments.assignment_accept_many(
        assignments=chosen, actor=request.user
    )
    if accepted:
        messages.success(
            request,
            _("%(count)d proposals accepted.") % {"count": len(accepted)},
        )
    for assignment, why in refused:
        messages.error(
            request,
            _("%(teacher)s for “%(need)s”: %(why)s")
            % {
                "teacher": assignment.teacher.name,
                "need": assignment.need.title,
                "why": why,
            },
        )
    return _back(request, reverse("matching-proposals"))


# --------------------------------------------------------------------------------
# Inbox


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user).order_by(
        "-created_at", "-id"
    )
    return render(
        request,
        "matching/inbox.html",
        {
            "page": page_of(request, notes),
            "unread": notes.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read; with ``open`` follow its link."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    if (
        request.POST.get("open")
        and note.url
        and url_has_allowed_host_and_scheme(
            note.url, allowed_hosts={request.get_host()}
        )
    ):
        return redirect(note.url)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("inbox")
