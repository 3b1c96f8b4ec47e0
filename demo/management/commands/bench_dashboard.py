"""``manage.py bench_dashboard``: how fast is the dashboard on 100,000 needs?

Fills the configured database (once: the rows are recognised by their counties,
province ``看板基准``, codes ``BD…``, and topped up to ``--needs``) with a realistic
spread: 10 counties of 40 assisted schools each, 40 dispatched teachers per county
with one to three skills, needs over three years in every state (draft 8 %,
submitted 10 %, open 25 %, matched 20 %, fulfilled 27 %, rejected 5 %, cancelled
5 %) across the whole specialty catalogue, an assignment for every matched and
fulfilled need (accepted while the teacher has capacity, else completed) and a
proposal for some open ones, activities on about half of those assignments, and a
closed evaluation cycle per county with graded teachers and schools and the schools'
rating tasks. Rows are written with ``bulk_create``, then ``VACUUM ANALYZE``.

It then signs a coordinator of every benchmark county in with Django's test client
and times ``GET /api/v1/dashboard/`` and ``GET /dashboard/`` (all the counties:
every benchmark need in scope; then one county), counts the queries of one API
request, and prints as its last line::

    bench_dashboard needs=<n> api_p50_ms=<a> api_p95_ms=<b> page_p50_ms=<c> queries=<q>
        baseline_p50_ms=<m> ratio_p95=<b/m> county_p95_ms=<d>
        computed_p50_ms=<e> computed_p95_ms=<f> computed_county_p95_ms=<g>
        same_figures=yes|no

(one line), where ``baseline_p50_ms`` is the median of a trivial authenticated
request (``GET /api/v1/me/``) timed in the same run by the same client: the floor
of any API request on this machine at this moment. ``api_*``, ``county_p95_ms``
(one county) and ``queries`` time the real path, with the figure cache
(``settings.DASHBOARD_CACHE``; the first request computes, the next ones are
served while nothing is written); ``computed_*`` time the same requests with the
cache off, as a request right after a write; ``same_figures`` says whether both
gave the same figures.

``--clean`` deletes the benchmark rows and stops.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from activities.models import Activity, ActivityKind
from demo.world import Builder, assignment_status_for, need_row, write_needs
from evaluations.models import (
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    EvaluationStatus,
    Framework,
    RaterRole,
    Rating,
    RatingStatus,
    SubjectType,
)
from matching.models import Assignment, AssignmentStatus, MatchingRun
from needs.models import (
    Diagnosis,
    Need,
    NeedKind,
    NeedStatus,
    NeedTransition,
    PlanGoal,
    Specialty,
)
from places.models import County, School, SchoolKind
from teams.models import Teacher, TeacherSkill

PROVINCE = "看板基准"
COUNTIES = 10
SCHOOLS_PER_COUNTY = 40
TEACHERS_PER_COUNTY = 40
BENCH_COORDINATOR = "bench_dashboard"
STATUS_SHARES = [
    (NeedStatus.DRAFT, 8),
    (NeedStatus.SUBMITTED, 10),
    (NeedStatus.OPEN, 25),
    (NeedStatus.MATCHED, 20),
    (NeedStatus.FULFILLED, 27),
    (NeedStatus.REJECTED, 5),
    (NeedStatus.CANCELLED, 5),
]
GRADES = [("优秀", 92), ("良好", 85), ("合格", 70), ("不合格", 50)]
BATCH = 5000


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Fill the database with benchmark needs (once) and time the dashboard."

    def add_arguments(self, parser):
        parser.add_argument("--needs", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=30, help="API requests")
        parser.add_argument(
            "--page-requests", type=int, default=10, help="page requests"
        )
        parser.add_argument("--seed", type=int, default=20261101)
        parser.add_argument(
            "--clean", action="store_true", help="delete the benchmark rows and stop"
        )

    def handle(self, *args, needs: int, requests: int, page_requests: int, **options):
        self.random = random.Random(options["seed"])
        if options["clean"]:
            self._clean()
            return
        started = time.perf_counter()
        counties = self._ensure_world()
        existing = Need.objects.filter(school__county__in=counties).count()
        if existing < needs:
            self._fill(counties, needs - existing)
            self._analyse()
            self.stdout.write(
                f"filled {needs - existing} needs in "
                f"{time.perf_counter() - started:.1f} s"
            )
        total = Need.objects.filter(school__county__in=counties).count()
        coordinator = self._coordinator(counties)

        # The test client, as a browser would be served: any host, no TLS redirect,
        # static URLs without a collected manifest (we time the server's own work).
        with override_settings(
            ALLOWED_HOSTS=["*"],
            SECURE_SSL_REDIRECT=False,
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {
                    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                },
            },
        ):
            client = Client()
            client.force_login(coordinator)
            api_all = self._time(client, "/api/v1/dashboard/", {}, requests)
            page_all = self._time(client, "/dashboard/", {}, page_requests)
            one = {"county": counties[0].pk}
            api_one = self._time(client, "/api/v1/dashboard/", one, requests // 2)
            # The same requests with the figure cache off: what a request costs
            # when a write has just committed (the cache must compute afresh).
            cached = self._figures(client, {})
            with override_settings(DASHBOARD_CACHE=False):
                computed_all = self._time(client, "/api/v1/dashboard/", {}, requests)
                computed_one = self._time(
                    client, "/api/v1/dashboard/", one, requests // 2
                )
                computed = self._figures(client, {})
            same = cached == computed
            # The floor: a trivial authenticated request, same client, same run.
            baseline = self._time(client, "/api/v1/me/", {}, requests)
            with CaptureQueriesContext(connection) as queries:
                client.get("/api/v1/dashboard/")
            query_count = len(queries)  # now: later requests reset the query log
            cpu = self._cpu(client, "/api/v1/dashboard/", max(requests // 3, 1))
        for label, samples in (
            ("api, all counties", api_all),
            ("page, all counties", page_all),
            ("api, one county", api_one),
            ("computed, all", computed_all),
            ("computed, one county", computed_one),
            ("baseline, /me/", baseline),
        ):
            self.stdout.write(
                f"{label:20} n={len(samples):3} "
                f"p50={_percentile(samples, 0.5):7.1f} ms "
                f"p95={_percentile(samples, 0.95):7.1f} ms "
                f"max={max(samples):7.1f} ms"
            )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        self.stdout.write(f"database {connection.vendor}, load average {load}")
        if cpu:
            # Wall time counts the waits for a core on a shared machine; CPU time
            # (this process and the database backend) is what one request costs.
            self.stdout.write(
                "api, all counties    cpu per request: "
                f"python {cpu[0]:.0f} ms + database {cpu[1]:.0f} ms"
            )
        self.stdout.write(
            f"bench_dashboard needs={total} "
            f"api_p50_ms={_percentile(api_all, 0.5):.1f} "
            f"api_p95_ms={_percentile(api_all, 0.95):.1f} "
            f"page_p50_ms={_percentile(page_all, 0.5):.1f} "
            f"queries={query_count} "
            f"baseline_p50_ms={_percentile(baseline, 0.5):.1f} "
            f"ratio_p95={_percentile(api_all, 0.95) / _percentile(baseline, 0.5):.2f} "
            f"county_p95_ms={_percentile(api_one, 0.95):.1f} "
            f"computed_p50_ms={_percentile(computed_all, 0.5):.1f} "
            f"computed_p95_ms={_percentile(computed_all, 0.95):.1f} "
            f"computed_county_p95_ms={_percentile(computed_one, 0.95):.1f} "
            f"same_figures={'yes' if same else 'no'}"
        )

    # --- timing ---------------------------------------------------------------

    def _time(self, client: Client, url: str, params: dict, n: int) -> list[float]:
        response = client.get(url, params)  # warm up
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        samples = []
        for _ in range(max(n, 1)):
            start = time.perf_counter()
            client.get(url, params)
            samples.append((time.perf_counter() - start) * 1000)
        return samples

    def _figures(self, client: Client, params: dict) -> dict:
        """The API's figures, without the moment they were read at."""
        figures = client.get("/api/v1/dashboard/", params).json()
        figures.pop("as_of")
        return figures

    def _cpu(self, client: Client, url: str, n: int) -> tuple[float, float] | None:
        """Mean CPU time of a request: this process, and the PostgreSQL backend
        (read from /proc when the server runs on this machine)."""
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            stat = f"/proc/{cursor.fetchone()[0]}/stat"
        if not os.path.exists(stat):
            return None
        tick = os.sysconf("SC_CLK_TCK")

        def backend_ms() -> float:
            with open(stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) * 1000 / tick

        own, backend = time.process_time(), backend_ms()
        for _ in range(n):
            client.get(url)
        return (
            (time.process_time() - own) * 1000 / n,
            (backend_ms() - backend) / n,
        )

    # --- the world ------------------------------------------------------------

    def _ensure_world(self) -> list[County]:
        build = Builder()
        counties = [
            build.county(code=f"BD{i:02d}", name=f"基准{i:02d}县", province=PROVINCE)
            for i in range(1, COUNTIES + 1)
        ]
        home = build.school(
            county=counties[0], name="看板基准派出学校", kind=SchoolKind.SUPPORTING
        )
        specialties = list(Specialty.objects.values_list("pk", flat=True))
        today = timezone.localdate()
        for county in counties:
            schools = [
                build.school(county=county, name=f"{county.name}第{n:02d}职业学校")
                for n in range(1, SCHOOLS_PER_COUNTY + 1)
            ]
            if Teacher.objects.filter(county=county).count() < TEACHERS_PER_COUNTY:
                teachers = Teacher.objects.bulk_create(
                    [
                        Teacher(
                            name=f"{county.code}教师{n:02d}",
                            home_school=home,
                            county=county,
                            available_from=today
                            - dt.timedelta(days=self.random.randint(0, 400)),
                            available_until=today
                            + dt.timedelta(days=self.random.randint(0, 400)),
                            capacity=self.random.randint(1, 5),
                            active=self.random.random() > 0.08,
                        )
                        for n in range(1, TEACHERS_PER_COUNTY + 1)
                    ]
                )
                TeacherSkill.objects.bulk_create(
                    [
                        TeacherSkill(teacher=t, specialty_id=s, level=self._level())
                        for t in teachers
                        for s in self.random.sample(
                            specialties, self.random.randint(1, 3)
                        )
                    ]
                )
            for n, school in enumerate(schools, start=1):
                build.person(
                    f"bd_{county.code.lower()}_{n:02d}",
                    role=Role.SCHOOL_STAFF,
                    school=school,
                )
        return counties

    def _level(self) -> int:
        return self.random.choice([2, 3, 3, 4, 4, 5])

    def _coordinator(self, counties: list[County]) -> User:
        return Builder().person(
            BENCH_COORDINATOR, role=Role.COORDINATOR, counties=counties
        )

    @transaction.atomic
    def _fill(self, counties: list[County], count: int) -> None:
        rnd = self.random
        now = timezone.now()
        specialties = list(Specialty.objects.values_list("pk", flat=True))
        schools = list(
            School.objects.filter(county__in=counties, kind="assisted").values_list(
                "pk", "county_id"
            )
        )
        staff = dict(
            User.objects.filter(school_id__in=[s for s, _ in schools]).values_list(
                "school_id", "pk"
            )
        )
        teachers: dict[int, list[list[int]]] = {}
        for pk, county_id, capacity in Teacher.objects.filter(
            county__in=counties
        ).values_list("pk", "county_id", "capacity"):
            teachers.setdefault(county_id, []).append([pk, capacity])
        coordinator = Builder().person(BENCH_COORDINATOR, role=Role.COORDINATOR)
        statuses = [s for s, _ in STATUS_SHARES]
        weights = [w for _, w in STATUS_SHARES]
        kinds = [k for k in NeedKind.values if k != NeedKind.OTHER]

        self.stdout.write(f"creating {count} needs ...")
        for offset in range(0, count, BATCH):
            rows = []
            for _ in range(min(BATCH, count - offset)):
                school, county_id = rnd.choice(schools)
                status = rnd.choices(statuses, weights)[0]
                created = now - dt.timedelta(days=rnd.uniform(0, 3 * 365))
                submitted = matched = fulfilled = None
                if status != NeedStatus.DRAFT:
                    submitted = created + dt.timedelta(days=rnd.uniform(0, 5))
                start = (submitted or created).date() + dt.timedelta(
                    days=rnd.randint(10, 60)
                )
                end = start + dt.timedelta(days=rnd.randint(30, 365))
                headcount = rnd.choice([1, 1, 1, 2, 2, 3, 4])
                taken = 0
                if status == NeedStatus.OPEN:
                    taken = rnd.randint(0, headcount - 1)
                if status in (NeedStatus.MATCHED, NeedStatus.FULFILLED):
                    matched = min(
                        now, submitted + dt.timedelta(days=rnd.expovariate(1 / 14))
                    )
                if status == NeedStatus.FULFILLED:
                    fulfilled = min(
                        now,
                        dt.datetime.combine(end, dt.time(10), tzinfo=now.tzinfo)
                        + dt.timedelta(days=rnd.randint(0, 40)),
                    )
                rows.append(
                    need_row(
                        status,
                        staff=staff.get(school) or staff[schools[0][0]],
                        coordinator=coordinator.pk,
                        at={
                            "create": created,
                            "submit": submitted,
                            "approve": submitted,
                            "reject": submitted,
                            "cancel": submitted or created,
                            "accept": matched,
                            "confirm": fulfilled,
                        },
                        # A cancelled need was cancelled once submitted.
                        cancelled_from=NeedStatus.SUBMITTED,
                        school_id=school,
                        specialty_id=rnd.choice(specialties),
                        kind=rnd.choice(kinds),
                        title=f"基准需求 {offset + len(rows) + 1}",
                        headcount=headcount,
                        taken=taken,
                        start_date=start,
                        end_date=end,
                        urgency=rnd.randint(1, 5),
                        priority_score=rnd.randint(20, 95)
                        if status not in (NeedStatus.DRAFT, NeedStatus.SUBMITTED)
                        else None,
                    )
                )
            created_needs = write_needs(rows)
            self._assign(created_needs, teachers, schools)
        self._evaluate(counties, staff)

    def _assign(self, needs: list[Need], teachers: dict, schools: list) -> None:
        rnd = self.random
        county_of = dict(schools)
        assignments = []
        for need in needs:
            pool = teachers.get(county_of[need.school_id])
            if not pool:
                continue
            teacher = rnd.choice(pool)
            # A live (accepted or proposed) assignment only while the teacher has
            # room, as matching keeps it; otherwise the work is already completed.
            status = assignment_status_for(
                need.status,
                # Matching proposes for open needs; the rest hold taken places.
                taken=need.status != NeedStatus.OPEN,
                room=teacher[1] > 0,
            )
            if status is None or (
                status == AssignmentStatus.PROPOSED and rnd.random() >= 0.1
            ):
                continue
            if status != AssignmentStatus.COMPLETED:
                teacher[1] -= 1
            assignments.append(
                Assignment(
                    need=need,
                    teacher_id=teacher[0],
                    status=status,
                    score=round(rnd.uniform(40, 110), 1),
                )
            )
        created = Assignment.objects.bulk_create(assignments)
        activities = []
        for assignment in created:
            if assignment.status == AssignmentStatus.PROPOSED or rnd.random() < 0.5:
                continue
            need = assignment.need
            for _ in range(rnd.randint(1, 3)):
                span = max((need.end_date - need.start_date).days, 1)
                activities.append(
                    Activity(
                        assignment=assignment,
                        date=need.start_date + dt.timedelta(days=rnd.randint(0, span)),
                        kind=rnd.choice(ActivityKind.values),
                        hours=Decimal(rnd.choice(["1.5", "2", "3", "4"])),
                        local_teachers_reached=rnd.randint(0, 12),
                        students_reached=rnd.randint(0, 60),
                        disputed=rnd.random() < 0.02,
                    )
                )
        Activity.objects.bulk_create(activities, batch_size=BATCH)

    def _evaluate(self, counties: list[County], staff: dict) -> None:
        framework, _ = Framework.objects.get_or_create(
            name="看板基准评价体系", defaults={"subject_type": SubjectType.TEACHER}
        )
        today = timezone.localdate()
        for county in counties:
            if EvaluationCycle.objects.filter(county=county).exists():
                continue
            cycle = EvaluationCycle.objects.create(
                name=f"{county.name}基准考核",
                county=county,
                framework=framework,
                start_date=today - dt.timedelta(days=365),
                end_date=today - dt.timedelta(days=30),
                status=CycleStatus.CLOSED,
                closed_at=timezone.now() - dt.timedelta(days=20),
            )
            evaluations = self._scored(
                cycle, SubjectType.TEACHER, Teacher.objects.filter(county=county)
            )
            school_evaluations = self._scored(
                cycle,
                SubjectType.SCHOOL,
                School.objects.filter(county=county, kind="assisted"),
            )
            Evaluation.objects.bulk_create(evaluations + school_evaluations)
            Rating.objects.bulk_create(
                [
                    Rating(
                        evaluation=evaluation,
                        rater_id=staff[evaluation.school_id],
                        rater_role=RaterRole.SCHOOL,
                        status=RatingStatus.SUBMITTED
                        if self.random.random() < 0.7
                        else RatingStatus.PENDING,
                    )
                    for evaluation in school_evaluations
                    if evaluation.school_id in staff
                ]
            )

    def _scored(self, cycle, subject_type: str, subjects) -> list[Evaluation]:
        """Graded evaluations of ``subjects`` in ``cycle`` (the subject type names
        the evaluation's field: teacher or school)."""
        return [
            Evaluation(
                cycle=cycle,
                subject_type=subject_type,
                **{subject_type: subject},
                status=EvaluationStatus.SCORED,
                **self._result(),
            )
            for subject in subjects
        ]

    def _result(self) -> dict:
        grade, centre = self.random.choices(GRADES, [2, 4, 3, 1])[0]
        score = max(0.0, min(100.0, self.random.gauss(centre, 3)))
        return {"grade": grade, "score": Decimal(f"{score:.2f}")}

    def _analyse(self) -> None:
        """What autovacuum would do after a bulk load: statistics for the planner and
        the visibility map that lets it use index-only scans."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def _clean(self) -> None:
        counties = County.objects.filter(province=PROVINCE)
        needs = Need.objects.filter(school__county__in=counties)
        with transaction.atomic():
            # Raw deletes: the collector would write a history row for each of the
            # hundred thousand rows. Rows that point at them go first (a run's
            # reasons go with the run).
            for model in (Diagnosis, PlanGoal, NeedTransition):
                model.objects.filter(need__in=needs).delete()
            activities = Activity.objects.filter(assignment__need__in=needs)
            activities._raw_delete(activities.db)
            assignments = Assignment.objects.filter(need__in=needs)
            assignments._raw_delete(assignments.db)
            Rating.objects.filter(evaluation__cycle__county__in=counties).delete()
            EvaluationCycle.objects.filter(county__in=counties).delete()
            MatchingRun.objects.filter(county__in=counties).delete()
            needs._raw_delete(needs.db)
            User.objects.filter(school__county__in=counties).delete()
            User.objects.filter(username=BENCH_COORDINATOR).delete()
            Teacher.objects.filter(county__in=counties).delete()
            School.objects.filter(county__in=counties).delete()
            deleted, _ = counties.delete()
        self.stdout.write(f"deleted the benchmark rows ({deleted} counties)")
