"""``manage.py bench_planning --scale county|province|national [--steps 20]``

On the benchmark data of ``bench_matching`` (its own generator, reused: generated
once and tagged), computes a recruitment plan of every benchmark county of the scale
for a year from the data's first day, as the API does (read the problem, plan), and
times it. Then checks every step against a full re-solve of the whole problem with
the recruits so far (outside the timing). Last line::

    bench_planning scale=<s> needs=<n> teachers=<t> candidates=<c> steps=<k>
    total_s=<x> resolves=<r> exact=<0|1>

(on one line). ``steps``: recruits placed; ``resolves``: block re-solves the plan
needed; ``exact=1``: every step's gain equals the difference of the full optima.
Proposals of earlier benchmark runs are removed first (the plan starts from the
same situation as ``bench_matching``'s run)."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from demo.management.commands import bench_matching
from matching import pipeline
from planning import greedy, problem
from planning.problem import with_recruits

FIRST_DAY = dt.date(2025, 9, 1)  # make_instance's default first day


class Command(BaseCommand):
    help = "Benchmark a recruitment plan on the matching benchmark's data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=sorted(bench_matching.SCALES), default="province"
        )
        parser.add_argument("--steps", type=int, default=20)

    def handle(self, *args, scale: str, steps: int, **options):
        generator = bench_matching.Command(stdout=self.stdout, stderr=self.stderr)
        generator.postgres = connection.vendor == "postgresql"
        n_needs, n_teachers = bench_matching.SCALES[scale]
        counties = generator._ensure_data(scale, n_needs, n_teachers)
        generator._forget_runs(counties)

        start, end = FIRST_DAY, FIRST_DAY + dt.timedelta(days=364)
        t0 = time.perf_counter()
        inputs = pipeline.read_inputs(counties)
        read_s = time.perf_counter() - t0
        plan = greedy.plan(
            inputs,
            start=problem.day(start),
            end=problem.day(end),
            budget=steps,
            min_gain=0.0,
            capacity=settings.PLANNING_RECRUIT_CAPACITY,
            level=settings.PLANNING_RECRUIT_LEVEL,
        )
        total_s = time.perf_counter() - t0

        t1 = time.perf_counter()
        exact = plan.baseline.objective == problem.solve(inputs).objective
        before = plan.baseline.objective
        for index, step in enumerate(plan.steps):
            after = problem.solve(
                with_recruits(inputs, plan.recruits_upto(index + 1))
            ).objective
            exact = exact and after - before == step.objective_gain
            before = after
        check_s = time.perf_counter() - t1

        self.stdout.write(
            f"read {read_s:.3f}s, blocks and baseline {plan.timings['setup']:.3f}s, "
            f"greedy {plan.timings['greedy']:.3f}s; {len(plan.steps)} rows, "
            f"places {plan.baseline.places_met} -> {plan.final.places_met}, score "
            f"{plan.baseline.score:.2f} -> {plan.final.score:.2f}; full re-solve "
            f"check {check_s:.2f}s"
        )
        self.stdout.write(
            f"bench_planning scale={scale} needs={len(inputs.needs)} "
            f"teachers={int((inputs.teachers.free_capacity > 0).sum())} "
            f"candidates={plan.candidates} steps={plan.recruits} "
            f"total_s={total_s:.3f} resolves={plan.resolves} exact={int(exact)}"
        )
