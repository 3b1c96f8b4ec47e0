"""Data with a history in the past: a need that was created, submitted, reviewed,
matched and confirmed on dates long gone, its diagnosis and goals, the assignments
its state implies and the activities logged on them; a finished matching run; a
closed cycle's scored evaluation.

An action stamps its writes with the present and tells people of them, so a world
whose history lies in the past (``load_demo``'s school year) cannot be replayed
through the actions: its rows are written as the actions would have left them
(the steps of :func:`demo.world.needs.need_steps`, each dated), keeping the
invariants the actions keep: ``filled`` equals the accepted or completed
assignments, every need's transitions chain from ``""`` to its state. Data whose
actions take a date (evaluation cycles, goal marks) go through the actions and are
then dated with :func:`backdate`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from activities.models import Activity, ActivityKind
from evaluations.models import Evaluation, EvaluationCycle, EvaluationStatus
from matching.models import Assignment, MatchingRun, RunStatus
from needs.models import Diagnosis, Need, NeedKind, NeedStatus, PlanGoal
from needs.services import priority_score
from teams.models import Teacher

from .needs import copy_transitions, need_row

S = NeedStatus
K = NeedKind


def aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """``day`` at ``hour:minute``, in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def backdate(obj: Model, **fields: Any) -> None:
    """Set ``fields`` (dates an action stamped with the present) on the row and the
    object, without the ``auto_now`` stamp a save would give."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


def need_dates(
    *,
    created: dt.date,
    start: dt.date,
    end: dt.date,
    minute: int = 0,
    now: dt.datetime | None = None,
) -> dict[str, dt.datetime]:
    """When each verb of a need's history was taken, for a need created on
    ``created`` to run from ``start`` to ``end``: submitted two days after
    creation, reviewed a week after, matched twenty days after (at the latest ten
    days before it starts), confirmed the day after it ended, cancelled a month
    after creation (none of them later than ``now``)."""
    now = now or timezone.now()
    reviewed = aware(created + dt.timedelta(days=7), 15, minute)
    return {
        "create": aware(created, 9, minute),
        "submit": aware(created + dt.timedelta(days=2), 10, minute),
        "return": reviewed,
        "reject": reviewed,
        "approve": reviewed,
        "accept": aware(
            max(created + dt.timedelta(days=20), start - dt.timedelta(days=10)),
            16,
            minute,
        ),
        "confirm": min(aware(end + dt.timedelta(days=1), 11), now),
        "cancel": aware(min(created + dt.timedelta(days=30), now.date()), 14, minute),
    }


def need_with_past(
    status: str,
    *,
    staff: User,
    coordinator: User,
    at: Mapping[str, dt.datetime],
    comments: Mapping[str, str] | None = None,
    diagnosis: Sequence[int] | None = None,
    goals: Sequence[str] = (),
    cancelled_from: str = S.DRAFT,
    returned: bool = False,
    taken: int = 0,
    **fields: Any,
) -> Need:
    """A need in ``status`` whose history is dated by ``at`` (by verb, see
    :func:`need_dates`), created and last changed then; with its ``diagnosis``
    (urgency, students affected, industry fit, readiness: the need was approved)
    and its plan ``goals``, unmarked. ``taken``: places accepted before the need
    is full; ``fields``: the need's own."""
    priority = (
        priority_score(
            urgency=diagnosis[0],
            students_affected=diagnosis[1],
            industry_fit=diagnosis[2],
            readiness=diagnosis[3],
        )
        if diagnosis is not None
        else None
    )
    need, transitions = need_row(
        status,
        staff=staff,
        coordinator=coordinator,
        at=at,
        comments=comments,
        cancelled_from=cancelled_from,
        returned=returned,
        priority_score=priority,
        taken=taken,
        **fields,
    )
    need.save()
    backdate(need, created_at=at["create"], updated_at=transitions[-1].created_at)
    copy_transitions([(need.pk, transitions)])
    if diagnosis is not None:
        urgency, students, fit, readiness = diagnosis
        Diagnosis.objects.create(
            need=need,
            urgency=urgency,
            students_affected=students,
            industry_fit=fit,
            readiness=readiness,
            priority_score=priority,
            diagnosed_by=coordinator,
        )
        for position, text in enumerate(goals):
            PlanGoal.objects.create(need=need, text=text, position=position)
    return need


def solver_breakdown(need: Need, teacher: Teacher, *, first: bool) -> dict[str, float]:
    """The parts of the score the solver gives ``teacher`` for ``need`` (the best
    of exact specialty, same class and same family; the overlap of their windows;
    the need's priority; ``first``: the need's first teacher, who covers it)."""
    weights = settings.MATCHING_WEIGHTS
    skills = list(teacher.skills.select_related("specialty"))
    need_class = need.specialty.specialty_class_id
    specialty_part = max(
        [weights["specialty_family"] * s.level / 5 for s in skills]
        + [
            weights["specialty_class"] * s.level / 5
            for s in skills
            if need_class is not None and s.specialty.specialty_class_id == need_class
        ]
        + [
            weights["specialty_exact"] * s.level / 5
            for s in skills
            if s.specialty_id == need.specialty_id
        ],
        default=weights["specialty_family"] / 5,
    )
    need_days = (need.end_date - need.start_date).days + 1
    overlap_days = (
        min(need.end_date, teacher.available_until)
        - max(need.start_date, teacher.available_from)
    ).days + 1
    return {
        "specialty": round(specialty_part, 2),
        "overlap": round(weights["overlap"] * max(overlap_days, 0) / need_days, 2),
        "place": weights["place_same"],
        "priority": round(weights["priority"] * (need.priority_score or 0) / 100, 2),
        "coverage": weights["coverage"] if first else 0.0,
    }


def assignment_with_past(
    status: str,
    *,
    need: Need,
    teacher: Teacher,
    decided_by: User,
    decided_at: dt.datetime,
    first: bool = True,
) -> Assignment:
    """``teacher``'s assignment to ``need`` in ``status`` (as
    :func:`demo.world.needs.assignment_status_for` gives it), scored as the solver
    scores it, proposed and decided on ``decided_at``. The need's ``filled``
    already counts it (:func:`need_with_past`)."""
    breakdown = solver_breakdown(need, teacher, first=first)
    assignment = Assignment.objects.create(
        need=need,
        teacher=teacher,
        status=status,
        score=round(sum(breakdown.values()), 2),
        breakdown=breakdown,
        decided_by=decided_by,
        decided_at=decided_at,
    )
    backdate(assignment, created_at=decided_at)
    return assignment


# The kinds of work a teacher logs on a need of each kind, in turn.
ACTIVITY_KINDS = {
    K.TEACHING: [ActivityKind.LESSON, ActivityKind.MENTORING],
    K.CURRICULUM: [ActivityKind.CURRICULUM, ActivityKind.MENTORING],
    K.TEACHER_TRAINING: [ActivityKind.TRAINING, ActivityKind.MENTORING],
    K.LAB_SETUP: [ActivityKind.OTHER, ActivityKind.TRAINING],
}


def activities_with_past(
    assignment: Assignment,
    *,
    notes: Mapping[str, str],
    most: int = 6,
    today: dt.date | None = None,
) -> list[Activity]:
    """Up to ``most`` activities logged on ``assignment`` every two weeks from a
    few days after its need starts to its end (or two days before ``today``), of
    the kinds the need's kind implies; ``notes``: the note by activity kind
    (``{title}``: the need's title)."""
    need = assignment.need
    today = today or timezone.localdate()
    last_day = min(need.end_date, today - dt.timedelta(days=2))
    kinds = ACTIVITY_KINDS.get(need.kind, [ActivityKind.LESSON, ActivityKind.TRAINING])
    day = need.start_date + dt.timedelta(days=3 + assignment.teacher_id % 4)
    activities: list[Activity] = []
    while day <= last_day and len(activities) < most:
        number = len(activities)
        kind = kinds[number % len(kinds)]
        activities.append(
            Activity.objects.create(
                assignment=assignment,
                date=day,
                kind=kind,
                hours=Decimal(4 if kind == ActivityKind.TRAINING else 2),
                local_teachers_reached=3 + (number + need.pk) % 6
                if kind != ActivityKind.LESSON
                else 1,
                students_reached=0
                if kind == ActivityKind.MENTORING
                else 35 + number * 3,
                note=notes.get(kind, "{title}：现场指导").format(title=need.title),
            )
        )
        day += dt.timedelta(days=14)
    return activities


def run_with_past(
    *,
    county,
    started_by: User | None,
    status: str = RunStatus.SUCCEEDED,
    at: dt.datetime | None = None,
    **fields: Any,
) -> MatchingRun:
    """A matching run of ``county`` that ended in ``status``, created at ``at`` (now
    when None); its proposals are the caller's (:func:`demo.world.proposal`)."""
    run = MatchingRun.objects.create(
        county=county, status=status, started_by=started_by, **fields
    )
    if at is not None:
        backdate(run, created_at=at)
    return run


def evaluation_with_past(
    cycle: EvaluationCycle, *, grade: str, score: float, **subject: Any
) -> Evaluation:
    """The scored evaluation of ``subject`` (``teacher=``, ``school=`` or
    ``team=``) in ``cycle``, with the ``grade`` and ``score`` its close gave it."""
    [subject_type] = subject
    return Evaluation.objects.create(
        cycle=cycle,
        subject_type=subject_type,
        grade=grade,
        score=score,
        status=EvaluationStatus.SCORED,
        **subject,
    )
