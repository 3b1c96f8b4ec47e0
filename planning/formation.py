"""Team formation (组团), solved exactly with OR-Tools CP-SAT (no Django here).

Given the open needs of an assisted school (or of a county's schools) for a period,
the available teachers with their free capacity, and the score of every feasible
(need, teacher) pair -- the matching score, computed by the caller with
:func:`matching.solver.build_pairs`, so the fit (exact specialty > class > family,
times level), the overlap, the place and the diagnosed priority are those of
matching -- choose

- the members, between ``min_size`` and ``max_size`` of them;
- exactly one leader among the members who can lead;
- which member serves which need: a member serves at most ``free_capacity`` needs,
  a need receives at most its open headcount, a pair at most once;

maximising the sum of the served pair scores minus ``cohesion`` for each home
school the members come from (a team from few schools works together better).

Scores are integers (the caller scales them, as the matching solver does with its
``SCALE``). The model::

    x[t] member, l[t] leader (only when t can lead), y[n,t] t serves n, z[h] school h
    sum l = 1;  l[t] <= x[t];  min_size <= sum x <= max_size
    y[n,t] <= x[t];  sum_n y[n,t] <= free_capacity[t] * x[t];  sum_t y[n,t] <= head[n]
    x[t] <= z[home(t)]
    maximise sum score[n,t] * y[n,t] - cohesion * sum z

:func:`evaluate` gives the exact value of a fixed member set (a min-cost flow), for
the alternatives a coordinator weighs and for the changes they make by hand.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

__all__ = [
    "NO_LEADER",
    "NO_NEEDS",
    "TOO_FEW_TEACHERS",
    "Candidate",
    "Formation",
    "NeedSlot",
    "Problem",
    "evaluate",
    "solve",
]

NO_LEADER = "no_leader"
TOO_FEW_TEACHERS = "too_few_teachers"
NO_NEEDS = "no_needs"


@dataclass(frozen=True)
class NeedSlot:
    id: int
    headcount: int  # open places, >= 1


@dataclass(frozen=True)
class Candidate:
    id: int
    home_school: int
    can_lead: bool
    free_capacity: int  # >= 1


@dataclass(frozen=True)
class Problem:
    needs: Sequence[NeedSlot]
    candidates: Sequence[Candidate]
    scores: dict[tuple[int, int], int]  # (need id, teacher id) -> points > 0
    min_size: int
    max_size: int
    cohesion: int = 0  # points per home school the members come from
    # Teachers the team must contain / must not contain, and a leader it must have.
    required: frozenset[int] = frozenset()
    forbidden: frozenset[int] = frozenset()
    leader: int | None = None


@dataclass
class Formation:
    status: str  # "optimal", "feasible", "infeasible"
    members: list[int] = field(default_factory=list)
    leader: int | None = None
    serves: list[tuple[int, int]] = field(default_factory=list)  # (need, teacher)
    value: int = 0  # served scores minus cohesion
    bound: int = 0  # proven upper bound of the value
    reasons: list[str] = field(default_factory=list)  # when infeasible
    seconds: float = 0.0

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def gap(self) -> float:
        """Relative distance to the proven bound (0.0 when optimal)."""
        if self.status == "optimal" or self.bound <= self.value:
            return 0.0
        return (self.bound - self.value) / max(abs(self.bound), 1)


def _precheck(problem: Problem) -> list[str]:
    usable = [c for c in problem.candidates if c.id not in problem.forbidden]
    reasons = []
    leaders = [c for c in usable if c.can_lead]
    if problem.leader is not None:
        leaders = [c for c in leaders if c.id == problem.leader]
    if not leaders:
        reasons.append(NO_LEADER)
    if len(usable) < problem.min_size or problem.max_size < max(
        problem.min_size, len(problem.required), 1
    ):
        reasons.append(TOO_FEW_TEACHERS)
    return reasons


def _pairs(problem: Problem) -> list[tuple[int, int, int]]:
    """(need, teacher, score) of the pairs worth modelling: a teacher serves at
    most ``free_capacity`` needs and the other members fill at most
    ``(max_size - 1) * max capacity`` places, so a teacher's pairs beyond their
    ``free_capacity + that`` best can always be exchanged for one of those at no
    loss (that need still has a free place the teacher does not serve)."""
    allowed = {c.id: c for c in problem.candidates if c.id not in problem.forbidden}
    heads = {n.id: n.headcount for n in problem.needs}
    by_teacher: dict[int, list[tuple[int, int]]] = {}
    for (need, teacher), score in problem.scores.items():
        if teacher in allowed and heads.get(need, 0) > 0 and score > 0:
            by_teacher.setdefault(teacher, []).append((score, need))
    top_cap = max((c.free_capacity for c in allowed.values()), default=0)
    others = (problem.max_size - 1) * top_cap
    out = []
    for teacher, options in by_teacher.items():
        options.sort(key=lambda item: (-item[0], item[1]))
        keep = allowed[teacher].free_capacity + others
        out.extend((need, teacher, score) for score, need in options[:keep])
    return out


def _alone(problem: Problem) -> dict[int, int]:
    """Each teacher's value alone: the sum of their ``free_capacity`` best pairs
    (every need has a place for one teacher). No team gains more from a member."""
    caps = {c.id: c.free_capacity for c in problem.candidates}
    heads = {n.id: n.headcount for n in problem.needs}
    scores: dict[int, list[int]] = {}
    for (need, teacher), points in problem.scores.items():
        if teacher in caps and heads.get(need, 0) > 0 and points > 0:
            scores.setdefault(teacher, []).append(points)
    return {
        t: sum(sorted(scores.get(t, []), reverse=True)[:cap]) for t, cap in caps.items()
    }


def _heuristic(
    problem: Problem, usable: list[Candidate], alone: dict[int, int]
) -> tuple[int, list[int], int] | None:
    """A good feasible team (value, members, leader): for a few leaders, the
    members who are worth most alone, from any home school or from the leader's."""
    leaders = [
        c
        for c in usable
        if c.can_lead and (problem.leader is None or c.id == problem.leader)
    ]
    leaders.sort(key=lambda c: (-alone[c.id], c.id))
    ranked = sorted(usable, key=lambda c: (-alone[c.id], c.id))
    best = None
    for leader in leaders[:4]:
        for same_home in (False, True):
            team = [leader.id, *(t for t in problem.required if t != leader.id)]
            first = [
                c
                for c in ranked
                if c.id not in team
                and (not same_home or c.home_school == leader.home_school)
            ]
            seen = {c.id for c in first}
            pool = first + [c for c in ranked if c.id not in team and c.id not in seen]
            for c in pool:
                if len(team) >= problem.max_size:
                    break
                if len(team) >= problem.min_size and alone[c.id] <= problem.cohesion:
                    break
                team.append(c.id)
            if not problem.min_size <= len(team) <= problem.max_size:
                continue
            value, _ = evaluate(problem, team)
            if best is None or value > best[0]:
                best = (value, sorted(team), leader.id)
    return best


def _reduce(problem: Problem, usable: list[Candidate]):
    """The candidates that may belong to an optimal team, and a good team to start
    from. A team holding ``t`` is worth at most ``alone[t]`` plus the best
    ``max_size - 1`` other values alone, minus one home school's ``cohesion``; when
    that is below the value of a known team, ``t`` is in no optimal team."""
    alone = _alone(problem)
    start = _heuristic(problem, usable, alone)
    if start is None:
        return usable, None
    values = sorted((alone[c.id] for c in usable), reverse=True)
    rest = sum(values[: problem.max_size - 1])
    kept = [
        c
        for c in usable
        if c.id in problem.required or alone[c.id] + rest - problem.cohesion >= start[0]
    ]
    return kept, start


def solve(
    problem: Problem, *, time_limit: float = 5.0, workers: int = 2, seed: int = 0
) -> Formation:
    """The best team (see the module docstring), proven optimal within
    ``time_limit`` seconds or reported with its gap."""
    t0 = time.perf_counter()
    reasons = _precheck(problem)
    if reasons:
        return Formation("infeasible", reasons=reasons)
    usable = [c for c in problem.candidates if c.id not in problem.forbidden]
    cands, start = _reduce(problem, usable)
    kept = {c.id for c in cands}
    problem = replace(
        problem,
        candidates=cands,
        scores={k: v for k, v in problem.scores.items() if k[1] in kept},
    )
    pairs = _pairs(problem)
    model = cp_model.CpModel()
    x = {c.id: model.new_bool_var(f"x{c.id}") for c in cands}
    lead = {
        c.id: model.new_bool_var(f"l{c.id}")
        for c in cands
        if c.can_lead and (problem.leader is None or c.id == problem.leader)
    }
    homes = sorted({c.home_school for c in cands})
    z = {h: model.new_bool_var(f"z{h}") for h in homes}
    y = {(n, t): model.new_bool_var(f"y{n}_{t}") for n, t, _ in pairs}
    model.add_exactly_one(lead.values())
    for t, var in lead.items():
        model.add_implication(var, x[t])
    model.add(sum(x.values()) >= problem.min_size)
    model.add(sum(x.values()) <= problem.max_size)
    for t in problem.required:
        if t in x:
            model.add(x[t] == 1)
    by_teacher: dict[int, list] = {}
    by_need: dict[int, list] = {}
    for (n, t), var in y.items():
        model.add_implication(var, x[t])
        by_teacher.setdefault(t, []).append(var)
        by_need.setdefault(n, []).append(var)
    for c in cands:
        served = by_teacher.get(c.id, [])
        if len(served) > c.free_capacity:
            model.add(sum(served) <= c.free_capacity * x[c.id])
        model.add_implication(x[c.id], z[c.home_school])
    heads = {n.id: n.headcount for n in problem.needs}
    for n, served in by_need.items():
        if len(served) > heads[n]:
            model.add(sum(served) <= heads[n])
    model.maximize(
        sum(score * y[(n, t)] for n, t, score in pairs)
        - problem.cohesion * sum(z.values())
    )
    if start is not None:
        _value, members, leader = start
        team = set(members)
        served = set(evaluate(problem, members)[1])
        for t, var in x.items():
            model.add_hint(var, t in team)
        for t, var in lead.items():
            model.add_hint(var, t == leader)
        for key, var in y.items():
            model.add_hint(var, key in served)
        homes_used = {c.home_school for c in cands if c.id in team}
        for h, var in z.items():
            model.add_hint(var, h in homes_used)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    seconds = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Formation("infeasible", reasons=[TOO_FEW_TEACHERS], seconds=seconds)
    members = sorted(t for t, var in x.items() if solver.value(var))
    leader = next(t for t, var in lead.items() if solver.value(var))
    serves = sorted((n, t) for (n, t), var in y.items() if solver.value(var))
    return Formation(
        "optimal" if status == cp_model.OPTIMAL else "feasible",
        members=members,
        leader=leader,
        serves=serves,
        value=round(solver.objective_value),
        bound=round(solver.best_objective_bound),
        seconds=seconds,
    )


def evaluate(
    problem: Problem, members: Iterable[int]
) -> tuple[int, list[tuple[int, int]]]:
    """The best value of a team of exactly ``members`` (leader aside) and which
    member then serves which need: a max-weight transportation problem, solved
    exactly as a min-cost flow with a zero-cost bypass so places may stay empty."""
    chosen = {c.id: c for c in problem.candidates if c.id in set(members)}
    heads = {n.id: n.headcount for n in problem.needs}
    arcs = [
        (n, t, s)
        for (n, t), s in problem.scores.items()
        if t in chosen and heads.get(n, 0) > 0 and s > 0
    ]
    cohesion = problem.cohesion * len({c.home_school for c in chosen.values()})
    if not arcs:
        return -cohesion, []
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    node: dict[tuple[str, int], int] = {}

    def at(kind: str, key: int) -> int:
        return node.setdefault((kind, key), len(node) + 2)

    supply = sum(c.free_capacity for c in chosen.values())
    for c in chosen.values():
        flow.add_arc_with_capacity_and_unit_cost(
            source, at("t", c.id), c.free_capacity, 0
        )
    pair_arcs = {}
    for n, t, s in arcs:
        arc = flow.add_arc_with_capacity_and_unit_cost(at("t", t), at("n", n), 1, -s)
        pair_arcs[arc] = (n, t)
    for (kind, key), index in list(node.items()):
        if kind == "n":
            flow.add_arc_with_capacity_and_unit_cost(index, sink, heads[key], 0)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, supply, 0)
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve() != flow.OPTIMAL:  # pragma: no cover - the bypass makes it feasible
        raise RuntimeError("team evaluation: no flow")
    serves = sorted(pair for arc, pair in pair_arcs.items() if flow.flow(arc) > 0)
    return -flow.optimal_cost() - cohesion, serves
