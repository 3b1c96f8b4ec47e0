"""``manage.py bench_teams``: one team proposal for the ten assisted schools of a
county with 300 open needs and 400 available teachers, end to end through the
production action (read the county as a matching run does, score the pairs, solve
with CP-SAT, store the proposal). Its last line::

    bench_teams schools=<s> needs=<n> teachers=<t> solve_s=<x> optimal=<0|1>
    total_s=<y> pairs=<p> members=<m> score=<v>

(on one line). ``solve_s`` is the CP-SAT model and search, ``total_s`` the whole
action. The data: :func:`matching.solver.make_instance` drawn from the current
catalogue (one county, ten schools), written once as County / School / Need /
Teacher / TeacherSkill rows and reused; one teacher in six can lead, the teachers
come from twelve supporting schools. Benchmark rows are recognised by their county
(code ``BT00001``, province ``基准测试``); ``--reset`` makes them afresh.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Role, User
from demo.management.commands.bench_matching import specialty_catalogue
from matching import solver
from needs.models import Need, NeedKind, NeedStatus
from places.models import County, School, SchoolKind
from planning.models import TeamProposal
from planning.proposals import team_proposal_create
from teams.models import Teacher, TeacherSkill

SEED = 20261205
N_SCHOOLS, N_NEEDS, N_TEACHERS, N_HOMES = 10, 300, 400, 12
CODE, HOME_CODE = "BT00001", "BTHOME"
PROVINCE = "基准测试"
BENCH_USER = "bench_teams"
FIRST_DAY = dt.date(2026, 9, 1)
SIZES = (3, 8)


def _day(ordinal) -> dt.date:
    return dt.date.fromordinal(int(ordinal))


class Command(BaseCommand):
    help = "Benchmark one team proposal for ten schools, 300 needs, 400 teachers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Delete the benchmark data first."
        )

    def handle(self, *args, reset: bool, **options):
        if reset:
            self._delete()
        county = County.objects.filter(code=CODE).first()
        if county is None:
            t0 = time.perf_counter()
            with transaction.atomic():
                county = self._generate()
            self.stdout.write(f"generated the data ({time.perf_counter() - t0:.1f}s)")
        else:
            self.stdout.write("reusing the benchmark data")
        user = User.objects.get(username=BENCH_USER)
        TeamProposal.objects.filter(county=county).delete()
        # Warm up as a worker is after its first request (imports, first query).
        solver.solve(*solver.make_instance(50, 10, seed=1))
        schools = School.objects.filter(county=county).count()
        t0 = time.perf_counter()
        proposal = team_proposal_create(
            actor=user,
            county=county,
            start_date=FIRST_DAY,
            end_date=FIRST_DAY + dt.timedelta(days=450),
            min_size=SIZES[0],
            max_size=SIZES[1],
        )
        total = time.perf_counter() - t0
        if proposal.status != "proposed":
            raise CommandError(f"no team: {proposal.problems}")
        needs = Need.objects.filter(school__county=county).count()
        teachers = Teacher.objects.filter(county=county).count()
        self.stdout.write(
            f"bench_teams schools={schools} needs={needs} teachers={teachers} "
            f"solve_s={proposal.solve_seconds:.3f} optimal={int(proposal.optimal)} "
            f"total_s={total:.3f} gap={proposal.gap:.4f} "
            f"members={proposal.members.count()} score={proposal.score:.1f}"
        )

    def _delete(self) -> None:
        county = County.objects.filter(code=CODE).first()
        if county is None:
            return
        with transaction.atomic():
            TeamProposal.objects.filter(county=county).delete()
            TeacherSkill.objects.filter(teacher__county=county).delete()
            Teacher.objects.filter(county=county).delete()
            Need.objects.filter(school__county=county).delete()
            School.objects.filter(county=county).delete()
            School.objects.filter(county__code=HOME_CODE).delete()
            County.objects.filter(code__in=[CODE, HOME_CODE]).delete()

    def _generate(self) -> County:
        needs, teachers, skills = solver.make_instance(
            N_NEEDS,
            N_TEACHERS,
            seed=SEED,
            n_counties=1,
            schools_per_county=(N_SCHOOLS, N_SCHOOLS),
            first_day=FIRST_DAY.toordinal(),
            catalogue=specialty_catalogue(),
        )
        rng = np.random.default_rng(SEED)
        user, _ = User.objects.get_or_create(
            username=BENCH_USER, defaults={"role": Role.COORDINATOR}
        )
        county = County.objects.create(name="基准组团县", province=PROVINCE, code=CODE)
        user.counties.add(county)
        home_county = County.objects.create(
            name="基准派出市", province=PROVINCE, code=HOME_CODE
        )
        schools = School.objects.bulk_create(
            School(name=f"基准学校{i + 1:02d}", county=county, kind=SchoolKind.ASSISTED)
            for i in range(N_SCHOOLS)
        )
        homes = School.objects.bulk_create(
            School(
                name=f"基准派出学校{i + 1:02d}",
                county=home_county,
                kind=SchoolKind.SUPPORTING,
            )
            for i in range(N_HOMES)
        )
        kinds = [k for k in NeedKind.values if k != NeedKind.OTHER]
        Need.objects.bulk_create(
            Need(
                school=schools[int(needs.school[i]) - 1],
                specialty_id=int(needs.specialty[i]),
                kind=kinds[i % len(kinds)],
                title=f"基准需求{i + 1:03d}",
                description="基准测试",
                headcount=int(needs.headcount[i]),
                start_date=_day(needs.start[i]),
                end_date=_day(needs.end[i]),
                urgency=3,
                priority_score=float(needs.priority[i]),
                status=NeedStatus.OPEN,
                created_by=user,
            )
            for i in range(len(needs))
        )
        made = Teacher.objects.bulk_create(
            Teacher(
                name=f"基准教师{i + 1:03d}",
                home_school=homes[int(rng.integers(0, N_HOMES))],
                county=county,
                available_from=_day(teachers.available_from[i]),
                available_until=_day(teachers.available_until[i]),
                capacity=int(teachers.free_capacity[i]),
                can_lead=bool(rng.random() < 1 / 6),
            )
            for i in range(len(teachers))
        )
        row_of = {int(t): i for i, t in enumerate(teachers.id.tolist())}
        TeacherSkill.objects.bulk_create(
            TeacherSkill(
                teacher=made[row_of[int(skills.teacher[k])]],
                specialty_id=int(skills.specialty[k]),
                level=int(skills.level[k]),
            )
            for k in range(len(skills))
        )
        return county
