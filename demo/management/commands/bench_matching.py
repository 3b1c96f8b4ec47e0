"""``manage.py bench_matching --scale county|province|national``

Generates synthetic but realistic data in the configured database (once; it is
tagged and reused), runs ONE matching run end to end through the production service
(read, build pairs, solve, write proposals in one transaction) and prints, as its
last line::

    bench_matching scale=<s> needs=<n> teachers=<t> pairs=<p> proposed=<k>
    solve_s=<x> end_to_end_s=<y> optimal_gap=<g> greedy_score_ratio=<r>
    io_floor_s=<f> ratio=<y/f> cpu_s=<c> cpu_ratio=<c/cores/f>

(on one line). ``io_floor_s`` is the run's I/O floor measured around it, in
the same process on the same data (:mod:`matching.floor`: read the inputs just
before the run, COPY as many rows into temporary tables after it, no solving)
and ``ratio`` is ``end_to_end_s`` over it. ``cpu_s`` is the CPU time the whole
machine spent while the run went on (``/proc/stat``: this process, the database
and the kernel; on a quiet machine, the run's own work), and ``cpu_ratio`` the
ratio no schedule of that work could beat on this machine's cores: ``cpu_s``
shared perfectly among all cores, over the floor (``nan`` where ``/proc/stat``
is missing). ``optimal_gap`` is the relative gap
between the run's total score and
an independent LP optimum (``solver.lp_optimum``, SciPy/HiGHS) of the same inputs,
computed in the same command (0 when the run is exact); ``greedy_score_ratio`` is the
run's total over that of ``solver.greedy`` on the same inputs.

The data: ``solver.make_instance`` (Zipf-popular families, need windows of 30-150
days, headcounts 1-3, teacher availability of 60-365 days, capacity 1-5, 1-3 skills
mostly in one family, about one county per 400 needs with 1-3 assisted schools
each), drawn from the whole current specialty catalogue in the database (the 19
families, their 88 classes and 358 specialties, so that pairs match exactly, by class
or by family), and written as County / School / Need / Teacher / TeacherSkill
rows with PostgreSQL ``COPY`` (``bulk_create`` elsewhere). Benchmark rows are
recognised by their counties (province ``基准测试``, codes ``BM<scale letter>…``);
each scale has its own counties, so scales coexist and are reused. Before each run
the proposals, reasons and runs of earlier benchmark runs of the scale are deleted.
``--reset`` deletes every benchmark row first (``--clean`` only deletes).
The run covers the benchmark counties of the scale only, never real data.
"""

# Every SQL string here is built from constants and integer ids this command made.
# ruff: noqa: S608

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from demo.world import Builder, copy_rows, need_row, write_needs
from matching import floor, pipeline, solver
from matching.models import MatchingRun, RunStatus
from matching.runs import matching_run_execute
from needs.models import NeedKind, NeedStatus, Specialty
from places.models import County

SCALES = {
    # needs, teachers
    "county": (1_000, 200),
    "province": (10_000, 2_000),
    "national": (100_000, 20_000),
}
SEED = 20241101
PROVINCE = "基准测试"
HOME_PROVINCE = "基准测试-派出地"
BENCH_USER = "bench_matching"
SUPPORTING_SCHOOLS = 12
NEED_KINDS = [k for k in NeedKind.values if k != NeedKind.OTHER]

_PROC_STAT = Path("/proc/stat")


def machine_cpu_seconds() -> float:
    """CPU time the machine has spent working since it started (every core, every
    process and the kernel: user, nice, system, irq and softirq time; idle, I/O
    wait and time stolen by a hypervisor left out), or nan without
    ``/proc/stat``."""
    try:
        ticks = [int(x) for x in _PROC_STAT.read_text().split("\n", 1)[0].split()[1:]]
        busy = sum(ticks[i] for i in (0, 1, 2, 5, 6))
    except (OSError, ValueError, IndexError):
        return float("nan")
    return busy / os.sysconf("SC_CLK_TCK")


def _code(scale: str, index: int) -> str:
    return f"BM{scale[0].upper()}{index:05d}"


def _home_code(scale: str) -> str:
    return f"BM{scale[0].upper()}HOME"


def _dates(ordinals: np.ndarray) -> list[str]:
    days = np.asarray(ordinals, dtype=np.int64) - date(1970, 1, 1).toordinal()
    return np.datetime_as_string(days.astype("datetime64[D]")).tolist()


def specialty_catalogue() -> list[list[tuple[int, int]]]:
    """Per family (by code): its current specialties as (specialty id, class id),
    for ``solver.make_instance(catalogue=...)``."""
    by_family: dict[str, list[tuple[int, int]]] = {}
    rows = (
        Specialty.objects.current()
        .order_by("family__code", "code")
        .values_list("family__code", "id", "specialty_class_id")
    )
    for family_code, specialty_id, class_id in rows:
        by_family.setdefault(family_code, []).append((specialty_id, class_id))
    if not by_family:
        raise CommandError("the specialty catalogue is empty: run migrate first")
    return list(by_family.values())


class Command(BaseCommand):
    help = "Benchmark one matching run end to end on synthetic national-scale data."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="county")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete every benchmark row (all scales) and generate afresh.",
        )
        parser.add_argument(
            "--clean",
            action="store_true",
            help="Only delete every benchmark row, then stop.",
        )
        parser.add_argument(
            "--skip-lp",
            action="store_true",
            help="Do not compute the LP optimum (optimal_gap is then reported as nan).",
        )

    # ------------------------------------------------------------------ driver

    def handle(self, *args, scale: str, reset: bool, clean: bool, skip_lp: bool, **kw):
        self.postgres = connection.vendor == "postgresql"
        if clean or reset:
            removed = self._delete_all()
            self.stdout.write(f"deleted benchmark data ({removed} counties)")
            if clean:
                return
        n_needs, n_teachers = SCALES[scale]
        counties = self._ensure_data(scale, n_needs, n_teachers)
        self._forget_runs(counties)

        baseline_inputs = pipeline.read_inputs(counties)
        # Warm up as a worker process is after its first task: the solver's
        # OR-Tools and SciPy imports are not part of a run.
        solver.solve(*solver.make_instance(50, 10, seed=1))
        reads = floor.read(counties)  # the floor's reads, of what the run reads
        user = User.objects.get(username=BENCH_USER)
        run = MatchingRun.objects.create(county=None, started_by=user)
        cpu0 = machine_cpu_seconds()
        t0 = time.perf_counter()
        run = matching_run_execute(run.pk, fan_out=False, counties=counties)
        end_to_end = time.perf_counter() - t0
        cpu_s = machine_cpu_seconds() - cpu0
        cores = os.cpu_count() or 1
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"run #{run.pk} ended {run.status}: {run.error}")
        stats = run.stats
        total = float(stats["total_score"])
        io_floor = floor.measure(reads, stats["proposed"], stats["unmatched"])

        kwargs = baseline_inputs.solver_kwargs()
        args3 = (
            baseline_inputs.needs,
            baseline_inputs.teachers,
            baseline_inputs.skills,
        )
        t1 = time.perf_counter()
        greedy = solver.greedy(*args3, **kwargs)
        greedy_s = time.perf_counter() - t1
        if skip_lp:
            gap, lp, lp_s = float("nan"), float("nan"), 0.0
        else:
            t2 = time.perf_counter()
            lp = solver.lp_optimum(*args3, **kwargs)
            lp_s = time.perf_counter() - t2
            gap = max(0.0, (lp - total) / lp) if lp > 0 else 0.0
        ratio = total / greedy.total_score if greedy.total_score else float("nan")

        timings = stats["timings"]
        self.stdout.write(
            "run #{id}: read {read_s:.3f}s, solve {solve_s:.3f}s (pairs "
            "{build_pairs_s:.3f}s, flow {flow_s:.3f}s, assemble {assemble_s:.3f}s) in "
            "{parts} parts while writing, write tail {write_tail_s:.3f}s, service "
            "{total_s:.3f}s before commit".format(
                id=run.pk, parts=stats.get("parts", 1), **timings
            )
        )
        self.stdout.write(
            f"components {stats['components']}, open places {stats['open_places']}, "
            f"free capacity {stats['free_capacity']}, unmatched {stats['unmatched']} "
            f"{stats['reasons']}"
        )
        self.stdout.write(
            f"I/O floor {io_floor.total_s:.3f}s: read {io_floor.read_s:.3f}s, "
            f"COPY of {stats['proposed']} proposals and {stats['unmatched']} reasons "
            f"into temporary tables {io_floor.write_s:.3f}s"
        )
        self.stdout.write(
            f"CPU: the machine was busy for {cpu_s:.3f} CPU-seconds during the run, "
            f"{cpu_s / end_to_end:.2f} of its {cores} cores on average"
        )
        self.stdout.write(
            f"total score {total:.2f}; greedy {greedy.total_score:.2f} "
            f"({len(greedy.proposals)} proposals, {greedy_s:.2f}s); LP optimum "
            f"{lp:.2f} ({lp_s:.2f}s)"
        )
        if lp == lp:
            self.stdout.write(
                f"run total {total:.4f} vs LP optimum {lp:.4f}: difference "
                f"{max(lp - total, 0.0):.4f} points (the flow's costs are integers, 1/"
                f"{solver.SCALE} point per pair)"
            )
        # Reported to 6 decimals: below that, the difference is the rounding of
        # the flow's integer costs, not a worse assignment.
        gap_text = "nan" if gap != gap else f"{round(gap, 6):g}"
        self.stdout.write(
            f"bench_matching scale={scale} needs={stats['needs_considered']} "
            f"teachers={stats['teachers_considered']} pairs={stats['pairs']} "
            f"proposed={stats['proposed']} solve_s={timings['solve_s']:.3f} "
            f"end_to_end_s={end_to_end:.3f} optimal_gap={gap_text} "
            f"greedy_score_ratio={ratio:.4f} io_floor_s={io_floor.total_s:.3f} "
            f"ratio={end_to_end / io_floor.total_s:.2f} cpu_s={cpu_s:.3f} "
            f"cpu_ratio={cpu_s / cores / io_floor.total_s:.2f}"
        )

    # --------------------------------------------------------------- bench rows

    def _bench_counties(self, scale: str | None = None) -> list[int]:
        queryset = County.objects.filter(province=PROVINCE)
        if scale is not None:
            queryset = queryset.filter(code__startswith=_code(scale, 0)[:3])
        return list(queryset.order_by("id").values_list("id", flat=True))

    def _ensure_data(self, scale: str, n_needs: int, n_teachers: int) -> list[int]:
        counties = self._bench_counties(scale)
        if counties:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM needs_need n JOIN needs_school s"
                    " ON s.id = n.school_id WHERE s.county_id = ANY(%s)"
                    if self.postgres
                    else "SELECT COUNT(*) FROM needs_need n JOIN needs_school s"
                    " ON s.id = n.school_id WHERE s.county_id IN"
                    f" ({','.join(map(str, counties))})",
                    [counties] if self.postgres else [],
                )
                found = cursor.fetchone()[0]
            if found == n_needs:
                self.stdout.write(f"reusing the {scale} benchmark data")
                return counties
            self.stdout.write(f"incomplete {scale} benchmark data: regenerating")
            self._delete_scale(scale)
        t0 = time.perf_counter()
        with transaction.atomic():
            counties = self._generate(scale, n_needs, n_teachers)
        if self.postgres:
            with connection.cursor() as cursor:
                for table in (
                    "needs_need",
                    "needs_school",
                    "teams_teacher",
                    "teams_teacherskill",
                    "matching_assignment",
                ):
                    cursor.execute(f"ANALYZE {table}")
        self.stdout.write(
            f"generated {scale} data: {n_needs} needs, {n_teachers} teachers in "
            f"{len(counties)} counties ({time.perf_counter() - t0:.1f}s)"
        )
        return counties

    def _generate(self, scale: str, n_needs: int, n_teachers: int) -> list[int]:
        catalogue = specialty_catalogue()
        needs, teachers, skills = solver.make_instance(
            n_needs, n_teachers, seed=SEED, catalogue=catalogue
        )
        rng = np.random.default_rng(SEED + 1)
        now = timezone.now()
        build = Builder()
        user = build.person(BENCH_USER, role=Role.SCHOOL_STAFF, is_active=False)

        # Counties and schools.
        n_counties = int(needs.county.max())
        county_ids = copy_rows(
            "needs_county",
            ["name", "province", "code"],
            [
                (f"基准{scale}县{c:04d}", PROVINCE, _code(scale, c))
                for c in range(1, n_counties + 1)
            ],
        )
        home_county = build.county(
            code=_home_code(scale), name=f"基准{scale}派出市", province=HOME_PROVINCE
        )
        n_schools = int(needs.school.max())
        # make_instance numbers schools county by county; recover each one's county.
        school_county = np.zeros(n_schools + 1, dtype=np.int64)
        school_county[needs.school] = needs.county
        missing = np.flatnonzero(school_county[1:] == 0) + 1
        for school in missing.tolist():  # a school that drew no need
            school_county[school] = school_county[school - 1] or 1
        school_ids = copy_rows(
            "needs_school",
            ["name", "county_id", "kind"],
            [
                (
                    f"基准{scale}第{s}职业中学",
                    county_ids[school_county[s] - 1],
                    "assisted",
                )
                for s in range(1, n_schools + 1)
            ],
        )
        home_ids = copy_rows(
            "needs_school",
            ["name", "county_id", "kind"],
            [
                (f"基准{scale}支援学校{h}", home_county.pk, "supporting")
                for h in range(1, SUPPORTING_SCHOOLS + 1)
            ],
        )
        copy_rows(
            "needs_county_neighbours",
            ["from_county_id", "to_county_id"],
            [
                pair
                for a, b in solver.make_neighbours(n_counties)
                for pair in (
                    (county_ids[a - 1], county_ids[b - 1]),
                    (county_ids[b - 1], county_ids[a - 1]),
                )
            ],
            returning=False,
        )

        # Specialties are the catalogue's own ids (make_instance drew them).
        need_spec = needs.specialty
        stamp = now.isoformat()
        starts, ends = _dates(needs.start), _dates(needs.end)
        priority = np.rint(needs.priority).astype(np.int64)
        urgency = np.minimum(1 + priority // 25, 5)
        kinds = rng.choice(NEED_KINDS, n_needs).tolist()
        # Every need is open: submitted and approved by the benchmark's user.
        write_needs(
            need_row(
                NeedStatus.OPEN,
                staff=user.pk,
                coordinator=user.pk,
                at={"create": now, "submit": now, "approve": now},
                school_id=school_ids[int(needs.school[i]) - 1],
                specialty_id=int(need_spec[i]),
                kind=kinds[i],
                title=f"基准需求{i + 1}",
                description="",
                headcount=int(needs.headcount[i]),
                start_date=starts[i],
                end_date=ends[i],
                urgency=int(urgency[i]),
                priority_score=int(priority[i]),
                created_at=now,
                updated_at=now,
            )
            for i in range(n_needs)
        )

        # Teachers (ids from make_instance are 1..n in shuffled order) and skills.
        order = np.argsort(teachers.id)
        froms = _dates(teachers.available_from[order])
        untils = _dates(teachers.available_until[order])
        t_county = teachers.county[order]
        t_capacity = teachers.free_capacity[order]
        homes = rng.integers(0, len(home_ids), n_teachers)
        teacher_ids = copy_rows(
            "teams_teacher",
            [
                "name",
                "home_school_id",
                "title",
                "county_id",
                "phone",
                "available_from",
                "available_until",
                "capacity",
                "active",
                "can_lead",
                "created_at",
                "updated_at",
            ],
            [
                (
                    f"基准教师{t + 1}",
                    home_ids[int(homes[t])],
                    "讲师",
                    county_ids[int(t_county[t]) - 1],
                    "",
                    froms[t],
                    untils[t],
                    int(t_capacity[t]),
                    True,
                    False,
                    stamp,
                    stamp,
                )
                for t in range(n_teachers)
            ],
        )
        skill_spec = skills.specialty
        best: dict[tuple[int, int], int] = {}
        for t, s, level in zip(
            skills.teacher.tolist(),
            skill_spec.tolist(),
            skills.level.tolist(),
            strict=True,
        ):
            key = (teacher_ids[t - 1], s)
            best[key] = max(best.get(key, 0), level)
        copy_rows(
            "teams_teacherskill",
            ["teacher_id", "specialty_id", "level"],
            [(t, s, level) for (t, s), level in best.items()],
            returning=False,
        )
        return county_ids

    # ---------------------------------------------------------------- cleaning

    def _forget_runs(self, counties: list[int]) -> None:
        """Delete the proposals, reasons and runs of earlier benchmark runs."""
        with transaction.atomic(), connection.cursor() as cursor:
            need_ids = self._need_subquery(counties)
            bench_runs = (
                "SELECT r.id FROM matching_matchingrun r JOIN accounts_user u ON"
                f" u.id = r.started_by_id WHERE u.username = '{BENCH_USER}'"
            )
            cursor.execute(
                f"DELETE FROM matching_unmatchedneeds WHERE run_id IN ({bench_runs})"
                f" OR run_id IN ({self._county_runs(counties)})"
            )
            cursor.execute(
                f"DELETE FROM matching_assignment WHERE need_id IN ({need_ids})"
                f" OR run_id IN ({bench_runs})"
            )
            cursor.execute(
                f"DELETE FROM matching_matchingrun WHERE id IN ({bench_runs})"
            )
        if self.postgres:
            # Outside any transaction: the deleted rows must not cost the new run.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE matching_assignment")
                cursor.execute("VACUUM ANALYZE matching_unmatchedneeds")

    def _county_runs(self, counties: list[int]) -> str:
        ids = ",".join(str(int(c)) for c in counties) or "NULL"
        return f"SELECT id FROM matching_matchingrun WHERE county_id IN ({ids})"

    def _need_subquery(self, counties: list[int]) -> str:
        ids = ",".join(str(int(c)) for c in counties) or "NULL"
        return (
            "SELECT n.id FROM needs_need n JOIN needs_school s ON s.id = n.school_id"
            f" WHERE s.county_id IN ({ids})"
        )

    def _delete(self, counties: list[int]) -> None:
        if not counties:
            return
        ids = ",".join(str(int(c)) for c in counties)
        need_ids = self._need_subquery(counties)
        teacher_ids = f"SELECT id FROM teams_teacher WHERE county_id IN ({ids})"
        statements = [
            "DELETE FROM matching_unmatchedneeds WHERE run_id IN"
            f" ({self._county_runs(counties)})",
            f"DELETE FROM matching_activity WHERE assignment_id IN (SELECT id FROM"
            f" matching_assignment WHERE need_id IN ({need_ids}) OR teacher_id IN"
            f" ({teacher_ids}))",
            f"DELETE FROM matching_assignment WHERE need_id IN ({need_ids})"
            f" OR teacher_id IN ({teacher_ids})",
            f"DELETE FROM matching_matchingrun WHERE county_id IN ({ids})",
            f"DELETE FROM needs_needtransition WHERE need_id IN ({need_ids})",
            f"DELETE FROM needs_plangoal WHERE need_id IN ({need_ids})",
            f"DELETE FROM needs_diagnosis WHERE need_id IN ({need_ids})",
            f"DELETE FROM needs_need WHERE id IN ({need_ids})",
            f"DELETE FROM teams_teacherskill WHERE teacher_id IN ({teacher_ids})",
            f"DELETE FROM teams_team_members WHERE teacher_id IN ({teacher_ids})",
            f"DELETE FROM teams_teacher WHERE county_id IN ({ids})",
            f"DELETE FROM needs_county_neighbours WHERE from_county_id IN ({ids})"
            f" OR to_county_id IN ({ids})",
            f"DELETE FROM needs_school WHERE county_id IN ({ids})",
            f"DELETE FROM needs_county WHERE id IN ({ids})",
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def _delete_scale(self, scale: str) -> None:
        self._forget_runs(self._bench_counties(scale))
        self._delete(self._bench_counties(scale))
        self._delete(
            list(
                County.objects.filter(code=_home_code(scale)).values_list(
                    "id", flat=True
                )
            )
        )

    def _delete_all(self) -> int:
        counties = self._bench_counties()
        homes = list(
            County.objects.filter(province=HOME_PROVINCE).values_list("id", flat=True)
        )
        # Outside the transaction: forgetting the runs vacuums the tables.
        self._forget_runs(counties)
        with transaction.atomic():
            self._delete(counties)
            self._delete(homes)
        return len(counties)
