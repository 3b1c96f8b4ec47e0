"""Pages of the team proposals: propose a team, shape it on its coverage grid,
confirm it. Coordinators of the proposal's county and admins only (404 for others,
through :func:`planning.policies.access_team_proposal`)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.scopes import visible
from common.errors import TransitionNotAllowed
from common.forms import DateInput, add_service_errors
from matching import solver
from needs.models import Need
from places.models import County, School, SchoolKind
from teams.models import Teacher

from . import proposals
from .models import ProposalStatus, TeamProposal
from .policies import TEAM_PROPOSAL, access_team_proposal

# A date picker that posts ISO dates (shared by the planning forms).


class ProposalForm(forms.Form):
    school = forms.ModelChoiceField(
        label=gettext_lazy("assisted school"),
        queryset=School.objects.none(),
        required=False,
        empty_label=gettext_lazy("All schools of the county"),
    )
    county = forms.ModelChoiceField(
        label=gettext_lazy("county"), queryset=County.objects.none(), required=False
    )
    start_date = forms.DateField(label=gettext_lazy("start date"), widget=DateInput)
    end_date = forms.DateField(label=gettext_lazy("end date"), widget=DateInput)
    min_size = forms.IntegerField(
        label=gettext_lazy("smallest team"), min_value=1, max_value=20, initial=3
    )
    max_size = forms.IntegerField(
        label=gettext_lazy("largest team"), min_value=1, max_value=20, initial=8
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = visible(
            user, School.objects.filter(kind=SchoolKind.ASSISTED)
        ).select_related("county")
        self.fields["county"].queryset = visible(user, County.objects.assisted())

    def clean(self):
        data = super().clean()
        if not data.get("school") and not data.get("county"):
            raise ValidationError(_("Choose a school or a county."))
        return data


def _coordinator(request: HttpRequest) -> None:
    if not TEAM_PROPOSAL.may(request.user, "create"):
        raise PermissionDenied


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """The proposals of the coordinator's counties, and a form to propose a team."""
    _coordinator(request)
    today = timezone.localdate()
    initial = {
        "start_date": today,
        "end_date": today + dt.timedelta(days=180),
        "min_size": 3,
        "max_size": 8,
        "school": request.GET.get("school"),
    }
    if request.method == "POST":
        form = ProposalForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                proposal = proposals.team_proposal_create(
                    actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect("planning:proposal_detail", proposal.pk)
    else:
        form = ProposalForm(user=request.user, initial=initial)
    rows = TEAM_PROPOSAL.visible(request.user).select_related(
        "county", "school", "leader"
    )
    page = Paginator(rows.order_by("-created_at", "-id"), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "planning/proposal_list.html",
        {"title": _("Team proposals"), "form": form, "page": page},
    )


def _grid(proposal: TeamProposal, found: proposals.Situation | None, members):
    """Rows of the coverage grid: one per need (the open needs of the place and
    period, and those the proposal serves), one cell per member."""
    served = {(c["need"], c["teacher"]): c for c in proposal.coverage}
    need_ids = list(found.needs) if found else []
    need_ids += sorted({n for n, _t in served} - set(need_ids))
    known = found.needs if found else {}
    others = {
        row["id"]: row
        for row in Need.objects.filter(pk__in=set(need_ids) - set(known)).values(
            "id", "title", "school__name", "specialty__name"
        )
    }
    rows = []
    for need_id in need_ids:
        info = known.get(need_id)
        cells = []
        for member in members:
            item = served.get((need_id, member.pk))
            possible = found.points(need_id, member.pk) if found else 0
            cells.append(
                {
                    "served": item is not None,
                    "score": item["score"] if item else possible / solver.SCALE,
                    "possible": possible > 0,
                }
            )
        other = others.get(need_id, {})
        rows.append(
            {
                "title": info.title if info else other.get("title", need_id),
                "school": info.school_name if info else other.get("school__name"),
                "specialty": info.specialty if info else other.get("specialty__name"),
                "places": info.headcount if info else None,
                "filled": sum(1 for c in cells if c["served"]),
                "cells": cells,
            }
        )
    return rows


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = access_team_proposal(
        request.user,
        pk,
        queryset=TeamProposal.objects.select_related(
            "county", "school", "leader", "team"
        ),
    )
    members = list(
        proposal.members.select_related("home_school").order_by("-can_lead", "name")
    )
    found = alternatives = None
    changes: list[str] = []
    if proposal.status == ProposalStatus.PROPOSED:
        found = proposals.situation(proposal)
        alternatives = proposals.alternatives(proposal, found)
        changes = proposals.changes_since(proposal, found, members)
    member_rows = [
        {
            "teacher": m,
            "leader": m.pk == proposal.leader_id,
            "serves": sum(1 for c in proposal.coverage if c["teacher"] == m.pk),
            "alternatives": (alternatives or {}).get(m.pk, []),
        }
        for m in members
    ]
    return render(
        request,
        "planning/proposal_detail.html",
        {
            "proposal": proposal,
            "members": member_rows,
            "grid": _grid(proposal, found, members),
            "actions": TEAM_PROPOSAL.allowed_actions(request.user, proposal),
            "homes": len({m.home_school_id for m in members}),
            "changes": changes,
            "may_propose": TEAM_PROPOSAL.may(request.user, "create"),
        },
    )


def _act(request: HttpRequest, pk: int, action: str, run) -> HttpResponse:
    proposal = access_team_proposal(request.user, pk)
    try:
        TEAM_PROPOSAL.check(request.user, action, proposal)
        run(proposal)
    except proposals.SituationChanged as exc:
        messages.error(request, exc.message)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("planning:proposal_detail", pk)


def _teacher(request: HttpRequest, name: str) -> Teacher:
    return get_object_or_404(Teacher, pk=request.POST.get(name) or 0)


@require_POST
@login_required
def proposal_swap(request: HttpRequest, pk: int) -> HttpResponse:
    def run(proposal):
        proposals.team_proposal_swap(
            actor=request.user,
            proposal=proposal,
            member=_teacher(request, "member"),
            replacement=_teacher(request, "replacement"),
        )
        messages.success(request, _("The member was replaced."))

    return _act(request, pk, "swap", run)


@require_POST
@login_required
def proposal_leader(request: HttpRequest, pk: int) -> HttpResponse:
    def run(proposal):
        proposals.team_proposal_set_leader(
            actor=request.user, proposal=proposal, leader=_teacher(request, "leader")
        )
        messages.success(request, _("The leader was changed."))

    return _act(request, pk, "set_leader", run)


@require_POST
@login_required
def proposal_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    def run(proposal):
        proposal = proposals.team_proposal_confirm(
            actor=request.user, proposal=proposal, name=request.POST.get("name", "")
        )
        messages.success(
            request,
            _("The team %(team)s was formed; its members' proposals are waiting.")
            % {"team": proposal.team.name},
        )

    return _act(request, pk, "confirm", run)


@require_POST
@login_required
def proposal_again(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = access_team_proposal(request.user, pk)
    _coordinator(request)
    fresh = proposals.team_proposal_again(actor=request.user, proposal=proposal)
    return redirect("planning:proposal_detail", fresh.pk)
