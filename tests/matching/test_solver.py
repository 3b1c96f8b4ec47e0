"""Property and hand-worked tests of matching.solver (plain Python, no Django).

Every result is re-checked against plain-Python reference code: a naive double
loop for the feasible pairs and their scores, an exhaustive (memoised)
enumeration of all assignments for the optimum, and the definitions of the
reason codes.
"""

import itertools
import math
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from matching import solver  # noqa: E402

W = solver.Weights()


# --------------------------------------------------------------------------
# Plain-Python instances and reference implementations
# --------------------------------------------------------------------------


@dataclass
class Inst:
    # needs: (id, school, county, specialty, family, class, start, end, headcount,
    #         prio)
    needs: list[tuple]
    # teachers: (id, county, available_from, available_until, free_capacity)
    teachers: list[tuple]
    # skills: (teacher id, specialty, family, class, level)
    skills: list[tuple]
    weights: solver.Weights = W
    covered: list[int] = field(default_factory=list)
    neighbours: list[tuple[int, int]] = field(default_factory=list)
    excluded: list[tuple[int, int]] = field(default_factory=list)

    def arrays(self):
        def cols(rows, n):
            return [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * n

        nd = cols(self.needs, 10)
        td = cols(self.teachers, 5)
        sd = cols(self.skills, 5)
        return (
            solver.Needs(*nd),
            solver.Teachers(*td),
            solver.Skills(*sd),
        )

    def kwargs(self):
        return {
            "weights": self.weights,
            "covered_schools": self.covered,
            "neighbours": self.neighbours,
            "excluded_pairs": self.excluded,
        }


def solve(inst):
    return solver.solve(*inst.arrays(), **inst.kwargs())


def greedy(inst):
    return solver.greedy(*inst.arrays(), **inst.kwargs())


def lp(inst):
    return solver.lp_optimum(*inst.arrays(), **inst.kwargs())


def reachable(inst, need_county, teacher_county):
    """None if not reachable, else 'same' / 'neighbour'."""
    if need_county == teacher_county:
        return "same"
    nb = {frozenset(p) for p in inst.neighbours}
    if frozenset((need_county, teacher_county)) in nb:
        return "neighbour"
    return None


def spec_score(inst, need, teacher_id):
    """Best specialty contribution of a teacher for a need, None if no skill."""
    w = inst.weights
    best = None
    for t_id, spec, fam, klass, level in inst.skills:
        if t_id != teacher_id or fam != need[4]:
            continue
        if spec == need[3]:
            weight = w.specialty_exact
        elif klass == need[5] and klass != -1:
            weight = w.specialty_class
        else:
            weight = w.specialty_family
        value = weight * level / 5
        best = value if best is None else max(best, value)
    return best


def overlap_days(need, teacher):
    return min(need[7], teacher[3]) - max(need[6], teacher[2]) + 1


def naive_pairs(inst):
    """(need id, teacher id) -> (specialty, overlap, place, priority, score)."""
    w = inst.weights
    excluded = set(inst.excluded)
    out = {}
    for need in inst.needs:
        for teacher in inst.teachers:
            if (need[0], teacher[0]) in excluded:
                continue
            where = reachable(inst, need[2], teacher[1])
            spec = spec_score(inst, need, teacher[0])
            ov = overlap_days(need, teacher)
            if where is None or spec is None or ov <= 0:
                continue
            over = w.overlap * ov / (need[7] - need[6] + 1)
            place = w.place_same if where == "same" else w.place_neighbour
            prio = w.priority * need[9] / 100
            out[need[0], teacher[0]] = (
                spec,
                over,
                place,
                prio,
                spec + over + place + prio,
            )
    return out


def bonus_schools(inst):
    if round(inst.weights.coverage * solver.SCALE) == 0:
        return set()
    return {n[1] for n in inst.needs} - set(inst.covered)


def brute_force(inst):
    """Exact optimum by enumerating, need by need, every subset of teachers."""
    pairs = naive_pairs(inst)
    caps = {t[0]: t[4] for t in inst.teachers}
    tids = [t[0] for t in inst.teachers]
    eligible = bonus_schools(inst)
    needs = inst.needs

    @cache
    def rec(i, left, got_bonus):
        if i == len(needs):
            return 0.0
        need = needs[i]
        cand = [k for k, t in enumerate(tids) if (need[0], t) in pairs and left[k] > 0]
        best = rec(i + 1, left, got_bonus)
        for size in range(1, min(need[8], len(cand)) + 1):
            for sub in itertools.combinations(cand, size):
                gain = sum(pairs[need[0], tids[k]][4] for k in sub)
                new_left = tuple(v - (k in sub) for k, v in enumerate(left))
                bonus = got_bonus
                if need[1] in eligible and need[1] not in got_bonus:
                    gain += inst.weights.coverage
                    bonus = got_bonus | frozenset([need[1]])
                best = max(best, gain + rec(i + 1, new_left, bonus))
        return best

    return rec(0, tuple(caps[t] for t in tids), frozenset())


def true_reason(inst, need, proposed=()):
    """First reason (in the documented order) that holds for a need.

    ``proposed``: teachers proposed for the need in this run (they cannot take
    a second place in it).
    """
    excluded = set(inst.excluded) | {(need[0], t) for t in proposed}
    with_spec = [
        t
        for t in inst.teachers
        if reachable(inst, need[2], t[1]) and spec_score(inst, need, t[0]) is not None
    ]
    if not with_spec:
        return {"no_teacher_with_specialty"}
    in_window = [t for t in with_spec if overlap_days(need, t) > 0]
    if not in_window:
        return {"no_availability_in_window"}
    free = [t for t in in_window if t[4] > 0 and (need[0], t[0]) not in excluded]
    if not free:
        return {"capacity_exhausted"}
    return {"outscored"}


def check_result(inst, result, *, strong_outscored=True):
    """Every invariant of a Result (solve or greedy) against the references."""
    pairs = naive_pairs(inst)
    caps = {t[0]: t[4] for t in inst.teachers}
    heads = {n[0]: n[8] for n in inst.needs}
    school = {n[0]: n[1] for n in inst.needs}
    eligible = bonus_schools(inst)

    seen = [(p.need, p.teacher) for p in result.proposals]
    assert len(seen) == len(set(seen)), "a pair was proposed twice"
    assert not set(seen) & set(inst.excluded), "an excluded pair was proposed"
    per_teacher = Counter(t for _, t in seen)
    per_need = Counter(n for n, _ in seen)
    for t, used in per_teacher.items():
        assert used <= caps[t]
    for n, used in per_need.items():
        assert used <= heads[n]
    assert result.pairs == len(pairs)

    bonus_per_school = Counter()
    for p in result.proposals:
        assert (p.need, p.teacher) in pairs, "infeasible pair proposed"
        assert isinstance(p.need, int)
        assert isinstance(p.teacher, int)
        ref = pairs[p.need, p.teacher]
        b = p.breakdown
        assert list(b) == ["specialty", "overlap", "place", "priority", "coverage"]
        for key, value in zip(
            ["specialty", "overlap", "place", "priority"], ref, strict=False
        ):
            assert b[key] == pytest.approx(round(value, 2), abs=1e-9)
        assert p.score == pytest.approx(sum(b.values()), abs=1e-9)
        if b["coverage"]:
            assert b["coverage"] == inst.weights.coverage
            bonus_per_school[school[p.need]] += 1
    # The bonus: once per eligible school that received a teacher, never else,
    # on that school's best proposal.
    received = {school[n] for n, _ in seen}
    assert set(bonus_per_school) == received & eligible
    assert all(v == 1 for v in bonus_per_school.values())
    for p in result.proposals:
        if p.breakdown["coverage"]:
            same = [q for q in result.proposals if school[q.need] == school[p.need]]
            assert pairs[p.need, p.teacher][4] == max(
                pairs[q.need, q.teacher][4] for q in same
            )

    expected_total = sum(pairs[s][4] for s in seen) + inst.weights.coverage * len(
        received & eligible
    )
    assert result.total_score == pytest.approx(expected_total, abs=1e-6)
    assert result.total_score == pytest.approx(
        sum(p.score for p in result.proposals), abs=0.005 * len(seen) + 1e-9
    )

    # Exactly one, true, reason per need with open headcount.
    open_needs = {n for n, h in heads.items() if per_need[n] < h}
    assert set(result.unmatched) == open_needs
    by_id = {n[0]: n for n in inst.needs}
    for n, reason in result.unmatched.items():
        assert reason in solver.REASONS
        proposed = {t for m, t in seen if m == n}
        assert reason in true_reason(inst, by_id[n], proposed), (n, reason)
        if reason == "outscored" and strong_outscored:
            # Every other feasible teacher with free capacity is fully used.
            for t in inst.teachers:
                if (n, t[0]) in pairs and t[4] > 0 and t[0] not in proposed:
                    assert per_teacher[t[0]] == t[4], (n, t[0])


# --------------------------------------------------------------------------
# Hypothesis strategy: small random instances
# --------------------------------------------------------------------------

SCHOOL_COUNTY = {1: 1, 2: 1, 3: 2, 4: 3}
# family = specialty // 10; classes: 11 and 13 share one, 14 has none (a retired
# entry), every other specialty is its own class.
SPECIALTIES = [11, 12, 13, 14, 21, 22]
CLASS_OF = {11: 101, 12: 102, 13: 101, 14: -1, 21: 201, 22: 202}


def class_of(spec: int) -> int:
    return CLASS_OF.get(spec, spec * 10)


@st.composite
def instances(draw, max_needs=6, max_teachers=5, random_weights=True):
    # Mostly full-size instances; sometimes tiny or empty ones.
    n_needs = draw(st.sampled_from([max_needs, max_needs - 1, max_needs // 2, 1, 0]))
    n_teachers = draw(
        st.sampled_from([max_teachers, max_teachers - 1, max_teachers // 2, 1, 0])
    )
    needs = []
    for i in range(n_needs):
        school = draw(st.sampled_from([1, 1, 2, 2, 3, 4]))
        spec = draw(st.sampled_from(SPECIALTIES))
        start = draw(st.integers(0, 20))
        needs.append(
            (
                100 + i,
                school,
                SCHOOL_COUNTY[school],
                spec,
                spec // 10,
                class_of(spec),
                start,
                start + draw(st.integers(0, 10)),
                draw(st.integers(1, 3)),
                float(draw(st.integers(0, 100))),
            )
        )
    teacher_ids = draw(st.permutations(list(range(200, 200 + n_teachers))))
    teachers = []
    skills = []
    for tid in teacher_ids:
        start = draw(st.integers(0, 20))
        teachers.append(
            (
                tid,
                draw(st.sampled_from([1, 1, 2, 3])),
                start,
                start + draw(st.integers(-2, 30)),  # may be an empty window
                draw(st.sampled_from([0, 1, 1, 2, 3])),
            )
        )
        for spec in draw(
            st.lists(st.sampled_from(SPECIALTIES), min_size=1, max_size=3)
        ):
            skills.append(
                (tid, spec, spec // 10, class_of(spec), draw(st.integers(1, 5)))
            )
    if draw(st.booleans()):
        skills.append((999, 11, 1, 101, 5))  # a skill of an unknown teacher
    all_nb = [(1, 2), (2, 3), (3, 1)]
    neighbours = draw(st.lists(st.sampled_from(all_nb), unique=True))
    all_pairs = [(n[0], t[0]) for n in needs for t in teachers]
    excluded = (
        draw(st.lists(st.sampled_from(all_pairs), max_size=3)) if all_pairs else []
    )
    covered = draw(st.lists(st.sampled_from(sorted(SCHOOL_COUNTY)), unique=True))
    weights = W
    if random_weights and draw(st.booleans()):
        w = st.integers(1, 50).map(float)
        fam, extra_class, extra = (
            draw(w),
            draw(st.integers(0, 15)),
            draw(st.integers(0, 15)),
        )
        weights = solver.Weights(
            specialty_exact=fam + extra_class + extra,
            specialty_class=fam + extra_class,
            specialty_family=fam,
            overlap=draw(w),
            place_same=draw(w),
            place_neighbour=draw(w),
            priority=draw(w),
            coverage=draw(st.sampled_from([0.0, 5.0, 15.0, 60.0])),
        )
    return Inst(needs, teachers, skills, weights, covered, neighbours, excluded)


SETTINGS = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@SETTINGS
@given(instances())
def test_build_pairs_matches_naive_double_loop(inst):
    needs, teachers, _ = inst.arrays()
    pairs = solver.build_pairs(
        *inst.arrays(),
        weights=inst.weights,
        neighbours=inst.neighbours,
        excluded_pairs=inst.excluded,
    )
    got = {
        (int(needs.id[n]), int(teachers.id[t])): k
        for k, (n, t) in enumerate(zip(pairs.need, pairs.teacher, strict=True))
    }
    ref = naive_pairs(inst)
    assert set(got) == set(ref)
    for key, k in got.items():
        comps = (
            pairs.specialty,
            pairs.overlap,
            pairs.place,
            pairs.priority,
            pairs.score,
        )
        for arr, value in zip(comps, ref[key], strict=True):
            assert math.isclose(arr[k], value, rel_tol=1e-12, abs_tol=1e-12)


@SETTINGS
@given(instances())
def test_solve_is_optimal_feasible_and_explained(inst):
    result = solve(inst)
    check_result(inst, result)
    optimum = brute_force(inst)
    assert result.total_score == pytest.approx(optimum, abs=0.01)
    assert lp(inst) == pytest.approx(optimum, abs=0.01)
    # Deterministic.
    again = solve(inst)
    assert again.proposals == result.proposals
    assert again.unmatched == result.unmatched
    assert again.total_score == result.total_score


@SETTINGS
@given(instances())
def test_greedy_is_feasible_and_never_beats_the_optimum(inst):
    g = greedy(inst)
    check_result(inst, g)
    assert g.total_score <= solve(inst).total_score + 1e-6


@settings(deadline=None, max_examples=40, derandomize=True)
@given(instances(max_needs=12, max_teachers=10))
def test_solve_equals_lp_optimum_on_larger_instances(inst):
    result = solve(inst)
    check_result(inst, result)
    assert result.total_score == pytest.approx(lp(inst), abs=0.02)


# --------------------------------------------------------------------------
# Hand-worked cases
# --------------------------------------------------------------------------


def need(nid, school=1, county=1, spec=11, start=0, end=9, head=1, prio=0.0):
    return (
        nid,
        school,
        county,
        spec,
        spec // 10,
        class_of(spec),
        start,
        end,
        head,
        prio,
    )


def teacher(tid, county=1, start=0, end=9, cap=1):
    return (tid, county, start, end, cap)


def skill(tid, spec=11, level=5):
    return (tid, spec, spec // 10, class_of(spec), level)


def test_breakdown_hand_computed():
    # Exact level 4 -> 40*4/5 = 32; need 10 days, overlap days 5..9 = 5 -> 10;
    # same county 10; priority 50 -> 10; school uncovered -> coverage 15.
    inst = Inst(
        [need(1, prio=50.0)],
        [teacher(7, start=5, end=30)],
        [skill(7, 11, 4), skill(7, 12, 5)],  # family skill 20*5/5 = 20 < 32
    )
    r = solve(inst)
    assert len(r.proposals) == 1
    p = r.proposals[0]
    assert (p.need, p.teacher) == (1, 7)
    assert p.breakdown == {
        "specialty": 32.0,
        "overlap": 10.0,
        "place": 10.0,
        "priority": 10.0,
        "coverage": 15.0,
    }
    assert p.score == 77.0
    assert r.total_score == pytest.approx(77.0)
    assert r.unmatched == {}
    assert r.components == 1


def test_a_teacher_of_the_same_class_fits_better_than_one_of_the_family_only():
    # Like 计算机应用 (11) and 计算机平面设计 (13), class 7102, against 电子技术应用
    # (12, class 7101): at level 4, class 30*4/5 = 24 beats family 20*4/5 = 16.
    inst = Inst(
        [need(1, spec=13)],
        [teacher(7), teacher(8)],
        [skill(7, 11, 4), skill(8, 12, 4)],
    )
    pairs = solver.build_pairs(*inst.arrays())
    by_teacher = {
        int(inst.teachers[t][0]): (float(spec), bool(same))
        for t, spec, same in zip(
            pairs.teacher, pairs.specialty, pairs.same_class, strict=True
        )
    }
    assert by_teacher == {7: (24.0, True), 8: (16.0, False)}
    result = solve(inst)
    assert [(p.teacher, p.breakdown["specialty"]) for p in result.proposals] == [
        (7, 24.0)
    ]


def test_exact_beats_class_beats_family_at_the_same_level():
    inst = Inst(
        [need(1, spec=11)],
        [teacher(6), teacher(7), teacher(8)],
        [skill(6, 11, 3), skill(7, 13, 3), skill(8, 12, 3)],
    )
    pairs = solver.build_pairs(*inst.arrays())
    spec = {
        int(inst.teachers[t][0]): float(v)
        for t, v in zip(pairs.teacher, pairs.specialty, strict=True)
    }
    assert spec == {6: 24.0, 7: 18.0, 8: 12.0}


def test_specialties_without_a_class_never_match_by_class():
    # Two retired entries without a class (-1) are only of the same family.
    inst = Inst([need(1, spec=14)], [teacher(7)], [(7, 15, 1, -1, 5)])
    pairs = solver.build_pairs(*inst.arrays())
    assert pairs.specialty.tolist() == [20.0]
    assert pairs.same_class.tolist() == [False]


def test_family_skill_can_beat_weak_exact_skill():
    # Exact level 1 -> 8, family level 5 -> 20: the max (20) is used.
    inst = Inst([need(1)], [teacher(7)], [skill(7, 11, 1), skill(7, 12, 5)])
    pairs = solver.build_pairs(*inst.arrays())
    assert pairs.specialty.tolist() == [20.0]
    assert pairs.exact.tolist() == [False]


def coverage_instance(covered=(), coverage=15.0):
    # School 1: need 1, priority 50, headcount 2.  School 2: need 2, priority 0.
    # Two identical teachers, capacity 1 each.  Base score b = 40 + 20 + 10.
    # Both in school 1: 2b + 2*10 + 15 = 2b + 35.
    # Spread:           2b + 10 + 15 + 15 = 2b + 40   (wins only by the bonus)
    return Inst(
        [need(1, school=1, head=2, prio=50.0), need(2, school=2, prio=0.0)],
        [teacher(7), teacher(8)],
        [skill(7), skill(8)],
        weights=solver.Weights(coverage=coverage),
        covered=list(covered),
    )


def test_coverage_bonus_spreads_teachers_over_schools():
    inst = coverage_instance()
    r = solve(inst)
    check_result(inst, r)
    assert Counter(p.need for p in r.proposals) == {1: 1, 2: 1}
    assert r.total_score == pytest.approx(2 * 70 + 40)
    assert sorted(p.breakdown["coverage"] for p in r.proposals) == [15.0, 15.0]
    assert r.unmatched == {1: "outscored"}
    assert r.total_score == pytest.approx(brute_force(inst))
    assert lp(inst) == pytest.approx(r.total_score)


def test_without_bonus_both_teachers_go_to_the_higher_priority_school():
    inst = coverage_instance(coverage=0.0)
    r = solve(inst)
    check_result(inst, r)
    assert [p.need for p in r.proposals] == [1, 1]
    assert r.total_score == pytest.approx(2 * 70 + 20)
    assert all(p.breakdown["coverage"] == 0.0 for p in r.proposals)
    assert r.unmatched == {2: "outscored"}


def test_no_bonus_for_covered_schools():
    inst = coverage_instance(covered=[2])
    r = solve(inst)
    check_result(inst, r)
    # Only school 1 can earn the bonus: both teachers go there, bonus once.
    assert [p.need for p in r.proposals] == [1, 1]
    assert [p.breakdown["coverage"] for p in r.proposals].count(15.0) == 1
    assert r.total_score == pytest.approx(2 * 70 + 20 + 15)
    both_covered = solve(coverage_instance(covered=[1, 2]))
    assert all(p.breakdown["coverage"] == 0.0 for p in both_covered.proposals)
    assert both_covered.total_score == pytest.approx(2 * 70 + 20)


def test_greedy_strictly_worse_than_optimum():
    # t7 (exact level 5 in 11 and 21) fits needs 1 and 2; t8 (family level 1)
    # fits need 1 only.  t7-n1 = 40+20+10+20 = 90, t7-n2 = 40+20+10+10 = 80,
    # t8-n1 = 4+20+10+20 = 54.  Greedy takes t7-n1 (90) and then nothing; the
    # optimum is 80 + 54 = 134.
    inst = Inst(
        [need(1, prio=100.0), need(2, spec=21, prio=50.0)],
        [teacher(7), teacher(8)],
        [skill(7, 11, 5), skill(7, 21, 5), skill(8, 12, 1)],
        covered=[1],
    )
    g, r = greedy(inst), solve(inst)
    check_result(inst, g)
    check_result(inst, r)
    assert g.total_score == pytest.approx(90.0)
    assert r.total_score == pytest.approx(134.0)
    assert {(p.need, p.teacher) for p in r.proposals} == {(1, 8), (2, 7)}
    assert g.unmatched == {2: "outscored"}
    assert g.components == 0


def test_neighbours_allowed_or_not():
    inst = Inst([need(1, county=1)], [teacher(7, county=2)], [skill(7)])
    r = solve(inst)
    assert r.proposals == []
    assert r.unmatched == {1: "no_teacher_with_specialty"}
    inst.neighbours = [(2, 1)]  # symmetric: (2, 1) also makes 2 a neighbour of 1
    r = solve(inst)
    check_result(inst, r)
    assert [(p.need, p.teacher) for p in r.proposals] == [(1, 7)]
    assert r.proposals[0].breakdown["place"] == W.place_neighbour


def test_same_county_beats_neighbour():
    inst = Inst(
        [need(1, county=1)],
        [teacher(7, county=2), teacher(8, county=1)],
        [skill(7), skill(8)],
        neighbours=[(1, 2)],
    )
    r = solve(inst)
    assert [p.teacher for p in r.proposals] == [8]


def test_each_reason():
    inst = Inst(
        [
            need(1, spec=21),  # nobody has family 2
            need(2, start=50, end=60),  # window misses every teacher
            need(3, spec=12, county=2),  # only teacher 9 (capacity 0)
            need(4, county=3),  # only teacher 10, already assigned to need 4
            need(5),  # outscored by need 6 for teacher 7
            need(6, prio=100.0),
        ],
        [teacher(7), teacher(9, county=2, cap=0), teacher(10, county=3, cap=2)],
        [skill(7), skill(9, 12), skill(10)],
        excluded=[(4, 10)],
    )
    r = solve(inst)
    check_result(inst, r)
    assert r.unmatched == {
        1: "no_teacher_with_specialty",
        2: "no_availability_in_window",
        3: "capacity_exhausted",
        4: "capacity_exhausted",
        5: "outscored",
    }
    assert [(p.need, p.teacher) for p in r.proposals] == [(6, 7)]


def test_need_larger_than_its_teachers_is_capacity_exhausted():
    # Teacher 7 has spare capacity but serves need 1 at most once.
    inst = Inst([need(1, head=3)], [teacher(7, cap=5)], [skill(7)])
    r = solve(inst)
    check_result(inst, r)
    assert [(p.need, p.teacher) for p in r.proposals] == [(1, 7)]
    assert r.unmatched == {1: "capacity_exhausted"}


def test_empty_inputs():
    empty = Inst([], [], [])
    r = solve(empty)
    assert r.proposals == []
    assert r.unmatched == {}
    assert r.total_score == 0.0
    assert r.pairs == 0
    assert r.components == 0
    assert greedy(empty).proposals == []
    assert lp(empty) == 0.0
    assert len(solver.build_pairs(*empty.arrays())) == 0
    only_needs = Inst([need(1), need(2)], [], [])
    assert solve(only_needs).unmatched == {
        1: "no_teacher_with_specialty",
        2: "no_teacher_with_specialty",
    }
    only_teachers = Inst([], [teacher(7)], [skill(7)])
    assert solve(only_teachers).proposals == []
    no_skills = Inst([need(1)], [teacher(7)], [])
    assert solve(no_skills).unmatched == {1: "no_teacher_with_specialty"}


def test_invalid_input_is_rejected():
    with pytest.raises(ValueError):
        solver.Weights(overlap=-1)
    with pytest.raises(ValueError):
        solver.Weights(specialty_exact=10, specialty_family=20)
    with pytest.raises(ValueError):
        solver.Weights(specialty_exact=40, specialty_class=50)
    with pytest.raises(ValueError):
        solver.Weights(specialty_class=10, specialty_family=20)
    with pytest.raises(ValueError):
        Inst([need(1, start=5, end=4)], [], []).arrays()
    with pytest.raises(ValueError):
        Inst([need(1), need(1)], [], []).arrays()
    with pytest.raises(ValueError):
        solver.Teachers(
            id=[1, 2],
            county=[1],
            available_from=[0],
            available_until=[1],
            free_capacity=[1],
        )


# --------------------------------------------------------------------------
# Synthetic instances
# --------------------------------------------------------------------------


def inst_from_arrays(needs, teachers, skills, **kw):
    return Inst(
        list(
            zip(
                *(
                    getattr(needs, f).tolist()
                    for f in solver.Needs.__dataclass_fields__
                ),
                strict=True,
            )
        ),
        list(
            zip(
                *(
                    getattr(teachers, f).tolist()
                    for f in solver.Teachers.__dataclass_fields__
                ),
                strict=True,
            )
        ),
        list(
            zip(
                *(
                    getattr(skills, f).tolist()
                    for f in solver.Skills.__dataclass_fields__
                ),
                strict=True,
            )
        ),
        **kw,
    )


def test_build_pairs_matches_naive_loop_on_make_instance():
    needs, teachers, skills = solver.make_instance(150, 40, seed=3, n_counties=4)
    rng = np.random.default_rng(0)
    excluded = [
        (int(n), int(t))
        for n, t in zip(
            rng.choice(needs.id, 30), rng.choice(teachers.id, 30), strict=True
        )
    ]
    inst = inst_from_arrays(
        needs,
        teachers,
        skills,
        neighbours=solver.make_neighbours(4),
        excluded=excluded,
    )
    pairs = solver.build_pairs(
        needs, teachers, skills, neighbours=inst.neighbours, excluded_pairs=excluded
    )
    got = {
        (int(needs.id[n]), int(teachers.id[t])): float(s)
        for n, t, s in zip(pairs.need, pairs.teacher, pairs.score, strict=True)
    }
    ref = {k: v[4] for k, v in naive_pairs(inst).items()}
    assert len(ref) > 100
    assert set(got) == set(ref)
    assert all(math.isclose(got[k], ref[k], rel_tol=1e-12) for k in ref)


def test_build_pairs_scales_to_20000_needs():
    needs, teachers, skills = solver.make_instance(20_000, 4_000, seed=2)
    pairs = solver.build_pairs(needs, teachers, skills)
    assert len(pairs) > 10_000
    assert pairs.score.min() > 0
    keys = pairs.need * len(teachers) + pairs.teacher
    assert len(np.unique(keys)) == len(pairs)


def test_solve_matches_lp_and_beats_greedy_on_make_instance():
    needs, teachers, skills = solver.make_instance(3_000, 600, seed=5)
    covered = needs.school[needs.school % 3 == 0]
    kw = {
        "covered_schools": np.unique(covered).tolist(),
        "neighbours": solver.make_neighbours(8),
    }
    r = solver.solve(needs, teachers, skills, **kw)
    g = solver.greedy(needs, teachers, skills, **kw)
    opt = solver.lp_optimum(needs, teachers, skills, **kw)
    assert r.total_score == pytest.approx(opt, abs=1e-3 * len(r.proposals))
    assert g.total_score <= r.total_score + 1e-6
    assert r.components >= 1
    assert set(r.timings) >= {"build_pairs", "flow", "total"}
    # Deterministic on a larger instance too.
    r2 = solver.solve(needs, teachers, skills, **kw)
    assert r2.proposals == r.proposals
    assert r2.unmatched == r.unmatched


def test_make_instance_draws_from_a_whole_real_catalogue():
    # Three families; specialty ids and class ids as a database would have them.
    catalogue = [
        [(1001, 71), (1002, 71), (1003, 72)],
        [(2001, 81), (2002, 82), (2003, 82), (2004, 83)],
        [(3001, 91)],
    ]
    needs, teachers, skills = solver.make_instance(
        3_000, 600, seed=7, catalogue=catalogue
    )
    klass = {s: k for family in catalogue for s, k in family}
    used = set(needs.specialty.tolist()) | set(skills.specialty.tolist())
    assert used == set(klass)  # every specialty of the catalogue is drawn
    for spec, k, fam in zip(
        needs.specialty.tolist(),
        needs.klass.tolist(),
        needs.family.tolist(),
        strict=True,
    ):
        assert klass[spec] == k
        assert spec // 1000 == fam
    for spec, k in zip(skills.specialty.tolist(), skills.klass.tolist(), strict=True):
        assert klass[spec] == k
    pairs = solver.build_pairs(needs, teachers, skills)
    assert pairs.exact.any() and pairs.same_class.any()
    assert (~pairs.exact & ~pairs.same_class).any()  # family-only pairs too
    result = solver.solve(needs, teachers, skills)
    assert result.total_score == pytest.approx(
        solver.lp_optimum(needs, teachers, skills), abs=1e-3 * len(result.proposals)
    )
