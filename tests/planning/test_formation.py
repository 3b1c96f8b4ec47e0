"""The team-formation model against a brute force over every team and every way
its members may serve the needs (no database)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning import formation as f


def _best_service(problem: f.Problem, members: tuple[int, ...]) -> int:
    """Max served score of a fixed team, by trying every set of pairs."""
    caps = {c.id: c.free_capacity for c in problem.candidates}
    heads = {n.id: n.headcount for n in problem.needs}
    pairs = [(n, t, s) for (n, t), s in problem.scores.items() if t in members]
    best = 0
    for chosen in itertools.product((0, 1), repeat=len(pairs)):
        used_t: dict[int, int] = {}
        used_n: dict[int, int] = {}
        total = 0
        for take, (n, t, s) in zip(chosen, pairs, strict=True):
            if take:
                used_t[t] = used_t.get(t, 0) + 1
                used_n[n] = used_n.get(n, 0) + 1
                total += s
        if all(v <= caps[t] for t, v in used_t.items()) and all(
            v <= heads[n] for n, v in used_n.items()
        ):
            best = max(best, total)
    return best


def brute_force(problem: f.Problem) -> int | None:
    ids = [c.id for c in problem.candidates if c.id not in problem.forbidden]
    by_id = {c.id: c for c in problem.candidates}
    best = None
    for size in range(problem.min_size, problem.max_size + 1):
        for members in itertools.combinations(ids, size):
            if not problem.required <= set(members):
                continue
            leaders = [t for t in members if by_id[t].can_lead]
            if problem.leader is not None:
                leaders = [t for t in leaders if t == problem.leader]
            if not leaders:
                continue
            homes = {by_id[t].home_school for t in members}
            value = _best_service(problem, members) - problem.cohesion * len(homes)
            best = value if best is None else max(best, value)
    return best


@st.composite
def problems(draw, max_teachers=5):
    n_teachers = draw(st.integers(1, max_teachers))
    n_needs = draw(st.integers(0, 3))
    candidates = [
        f.Candidate(
            id=10 + i,
            home_school=draw(st.integers(1, 3)),
            can_lead=draw(st.booleans()),
            free_capacity=draw(st.integers(1, 2)),
        )
        for i in range(n_teachers)
    ]
    needs = [
        f.NeedSlot(id=100 + j, headcount=draw(st.integers(1, 2)))
        for j in range(n_needs)
    ]
    scores = {}
    for n in needs:
        for c in candidates:
            if draw(st.booleans()):
                scores[(n.id, c.id)] = draw(st.integers(1, 100))
    # Few pairs keep the brute force quick.
    scores = dict(list(scores.items())[:9])
    low = draw(st.integers(1, 3))
    high = draw(st.integers(low, 4))
    return f.Problem(
        needs=needs,
        candidates=candidates,
        scores=scores,
        min_size=low,
        max_size=high,
        cohesion=draw(st.sampled_from([0, 5, 30])),
    )


@settings(
    deadline=None,
    max_examples=60,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems())
def test_cp_sat_equals_the_brute_force_optimum(problem):
    answer = f.solve(problem, time_limit=10, workers=1)
    expected = brute_force(problem)
    if expected is None:
        assert answer.status == "infeasible"
        assert answer.reasons
        return
    assert answer.status == "optimal"
    assert answer.value == expected
    # The answer is a team the rules allow, worth what it says.
    by_id = {c.id: c for c in problem.candidates}
    assert problem.min_size <= len(answer.members) <= problem.max_size
    assert answer.leader in answer.members and by_id[answer.leader].can_lead
    value, _ = f.evaluate(problem, answer.members)
    assert value == expected
    served = sum(problem.scores[p] for p in answer.serves)
    homes = {by_id[t].home_school for t in answer.members}
    assert served - problem.cohesion * len(homes) == expected


@settings(
    deadline=None,
    max_examples=25,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problems(max_teachers=8))
def test_pruning_by_bounds_keeps_the_optimum_with_more_teachers(problem):
    answer = f.solve(problem, time_limit=10, workers=1)
    expected = brute_force(problem)
    if expected is None:
        assert answer.status == "infeasible"
    else:
        assert (answer.status, answer.value) == ("optimal", expected)


def _candidate(i, home=1, lead=False, cap=1):
    return f.Candidate(id=i, home_school=home, can_lead=lead, free_capacity=cap)


def test_no_teacher_able_to_lead_is_infeasible():
    problem = f.Problem(
        needs=[f.NeedSlot(1, 1)],
        candidates=[_candidate(1), _candidate(2)],
        scores={(1, 1): 50},
        min_size=1,
        max_size=3,
    )
    answer = f.solve(problem)
    assert answer.status == "infeasible"
    assert answer.reasons == [f.NO_LEADER]


def test_too_few_teachers_for_the_minimum_size_is_infeasible():
    problem = f.Problem(
        needs=[f.NeedSlot(1, 1)],
        candidates=[_candidate(1, lead=True)],
        scores={(1, 1): 50},
        min_size=3,
        max_size=5,
    )
    assert f.solve(problem).reasons == [f.TOO_FEW_TEACHERS]


def test_cohesion_prefers_members_of_one_home_school():
    needs = [f.NeedSlot(1, 1), f.NeedSlot(2, 1)]
    candidates = [
        _candidate(1, home=1, lead=True),
        _candidate(2, home=1),
        _candidate(3, home=2),
    ]
    scores = {(1, 1): 50, (2, 2): 48, (2, 3): 50}
    loose = f.solve(f.Problem(needs, candidates, scores, 2, 2, cohesion=0))
    assert loose.members == [1, 3]
    tight = f.solve(f.Problem(needs, candidates, scores, 2, 2, cohesion=10))
    assert tight.members == [1, 2]
    assert tight.value == 50 + 48 - 10


def test_a_required_member_and_a_fixed_leader_are_kept():
    needs = [f.NeedSlot(1, 1)]
    candidates = [_candidate(1, lead=True), _candidate(2, lead=True), _candidate(3)]
    scores = {(1, 1): 90, (1, 3): 10}
    answer = f.solve(
        f.Problem(needs, candidates, scores, 2, 2, required=frozenset({3}), leader=2)
    )
    assert answer.members == [2, 3]
    assert answer.leader == 2
    assert answer.serves == [(1, 3)]
