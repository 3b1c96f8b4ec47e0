"""The recruitment plan's arithmetic: whom to recruit next, and what each buys.

Pure computation over the solver's problem (:mod:`planning.problem`); the
database side is :mod:`planning.recruitment`.

A *candidate* is one more teacher stationed in a county with one specialty (of a
need of that county) at ``level``, available over the target period with
``capacity`` places. Greedy: each step adds the candidate whose marginal gain --
the difference of the two exact optima, with and without it -- is the largest,
until the budget of teachers is spent or the best gain falls below the threshold.

Exact and cheap:

- The problem falls apart into independent *blocks* (connected components of
  needs and teachers through their feasible pairs, needs of a school without a
  teacher tied together by the coverage bonus, as the solver's own components).
  The optimum is the sum of the blocks' optima. A candidate only touches the
  blocks of the needs it could serve, so its gain is ONE re-solve of those blocks
  with it added, minus their known optima.
- Gains are compared in the solver's integer objective (``Result.objective``):
  the same for every optimum, so a gain is exactly the difference of the optima.
- Marginal gains of a flow network only shrink as teachers are added (the optimum
  is an M-natural-concave function of the supplies), so a gain computed earlier,
  or the bound "its ``capacity`` best pair scores plus coverage", is an upper bound
  of the gain now. Lazy greedy re-solves a candidate only when its bound is the
  best one and stale, and picks it once its exact gain is still the best: the same
  choice as re-solving every candidate every step.
- A chosen recruit's window is narrowed to the span of the needs it serves in the
  new optimum (within the period): the same optimum (each of those needs keeps its
  overlap), and the window the sending side must ask for.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import bellman_ford, connected_components

from matching import pipeline, solver

from . import problem
from .problem import Recruit, concat, outcome, recruit_tables, take

# Why a need still lacks teachers once the plan ends (besides the matcher's reason).
OUTSIDE_PERIOD = "outside_period"  # its window does not meet the target period
SCHOOL_NOT_READY = "school_not_ready"  # the school's diagnosed readiness is too low
BUDGET_SPENT = "budget_spent"  # more recruits would help, beyond the budget
BELOW_THRESHOLD = "below_threshold"  # one more recruit would add less than asked
LIMITS = (OUTSIDE_PERIOD, SCHOOL_NOT_READY, BUDGET_SPENT, BELOW_THRESHOLD)


@dataclass(frozen=True)
class Candidate:
    county: int
    specialty: int
    family: int
    klass: int


@dataclass
class Step:
    candidate: Candidate
    start: int
    end: int
    count: int
    places_gain: int
    score_gain: float
    objective_gain: int
    schools_gain: int
    needs: list[int]  # need ids the recruits serve in the new optimum


@dataclass
class Plan:
    steps: list[Step]
    baseline: object  # problem.Outcome
    final: object  # problem.Outcome
    stopped: str  # BUDGET_SPENT, BELOW_THRESHOLD or "no_candidate"
    recruits: int
    candidates: int
    resolves: int
    limits: dict[int, str]  # unmet need id -> one of LIMITS
    exact: bool | None = None  # with check=True: every step equals a full re-solve
    timings: dict[str, float] = field(default_factory=dict)
    capacity: int = 1
    level: int = 4

    def recruits_upto(self, steps: int) -> list[Recruit]:
        """The hypothetical teachers of the first ``steps`` steps."""
        out: list[Recruit] = []
        for step in self.steps[:steps]:
            c = step.candidate
            for _ in range(step.count):
                out.append(
                    Recruit(
                        -1 - len(out),
                        c.county,
                        c.specialty,
                        c.family,
                        c.klass,
                        self.level,
                        step.start,
                        step.end,
                        self.capacity,
                    )
                )
        return out


@dataclass
class _Block:
    objective: int = 0
    score: float = 0.0
    places: int = 0
    schools: frozenset = frozenset()  # schools without a teacher that get one


class _State:
    """The problem with the recruits chosen so far, cut into blocks."""

    def __init__(self, inputs: pipeline.Inputs, blocked: np.ndarray):
        self.inputs = inputs
        self.blocked = blocked  # need rows recruits may not serve
        self.covered = np.asarray(inputs.covered_schools, dtype=np.int64)
        self.bonus = round(inputs.weights.coverage * solver.SCALE) > 0
        self.resolves = 0
        needs, teachers = inputs.needs, inputs.teachers
        pairs = problem.pairs(inputs)
        usable = teachers.free_capacity[pairs.teacher] > 0
        n_n, n_t = len(needs), len(teachers)
        tied = (
            np.flatnonzero(~np.isin(needs.school, self.covered)) if self.bonus else []
        )
        schools, school_code = np.unique(needs.school[tied], return_inverse=True)
        rows = np.r_[pairs.need[usable], tied]
        cols = np.r_[n_n + pairs.teacher[usable], n_n + n_t + school_code.reshape(-1)]
        size = n_n + n_t + len(schools)
        graph = csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), (size, size))
        _, label = connected_components(graph, directed=False)
        self.need_block = label[:n_n].astype(np.int64)
        self.teacher_block = label[n_n : n_n + n_t].astype(np.int64)
        self.next_label = int(label.max()) + 1 if size else 0
        self.blocks: dict[int, _Block] = {}
        # Per need row: the cost of one more place in it (shortest path from the
        # need to the sink in the residual network of its block's optimum, in the
        # solver's integer units). A recruit gains at most, over the ``capacity``
        # needs it could serve, the sum of its pair value minus that cost.
        bonus = round(inputs.weights.coverage * solver.SCALE) if self.bonus else 0
        self.dist = np.where(np.isin(needs.school, self.covered), 0, -bonus)
        self.dist = self.dist.astype(np.float64)
        with_teachers = np.unique(self.teacher_block[teachers.free_capacity > 0])
        for label_ in np.intersect1d(with_teachers, self.need_block).tolist():
            result = self.solve([label_])
            self.blocks[label_] = self.value_of(result)
            self.update_dist(result)

    def _sub(self, labels, recruits=()) -> pipeline.Inputs:
        inputs = self.inputs
        need_mask = np.isin(self.need_block, labels)
        teachers = take(inputs.teachers, np.isin(self.teacher_block, labels))
        skills = take(inputs.skills, np.isin(inputs.skills.teacher, teachers.id))
        sub = replace(inputs, needs=take(inputs.needs, need_mask))
        if recruits:
            extra_t, extra_s = recruit_tables(recruits)
            teachers, skills = concat(teachers, extra_t), concat(skills, extra_s)
        blocked = inputs.needs.id[self.blocked & need_mask]
        recruit_ids = teachers.id[teachers.id < 0]
        excluded = inputs.excluded_pairs
        if len(blocked) and len(recruit_ids):
            grid = np.array(np.meshgrid(blocked, recruit_ids)).reshape(2, -1).T
            excluded = np.r_[excluded.reshape(-1, 2), grid]
        return replace(sub, teachers=teachers, skills=skills, excluded_pairs=excluded)

    def solve(self, labels, recruits=()) -> solver.Result:
        self.resolves += 1
        sub = self._sub(labels, recruits)
        self.last_sub = sub
        return problem.solve(sub)

    def update_dist(self, result: solver.Result) -> None:
        """Distances to the sink of the needs of the problem last solved."""
        sub = self.last_sub
        row_of = self._row_of()
        rows = np.array([row_of[n] for n in sub.needs.id.tolist()], dtype=np.int64)
        self.dist[rows] = residual_distances(sub, result, self.covered, self.bonus)

    def value_of(self, result: solver.Result) -> _Block:
        row_of = self._row_of()
        school = self.inputs.needs.school
        reached = {int(school[row_of[p.need]]) for p in result.proposals}
        return _Block(
            objective=result.objective,
            score=result.total_score,
            places=len(result.proposals),
            schools=frozenset(reached - set(self.covered.tolist())),
        )

    def _row_of(self) -> dict[int, int]:
        cached = getattr(self, "_rows", None)
        if cached is None:
            cached = {n: r for r, n in enumerate(self.inputs.needs.id.tolist())}
            self._rows = cached
        return cached

    def known(self, labels) -> _Block:
        parts = [self.blocks[label] for label in labels if label in self.blocks]
        return _Block(
            objective=sum(b.objective for b in parts),
            score=sum(b.score for b in parts),
            places=sum(b.places for b in parts),
            schools=frozenset().union(*(b.schools for b in parts)),
        )

    def add(self, labels, recruit: Recruit, value: _Block) -> int:
        """Commit ``recruit``: the blocks ``labels`` become one."""
        label = self.next_label
        self.next_label += 1
        need_mask = np.isin(self.need_block, labels)
        teacher_mask = np.isin(self.teacher_block, labels)
        self.need_block[need_mask] = label
        self.teacher_block[teacher_mask] = label
        self.teacher_block = np.r_[self.teacher_block, label]
        teachers, skills = recruit_tables([recruit])
        self.inputs = replace(
            self.inputs,
            teachers=concat(self.inputs.teachers, teachers),
            skills=concat(self.inputs.skills, skills),
        )
        for old in labels:
            self.blocks.pop(old, None)
        self.blocks[label] = value
        return label


def residual_distances(
    sub: pipeline.Inputs, result: solver.Result, covered: np.ndarray, bonus: bool
) -> np.ndarray:
    """For each need of ``sub``: the cost (integer units, <= 0 is a gain) of sending
    one more unit from it to the sink in the residual network of ``result``, an
    optimum of ``sub`` (the solver's network, see :mod:`matching.solver`).

    The residual network of an optimum has no negative cycle, so these are
    shortest paths (Bellman-Ford, from the sink over reversed arcs). A new teacher
    sending a unit to need n gains at most ``value(pair) - distance(n)``."""
    needs, teachers = sub.needs, sub.teachers
    pairs = problem.pairs(sub)
    n_n, n_t = len(needs), len(teachers)
    bonus_cost = round(sub.weights.coverage * solver.SCALE) if bonus else 0
    eligible = ~np.isin(needs.school, covered) if bonus else np.zeros(n_n, bool)
    schools, school_code = np.unique(needs.school[eligible], return_inverse=True)
    src, sink = 0, 1
    t_node = 2 + np.arange(n_t)
    n_node = 2 + n_t + np.arange(n_n)
    s_node = 2 + n_t + n_n + np.arange(len(schools))
    size = 2 + n_t + n_n + len(schools)

    n_order, t_order = np.argsort(needs.id), np.argsort(teachers.id)
    c_need = np.array([p.need for p in result.proposals], dtype=np.int64)
    c_teacher = np.array([p.teacher for p in result.proposals], dtype=np.int64)
    c_n = n_order[np.searchsorted(needs.id, c_need, sorter=n_order)]
    c_t = t_order[np.searchsorted(teachers.id, c_teacher, sorter=t_order)]
    chosen_keys = c_n * n_t + c_t
    used_t = np.bincount(c_t, minlength=n_t)
    placed = np.bincount(c_n, minlength=n_n)

    tails, heads, costs = [], [], []

    def arcs(u, v, c):
        u, v, c = np.broadcast_arrays(
            np.atleast_1d(u), np.atleast_1d(v), np.asarray(c, np.float64)
        )
        tails.append(u.astype(np.int64))
        heads.append(v.astype(np.int64))
        costs.append(c)

    cap = teachers.free_capacity
    has = cap > 0
    arcs(src, t_node[has & (used_t < cap)], 0)
    arcs(t_node[used_t > 0], src, 0)
    usable = has[pairs.teacher]
    p_n, p_t, p_c = pairs.need[usable], pairs.teacher[usable], pairs.cost[usable]
    is_chosen = np.isin(p_n * n_t + p_t, chosen_keys)
    arcs(t_node[p_t[~is_chosen]], n_node[p_n[~is_chosen]], p_c[~is_chosen])
    arcs(n_node[p_n[is_chosen]], t_node[p_t[is_chosen]], -p_c[is_chosen])
    target = np.full(n_n, sink, np.int64)
    target[eligible] = s_node[school_code.reshape(-1)]
    room = placed < needs.headcount
    arcs(n_node[room], target[room], 0)
    arcs(target[placed > 0], n_node[placed > 0], 0)
    reached = np.zeros(len(schools), bool)
    if len(schools):
        reached[np.unique(school_code.reshape(-1)[placed[eligible] > 0])] = True
    arcs(sink, s_node[reached], bonus_cost)
    arcs(s_node[~reached], sink, -bonus_cost)
    arcs(s_node, sink, 0)
    plain_flow = np.zeros(len(schools), np.int64)
    if len(schools):
        plain_flow = (
            np.bincount(
                school_code.reshape(-1),
                weights=placed[eligible],
                minlength=len(schools),
            ).astype(np.int64)
            - reached
        )
    arcs(sink, s_node[plain_flow > 0], 0)
    if placed.sum() > 0:
        arcs(src, sink, 0)
    if int(cap.sum()) > int(placed.sum()):
        arcs(sink, src, 0)

    u, v, c = np.concatenate(tails), np.concatenate(heads), np.concatenate(costs)
    # Parallel arcs: keep the cheapest (a sparse matrix would add them up).
    order = np.lexsort((c, v, u))
    u, v, c = u[order], v[order], c[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    u, v, c = u[first], v[first], c[first]
    # Reversed arcs: distances from the sink are distances to it.
    graph = csr_matrix((c, (v, u)), shape=(size, size))
    dist = bellman_ford(graph, directed=True, indices=sink)
    return dist[n_node]


def candidates_for(
    inputs: pipeline.Inputs, start: int, end: int, blocked: np.ndarray
) -> list[Candidate]:
    """One candidate per (county, specialty) of a need that recruits could serve:
    its window meets the period and its school is ready."""
    needs = inputs.needs
    useful = (needs.end >= start) & (needs.start <= end) & ~blocked
    found = {
        Candidate(int(c), int(s), int(f), int(k))
        for c, s, f, k in zip(
            needs.county[useful].tolist(),
            needs.specialty[useful].tolist(),
            needs.family[useful].tolist(),
            needs.klass[useful].tolist(),
            strict=True,
        )
    }
    return sorted(found, key=lambda c: (c.county, c.specialty))


def plan(
    inputs: pipeline.Inputs,
    *,
    start: int,
    end: int,
    budget: int,
    min_gain: float = 0.0,
    capacity: int = 1,
    level: int = 4,
    blocked_needs: Iterable[int] = (),
    check: bool = False,
) -> Plan:
    """The greedy recruitment plan for ``inputs`` (see the module docstring).

    ``start``/``end``: the target period (day numbers); ``budget``: at most this
    many recruits; ``min_gain``: stop when the best gain is below this many score
    points; ``blocked_needs``: need ids recruits may not serve (school not ready).
    ``check``: also solve the whole problem after every step and compare (slow;
    the benchmark's proof that block re-solves are exact)."""
    t0 = time.perf_counter()
    needs = inputs.needs
    blocked = np.isin(needs.id, np.asarray(list(blocked_needs), dtype=np.int64))
    state = _State(inputs, blocked)
    baseline = outcome(inputs, problem.solve(inputs))
    cands = candidates_for(inputs, start, end, blocked)
    t1 = time.perf_counter()

    # Every candidate's feasible needs, in one vectorised call.
    def recruit(k: int, rid: int, window=(start, end)) -> Recruit:
        c = cands[k]
        return Recruit(
            rid, c.county, c.specialty, c.family, c.klass, level, *window, capacity
        )

    feasible: list[np.ndarray] = [np.zeros(0, np.int64)] * len(cands)
    p_need = p_cand = p_value = np.zeros(0, np.int64)
    if cands:
        probe = [recruit(k, -1 - k) for k in range(len(cands))]
        c_teachers, c_skills = recruit_tables(probe)
        pairs = solver.build_pairs(
            needs,
            c_teachers,
            c_skills,
            weights=inputs.weights,
            neighbours=inputs.neighbours,
        )
        keep = ~blocked[pairs.need]
        p_need, p_cand = pairs.need[keep], pairs.teacher[keep]
        p_value = -pairs.cost[keep]
        order = np.argsort(p_cand, kind="stable")
        p_need, p_cand, p_value = p_need[order], p_cand[order], p_value[order]
        starts = np.searchsorted(p_cand, np.arange(len(cands) + 1))
        feasible = [p_need[starts[k] : starts[k + 1]] for k in range(len(cands))]

    def dual_bounds() -> np.ndarray:
        """Per candidate: its ``capacity`` best (pair value - cost of the place)."""
        term = np.maximum(p_value - state.dist[p_need], 0)
        order = np.lexsort((-term, p_cand))
        cand, term = p_cand[order], term[order]
        first = np.searchsorted(cand, np.arange(len(cands)))
        top = np.arange(len(cand)) - first[cand] < capacity
        out = np.bincount(cand[top], weights=term[top], minlength=len(cands))
        # Distances are whole numbers computed in floats: round up, never down.
        return np.ceil(out - 1e-6).astype(np.int64)

    bound = dual_bounds()
    fresh = np.zeros(len(cands), dtype=bool)
    threshold = max(round(min_gain * solver.SCALE), 1)
    steps: list[Step] = []
    stopped = "no_candidate"
    total_objective = baseline.objective
    exact = True if check else None
    # candidate -> (blocks, needs it serves, value) of its last re-solve
    cache: dict[int, tuple[list[int], list[int], _Block]] = {}

    for index in range(budget):
        rid = -1 - index
        heap = [(-b, k) for k, b in enumerate(bound.tolist()) if b >= threshold]
        heapq.heapify(heap)
        chosen = None
        while heap:
            _, k = heapq.heappop(heap)
            if fresh[k]:
                chosen = k
                break
            labels = np.unique(state.need_block[feasible[k]]).tolist()
            result = state.solve(labels, [recruit(k, rid)])
            bound[k] = result.objective - state.known(labels).objective
            fresh[k] = True
            served = [p.need for p in result.proposals if p.teacher == rid]
            cache[k] = (labels, served, state.value_of(result))
            if bound[k] >= threshold:
                heapq.heappush(heap, (-int(bound[k]), k))
        if chosen is None:
            stopped = BELOW_THRESHOLD if steps else "no_candidate"
            break
        k = chosen
        labels, served, value = cache.pop(k)
        rows = np.flatnonzero(np.isin(needs.id, served))
        window = (
            max(start, int(needs.start[rows].min())),
            min(end, int(needs.end[rows].max())),
        )
        new = recruit(k, rid, window)
        narrowed = state.solve(labels, [new])
        if narrowed.objective != value.objective:  # cannot happen (see above)
            new, window = recruit(k, rid), (start, end)
            narrowed = state.solve(labels, [new])
        state.update_dist(narrowed)
        value = state.value_of(narrowed)
        served = [p.need for p in narrowed.proposals if p.teacher == rid]
        before = state.known(labels)
        gain = value.objective - before.objective
        total_objective += gain
        label = state.add(labels, new, value)
        # Candidates that touch the changed block now only have upper bounds:
        # their last exact gain, or the new dual bound when it is lower.
        touched = state.need_block[p_need] == label
        stale = np.zeros(len(cands), dtype=bool)
        stale[np.unique(p_cand[touched])] = True
        fresh &= ~stale
        for j in np.flatnonzero(stale).tolist():
            cache.pop(j, None)
        bound = np.where(stale, np.minimum(bound, dual_bounds()), bound)
        step = Step(
            candidate=cands[k],
            start=window[0],
            end=window[1],
            count=1,
            places_gain=value.places - before.places,
            score_gain=value.score - before.score,
            objective_gain=gain,
            schools_gain=len(value.schools) - len(before.schools),
            needs=sorted(served),
        )
        last = steps[-1] if steps else None
        if last and (last.candidate, last.start, last.end) == (
            step.candidate,
            step.start,
            step.end,
        ):
            last.count += 1
            last.places_gain += step.places_gain
            last.score_gain += step.score_gain
            last.objective_gain += step.objective_gain
            last.schools_gain += step.schools_gain
            last.needs = sorted(set(last.needs) | set(step.needs))
        else:
            steps.append(step)
        if check:
            full = problem.solve(state.inputs).objective
            exact = exact and full == total_objective
    else:
        stopped = BUDGET_SPENT
    t2 = time.perf_counter()

    final_inputs = state.inputs
    final = outcome(
        final_inputs,
        problem.solve(final_inputs),
    )
    limits = {}
    for row, need_id in enumerate(needs.id.tolist()):
        if need_id not in final.unmatched:
            continue
        if needs.end[row] < start or needs.start[row] > end:
            limits[need_id] = OUTSIDE_PERIOD
        elif blocked[row]:
            limits[need_id] = SCHOOL_NOT_READY
        else:
            limits[need_id] = (
                BUDGET_SPENT if stopped == BUDGET_SPENT else BELOW_THRESHOLD
            )
    return Plan(
        steps=steps,
        baseline=baseline,
        final=final,
        stopped=stopped,
        recruits=sum(s.count for s in steps),
        candidates=len(cands),
        resolves=state.resolves,
        limits=limits,
        exact=exact,
        capacity=capacity,
        level=level,
        timings={
            "setup": t1 - t0,
            "greedy": t2 - t1,
            "total": time.perf_counter() - t0,
        },
    )
