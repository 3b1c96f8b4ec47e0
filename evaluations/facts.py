"""Reads the platform's data for one cycle into the plain records of
:mod:`evaluations.scoring`. A fixed number of queries, whatever the county's size."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from activities.models import Activity
from common.rows import ValueFields
from matching.models import Assignment, AssignmentStatus
from needs.models import Need, NeedStatus, NeedTransition, PlanGoal
from places.models import School, SchoolKind
from teams.models import Teacher, Team

from .models import CycleStatus, EvaluationCycle, RaterRole, Rating, RatingStatus
from .scoring import (
    ActivityRecord,
    CycleFacts,
    GoalTally,
    NeedRecord,
    ServedAssignment,
)

SERVED_STATUSES = (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)
_SERVED_NEED_STATUSES = (NeedStatus.MATCHED, NeedStatus.FULFILLED)
_SHOWN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.FULFILLED)

_SERVED_ASSIGNMENT = ValueFields(
    "id",
    "teacher_id",
    "need_id",
    school_id="need__school_id",
    need_start="need__start_date",
    need_end="need__end_date",
)
_ACTIVITY = ValueFields(
    "date",
    teacher_id="assignment__teacher_id",
    school_id="assignment__need__school_id",
    local_teachers="local_teachers_reached",
)
_NEED = ValueFields("id", "school_id", start="start_date", end="end_date")


def served_assignments(cycle: EvaluationCycle):
    """Accepted or completed assignments of needs of the county whose window
    overlaps the cycle's period."""
    return Assignment.objects.filter(
        status__in=SERVED_STATUSES,
        need__school__county_id=cycle.county_id,
        need__start_date__lte=cycle.end_date,
        need__end_date__gte=cycle.start_date,
    )


def teams_in_period(cycle: EvaluationCycle):
    return Team.objects.filter(
        county_id=cycle.county_id,
        start_date__lte=cycle.end_date,
        end_date__gte=cycle.start_date,
    )


def schools_with_needs_in_period(cycle: EvaluationCycle):
    """Assisted schools of the county with a need open, matched or fulfilled in the
    period: its window overlaps the period in one of those states, or it was
    matched or fulfilled during the period."""
    start, end = cycle.start_date, cycle.end_date
    needs = Need.objects.filter(school__county_id=cycle.county_id).filter(
        Q(
            status__in=_SHOWN_NEED_STATUSES,
            start_date__lte=end,
            end_date__gte=start,
        )
        | Q(matched_at__date__gte=start, matched_at__date__lte=end)
        | Q(fulfilled_at__date__gte=start, fulfilled_at__date__lte=end)
    )
    return School.objects.filter(
        county_id=cycle.county_id,
        kind=SchoolKind.ASSISTED,
        pk__in=needs.values("school_id"),
    )


@dataclass(frozen=True)
class Subjects:
    """Who a cycle evaluates: those who served in its period, and no one else."""

    teachers: frozenset[int]
    teams: frozenset[int]
    schools: frozenset[int]


def subjects_of(cycle: EvaluationCycle) -> Subjects:
    """A teacher with an accepted or completed assignment whose window overlaps
    the period; a team of the period with such a teacher among its members; an
    assisted school with a need open, matched or fulfilled in the period."""
    teachers = frozenset(
        served_assignments(cycle).values_list("teacher_id", flat=True).distinct()
    )
    teams = frozenset(
        Team.members.through.objects.filter(
            team__in=teams_in_period(cycle), teacher_id__in=teachers
        )
        .values_list("team_id", flat=True)
        .distinct()
    )
    schools = frozenset(
        schools_with_needs_in_period(cycle).values_list("id", flat=True)
    )
    return Subjects(teachers=teachers, teams=teams, schools=schools)


def evaluated(cycle: EvaluationCycle) -> Subjects:
    """Who the cycle evaluates: once open, its evaluations; before, who would be."""
    if cycle.status == CycleStatus.DRAFT:
        return subjects_of(cycle)
    rows = list(cycle.evaluations.values_list("teacher_id", "team_id", "school_id"))
    return Subjects(
        teachers=frozenset(t for t, _, _ in rows if t),
        teams=frozenset(t for _, t, _ in rows if t),
        schools=frozenset(s for _, _, s in rows if s),
    )


def not_evaluated(cycle: EvaluationCycle, subjects: Subjects | None = None) -> dict:
    """The county's teachers, teams of the period and assisted schools that the
    cycle does not evaluate because they did not serve in its period, by kind:
    ``{"teacher": [(id, name)], "team": [...], "school": [...]}``."""
    subjects = subjects or evaluated(cycle)
    teachers = (
        Teacher.objects.filter(county_id=cycle.county_id, active=True)
        .exclude(pk__in=subjects.teachers)
        .order_by("name", "id")
        .values_list("id", "name")
    )
    teams = (
        teams_in_period(cycle)
        .exclude(pk__in=subjects.teams)
        .order_by("name", "id")
        .values_list("id", "name")
    )
    schools = (
        School.objects.filter(county_id=cycle.county_id, kind=SchoolKind.ASSISTED)
        .exclude(pk__in=subjects.schools)
        .order_by("name", "id")
        .values_list("id", "name")
    )
    return {"teacher": list(teachers), "team": list(teams), "school": list(schools)}


def as_of(cycle: EvaluationCycle, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return min(cycle.end_date, today)


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


def collect(cycle: EvaluationCycle, today: dt.date | None = None) -> CycleFacts:
    end = as_of(cycle, today)
    assignments = [
        ServedAssignment(
            **_SERVED_ASSIGNMENT.of(row),
            done=row["status"] == AssignmentStatus.COMPLETED
            or row["need__status"] == NeedStatus.FULFILLED,
        )
        for row in served_assignments(cycle).values(
            *_SERVED_ASSIGNMENT.columns, "status", "need__status"
        )
    ]
    activities = [
        ActivityRecord(**_ACTIVITY.of(row), hours=float(row["hours"]))
        for row in Activity.objects.filter(
            assignment__status__in=SERVED_STATUSES,
            assignment__need__school__county_id=cycle.county_id,
            disputed=False,
            date__gte=cycle.start_date,
            date__lte=end,
        ).values(*_ACTIVITY.columns, "hours")
    ]

    county_needs = Need.objects.filter(school__county_id=cycle.county_id).filter(
        Q(start_date__lte=cycle.end_date, end_date__gte=cycle.start_date)
        | Q(submitted_at__isnull=False)
    )
    returned = set(
        NeedTransition.objects.filter(need__school__county_id=cycle.county_id)
        .filter(
            Q(to_status=NeedStatus.REJECTED)
            | Q(from_status=NeedStatus.SUBMITTED, to_status=NeedStatus.DRAFT)
        )
        .values_list("need_id", flat=True)
    )
    needs = []
    for row in county_needs.values(
        *_NEED.columns, "status", "matched_at", "fulfilled_at", "submitted_at"
    ):
        needs.append(
            NeedRecord(
                **_NEED.of(row),
                served=row["matched_at"] is not None
                or row["status"] in _SERVED_NEED_STATUSES,
                fulfilled=row["status"] == NeedStatus.FULFILLED,
                confirmed_on=_local_date(row["fulfilled_at"]),
                submitted_on=_local_date(row["submitted_at"]),
                clean=row["id"] not in returned
                and row["status"] != NeedStatus.REJECTED,
            )
        )

    need_ids = {a.need_id for a in assignments} | {n.id for n in needs}
    # Every goal is counted, but only a confirmed outcome is data: a goal unmarked
    # or whose mark waits for the coordinator is no data, not a goal missed.
    goals: dict[int, GoalTally] = defaultdict(GoalTally)
    for need_id, confirmed, waiting in PlanGoal.objects.filter(
        need_id__in=need_ids
    ).values_list("need_id", "confirmed_outcome", "awaiting_confirmation"):
        goals[need_id] += GoalTally.of(confirmed, waiting)

    members: dict[int, list[int]] = defaultdict(list)
    through = Team.members.through
    for team_id, teacher_id in through.objects.filter(
        team__in=teams_in_period(cycle)
    ).values_list("team_id", "teacher_id"):
        members[team_id].append(teacher_id)

    school_tasks: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for school_id, status in Rating.objects.filter(
        evaluation__cycle=cycle, rater_role=RaterRole.SCHOOL
    ).values_list("rater__school_id", "status"):
        if school_id is None:
            continue
        school_tasks[school_id][0] += 1
        school_tasks[school_id][1] += 1 if status == RatingStatus.SUBMITTED else 0

    return CycleFacts(
        start=cycle.start_date,
        as_of=end,
        assignments=assignments,
        activities=activities,
        goals=dict(goals),
        needs=needs,
        team_members=dict(members),
        school_tasks={k: (v[0], v[1]) for k, v in school_tasks.items()},
    )
