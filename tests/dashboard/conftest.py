"""A hand-built county A (and a little of county B) whose dashboard figures are
worked out by hand in ``test_figures.py``.

``NOW`` is fixed so that ages and windows are exact; ``T`` is its local date
(factories.TODAY). Needs of county A (school, state, headcount/filled, days since
submission, days from submission to match, window relative to T):

 #  school  state      hc/filled  submitted  to match  window       notes
 1  A1      draft      1/0        -          -         T..T+120
 2  A1      submitted  2/0        3          -         T..T+120
 3  A1      submitted  1/0        10         -         T..T+120
 4  A1      open       3/1        40         -         T..T+120     ecommerce
 5  A2      open       2/0        100        -         T..T+120     accounting
 6  A1      matched    2/2        20         4         T-100..T-5   accepted, teacher_a
 7  A2      fulfilled  1/1        30         10        T-120..T-30  confirmed T-25 *
 8  A1      fulfilled  1/1        50         2         T-150..T-60  confirmed T-40 *
 9  A1      rejected   1/0        5          -         T..T+120
10  A2      cancelled  1/0        -          -         T..T+120
12  A3      open       1/0        1          -         T..T+120     proposed, teacher_a

* completed by teacher_c

County B: one open need (headcount 5) of school B1, an accepted assignment and an
activity; its figures must never reach county A's dashboard.
"""

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from demo.world import evaluation_with_past
from evaluations.models import (
    CycleStatus,
    RaterRole,
    Rating,
    RatingStatus,
)
from matching.models import AssignmentStatus
from needs.models import NeedStatus, NeedTransition, Specialty

from .. import factories as f

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


def need(
    world,
    school,
    status,
    *,
    headcount=1,
    filled=0,
    submitted=None,
    matched=None,
    confirmed=None,
    window=(0, 120),
    specialty=None,
):
    return f.NeedFactory(
        school=school,
        specialty=specialty or world.ecommerce,
        status=status,
        headcount=headcount,
        filled=filled,
        submitted_at=ago(submitted) if submitted is not None else None,
        matched_at=ago(submitted - matched) if matched is not None else None,
        fulfilled_at=NOW.replace(hour=10) - dt.timedelta(days=confirmed)
        if confirmed is not None
        else None,
        start_date=days(window[0]),
        end_date=days(window[1]),
        created_by=world.users.staff_a,
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
    n.n4 = need(w, w.school_a, NeedStatus.OPEN, headcount=3, filled=1, submitted=40)
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
        filled=2,
        submitted=20,
        matched=4,
        window=(-100, -5),
    )
    n.n7 = need(
        w,
        w.school_a2,
        NeedStatus.FULFILLED,
        filled=1,
        submitted=30,
        matched=10,
        confirmed=25,
        window=(-120, -30),
    )
    n.n8 = need(
        w,
        w.school_a,
        NeedStatus.FULFILLED,
        filled=1,
        submitted=50,
        matched=2,
        confirmed=40,
        window=(-150, -60),
    )
    n.n9 = need(w, w.school_a, NeedStatus.REJECTED, submitted=5)
    n.n10 = need(w, w.school_a2, NeedStatus.CANCELLED)
    n.n12 = need(w, school_a3, NeedStatus.OPEN, submitted=1)
    n.b1 = need(w, w.school_b, NeedStatus.OPEN, headcount=5, submitted=2)

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

    accepted = f.AssignmentFactory(
        need=n.n6, teacher=w.teacher_a, status=AssignmentStatus.ACCEPTED
    )
    f.AssignmentFactory(need=n.n7, teacher=teacher_c, status=AssignmentStatus.COMPLETED)
    f.AssignmentFactory(need=n.n8, teacher=teacher_c, status=AssignmentStatus.COMPLETED)
    f.AssignmentFactory(
        need=n.n12, teacher=w.teacher_a, status=AssignmentStatus.PROPOSED
    )
    f.AssignmentFactory(need=n.n4, teacher=teacher_c, status=AssignmentStatus.DECLINED)
    b_accepted = f.AssignmentFactory(
        need=n.b1, teacher=w.teacher_b, status=AssignmentStatus.ACCEPTED
    )

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
    """Random needs, transitions, assignments and activities in counties A and B,
    with waiting needs at the backlog's edges as of now."""
    rnd = random.Random(20261205)
    w = world
    specialties = list(Specialty.objects.order_by("pk")[:40])
    schools = [w.school_a, w.school_a2, w.school_b]
    teachers = [
        f.TeacherFactory(county=rnd.choice([w.county_a, w.county_b]), capacity=5)
        for _ in range(12)
    ]
    needs = []
    for _ in range(60):
        status = rnd.choice(NeedStatus.values)
        headcount = rnd.randint(1, 4)
        submitted = rnd.uniform(0, 200)
        needs.append(
            f.NeedFactory(
                school=rnd.choice(schools),
                specialty=rnd.choice(specialties),
                status=status,
                headcount=headcount,
                filled=rnd.randint(0, headcount)
                if status in (NeedStatus.OPEN, NeedStatus.MATCHED)
                else 0,
                submitted_at=None if status == NeedStatus.DRAFT else ago(submitted),
                matched_at=ago(submitted - rnd.uniform(0, submitted))
                if status in (NeedStatus.MATCHED, NeedStatus.FULFILLED)
                else None,
                fulfilled_at=ago(rnd.uniform(0, 200))
                if status == NeedStatus.FULFILLED
                else None,
                start_date=days(rnd.randint(-200, 50)),
                end_date=days(rnd.randint(51, 300)),
                created_by=w.users.staff_a,
            )
        )
    # Waiting needs submitted around the backlog's edges as of now.
    real_now = timezone.now()
    for age in (0, 0.01, 6.99, 7, 7.02, 29.9, 30.1, 89.95, 90.05, 91.5, 92.5, 150):
        f.NeedFactory(
            school=rnd.choice(schools),
            specialty=rnd.choice(specialties),
            status=rnd.choice([NeedStatus.SUBMITTED, NeedStatus.OPEN]),
            headcount=2,
            filled=rnd.randint(0, 2),
            submitted_at=real_now - dt.timedelta(days=age + rnd.uniform(-0.3, 0.3)),
            created_by=w.users.staff_a,
        )
    # Matched needs ending around the confirmation grace as of today.
    today = timezone.localdate()
    for age in range(-2, 20):
        f.NeedFactory(
            school=rnd.choice(schools),
            specialty=rnd.choice(specialties),
            status=NeedStatus.MATCHED,
            submitted_at=real_now - dt.timedelta(days=200),
            start_date=today - dt.timedelta(days=100),
            end_date=today - dt.timedelta(days=age),
            created_by=w.users.staff_a,
        )
    for need in rnd.sample(needs, 12):
        NeedTransition.objects.create(
            need=need,
            from_status=rnd.choice([NeedStatus.SUBMITTED, NeedStatus.OPEN]),
            to_status=rnd.choice([NeedStatus.DRAFT, NeedStatus.REJECTED]),
        )
    assignments = []
    for i, need in enumerate(rnd.sample(needs, 30)):
        assignments.append(
            f.AssignmentFactory(
                need=need,
                teacher=teachers[i % len(teachers)],
                status=rnd.choice(
                    [AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED]
                ),
            )
        )
    for assignment in assignments:
        for _ in range(rnd.randint(0, 3)):
            f.ActivityFactory(
                assignment=assignment,
                date=days(rnd.randint(-120, 0)),
                hours=Decimal(rnd.choice(["1.5", "2", "3"])),
                local_teachers_reached=rnd.randint(0, 9),
                students_reached=rnd.randint(0, 50),
                disputed=rnd.random() < 0.1,
            )
    return w, rnd, needs, assignments
