"""A hand-built county A (and a little of county B) whose dashboard figures are
worked out by hand in ``test_figures.py``.

``NOW`` is fixed so that ages and windows are exact; ``T`` is its local date
(factories.TODAY). Needs of county A (school, state, headcount/filled, days since
submission, days from submission to match, window relative to T):

 #  school  state      hc/filled  submitted  to match  window       notes
 1  A1      draft      1/0        -          -         T..T+120
 2  A1      submitted  2/0        3          -         T..T+120
 3  A1      submitted  1/0        10         -         T..T+120
 4  A1      open       3/1        40         -         T..T+120     accepted, teacher_d
 5  A2      open       2/0        100        -         T..T+120     accounting
 6  A1      matched    2/2        20         4         T-100..T-5   **
 7  A2      fulfilled  1/1        30         10        T-120..T-30  confirmed T-19 *
 8  A1      fulfilled  1/1        50         2         T-150..T-60  confirmed T-40 *
 9  A1      rejected   1/0        5          -         T..T+120
10  A2      cancelled  1/0        -          -         T..T+120
12  A3      open       1/0        1          -         T..T+120     proposed, teacher_a

* completed by teacher_c
** accepted by teacher_a, completed by teacher_e

Each need has the history its state implies (demo.world): created, submitted,
reviewed (diagnosed when approved), matched by accepting its teachers and
confirmed on those days; a place filled is a teacher accepted (or completed).

County B: one open need (headcount 5) of school B1 with one place taken by an
accepted assignment, and an activity; its figures must never reach county A's
dashboard.
"""

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from activities.models import Activity, ActivityKind
from demo.world import (
    assignment_with_past,
    evaluation_with_past,
    need_row,
    need_steps,
    need_with_past,
    reaches,
    write_needs,
)
from evaluations.models import (
    CycleStatus,
    RaterRole,
    Rating,
    RatingStatus,
)
from matching.models import Assignment, AssignmentStatus
from needs.models import NeedKind, NeedStatus, Specialty

from .. import factories as f
from ..conftest import people

T = f.TODAY
NOW = dt.datetime(T.year, T.month, T.day, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def days(n: int) -> dt.date:
    return T + dt.timedelta(days=n)


def ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render ``{% static %}`` without a collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def dated(
    submitted: dt.datetime | None,
    *,
    matched: dt.datetime | None = None,
    confirmed: dt.datetime | None = None,
    now: dt.datetime = NOW,
) -> dict[str, dt.datetime | None]:
    """The dates of a need's history, by verb, from the ones the figures read:
    created two days before it was submitted (two days before ``now`` if it never
    was), submitted once more and returned in between when it was returned,
    reviewed halfway to its match (to ``now`` while it waits), matched and
    confirmed then, cancelled halfway from its last step to ``now``."""
    if submitted is None:
        created = now - dt.timedelta(days=2)
        return {"create": created, "cancel": created + dt.timedelta(days=1)}
    last = confirmed or matched or now
    review = submitted + ((matched or now) - submitted) / 2
    return {
        "create": submitted - dt.timedelta(days=2),
        "first_submit": submitted - dt.timedelta(days=1, hours=12),
        "return": submitted - dt.timedelta(days=1),
        "submit": submitted,
        "approve": review,
        "reject": review,
        "accept": matched,
        "confirm": confirmed,
        "cancel": last + (now - last) / 2,
    }


def need(
    world,
    school,
    status,
    *,
    headcount=1,
    taken=0,
    submitted=None,
    matched=None,
    confirmed=None,
    window=(0, 120),
    specialty=None,
):
    """A need of ``school`` in ``status`` with the history its steps imply
    (demo.world): submitted ``submitted`` days before NOW, matched ``matched``
    days after that, confirmed ``confirmed`` days before NOW (at 10:00); every
    place filled once matched, else ``taken`` of them. Its window runs
    ``window`` days from T."""
    if submitted is None and status not in (NeedStatus.DRAFT, NeedStatus.CANCELLED):
        raise ValueError(f"a {status} need was submitted: say when")
    approved = status in (NeedStatus.OPEN, NeedStatus.MATCHED, NeedStatus.FULFILLED)
    at = dated(
        ago(submitted) if submitted is not None else None,
        matched=ago(submitted - matched) if matched is not None else None,
        confirmed=NOW.replace(hour=10) - dt.timedelta(days=confirmed)
        if confirmed is not None
        else None,
    )
    return need_with_past(
        status,
        **people(world, school),
        at=at,
        comments={"reject": "不属于帮扶范围", "cancel": "计划调整"},
        diagnosis=(3, 3, 3, 3) if approved else None,
        taken=taken,
        school=school,
        specialty=specialty or world.ecommerce,
        kind=NeedKind.TEACHING,
        title=f"{school.name}{status}需求",
        description="需要一名教师",
        headcount=headcount,
        start_date=days(window[0]),
        end_date=days(window[1]),
        urgency=3,
    )


def serving(world, need, teacher, status=AssignmentStatus.ACCEPTED):
    """``teacher``'s ``status`` assignment (accepted or completed) on ``need``,
    decided by its county's coordinator when the need was matched (a place of an
    open need: when it was approved)."""
    decided = need.matched_at or need.transitions.order_by("-id")[0].created_at
    return assignment_with_past(
        status,
        need=need,
        teacher=teacher,
        decided_by=people(world, need.school)["coordinator"],
        decided_at=decided,
    )


@pytest.fixture
def scenario(world):
    w = world
    school_a3 = f.SchoolFactory(name="白河县第三职业中学", county=w.county_a)
    f.SchoolFactory(name="白河县实训基地", county=w.county_a, kind="supporting")
    machinery = Specialty.objects.filter(family__code="66").first()

    n = SimpleNamespace()
    n.n1 = need(w, w.school_a, NeedStatus.DRAFT)
    n.n2 = need(w, w.school_a, NeedStatus.SUBMITTED, headcount=2, submitted=3)
    n.n3 = need(w, w.school_a, NeedStatus.SUBMITTED, submitted=10)
    n.n4 = need(w, w.school_a, NeedStatus.OPEN, headcount=3, taken=1, submitted=40)
    n.n5 = need(
        w,
        w.school_a2,
        NeedStatus.OPEN,
        headcount=2,
        submitted=100,
        specialty=w.accounting,
    )
    n.n6 = need(
        w,
        w.school_a,
        NeedStatus.MATCHED,
        headcount=2,
        submitted=20,
        matched=4,
        window=(-100, -5),
    )
    n.n7 = need(
        w,
        w.school_a2,
        NeedStatus.FULFILLED,
        submitted=30,
        matched=10,
        confirmed=19,
        window=(-120, -30),
    )
    n.n8 = need(
        w,
        w.school_a,
        NeedStatus.FULFILLED,
        submitted=50,
        matched=2,
        confirmed=40,
        window=(-150, -60),
    )
    n.n9 = need(w, w.school_a, NeedStatus.REJECTED, submitted=5)
    n.n10 = need(w, w.school_a2, NeedStatus.CANCELLED)
    n.n12 = need(w, school_a3, NeedStatus.OPEN, submitted=1)
    n.b1 = need(w, w.school_b, NeedStatus.OPEN, headcount=5, taken=1, submitted=2)

    # Teachers of county A: teacher_a (capacity 2, ecommerce) has two live
    # assignments; teacher_c (capacity 3) has two skills in family 73 and one in 66
    # and only a completed assignment; teacher_d is inactive; teacher_e's window
    # has ended.
    teacher_c = f.TeacherFactory(
        name="王老师",
        home_school=w.home,
        county=w.county_a,
        capacity=3,
        available_from=days(-200),
        available_until=days(200),
    )
    f.TeacherSkillFactory(teacher=teacher_c, specialty=w.accounting, level=4)
    f.TeacherSkillFactory(teacher=teacher_c, specialty=w.ecommerce, level=2)
    f.TeacherSkillFactory(teacher=teacher_c, specialty=machinery, level=3)
    teacher_d = f.TeacherFactory(
        name="赵老师", home_school=w.home, county=w.county_a, capacity=5, active=False
    )
    f.TeacherSkillFactory(teacher=teacher_d, specialty=w.ecommerce)
    teacher_e = f.TeacherFactory(
        name="钱老师",
        home_school=w.home,
        county=w.county_a,
        capacity=2,
        available_from=days(-300),
        available_until=days(-1),
    )
    f.TeacherSkillFactory(teacher=teacher_e, specialty=w.ecommerce)

    # Every filled place is a teacher accepted: need 6's second place was
    # teacher_e's, who completed her part before her window ended; need 4's
    # place is teacher_d's, made inactive since (neither counts as supply).
    completed = AssignmentStatus.COMPLETED
    accepted = serving(w, n.n6, w.teacher_a)
    serving(w, n.n6, teacher_e, completed)
    serving(w, n.n7, teacher_c, completed)
    serving(w, n.n8, teacher_c, completed)
    serving(w, n.n4, teacher_d)
    f.AssignmentFactory(
        need=n.n12, teacher=w.teacher_a, status=AssignmentStatus.PROPOSED
    )
    f.AssignmentFactory(need=n.n4, teacher=teacher_c, status=AssignmentStatus.DECLINED)
    b_accepted = serving(w, n.b1, w.teacher_b)

    # Activities: two count (8 local teachers, 40 students, 3.5 hours), one is
    # disputed, one is in county B.
    f.ActivityFactory(
        assignment=accepted,
        date=days(-40),
        hours=2,
        local_teachers_reached=3,
        students_reached=40,
    )
    f.ActivityFactory(
        assignment=accepted,
        date=days(-10),
        hours="1.5",
        local_teachers_reached=5,
        students_reached=0,
    )
    f.ActivityFactory(
        assignment=accepted,
        date=days(-12),
        local_teachers_reached=100,
        students_reached=100,
        disputed=True,
    )
    f.ActivityFactory(
        assignment=b_accepted,
        date=days(-3),
        local_teachers_reached=50,
        students_reached=500,
    )

    # Evaluation cycles of county A: an older closed one, the last closed one,
    # and a newer one still open; county B has its own closed cycle.
    older = f.EvaluationCycleFactory(
        county=w.county_a,
        status=CycleStatus.CLOSED,
        start_date=days(-400),
        end_date=days(-220),
    )
    last = f.EvaluationCycleFactory(
        county=w.county_a,
        status=CycleStatus.CLOSED,
        start_date=days(-190),
        end_date=days(-10),
    )
    still_open = f.EvaluationCycleFactory(
        county=w.county_a,
        status=CycleStatus.OPEN,
        start_date=days(-5),
        end_date=days(170),
    )
    b_cycle = f.EvaluationCycleFactory(
        county=w.county_b,
        status=CycleStatus.CLOSED,
        start_date=days(-190),
        end_date=days(-10),
    )

    def evaluation(cycle, grade, score, **subject):
        return evaluation_with_past(cycle, grade=grade, score=score, **subject)

    evaluation(older, "不合格", 50, teacher=w.teacher_a)
    evaluation(older, "不合格", 40, school=w.school_a)
    teacher_a_eval = evaluation(last, "优秀", 93, teacher=w.teacher_a)
    evaluation(last, "良好", 85, teacher=teacher_c)
    evaluation(last, "良好", 81, teacher=teacher_d)
    school_a_eval = evaluation(last, "合格", 70, school=w.school_a)
    evaluation(last, "优秀", 95, school=w.school_a2)
    evaluation(still_open, "优秀", 99, teacher=teacher_c)
    evaluation(b_cycle, "优秀", 91, teacher=w.teacher_b)

    # staff_a's rating tasks: one of two submitted.
    Rating.objects.create(
        evaluation=school_a_eval,
        rater=w.users.staff_a,
        rater_role=RaterRole.SCHOOL,
        status=RatingStatus.SUBMITTED,
    )
    Rating.objects.create(
        evaluation=teacher_a_eval,
        rater=w.users.staff_a,
        rater_role=RaterRole.SCHOOL,
        status=RatingStatus.PENDING,
    )

    return SimpleNamespace(
        world=w,
        needs=n,
        school_a3=school_a3,
        teacher_c=teacher_c,
        last_cycle=last,
        machinery=machinery,
    )


@pytest.fixture
def random_world(world):
    """Random needs in every state with the history each implies (demo.world,
    written in bulk), some returned once; the teachers accepted on their filled
    places and the activities they logged, in counties A and B; waiting needs at
    the backlog's edges as of now, and matched needs ending around the
    confirmation grace as of today."""
    S = NeedStatus
    rnd = random.Random(20261205)
    w = world
    specialties = list(Specialty.objects.order_by("pk")[:40])
    schools = [w.school_a, w.school_a2, w.school_b]
    teachers = [
        f.TeacherFactory(county=rnd.choice([w.county_a, w.county_b]), capacity=5)
        for _ in range(12)
    ]
    real_now = timezone.now()
    today = timezone.localdate(real_now)
    rows = []

    def row(status, *, at, start, end, headcount=1, taken=0, **how):
        school = rnd.choice(schools)
        rows.append(
            need_row(
                status,
                **people(w, school),
                at=at,
                comments={"return": "请补充", "reject": "不予支持", "cancel": "取消"},
                taken=taken,
                **how,
                school=school,
                specialty=rnd.choice(specialties),
                kind=NeedKind.TEACHING,
                title=f"随机需求{len(rows)}",
                headcount=headcount,
                start_date=start,
                end_date=end,
                urgency=3,
                created_at=at["create"],
            )
        )

    for _ in range(60):
        status = rnd.choice(S.values)
        cancelled_from = rnd.choice([S.DRAFT, S.SUBMITTED, S.OPEN, S.MATCHED])
        returned = rnd.random() < 0.25
        steps = need_steps(status, cancelled_from=cancelled_from, returned=returned)
        headcount = rnd.randint(1, 4)
        submitted = rnd.uniform(0, 200)
        matched = rnd.uniform(0, submitted)
        row(
            status,
            at=dated(
                ago(submitted) if reaches(steps, "submit") else None,
                matched=ago(matched) if reaches(steps, "accept") else None,
                confirmed=ago(rnd.uniform(0, matched))
                if reaches(steps, "confirm")
                else None,
            ),
            start=days(rnd.randint(-200, 50)),
            end=days(rnd.randint(51, 300)),
            headcount=headcount,
            # Places are taken once approved; an open need has one left (its
            # last one accepted matches it), a need cancelled keeps its own.
            taken=rnd.randint(0, headcount - 1) if reaches(steps, "approve") else 0,
            cancelled_from=cancelled_from,
            returned=returned,
        )
    # Waiting needs submitted around the backlog's edges as of now. At the exact
    # ages (no jitter): none is due to cross an edge while the tests run, so the
    # figures computed a moment apart agree.
    for age in (0, 0.01, 6.99, 7, 7.02, 29.9, 30.1, 89.95, 90.05, 91.5, 92.5, 150):
        status = rnd.choice([S.SUBMITTED, S.OPEN])
        row(
            status,
            at=dated(real_now - dt.timedelta(days=age), now=real_now),
            start=T,
            end=days(120),
            headcount=2,
            taken=rnd.randint(0, 1) if status == S.OPEN else 0,
        )
    # Matched needs ending around the confirmation grace as of today.
    for age in range(-2, 20):
        row(
            S.MATCHED,
            at=dated(
                real_now - dt.timedelta(days=200),
                matched=real_now - dt.timedelta(days=150),
                now=real_now,
            ),
            start=today - dt.timedelta(days=100),
            end=today - dt.timedelta(days=age),
        )
    written = write_needs(rows)
    needs = written[:60]

    # Each filled place is a teacher's accepted assignment (completed once the
    # need is fulfilled, or when the teacher has no room left), decided when the
    # need was matched (or approved).
    busy = dict.fromkeys(teachers, 0)
    assignments = []
    for need_obj, (_, transitions) in zip(written, rows, strict=True):
        for teacher in rnd.sample(teachers, need_obj.filled):
            room = busy[teacher] < teacher.capacity
            live = need_obj.status != S.FULFILLED and room
            busy[teacher] += live
            assignments.append(
                Assignment(
                    need=need_obj,
                    teacher=teacher,
                    status=AssignmentStatus.ACCEPTED
                    if live
                    else AssignmentStatus.COMPLETED,
                    score=50.0,
                    decided_by=people(w, need_obj.school)["coordinator"],
                    decided_at=need_obj.matched_at or transitions[-1].created_at,
                )
            )
    Assignment.objects.bulk_create(assignments)
    # Activities logged within the need's window, up to T.
    activities = []
    for assignment in assignments:
        first = max(assignment.need.start_date, days(-120))
        last = min(assignment.need.end_date, T)
        for _ in range(rnd.randint(0, 3) if first <= last else 0):
            activities.append(
                Activity(
                    assignment=assignment,
                    date=first + dt.timedelta(days=rnd.randint(0, (last - first).days)),
                    kind=ActivityKind.LESSON,
                    hours=Decimal(rnd.choice(["1.5", "2", "3"])),
                    local_teachers_reached=rnd.randint(0, 9),
                    students_reached=rnd.randint(0, 50),
                    disputed=rnd.random() < 0.1,
                )
            )
    Activity.objects.bulk_create(activities)
    return w, rnd, needs, assignments
