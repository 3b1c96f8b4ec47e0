"""A season of assistance in county A, in the past so that every number is fixed:
the cycle runs from Monday 2026-03-02 to Sunday 2026-04-26 (8 weeks).

- 张老师 (teacher_a) served three needs: N1 at school A (03-02..04-16, completed;
  the school confirmed it on 04-26, 10 days late), N2 at school A2 (04-01..06-30,
  accepted, still running) and N3 at school A (below). Goals: N1 has 2 (1 met,
  1 not met, both confirmed), N2 has 2 (1 met and confirmed, 1 not marked).
- Activities of 张老师 in the period: 03-02 4 h/5 teachers, 03-04 2 h/0 (both week
  0), 03-20 6 h/10 (week 2) at school A, 04-06 3 h/2 (week 5) at school A2; a
  disputed 04-10 8 h/20 and a 02-20 one outside the period do not count.
  So: 15 hours, 17 local teachers, 2 of 2 needs due done (N1, N3; N2 still
  runs), 2 of the 3 confirmed goals met (one unmarked), 3 of 8 weeks.
- 王老师 (mate) is in the team with 张老师 but served no need and has no account.
- School A also has N3 (03-01..03-31, matched by accepting 张老师, who completed
  it without activities logged; never confirmed: 26 days late at 04-26), and
  needs submitted in the period: N3 (clean), N4 (returned), N5 (rejected); N1
  was submitted before the period.

Every need has the history its state implies (demo.world): it was created,
submitted, reviewed, matched by accepting its teacher and confirmed on the
dates above; filled places count the accepted or completed assignments.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from demo.world import assignment_with_past, need_steps, need_with_past, reaches
from evaluations import cycles, frameworks, ratings
from evaluations.models import Rating
from matching.models import AssignmentStatus
from needs.models import NeedKind, NeedStatus, PlanGoal

from .. import factories as f
from ..conftest import people

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


def dated(submitted=None, matched=None, confirmed=None):
    """The dates of a need's history, by verb, from the ones the figures read:
    created two days before it was submitted, reviewed the day after (halfway to
    its match when that came sooner), matched and confirmed then."""
    if submitted is None:
        return {"create": at(D(2026, 2, 1))}
    review = submitted + dt.timedelta(days=1)
    if matched is not None:
        review = min(review, submitted + (matched - submitted) / 2)
    return {
        "create": submitted - dt.timedelta(days=2),
        "submit": submitted,
        "approve": review,
        "return": review,
        "reject": review,
        "accept": matched,
        "confirm": confirmed,
    }


def need(world, status, *, school, specialty, title, at, returned=False, **fields):
    """A need of ``school`` in ``status`` with the history the steps to it imply,
    dated ``at`` (demo.world): created by school A's staff, reviewed by county
    A's coordinator (B's for a school of county B), diagnosed when approved."""
    approved = reaches(need_steps(status, returned=returned), "approve")
    return need_with_past(
        status,
        **people(world, school),
        at=at,
        comments={"return": "请补充课时安排", "reject": "不属于帮扶范围"},
        diagnosis=(3, 3, 3, 3) if approved else None,
        returned=returned,
        school=school,
        specialty=specialty,
        kind=NeedKind.TEACHING,
        title=title,
        description="需要一名教师",
        headcount=fields.pop("headcount", 1),
        start_date=fields.pop("start_date", f.TODAY),
        end_date=fields.pop("end_date", f.TODAY + dt.timedelta(days=120)),
        urgency=3,
        **fields,
    )


def assignment(world, status, *, need, teacher):
    """``teacher``'s assignment to ``need``, decided by the county's coordinator
    when the need was matched, as the need's state implies."""
    return assignment_with_past(
        status,
        need=need,
        teacher=teacher,
        decided_by=people(world, need.school)["coordinator"],
        decided_at=need.matched_at,
    )


@pytest.fixture
def season(world):
    w = world
    S = NeedStatus
    n1 = need(
        w,
        S.FULFILLED,
        school=w.school_a,
        specialty=w.ecommerce,
        title="直播电商实训",
        start_date=D(2026, 3, 2),
        end_date=D(2026, 4, 16),
        at=dated(at(D(2026, 2, 15)), at(D(2026, 2, 25)), at(D(2026, 4, 26))),
    )
    n2 = need(
        w,
        S.MATCHED,
        school=w.school_a2,
        specialty=w.ecommerce,
        title="网店运营课程",
        start_date=D(2026, 4, 1),
        end_date=D(2026, 6, 30),
        at=dated(at(D(2026, 2, 20)), at(D(2026, 3, 25))),
    )
    n3 = need(
        w,
        S.MATCHED,
        school=w.school_a,
        specialty=w.accounting,
        title="会计实务教学",
        start_date=D(2026, 3, 1),
        end_date=D(2026, 3, 31),
        at=dated(at(D(2026, 3, 5)), at(D(2026, 3, 6))),
    )
    n4 = need(
        w,
        S.DRAFT,
        school=w.school_a,
        specialty=w.accounting,
        title="财务软件培训",
        returned=True,
        at=dated(at(D(2026, 3, 10))),
    )
    n5 = need(
        w,
        S.REJECTED,
        school=w.school_a,
        specialty=w.accounting,
        title="出纳岗位实训",
        at=dated(at(D(2026, 3, 12))),
    )
    # Confirmed outcomes (the coordinator confirmed the schools' marks); N2's
    # first goal is not marked.
    for need_obj, outcome in [(n1, "met"), (n1, "not_met"), (n2, ""), (n2, "met")]:
        PlanGoal.objects.create(
            need=need_obj, text="目标", outcome=outcome, confirmed_outcome=outcome
        )

    A = AssignmentStatus
    a1 = assignment(w, A.COMPLETED, need=n1, teacher=w.teacher_a)
    a2 = assignment(w, A.ACCEPTED, need=n2, teacher=w.teacher_a)
    # A matched need was matched by accepting a teacher: 张老师 served N3 too and
    # finished before the period's end (done, so their figures stay the same).
    assignment(w, A.COMPLETED, need=n3, teacher=w.teacher_a)
    # Someone else's assignment in county B does not count for county A.
    assignment(
        w,
        A.ACCEPTED,
        need=need(
            w,
            S.MATCHED,
            school=w.school_b,
            specialty=w.accounting,
            title="旬阳会计实训",
            at=dated(at(D(2026, 2, 10)), at(D(2026, 2, 20))),
        ),
        teacher=w.teacher_b,
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
    period, so that they served in it: the need was submitted six weeks before
    its start and matched a month before it."""
    served = need(
        world,
        NeedStatus.MATCHED,
        school=school or world.school_a2,
        specialty=world.ecommerce,
        title=f"{teacher.name}的帮扶需求",
        start_date=start,
        end_date=end,
        at=dated(at(start - dt.timedelta(days=42)), at(start - dt.timedelta(days=30))),
    )
    return assignment(world, AssignmentStatus.ACCEPTED, need=served, teacher=teacher)


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
