"""Team proposals (组团): propose, shape, confirm (rules in planning/policies.py).

:func:`team_proposal_create` reads the situation of the county the way a matching run
does (:func:`matching.pipeline.read_inputs`: open headcounts, free capacities, the
pairs already tried), keeps the needs of the school (or of the county's schools)
whose window meets the period and the teachers free at some time in it, scores
every feasible pair with the matching solver's own :func:`matching.solver.build_pairs`
and lets :mod:`planning.formation` choose the team exactly.

A coordinator then swaps members (each member's best alternatives come with the
change of score) or changes the leader; :func:`team_proposal_confirm` forms the team
and proposes its assignments through matching's action, in one transaction, after
checking that what the proposal relied on still holds (409 naming what changed).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from accounts.scopes import manages_county
from common.errors import TransitionNotAllowed
from common.rows import ValueFields
from matching import pipeline, solver
from matching.assignments import assignment_propose
from needs.models import Need
from places.models import County, School, SchoolKind
from teams.models import Teacher
from teams.services import team_create

from . import formation
from .models import ProposalStatus, TeamProposal
from .policies import TEAM_PROPOSAL

_EPOCH = dt.date(1970, 1, 1)  # the day numbers of matching.pipeline

# How many replacements are weighed exactly for each member, and how many shown.
_ALTERNATIVES_WEIGHED = 12
_ALTERNATIVES_SHOWN = 3


class SituationChanged(TransitionNotAllowed):
    """The proposal relied on teachers or needs that have changed since."""

    def __init__(self, changes: list[str]):
        self.changes = changes
        self.current = ProposalStatus.PROPOSED
        self.action = str(TEAM_PROPOSAL.actions["confirm"].label)
        self.message = _(
            "The situation has changed since this team was proposed: %(changes)s "
            "Propose the team again."
        ) % {"changes": " ".join(changes)}
        Exception.__init__(self, self.message)


@dataclass
class TeacherInfo:
    id: int
    name: str
    title: str
    home_school: int
    home_school_name: str
    can_lead: bool
    free_capacity: int
    active: bool = True


@dataclass
class NeedInfo:
    id: int
    title: str
    school: int
    school_name: str
    specialty: str
    class_code: str
    class_name: str
    headcount: int  # open places


# What a coordinator asks team_proposal_create for, as a proposal stores it.
_REQUEST_FIELDS = ("school", "county", "start_date", "end_date", "min_size", "max_size")

_TEACHER_INFO = ValueFields(
    "id",
    "name",
    "title",
    "can_lead",
    home_school="home_school_id",
    home_school_name="home_school__name",
)
_NEED_INFO = ValueFields(
    "id",
    "title",
    school="school_id",
    school_name="school__name",
    specialty="specialty__name",
)


@dataclass
class Situation:
    """What a proposal is made of, read fresh from the database."""

    problem: formation.Problem
    needs: dict[int, NeedInfo]
    teachers: dict[int, TeacherInfo]  # the candidates: free in the period
    breakdown: dict[tuple[int, int], dict[str, float]] = field(default_factory=dict)

    def points(self, need: int, teacher: int) -> int:
        return self.problem.scores.get((need, teacher), 0)


def _day(day: dt.date) -> int:
    return (day - _EPOCH).days


def _cohesion() -> int:
    return round(float(settings.TEAM_FORMATION_COHESION) * solver.SCALE)


def _schools(proposal: TeamProposal) -> list[int]:
    if proposal.school_id:
        return [proposal.school_id]
    return list(
        School.objects.filter(
            county_id=proposal.county_id, kind=SchoolKind.ASSISTED
        ).values_list("id", flat=True)
    )


def situation(proposal: TeamProposal) -> Situation:
    """Needs, candidates and pair scores of ``proposal``'s place and period now."""
    inputs = pipeline.read_inputs([proposal.county_id])
    first, last = _day(proposal.start_date), _day(proposal.end_date)
    n, t = inputs.needs, inputs.teachers
    keep_n = (
        np.isin(n.school, _schools(proposal)) & (n.start <= last) & (n.end >= first)
    )
    keep_t = (t.available_from <= last) & (t.available_until >= first)
    keep_t &= t.free_capacity > 0
    if not settings.MATCHING_ALLOW_NEIGHBOURS:
        keep_t &= t.county == proposal.county_id
    needs = solver.Needs(**{k: getattr(n, k)[keep_n] for k in n.__dataclass_fields__})
    teachers = solver.Teachers(
        **{k: getattr(t, k)[keep_t] for k in t.__dataclass_fields__}
    )
    pairs = solver.build_pairs(
        needs,
        teachers,
        inputs.skills,
        weights=inputs.weights,
        neighbours=inputs.neighbours,
        excluded_pairs=inputs.excluded_pairs,
    )
    scores: dict[tuple[int, int], int] = {}
    breakdown: dict[tuple[int, int], dict[str, float]] = {}
    for i in range(len(pairs)):
        key = (int(needs.id[pairs.need[i]]), int(teachers.id[pairs.teacher[i]]))
        scores[key] = round(float(pairs.score[i]) * solver.SCALE)
        breakdown[key] = {
            part: round(float(getattr(pairs, part)[i]), 2)
            for part in ("specialty", "overlap", "place", "priority")
        }
    capacity = dict(
        zip(teachers.id.tolist(), teachers.free_capacity.tolist(), strict=True)
    )
    teacher_info = {
        row["id"]: TeacherInfo(
            **_TEACHER_INFO.of(row), free_capacity=int(capacity[row["id"]])
        )
        for row in Teacher.objects.filter(pk__in=list(capacity)).values(
            *_TEACHER_INFO.columns
        )
    }
    heads = dict(zip(needs.id.tolist(), needs.headcount.tolist(), strict=True))
    need_info = {
        row["id"]: NeedInfo(
            **_NEED_INFO.of(row),
            class_code=row["specialty__specialty_class__code"] or "",
            class_name=row["specialty__specialty_class__name"] or "",
            headcount=int(heads[row["id"]]),
        )
        for row in Need.objects.filter(pk__in=list(heads))
        .order_by("school__name", "-priority_score", "id")
        .values(
            *_NEED_INFO.columns,
            "specialty__specialty_class__code",
            "specialty__specialty_class__name",
        )
    }
    problem = formation.Problem(
        needs=[formation.NeedSlot(i, need_info[i].headcount) for i in need_info],
        candidates=[
            formation.Candidate(
                id=info.id,
                home_school=info.home_school,
                can_lead=info.can_lead,
                free_capacity=info.free_capacity,
            )
            for info in sorted(teacher_info.values(), key=lambda x: x.id)
        ],
        scores=scores,
        min_size=proposal.min_size,
        max_size=proposal.max_size,
        cohesion=_cohesion(),
    )
    return Situation(problem, need_info, teacher_info, breakdown)


def _uncovered_messages(found: Situation) -> list[dict]:
    """One message per need no free teacher fits (not even by family)."""
    fitted = {n for n, _t in found.problem.scores}
    out = []
    for need in found.needs.values():
        if need.id in fitted:
            continue
        out.append(
            {
                "code": "no_teacher_of_class",
                "need": need.id,
                "message": _(
                    "No teacher of class %(code)s (%(name)s) or of its family is "
                    "free in this period: “%(need)s” at %(school)s."
                )
                % {
                    "code": need.class_code or "—",
                    "name": need.class_name or need.specialty,
                    "need": need.title,
                    "school": need.school_name,
                },
            }
        )
    return out


def _infeasible_messages(codes: list[str], found: Situation, min_size: int) -> list:
    messages = {
        formation.NO_LEADER: _("No teacher able to lead is free in this period."),
        formation.TOO_FEW_TEACHERS: _(
            "Only %(count)d teachers are free in this period; the team needs "
            "between %(min)d and %(max)d."
        )
        % {
            "count": len(found.teachers),
            "min": min_size,
            "max": found.problem.max_size,
        },
        formation.NO_NEEDS: _("There is no open need to serve in this period."),
    }
    return [{"code": code, "message": messages[code]} for code in codes]


def _coverage(found: Situation, serves) -> list[dict]:
    return [
        {
            "need": need,
            "teacher": teacher,
            "score": round(sum(found.breakdown[(need, teacher)].values()), 2),
            "breakdown": found.breakdown[(need, teacher)],
        }
        for need, teacher in serves
    ]


def _store(
    proposal: TeamProposal,
    found: Situation,
    members: list[int],
    leader: int | None,
    serves,
    value: int,
) -> None:
    proposal.leader_id = leader
    proposal.coverage = _coverage(found, serves)
    proposal.score = round(value / solver.SCALE, 2)
    proposal.save()
    proposal.members.set(members)


def _validate_request(actor: User, proposal: TeamProposal) -> None:
    errors: dict[str, list[str]] = {}
    if not manages_county(actor, proposal.county_id):
        errors.setdefault("county", []).append(_("You do not coordinate this county."))
    school = proposal.school
    if school is not None and school.kind != SchoolKind.ASSISTED:
        errors.setdefault("school", []).append(_("Choose an assisted school."))
    start_date, end_date = proposal.start_date, proposal.end_date
    if start_date and end_date and end_date < start_date:
        errors.setdefault("end_date", []).append(
            _("The end date cannot be before the start date.")
        )
    min_size, max_size = proposal.min_size, proposal.max_size
    if not 1 <= min_size <= 20:
        errors.setdefault("min_size", []).append(
            _("The smallest team has 1 to 20 members.")
        )
    if not min_size <= max_size <= 20:
        errors.setdefault("max_size", []).append(
            _("The largest team has at least the smallest size, and at most 20.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def team_proposal_create(
    *,
    actor: User,
    start_date: dt.date,
    end_date: dt.date,
    school: School | None = None,
    county: County | None = None,
    min_size: int = 3,
    max_size: int = 8,
) -> TeamProposal:
    """Propose the best team for ``school`` (or the assisted schools of ``county``)
    over the period; an infeasible request is stored with the reasons."""
    TEAM_PROPOSAL.check(actor, "create")
    if school is not None:
        county = school.county
    if county is None:
        raise ValidationError({"school": [_("Choose a school or a county.")]})
    proposal = TeamProposal(
        county=county,
        school=school,
        start_date=start_date,
        end_date=end_date,
        min_size=min_size,
        max_size=max_size,
        created_by=actor,
    )
    _validate_request(actor, proposal)
    proposal.full_clean(validate_constraints=False)
    found = situation(proposal)
    uncovered = _uncovered_messages(found)
    if not found.needs or not found.problem.scores:
        codes = [formation.NO_NEEDS] if not found.needs else []
        answer = formation.Formation("infeasible", reasons=codes)
    else:
        answer = formation.solve(
            found.problem,
            time_limit=settings.TEAM_FORMATION_TIME_LIMIT,
            workers=settings.TEAM_FORMATION_WORKERS,
        )
    proposal.solve_seconds = round(answer.seconds, 3)
    if answer.status == "infeasible":
        proposal.status = ProposalStatus.INFEASIBLE
        proposal.problems = (
            _infeasible_messages(answer.reasons, found, min_size) + uncovered
        )
        proposal.save()
        return proposal
    proposal.optimal = answer.optimal
    proposal.gap = round(answer.gap, 4)
    proposal.best_score = round(answer.value / solver.SCALE, 2)
    proposal.problems = uncovered
    _store(proposal, found, answer.members, answer.leader, answer.serves, answer.value)
    return proposal


def _lock(actor: User, action: str, proposal: TeamProposal) -> TeamProposal:
    return TEAM_PROPOSAL.lock(actor, action, proposal, related=("county", "school"))


def _member_ids(proposal: TeamProposal) -> list[int]:
    return sorted(proposal.members.values_list("id", flat=True))


@transaction.atomic
def team_proposal_swap(
    *, actor: User, proposal: TeamProposal, member: Teacher, replacement: Teacher
) -> TeamProposal:
    """Put ``replacement`` in ``member``'s place; the needs are shared out again
    exactly among the new members. A leader is replaced by a teacher able to lead,
    who then leads."""
    proposal = _lock(actor, "swap", proposal)
    members = _member_ids(proposal)
    if member.pk not in members:
        raise ValidationError({"member": [_("This teacher is not a member.")]})
    found = situation(proposal)
    candidate = found.teachers.get(replacement.pk)
    if replacement.pk in members:
        raise ValidationError({"replacement": [_("This teacher is already a member.")]})
    if candidate is None:
        raise ValidationError(
            {
                "replacement": [
                    _("%(name)s is not free in this period.")
                    % {"name": replacement.name}
                ]
            }
        )
    leader = proposal.leader_id
    if member.pk == leader:
        if not candidate.can_lead:
            raise ValidationError(
                {
                    "replacement": [
                        _(
                            "%(name)s cannot lead: make another member the leader "
                            "before replacing the leader."
                        )
                        % {"name": replacement.name}
                    ]
                }
            )
        leader = replacement.pk
    members = sorted([m for m in members if m != member.pk] + [replacement.pk])
    value, serves = formation.evaluate(found.problem, members)
    proposal.optimal = False
    _store(proposal, found, members, leader, serves, value)
    return proposal


@transaction.atomic
def team_proposal_set_leader(
    *, actor: User, proposal: TeamProposal, leader: Teacher
) -> TeamProposal:
    proposal = _lock(actor, "set_leader", proposal)
    if leader.pk not in _member_ids(proposal):
        raise ValidationError({"leader": [_("The leader must be one of the members.")]})
    if not leader.can_lead:
        raise ValidationError(
            {"leader": [_("%(name)s cannot lead a team.") % {"name": leader.name}]}
        )
    proposal.leader = leader
    proposal.save(update_fields=["leader", "updated_at"])
    return proposal


def team_proposal_again(*, actor: User, proposal: TeamProposal) -> TeamProposal:
    """A new proposal for the same place, period and sizes, on today's situation."""
    asked = {name: getattr(proposal, name) for name in _REQUEST_FIELDS}
    return team_proposal_create(actor=actor, **asked)


@dataclass
class Alternative:
    teacher: TeacherInfo
    score: float  # the team's score with this teacher instead
    change: float  # against the current score


def alternatives(
    proposal: TeamProposal, found: Situation | None = None
) -> dict[int, list[Alternative]]:
    """For each member, the best teachers to put in their place (a leader's must be
    able to lead), with the team's exact score then and its change."""
    found = found or situation(proposal)
    members = _member_ids(proposal)
    current, _serves = formation.evaluate(found.problem, members)
    # A quick upper bound ranks the outsiders; the best of them are weighed exactly.
    best_alone = Counter()
    for (_need, teacher), points in found.problem.scores.items():
        best_alone[teacher] += points
    outsiders = [t for t in found.teachers.values() if t.id not in members]
    outsiders.sort(key=lambda t: (-best_alone[t.id], t.id))
    out: dict[int, list[Alternative]] = {}
    for member in members:
        pool = [t for t in outsiders if member != proposal.leader_id or t.can_lead][
            :_ALTERNATIVES_WEIGHED
        ]
        weighed = []
        for teacher in pool:
            team = [m for m in members if m != member] + [teacher.id]
            value, _ = formation.evaluate(found.problem, team)
            weighed.append(
                Alternative(
                    teacher=teacher,
                    score=round(value / solver.SCALE, 2),
                    change=round((value - current) / solver.SCALE, 2),
                )
            )
        weighed.sort(key=lambda a: (-a.score, a.teacher.id))
        out[member] = weighed[:_ALTERNATIVES_SHOWN]
    return out


def changes_since(
    proposal: TeamProposal, found: Situation, members: list[Teacher] | None = None
) -> list[str]:
    """What the proposal relied on and no longer holds (nothing: confirmable)."""
    if members is None:
        members = list(proposal.members.order_by("pk"))
    changes = []
    served = Counter(c["teacher"] for c in proposal.coverage)
    places = Counter(c["need"] for c in proposal.coverage)
    for teacher in members:
        info = found.teachers.get(teacher.pk)
        if not teacher.active:
            changes.append(_("%(name)s was deactivated.") % {"name": teacher.name})
        elif info is None or info.free_capacity < served[teacher.pk]:
            changes.append(
                _("%(name)s is no longer free for this team in this period.")
                % {"name": teacher.name}
            )
    if proposal.leader is not None and not proposal.leader.can_lead:
        changes.append(
            _("%(name)s can no longer lead.") % {"name": proposal.leader.name}
        )
    titles = dict(Need.objects.filter(pk__in=list(places)).values_list("id", "title"))
    for need_id, count in sorted(places.items()):
        info = found.needs.get(need_id)
        if info is None or info.headcount < count:
            changes.append(
                _("“%(need)s” no longer has the places this team would fill.")
                % {"need": titles.get(need_id, need_id)}
            )
    for item in proposal.coverage:
        key = (item["need"], item["teacher"])
        if key not in found.problem.scores and item["need"] in found.needs:
            changes.append(
                _("%(teacher)s can no longer be proposed for “%(need)s”.")
                % {
                    "teacher": next(
                        (m.name for m in members if m.pk == item["teacher"]), ""
                    ),
                    "need": titles.get(item["need"], item["need"]),
                }
            )
    return changes


def _team_name(proposal: TeamProposal) -> str:
    place = proposal.school.name if proposal.school_id else proposal.county.name
    return _("%(place)s team from %(start)s") % {
        "place": place,
        "start": proposal.start_date.strftime("%Y-%m"),
    }


@transaction.atomic
def team_proposal_confirm(
    *, actor: User, proposal: TeamProposal, name: str = ""
) -> TeamProposal:
    """Form the team and propose its members' assignments, all or nothing."""
    proposal = _lock(actor, "confirm", proposal)
    members = list(
        Teacher.objects.select_for_update()
        .filter(pk__in=_member_ids(proposal))
        .order_by("pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        found = situation(proposal)
        changes = changes_since(proposal, found, members)
        if changes:
            raise SituationChanged(changes)
        team = team_create(
            actor=actor,
            name=(name or "").strip() or _team_name(proposal),
            county=proposal.county,
            start_date=proposal.start_date,
            end_date=proposal.end_date,
            leader=proposal.leader,
            members=members,
        )
    by_id = {m.pk: m for m in members}
    needs = Need.objects.in_bulk([c["need"] for c in proposal.coverage])
    for item in proposal.coverage:
        assignment_propose(
            actor=actor,
            need=needs[item["need"]],
            teacher=by_id[item["teacher"]],
            score=item["score"],
            breakdown={**item["breakdown"], "coverage": 0.0},
        )
    proposal.team = team
    proposal.status = ProposalStatus.CONFIRMED
    proposal.confirmed_at = timezone.now()
    proposal.save(update_fields=["team", "status", "confirmed_at", "updated_at"])
    _notify_confirmed(proposal, team, members, needs.values(), actor)
    return proposal


def _notify_confirmed(proposal, team, members, needs, actor: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        teacher_users = [
            m.user
            for m in members
            if m.user_id and m.user.is_active and m.user != actor
        ]
        notify(
            users=teacher_users,
            title=_("You are proposed for the team %(team)s") % {"team": team.name},
            body=_("%(start)s to %(end)s; your proposed assignments are waiting.")
            % {"start": team.start_date, "end": team.end_date},
            url=reverse("my-assignments"),
            action_label=_("Open my assignments"),
        )
        schools = {n.school_id for n in needs}
        staff = User.objects.filter(
            is_active=True, role=Role.SCHOOL_STAFF, school_id__in=schools
        ).exclude(pk=actor.pk)
        notify(
            users=staff,
            title=_("A team of %(count)d teachers is proposed to serve your school")
            % {"count": len(members)},
            body=team.name,
            url=reverse("needs:list"),
            action_label=_("Open the needs"),
        )
