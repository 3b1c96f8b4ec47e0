"""The soak's data set (``assist_soak``), made by ``run.py`` after ``migrate`` and
``load_demo``; deterministic (seeded).

- the demo counties (白河县, 旬阳市, 平利县) get 6 more assisted schools each,
  3,000 needs (half open with a diagnosed priority, a quarter submitted for review,
  the rest drafts, rejected or cancelled) and 1,200 dispatched teachers with 1-3
  skills, so that a coordinator's lists hold thousands of rows (each need with the
  fields and history its state implies: ``demo.world``);
- one matching run per demo county, and one proposal in four accepted through
  ``assignment_accept`` (a place of a need of two or more), so that assignments
  exist and teachers can log work;
- ``bench_matching``'s ``province`` data (10,000 open needs, 2,000 teachers in 25
  counties) left unmatched: the work of the run started during the soak;
- the soak's accounts: 20 coordinators (the demo counties in turn, every fourth
  one all three), 15 school staff (the assisted schools in turn), 15 teachers
  (teachers with an accepted assignment), and ``soak_admin``; one password."""

# ruff: noqa: S311  (seeded test data, not cryptography)
from __future__ import annotations

import datetime as dt
import random

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from demo.world import Builder, need_row, write_needs
from matching.assignments import assignment_accept_many
from matching.models import Assignment, MatchingRun
from matching.runs import matching_run_execute
from needs.models import Need, NeedKind, NeedStatus, Specialty
from places.models import County, School, SchoolKind
from teams.models import Teacher, TeacherSkill

PASSWORD = "Soak@2026-load"  # noqa: S105 - the soak's own accounts
DEMO_COUNTIES = ("610929", "610981", "610926")  # 白河县, 旬阳市, 平利县
N_NEEDS, N_TEACHERS = 3000, 1200
N_COORDINATORS, N_STAFF, N_TEACHER_USERS = 20, 15, 15
SEED = 20261129
TOPICS = ["直播电商", "会计实务", "数控加工", "护理实训", "旅游服务", "茶艺"]


def prepare() -> dict:
    rng = random.Random(SEED)
    today = timezone.localdate()
    counties = list(County.objects.filter(code__in=DEMO_COUNTIES).order_by("code"))
    specialties = list(Specialty.objects.order_by("code").values_list("id", flat=True))
    # Popular specialties get most needs and most teachers (a few families dominate).
    popular = specialties[:: max(1, len(specialties) // 30)]
    homes = list(School.objects.filter(kind=SchoolKind.SUPPORTING).order_by("id"))
    creator = User.objects.filter(role=Role.ADMIN).order_by("id").first()

    with transaction.atomic():
        build = Builder(password=PASSWORD)
        for county in counties:
            for i in range(6):
                build.school(
                    county=county, name=f"{county.name}第{i + 1}职业技术学校（压测）"
                )
        assisted = list(
            School.objects.filter(
                county__in=counties, kind=SchoolKind.ASSISTED
            ).order_by("id")
        )
        kinds = [k for k in NeedKind.values if k != NeedKind.OTHER]
        needs = []
        for i in range(N_NEEDS):
            start = today - dt.timedelta(days=rng.randint(0, 120))
            roll = rng.random()
            if roll < 0.5:
                status, priority = NeedStatus.OPEN, rng.randint(20, 95)
            elif roll < 0.75:
                status, priority = NeedStatus.SUBMITTED, None
            elif roll < 0.9:
                status, priority = NeedStatus.DRAFT, None
            elif roll < 0.95:
                status, priority = NeedStatus.REJECTED, None
            else:
                status, priority = NeedStatus.CANCELLED, None
            needs.append(
                need_row(
                    status,
                    staff=creator,
                    coordinator=creator,
                    comments={"cancel": "压测"},
                    school=assisted[i % len(assisted)],
                    specialty_id=rng.choice(
                        popular if rng.random() < 0.7 else specialties
                    ),
                    kind=rng.choice(kinds),
                    title=f"压测需求{i + 1}：{rng.choice(TOPICS)}",
                    description="需要有经验的教师开展教学与师资培训。"
                    * rng.randint(1, 4),
                    headcount=rng.choice([1, 1, 2, 2, 3]),
                    start_date=start,
                    end_date=start + dt.timedelta(days=rng.randint(60, 240)),
                    urgency=rng.randint(1, 5),
                    priority_score=priority,
                )
            )
        write_needs(needs, batch_size=1000)
        teachers = []
        for i in range(N_TEACHERS):
            start = today - dt.timedelta(days=rng.randint(30, 200))
            teachers.append(
                Teacher(
                    name=f"压测教师{i + 1}",
                    home_school=homes[i % len(homes)],
                    title=rng.choice(["讲师", "高级讲师", "副教授"]),
                    county=counties[i % len(counties)],
                    available_from=start,
                    available_until=start + dt.timedelta(days=rng.randint(240, 420)),
                    capacity=rng.choice([1, 2, 2, 3]),
                )
            )
        Teacher.objects.bulk_create(teachers, batch_size=1000)
        skills = {}
        for teacher in teachers:
            for _ in range(rng.randint(1, 3)):
                pool = popular if rng.random() < 0.7 else specialties
                skills[(teacher.pk, rng.choice(pool))] = rng.randint(2, 5)
        TeacherSkill.objects.bulk_create(
            [
                TeacherSkill(teacher_id=t, specialty_id=s, level=lv)
                for (t, s), lv in skills.items()
            ],
            batch_size=2000,
        )

    # Proposals for the demo counties; one in four accepted through the action
    # (needs of 2+ places, so a need stays open).
    proposed = 0
    for county in counties:
        run = MatchingRun.objects.create(county=county, started_by=creator)
        proposed += matching_run_execute(run.pk).stats.get("proposed", 0)
    candidates = list(
        Assignment.objects.filter(
            status="proposed",
            need__school__county__in=counties,
            need__headcount__gte=2,
            need__start_date__lte=today,
            need__end_date__gte=today,  # teachers log today's work on them
        )
        .order_by("id")
        .values_list("id", "need_id")
    )
    chosen, seen_needs = [], set()
    for pk, need_id in candidates:
        if need_id not in seen_needs and rng.random() < 0.25:
            chosen.append(pk)
            seen_needs.add(need_id)
    accepted, _refused = assignment_accept_many(
        assignments=list(Assignment.objects.filter(pk__in=chosen).order_by("id")),
        actor=creator,
    )

    # Accounts: one password hash for all (hashing is deliberately slow).
    build.person("soak_admin", role=Role.ADMIN, is_staff=True)
    for i in range(N_COORDINATORS):
        build.person(
            f"soak_coord_{i:02d}",
            role=Role.COORDINATOR,
            counties=counties if i % 4 == 3 else [counties[i % len(counties)]],
        )
    for i in range(N_STAFF):
        build.person(
            f"soak_staff_{i:02d}",
            role=Role.SCHOOL_STAFF,
            school=assisted[i % len(assisted)],
        )
    for i in range(N_TEACHER_USERS):
        build.person(f"soak_teacher_{i:02d}", role=Role.TEACHER)
    busy_teachers = list(
        Teacher.objects.filter(assignments__status="accepted", user__isnull=True)
        .distinct()
        .order_by("id")[:N_TEACHER_USERS]
    )
    for i, teacher in enumerate(busy_teachers):
        teacher.user = User.objects.get(username=f"soak_teacher_{i:02d}")
        teacher.save(update_fields=["user"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "needs": Need.objects.count(),
        "teachers": Teacher.objects.count(),
        "assignments": Assignment.objects.count(),
        "accepted": len(accepted),
        "proposed_in_demo_counties": proposed,
        "teacher_accounts": len(busy_teachers),
    }
