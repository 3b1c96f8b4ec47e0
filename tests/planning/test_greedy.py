"""The recruitment plan's arithmetic against brute force on small instances: each
step's gain is the difference of the two optima, and the step is the best one."""

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import pipeline, solver
from planning import greedy
from planning.problem import Recruit, with_recruits

CAPACITY, LEVEL = 2, 4


def _inputs(seed: int, n_needs: int, n_teachers: int, covered: bool):
    needs, teachers, skills = solver.make_instance(
        n_needs, n_teachers, seed=seed, n_counties=2, n_families=2
    )
    return pipeline.Inputs(
        needs=needs,
        teachers=teachers,
        skills=skills,
        covered_schools=needs.school[:1] if covered else np.zeros(0, np.int64),
        excluded_pairs=np.zeros((0, 2), np.int64),
        neighbours=[],
        weights=solver.Weights(),
        counties=None,
    )


def brute_force(inputs) -> int:
    """The optimum in the solver's integer units, by trying every set of pairs."""
    pairs = solver.build_pairs(
        inputs.needs, inputs.teachers, inputs.skills, weights=inputs.weights
    )
    usable = [
        i
        for i in range(len(pairs))
        if inputs.teachers.free_capacity[pairs.teacher[i]] > 0
    ]
    bonus = round(inputs.weights.coverage * solver.SCALE)
    covered = set(inputs.covered_schools.tolist())
    best = 0
    for size in range(len(usable) + 1):
        for chosen in itertools.combinations(usable, size):
            t = np.bincount(pairs.teacher[list(chosen)], minlength=len(inputs.teachers))
            n = np.bincount(pairs.need[list(chosen)], minlength=len(inputs.needs))
            if np.any(t > inputs.teachers.free_capacity) or np.any(
                n > inputs.needs.headcount
            ):
                continue
            value = int(-pairs.cost[list(chosen)].sum())
            schools = {int(inputs.needs.school[pairs.need[i]]) for i in chosen}
            value += bonus * len(schools - covered)
            best = max(best, value)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_needs=st.integers(2, 5),
    n_teachers=st.integers(0, 2),
    covered=st.booleans(),
)
def test_each_step_gains_the_difference_of_brute_force_optima(
    seed, n_needs, n_teachers, covered
):
    inputs = _inputs(seed, n_needs, n_teachers, covered)
    start = int(inputs.needs.start.min())
    end = start + 200
    plan = greedy.plan(
        inputs, start=start, end=end, budget=3, capacity=CAPACITY, level=LEVEL
    )
    before = brute_force(inputs)
    assert plan.baseline.objective == before
    for index, step in enumerate(plan.steps):
        after = brute_force(with_recruits(inputs, plan.recruits_upto(index + 1)))
        assert step.objective_gain == after - before
        before = after
    assert plan.final.objective == before

    if plan.steps:
        # The first step is the best single recruit of all the candidates.
        best = max(
            brute_force(
                with_recruits(
                    inputs,
                    [
                        Recruit(
                            -1,
                            c.county,
                            c.specialty,
                            c.family,
                            c.klass,
                            LEVEL,
                            start,
                            end,
                            CAPACITY,
                        )
                    ],
                )
            )
            for c in greedy.candidates_for(
                inputs, start, end, np.zeros(len(inputs.needs), bool)
            )
        )
        first = plan.steps[0]
        assert first.objective_gain // first.count <= best - plan.baseline.objective
        assert best - plan.baseline.objective <= first.objective_gain


def test_block_re_solves_match_full_re_solves_at_scale():
    needs, teachers, skills = solver.make_instance(2000, 300, seed=7)
    inputs = pipeline.Inputs(
        needs=needs,
        teachers=teachers,
        skills=skills,
        covered_schools=needs.school[:3],
        excluded_pairs=np.zeros((0, 2), np.int64),
        neighbours=solver.make_neighbours(5),
        weights=solver.Weights(),
        counties=None,
    )
    start = int(needs.start.min())
    plan = greedy.plan(
        inputs, start=start, end=start + 300, budget=8, capacity=2, check=True
    )
    assert plan.exact is True
    assert plan.recruits == 8
    assert plan.resolves < plan.candidates  # lazy: most candidates never re-solved
