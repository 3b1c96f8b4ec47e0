"""A season of assistance in county A, in the past so that every number is fixed:
the cycle runs from Monday 2026-03-02 to Sunday 2026-04-26 (8 weeks).

- 张老师 (teacher_a) served two needs: N1 at school A (03-02..04-16, completed; the
  school confirmed it on 04-26, 10 days late) and N2 at school A2 (04-01..06-30,
  accepted, still running). Goals: N1 has 2 (1 met, 1 not met, both confirmed),
  N2 has 2 (1 met and confirmed, 1 not marked).
- Activities of 张老师 in the period: 03-02 4 h/5 teachers, 03-04 2 h/0 (both week
  0), 03-20 6 h/10 (week 2) at school A, 04-06 3 h/2 (week 5) at school A2; a
  disputed 04-10 8 h/20 and a 02-20 one outside the period do not count.
  So: 15 hours, 17 local teachers, 1 of 1 need due done (N2 still runs), 2 of
  the 3 confirmed goals met (one unmarked), 3 of 8 weeks.
- 王老师 (mate) is in the team with 张老师 but served no need and has no account.
- School A also has N3 (03-01..03-31, matched, never confirmed: 26 days late at
  04-26), and needs submitted in the period: N3 (clean), N4 (returned), N5
  (rejected); N1 was submitted before the period.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from evaluations import cycles, frameworks, ratings
from evaluations.models import Rating
from needs.models import NeedStatus, NeedTransition, PlanGoal

from .. import factories as f

D = dt.date
START, END = D(2026, 3, 2), D(2026, 4, 26)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def framework(admin, subject_type, rows, raters, name=None):
    """A framework made through the service (so it is validated)."""
    return frameworks.framework_create(
        actor=admin,
        name=name or f"test {subject_type} {len(rows)}",
        subject_type=subject_type,
        indicators=[
            {
                "code": code,
                "name": code,
                "weight": weight,
                "kind": "objective" if metric else "subjective",
                "metric": metric,
                "parent": parent,
            }
            for code, weight, metric, parent in rows
        ],
        rater_weights=raters,
    )


@pytest.fixture
def season(world):
    w = world
    need = f.NeedFactory
    n1 = need(
        school=w.school_a,
        specialty=w.ecommerce,
        start_date=D(2026, 3, 2),
        end_date=D(2026, 4, 16),
        status=NeedStatus.FULFILLED,
        submitted_at=at(D(2026, 2, 15)),
        matched_at=at(D(2026, 2, 25)),
        fulfilled_at=at(D(2026, 4, 26)),
    )
    n2 = need(
        school=w.school_a2,
        specialty=w.ecommerce,
        start_date=D(2026, 4, 1),
        end_date=D(2026, 6, 30),
        status=NeedStatus.MATCHED,
        submitted_at=at(D(2026, 2, 20)),
        matched_at=at(D(2026, 3, 25)),
    )
    n3 = need(
        school=w.school_a,
        specialty=w.accounting,
        start_date=D(2026, 3, 1),
        end_date=D(2026, 3, 31),
        status=NeedStatus.MATCHED,
        submitted_at=at(D(2026, 3, 5)),
        matched_at=at(D(2026, 3, 6)),
    )
    n4 = need(
        school=w.school_a,
        specialty=w.accounting,
        status=NeedStatus.DRAFT,
        submitted_at=at(D(2026, 3, 10)),
    )
    NeedTransition.objects.create(need=n4, from_status="submitted", to_status="draft")
    n5 = need(
        school=w.school_a,
        specialty=w.accounting,
        status=NeedStatus.REJECTED,
        submitted_at=at(D(2026, 3, 12)),
    )
    NeedTransition.objects.create(
        need=n5, from_status="submitted", to_status="rejected"
    )
    # Confirmed outcomes (the coordinator confirmed the schools' marks); N2's
    # first goal is not marked.
    for need_obj, outcome in [(n1, "met"), (n1, "not_met"), (n2, ""), (n2, "met")]:
        PlanGoal.objects.create(
            need=need_obj, text="目标", outcome=outcome, confirmed_outcome=outcome
        )

    a1 = f.AssignmentFactory(need=n1, teacher=w.teacher_a, status="completed")
    a2 = f.AssignmentFactory(need=n2, teacher=w.teacher_a, status="accepted")
    # Someone else's assignment in county B does not count for county A.
    f.AssignmentFactory(
        need=f.NeedFactory(school=w.school_b, specialty=w.accounting),
        teacher=w.teacher_b,
        status="accepted",
    )
    act = f.ActivityFactory
    act(assignment=a1, date=D(2026, 3, 2), hours=4, local_teachers_reached=5)
    act(assignment=a1, date=D(2026, 3, 4), hours=2, local_teachers_reached=0)
    act(assignment=a1, date=D(2026, 3, 20), hours=6, local_teachers_reached=10)
    act(assignment=a2, date=D(2026, 4, 6), hours=3, local_teachers_reached=2)
    act(
        assignment=a2,
        date=D(2026, 4, 10),
        hours=8,
        local_teachers_reached=20,
        disputed=True,
        dispute_reason="没有上课",
    )
    act(assignment=a1, date=D(2026, 2, 20), hours=5, local_teachers_reached=5)

    mate = f.TeacherFactory(name="王老师", home_school=w.home, county=w.county_a)
    team = f.TeamFactory(
        name="溧阳帮扶团队",
        county=w.county_a,
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
        leader=w.teacher_a,
    )
    team.members.set([w.teacher_a, mate])
    return SimpleNamespace(
        n1=n1, n2=n2, n3=n3, n4=n4, n5=n5, a1=a1, a2=a2, mate=mate, team=team
    )


LATE_START, LATE_END = D(2026, 4, 20), D(2026, 6, 30)


def serve(world, teacher, school=None, start=LATE_START, end=LATE_END):
    """An accepted assignment of ``teacher`` to a matched need overlapping the
    period, so that they served in it."""
    need = f.NeedFactory(
        school=school or world.school_a2,
        specialty=world.ecommerce,
        start_date=start,
        end_date=end,
        status=NeedStatus.MATCHED,
    )
    return f.AssignmentFactory(need=need, teacher=teacher, status="accepted")


def rate_all(cycle, score=80, only=None):
    """Every pending rating task of the cycle (or of the evaluation ``only``)
    submitted with ``score`` on each rated indicator."""
    tasks = Rating.objects.filter(evaluation__cycle=cycle, status="pending")
    if only is not None:
        tasks = tasks.filter(evaluation=only)
    for task in tasks.select_related("evaluation__cycle", "rater"):
        codes = [i.code for i in ratings.rated_indicators(task.evaluation)]
        ratings.rating_submit(
            actor=task.rater, rating=task, scores=dict.fromkeys(codes, score)
        )


@pytest.fixture
def cycle(world, season):
    return cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="2026年春季考核",
        start_date=START,
        end_date=END,
    )
