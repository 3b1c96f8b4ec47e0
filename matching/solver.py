"""Exact need <-> teacher matching solver (plain Python + numpy, no Django).

Input
=====
Three column tables of 1-D numpy arrays (:class:`Needs`, :class:`Teachers`,
:class:`Skills`), built by the caller from the database:

* a *need* is an open request of a rural vocational school with ``headcount``
  unfilled places (>= 1), a specialty (and that specialty's family and class,
  ``klass``; -1 when it has none), a county,
  a window ``start..end`` (inclusive ``date.toordinal()`` day numbers) and a
  ``priority`` 0..100 (the coordinator's diagnosis);
* a *teacher* is an active teacher stationed in a county, available
  ``available_from..available_until`` (inclusive ordinals; use a far ordinal such
  as ``date.max.toordinal()`` for open-ended availability) with
  ``free_capacity`` places;
* a *skill* is one ``(teacher id, specialty, family, klass, level 1..5)`` row
  (``klass``: the specialty's class, 专业类, -1 when it has none).  Skills
  of teachers that are not in :class:`Teachers` are ignored.

**Capacity rule.**  ``free_capacity = capacity - live assignments`` (live =
proposed or accepted) and ``headcount`` is the *open* headcount (requested
minus live assignments); both are computed by the caller.  ``excluded_pairs``
lists ``(need id, teacher id)`` pairs that already hold a live assignment, so
a teacher is never proposed twice for one need.  Under this rule the solver is
exact: it returns an assignment of maximum total score among all assignments
that respect the free capacities, the open headcounts, "at most once per
(teacher, need)" and the exclusions.

Feasibility
===========
A pair (teacher t, need n) is feasible when

1. t has a skill in n's specialty, or in a specialty of the same class, or of
   the same family (a same-class specialty is also a same-family one);
2. the windows overlap (at least one common day);
3. t is stationed in n's county, or in a county listed as a neighbour of it
   (``neighbours`` = symmetric ``(county_a, county_b)`` pairs; empty = same
   county only);
4. ``(n, t)`` is not in ``excluded_pairs``.

Score
=====
All weights are in :class:`Weights` (defaults in brackets); the caller fills
them from the Django settings.

* specialty: ``max`` over t's skills in n's family of
  ``specialty_exact [40] * level / 5`` for the skill with n's specialty,
  ``specialty_class [30] * level / 5`` for a skill of n's class (never when
  n has no class) and ``specialty_family [20] * level / 5`` for any skill of
  the family;
* overlap: ``overlap [20] * overlapping days / need window days``;
* place: ``place_same [10]`` in the same county, ``place_neighbour [4]`` in a
  neighbouring county;
* priority: ``priority [20] * need.priority / 100``;
* coverage: ``coverage [15]`` is added ONCE per school that has no teacher yet
  (not in ``covered_schools``) for the first teacher it receives in this run.

The pair score is the sum of the first four components.  The objective is the
sum of the chosen pair scores plus ``coverage`` per uncovered school that
receives at least one teacher.

Network (exact min-cost flow, OR-Tools ``SimpleMinCostFlow``)
=============================================================
::

    source --(free_capacity, 0)--> teacher --(1, -score)--> need
    need --(open headcount, 0)--> sink                      (covered school)
    need --(open headcount, 0)--> school                    (uncovered school)
    school --(1, -coverage)--> sink
    school --(sum of the school's headcounts, 0)--> sink
    source --(total free capacity, 0)--> sink               (capacity may idle)

Supply at the source and demand at the sink are the total free capacity.
Costs are integers: every float is multiplied by ``SCALE`` (1000) and rounded;
reported floats are recomputed from the unrounded components.  Teachers with
``free_capacity == 0`` get no arcs.  The graph is split into connected
components (teachers, needs and the school nodes that tie needs of an
uncovered school together); every component gets its own source and sink,
and components are packed into batches (one ``SimpleMinCostFlow`` per batch)
so that the Python overhead stays low.  The optimum of the whole problem is
the union of the component optima.

Output
======
:class:`Result` lists one :class:`Proposal` per chosen (need, teacher) pair,
with a ``breakdown`` of the score (each component rounded to 2 decimals; the
proposal ``score`` is the sum of its rounded components).  The ``coverage``
part appears in exactly one proposal per uncovered school that received a
teacher: the highest-scoring one (ties: smallest need id, then teacher id); it
is 0.0 in the other proposals.  ``total_score`` is the objective value computed
from the unrounded components.

Every need still left with open headcount gets exactly one reason in
``Result.unmatched``, the first that applies in this order:

1. ``no_teacher_with_specialty``: no teacher stationed in a reachable county
   (same county, or an allowed neighbour) has the specialty or its family;
2. ``no_availability_in_window``: such teachers exist, but none's window
   overlaps the need's window;
3. ``capacity_exhausted``: such teachers with an overlapping window exist, but
   none of them can take one more place in this need: each has
   ``free_capacity == 0``, or already holds a live assignment for it (an
   excluded pair), or was just proposed for it in this run (a teacher serves a
   need at most once);
4. ``outscored``: a feasible teacher with free capacity that was not proposed
   for this need existed, but the optimum gave that capacity to other needs
   (with strictly positive scores, as with the default weights, every such
   teacher ends up fully used).

Also here: :func:`greedy` (baseline), :func:`lp_optimum` (independent LP optimum
with SciPy/HiGHS) and :func:`make_instance` (synthetic data for the benchmark).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date

import numpy as np

__all__ = [
    "REASONS",
    "SCALE",
    "Needs",
    "Pairs",
    "Proposal",
    "Result",
    "Skills",
    "Teachers",
    "Weights",
    "build_pairs",
    "greedy",
    "lp_optimum",
    "make_instance",
    "make_neighbours",
    "solve",
]

#: Integer cost scale of the min-cost flow (scores are multiplied and rounded).
SCALE = 1000

NO_TEACHER_WITH_SPECIALTY = "no_teacher_with_specialty"
NO_AVAILABILITY_IN_WINDOW = "no_availability_in_window"
CAPACITY_EXHAUSTED = "capacity_exhausted"
OUTSCORED = "outscored"
#: The reason codes, in the order in which they are decided.
REASONS = (
    NO_TEACHER_WITH_SPECIALTY,
    NO_AVAILABILITY_IN_WINDOW,
    CAPACITY_EXHAUSTED,
    OUTSCORED,
)

# Target number of arcs per SimpleMinCostFlow instance when components are
# packed together (a component bigger than this is solved on its own).
_BATCH_ARCS = 20_000

_EMPTY_I = np.zeros(0, dtype=np.int64)


# --------------------------------------------------------------------------
# Input / output types
# --------------------------------------------------------------------------


def _coerce_columns(obj: object, floats: tuple[str, ...] = ()) -> None:
    """Turn every field into a contiguous 1-D int64 (or float64) array."""
    length = None
    for f in fields(obj):  # type: ignore[arg-type]
        dtype = np.float64 if f.name in floats else np.int64
        arr = np.ascontiguousarray(getattr(obj, f.name), dtype=dtype)
        if arr.ndim != 1:
            raise ValueError(f"{type(obj).__name__}.{f.name} must be 1-D")
        if length is None:
            length = len(arr)
        elif len(arr) != length:
            raise ValueError(f"{type(obj).__name__}: columns differ in length")
        object.__setattr__(obj, f.name, arr)


@dataclass(frozen=True)
class Needs:
    """Open needs, one row per need (all columns 1-D, equal length)."""

    id: np.ndarray  # int64
    school: np.ndarray  # int64
    county: np.ndarray  # int64
    specialty: np.ndarray  # int64
    family: np.ndarray  # int64
    klass: np.ndarray  # int64 the specialty's class (专业类); -1: none
    start: np.ndarray  # int64 day ordinal
    end: np.ndarray  # int64 day ordinal, inclusive
    headcount: np.ndarray  # int64 open (unfilled) headcount >= 1
    priority: np.ndarray  # float64 0..100

    def __post_init__(self) -> None:
        _coerce_columns(self, floats=("priority",))
        if len(np.unique(self.id)) != len(self.id):
            raise ValueError("Needs.id must be unique")
        if np.any(self.end < self.start):
            raise ValueError("Needs: end must be >= start")
        if np.any(self.headcount < 0):
            raise ValueError("Needs: headcount must be >= 0")

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class Teachers:
    """Active teachers, one row per teacher."""

    id: np.ndarray  # int64
    county: np.ndarray  # int64
    available_from: np.ndarray  # int64 day ordinal
    available_until: np.ndarray  # int64 day ordinal, inclusive
    free_capacity: np.ndarray  # int64 capacity minus live assignments (>= 0)

    def __post_init__(self) -> None:
        _coerce_columns(self)
        if len(np.unique(self.id)) != len(self.id):
            raise ValueError("Teachers.id must be unique")
        if np.any(self.free_capacity < 0):
            raise ValueError("Teachers: free_capacity must be >= 0")

    def __len__(self) -> int:
        return len(self.id)


@dataclass(frozen=True)
class Skills:
    """Teacher skills, one row per (teacher id, specialty)."""

    teacher: np.ndarray  # int64 teacher id
    specialty: np.ndarray  # int64
    family: np.ndarray  # int64
    klass: np.ndarray  # int64 the specialty's class (专业类); -1: none
    level: np.ndarray  # int64 1..5

    def __post_init__(self) -> None:
        _coerce_columns(self)

    def __len__(self) -> int:
        return len(self.teacher)


@dataclass(frozen=True)
class Weights:
    """Score weights (see the module docstring).

    All weights must be finite and >= 0, and ``specialty_exact >=
    specialty_class >= specialty_family`` (an exact match never scores below a
    class match of the same level, nor a class match below a family match).
    With every weight > 0 all feasible pairs score > 0.
    """

    specialty_exact: float = 40.0
    specialty_class: float = 30.0
    specialty_family: float = 20.0
    overlap: float = 20.0
    place_same: float = 10.0
    place_neighbour: float = 4.0
    priority: float = 20.0
    coverage: float = 15.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = float(getattr(self, f.name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"Weights.{f.name} must be finite and >= 0")
            object.__setattr__(self, f.name, value)
        if not (self.specialty_exact >= self.specialty_class >= self.specialty_family):
            raise ValueError(
                "Weights: specialty_exact >= specialty_class >= specialty_family"
            )


@dataclass(slots=True)
class Proposal:
    need: int  # need id
    teacher: int  # teacher id
    score: float  # sum of the breakdown values
    breakdown: dict[str, float]  # specialty, overlap, place, priority, coverage


@dataclass
class Result:
    proposals: list[Proposal]
    unmatched: dict[int, str]  # need id -> reason code (needs with open headcount)
    total_score: float
    pairs: int  # number of feasible (need, teacher) pairs
    components: int  # connected components solved (0 for greedy)
    timings: dict[str, float] = field(default_factory=dict)  # seconds
    # The flow's integer objective (``SCALE`` times each pair score, rounded, plus
    # the integer coverage bonuses): the same for every optimum of a problem, so
    # two optima compare exactly where ``total_score`` may differ in rounding.
    objective: int = 0


@dataclass(frozen=True)
class Pairs:
    """Feasible (need, teacher) pairs as columns, plus per-need reason data.

    ``need`` and ``teacher`` are ROW indices into :class:`Needs` /
    :class:`Teachers` (not ids).  Pairs of teachers with ``free_capacity == 0``
    are included (they are feasible, just unusable); excluded pairs are not.
    """

    need: np.ndarray  # int64 need row
    teacher: np.ndarray  # int64 teacher row
    specialty: np.ndarray  # float64 score components (unrounded)
    overlap: np.ndarray
    place: np.ndarray
    priority: np.ndarray
    score: np.ndarray  # float64 sum of the four components
    exact: np.ndarray  # bool: the best specialty contribution is an exact match
    same_class: np.ndarray  # bool: ... is a same-class match (not exact)
    neighbour: np.ndarray  # bool: teacher stationed in a neighbouring county
    # Per need row: some teacher in a reachable county has the specialty/family.
    need_has_specialty: np.ndarray
    # Per need row: ... and one of them has an overlapping window (excluded
    # pairs and teachers without free capacity included).
    need_has_window: np.ndarray

    def __len__(self) -> int:
        return len(self.need)

    @property
    def cost(self) -> np.ndarray:
        """Integer min-cost-flow cost of each pair (``-round(score * SCALE)``)."""
        return -np.rint(self.score * SCALE).astype(np.int64)


# --------------------------------------------------------------------------
# Pair construction (vectorised)
# --------------------------------------------------------------------------


def _as_pair_array(pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    arr = np.asarray(list(pairs) if not isinstance(pairs, np.ndarray) else pairs)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    arr = arr.astype(np.int64, copy=False)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("expected an iterable of 2-tuples")
    return arr


def _lookup(
    sorted_values: np.ndarray, queries: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(found mask, position) of each query in a sorted array."""
    pos = np.searchsorted(sorted_values, queries)
    if len(sorted_values) == 0:
        return np.zeros(len(queries), dtype=bool), np.zeros(len(queries), np.int64)
    pos = np.minimum(pos, len(sorted_values) - 1)
    return sorted_values[pos] == queries, pos


def _compact(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for ints in ``[0, bound)``, O(n)."""
    present = np.zeros(bound, dtype=bool)
    present[values] = True
    uniq = np.flatnonzero(present)
    code = np.cumsum(present) - 1
    return uniq, code[values]


def _argsort_labels(labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Stable argsort of small non-negative ints (radix sort when they fit)."""
    if n_labels <= np.iinfo(np.uint16).max:
        return np.argsort(labels.astype(np.uint16), kind="stable")
    return np.argsort(labels, kind="stable")


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Indices where a new run of equal values starts in a sorted array."""
    if len(sorted_keys) == 0:
        return _EMPTY_I
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _expand_ranges(lo: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``lo[i] .. lo[i]+counts[i]`` return (range index, position)."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    offsets = np.cumsum(counts) - counts
    pos = np.arange(total, dtype=np.int64) + np.repeat(lo - offsets, counts)
    return owner, pos


def _reach(
    need_county: np.ndarray, neighbours: np.ndarray, n_counties: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expand need rows into (need row, reachable county code, is neighbour)."""
    n = len(need_county)
    rows = np.arange(n, dtype=np.int64)
    if len(neighbours) == 0:
        return rows, need_county, np.zeros(n, dtype=bool)
    a, b = neighbours[:, 0], neighbours[:, 1]
    edges = np.unique(np.r_[a * n_counties + b, b * n_counties + a])
    src, dst = edges // n_counties, edges % n_counties
    keep = src != dst
    src, dst = src[keep], dst[keep]  # sorted by src, then dst
    lo = np.searchsorted(src, need_county, "left")
    hi = np.searchsorted(src, need_county, "right")
    owner, pos = _expand_ranges(lo, hi - lo)
    out_rows = np.r_[rows, owner]
    out_county = np.r_[need_county, dst[pos]]
    out_nb = np.r_[np.zeros(n, dtype=bool), np.ones(len(owner), dtype=bool)]
    order = np.argsort(out_rows, kind="stable")
    return out_rows[order], out_county[order], out_nb[order]


def build_pairs(
    needs: Needs,
    teachers: Teachers,
    skills: Skills,
    *,
    weights: Weights = Weights(),
    neighbours: Iterable[tuple[int, int]] = (),
    excluded_pairs: Iterable[tuple[int, int]] = (),
) -> Pairs:
    """All feasible (need, teacher) pairs with their score components.

    Vectorised: skills are aggregated per (teacher, family) and joined with
    the needs on (county, family) by sorting + ``np.searchsorted``; inside a
    (county, family) group the teachers are sorted by ``available_from`` so
    that ``available_from <= need.end`` is a prefix of the group.
    """
    n_needs, n_teachers = len(needs), len(teachers)
    nb = _as_pair_array(neighbours)
    excl = _as_pair_array(excluded_pairs)

    # Dense codes for counties, families, specialties.
    counties = np.unique(np.r_[needs.county, teachers.county, nb.ravel()])
    families = np.unique(np.r_[needs.family, skills.family])
    specialties = np.unique(np.r_[needs.specialty, skills.specialty])
    n_c, n_f = len(counties), len(families)
    need_cc = np.searchsorted(counties, needs.county)
    need_fc = np.searchsorted(families, needs.family)
    need_sc = np.searchsorted(specialties, needs.specialty)
    teacher_cc = np.searchsorted(counties, teachers.county)
    nb_c = np.searchsorted(counties, nb) if len(nb) else nb

    # Skills -> teacher rows (unknown teachers dropped).
    t_order = np.argsort(teachers.id, kind="stable")
    known, pos = _lookup(teachers.id[t_order], skills.teacher)
    sk_t = t_order[pos[known]]
    sk_f = np.searchsorted(families, skills.family[known])
    sk_s = np.searchsorted(specialties, skills.specialty[known])
    sk_lv = skills.level[known]
    sk_k = skills.klass[known]

    # One row per (teacher, family): max level in the family, plus the
    # family's skills as small (rows x k) matrices for the exact and class
    # lookups.
    tf_key = sk_t * n_f + sk_f
    o = np.argsort(tf_key, kind="stable")
    tf_key_s, sk_s, sk_lv, sk_k = tf_key[o], sk_s[o], sk_lv[o], sk_k[o]
    starts = _group_starts(tf_key_s)
    n_tf = len(starts)
    tf_t, tf_f = tf_key_s[starts] // n_f, tf_key_s[starts] % n_f
    tf_level = np.maximum.reduceat(sk_lv, starts) if n_tf else _EMPTY_I
    sizes = np.diff(np.r_[starts, len(tf_key_s)])
    k_max = int(sizes.max()) if n_tf else 0
    row = np.repeat(np.arange(n_tf), sizes)
    col = np.arange(len(tf_key_s)) - np.repeat(starts, sizes)
    tf_spec = np.full((n_tf, k_max), -1, dtype=np.int64)
    tf_spec_level = np.zeros((n_tf, k_max), dtype=np.int64)
    tf_class = np.full((n_tf, k_max), -1, dtype=np.int64)
    tf_spec[row, col] = sk_s
    tf_spec_level[row, col] = sk_lv
    tf_class[row, col] = sk_k

    # Sort (teacher, family) rows by (county, family, available_from).
    t_from = teachers.available_from
    base = int(t_from.min()) if n_teachers else 0
    span = (int(t_from.max()) - base + 2) if n_teachers else 2
    comp = (teacher_cc[tf_t] * n_f + tf_f) * span + (t_from[tf_t] - base)
    tf_order = np.argsort(comp, kind="stable")
    comp_s = comp[tf_order]

    # Needs expanded over reachable counties, joined on (county, family):
    # teachers of the group with available_from <= need.end are a prefix.
    r_need, r_cc, r_nb = _reach(need_cc, nb_c, n_c)
    r_group = r_cc * n_f + need_fc[r_need]
    r_end = np.clip(needs.end[r_need] - base, -1, span - 1)
    lo = np.searchsorted(comp_s, r_group * span, "left")
    hi = np.searchsorted(comp_s, r_group * span + r_end, "right")
    g_hi = np.searchsorted(comp_s, (r_group + 1) * span, "left")
    need_has_specialty = np.bincount(r_need, weights=g_hi > lo, minlength=n_needs) > 0
    owner, idx = _expand_ranges(lo, np.maximum(hi - lo, 0))
    p_need, p_nb, p_tf = r_need[owner], r_nb[owner], tf_order[idx]
    p_t = tf_t[p_tf]

    # Window filter: overlapping days > 0.
    ov = (
        np.minimum(needs.end[p_need], teachers.available_until[p_t])
        - np.maximum(needs.start[p_need], t_from[p_t])
        + 1
    )
    keep = ov > 0
    p_need, p_nb, p_tf, p_t, ov = (x[keep] for x in (p_need, p_nb, p_tf, p_t, ov))
    need_has_window = np.bincount(p_need, minlength=n_needs) > 0

    # Exclusions (only pairs of needs that have an exclusion are looked up).
    if len(excl) and len(p_need):
        n_order = np.argsort(needs.id, kind="stable")
        ok_n, en = _lookup(needs.id[n_order], excl[:, 0])
        ok_t, et = _lookup(teachers.id[t_order], excl[:, 1])
        ok = ok_n & ok_t
        en, et = n_order[en[ok]], t_order[et[ok]]
        excl_key = np.unique(en * n_teachers + et)
        cand = np.flatnonzero(np.isin(p_need, en))
        hit = np.isin(p_need[cand] * n_teachers + p_t[cand], excl_key)
        keep = np.ones(len(p_need), dtype=bool)
        keep[cand[hit]] = False
        p_need, p_nb, p_tf, p_t, ov = (x[keep] for x in (p_need, p_nb, p_tf, p_t, ov))

    # Specialty: best of exact, same class and same family (weight * level / 5;
    # the family part takes the teacher's best level in the family).
    p_sc = need_sc[p_need]
    p_kc = needs.klass[p_need]
    has_class = p_kc >= 0
    e_level = np.zeros(len(p_need), dtype=np.int64)
    c_level = np.zeros(len(p_need), dtype=np.int64)
    for k in range(k_max):
        level_k = tf_spec_level[p_tf, k]
        e_level = np.maximum(e_level, np.where(tf_spec[p_tf, k] == p_sc, level_k, 0))
        same = has_class & (tf_class[p_tf, k] == p_kc)
        c_level = np.maximum(c_level, np.where(same, level_k, 0))
    s_exact = weights.specialty_exact * e_level / 5.0
    s_class = weights.specialty_class * c_level / 5.0
    s_family = weights.specialty_family * tf_level[p_tf] / 5.0
    s_spec = np.maximum(np.maximum(s_exact, s_class), s_family)
    exact = (e_level > 0) & (s_exact >= s_spec)
    same_class = ~exact & (c_level > 0) & (s_class >= s_spec)
    window_days = needs.end[p_need] - needs.start[p_need] + 1
    s_overlap = weights.overlap * ov / window_days
    s_place = np.where(p_nb, weights.place_neighbour, weights.place_same)
    s_prio = weights.priority * needs.priority[p_need] / 100.0
    score = s_spec + s_overlap + s_place + s_prio
    return Pairs(
        need=p_need,
        teacher=p_t,
        specialty=s_spec,
        overlap=s_overlap,
        place=s_place,
        priority=s_prio,
        score=score,
        exact=exact,
        same_class=same_class,
        neighbour=p_nb,
        need_has_specialty=need_has_specialty,
        need_has_window=need_has_window,
    )


# --------------------------------------------------------------------------
# Solving
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    pairs: Pairs
    usable: np.ndarray  # indices into pairs whose teacher has free capacity
    bonus_school: np.ndarray  # per need row: dense school code, -1 = no bonus
    bonus_cost: int  # integer coverage bonus (>= 0)


def _prepare(
    needs: Needs,
    teachers: Teachers,
    skills: Skills,
    weights: Weights,
    covered_schools: Iterable[int],
    neighbours: Iterable[tuple[int, int]],
    excluded_pairs: Iterable[tuple[int, int]],
) -> _Prepared:
    pairs = build_pairs(
        needs,
        teachers,
        skills,
        weights=weights,
        neighbours=neighbours,
        excluded_pairs=excluded_pairs,
    )
    usable = np.flatnonzero(teachers.free_capacity[pairs.teacher] > 0)
    bonus_cost = round(weights.coverage * SCALE)
    bonus_school = np.full(len(needs), -1, dtype=np.int64)
    if bonus_cost > 0:
        covered = np.asarray(list(covered_schools), dtype=np.int64)
        _, school_code = np.unique(needs.school, return_inverse=True)
        eligible = ~np.isin(needs.school, covered)
        bonus_school[eligible] = school_code.reshape(-1)[eligible]
    return _Prepared(pairs, usable, bonus_school, bonus_cost)


def _flow(
    prep: _Prepared, teachers: Teachers, needs: Needs, cost: np.ndarray
) -> tuple[np.ndarray, int]:
    """Exact min-cost flow per connected component; returns (chosen, #components).

    ``chosen`` are indices into ``prep.pairs``.
    """
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    usable = prep.usable
    if len(usable) == 0:
        return _EMPTY_I, 0
    pn, pt, pc = prep.pairs.need[usable], prep.pairs.teacher[usable], cost[usable]

    # Compact the nodes that take part.
    ut, t_loc = _compact(pt, len(teachers))
    un, n_loc = _compact(pn, len(needs))
    n_t, n_n = len(ut), len(un)
    n_school = prep.bonus_school[un]
    with_school = np.flatnonzero(n_school >= 0)
    us, s_loc = _compact(n_school[with_school], len(needs))
    n_s = len(us)
    n_nodes = n_t + n_n + n_s

    # Connected components of teachers + needs + school nodes.
    rows = np.r_[t_loc, n_t + with_school]
    cols = np.r_[n_t + n_loc, n_t + n_n + s_loc]
    graph = csr_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n_nodes, n_nodes)
    )
    n_comp, label = connected_components(graph, directed=False)
    label = label.astype(np.int64)

    # Node layout: component c owns [base[c], base[c+1]); source = base[c],
    # sink = base[c] + 1, then its members in index order.
    members = np.bincount(label, minlength=n_comp)
    base = np.zeros(n_comp + 1, dtype=np.int64)
    np.cumsum(members + 2, out=base[1:])
    order = _argsort_labels(label, n_comp)
    first = np.cumsum(members) - members
    rank = np.empty(n_nodes, dtype=np.int64)
    rank[order] = np.arange(n_nodes, dtype=np.int64) - first[label[order]]
    node = base[label] + 2 + rank
    lab_t, lab_n, lab_s = label[:n_t], label[n_t : n_t + n_n], label[n_t + n_n :]
    node_t, node_n, node_s = node[:n_t], node[n_t : n_t + n_n], node[n_t + n_n :]

    # Degree-capped capacities (same optimum, smaller numbers).
    deg_t = np.bincount(t_loc, minlength=n_t)
    deg_n = np.bincount(n_loc, minlength=n_n)
    cap_t = np.minimum(teachers.free_capacity[ut], deg_t)
    cap_n = np.minimum(needs.headcount[un], deg_n)
    cap_s = np.bincount(s_loc, weights=cap_n[with_school], minlength=n_s).astype(
        np.int64
    )
    supply = np.bincount(lab_t, weights=cap_t, minlength=n_comp).astype(np.int64)

    # Arc kinds, each sorted by component.
    def by_comp(lab: np.ndarray, *cols: np.ndarray) -> list[np.ndarray]:
        o = _argsort_labels(lab, n_comp)
        return [lab[o], *(c[o] for c in cols), o]

    p_lab, p_tail, p_head, p_cost, p_order = by_comp(
        lab_t[t_loc], node_t[t_loc], node_n[n_loc], pc
    )
    t_lab, t_head, t_cap, _ = by_comp(lab_t, node_t, cap_t)
    need_head = base[lab_n] + 1  # the component's sink ...
    need_head[with_school] = node_s[s_loc]  # ... or the need's school node
    n_lab, n_tail, n_head, n_cap, _ = by_comp(lab_n, node_n, need_head, cap_n)
    s_lab, s_tail, s_cap, _ = by_comp(lab_s, node_s, cap_s)

    kinds = [
        # (labels, tails, heads, capacities, costs) -- pair arcs first.
        (p_lab, p_tail, p_head, np.ones(len(p_lab), dtype=np.int64), p_cost),
        (t_lab, base[t_lab], t_head, t_cap, np.zeros(len(t_lab), dtype=np.int64)),
        (n_lab, n_tail, n_head, n_cap, np.zeros(len(n_lab), dtype=np.int64)),
        (
            s_lab,
            s_tail,
            base[s_lab] + 1,
            np.ones(len(s_lab), dtype=np.int64),
            np.full(len(s_lab), -prep.bonus_cost, dtype=np.int64),
        ),
        (s_lab, s_tail, base[s_lab] + 1, s_cap, np.zeros(len(s_lab), dtype=np.int64)),
        (
            np.arange(n_comp, dtype=np.int64),
            base[:-1],
            base[:-1] + 1,
            supply,
            np.zeros(n_comp, dtype=np.int64),
        ),
    ]

    # Pack components into batches of about _BATCH_ARCS arcs.
    arcs = np.zeros(n_comp, dtype=np.int64)
    for k in kinds:
        arcs += np.bincount(k[0], minlength=n_comp)
    start = np.cumsum(arcs) - arcs
    bucket = start // _BATCH_ARCS
    cuts = np.r_[0, np.flatnonzero(np.diff(bucket)) + 1, n_comp]
    bounds = [np.searchsorted(k[0], cuts) for k in kinds]

    chosen_parts = []
    for b in range(len(cuts) - 1):
        c0, c1 = cuts[b], cuts[b + 1]
        off = base[c0]
        sl = [slice(bd[b], bd[b + 1]) for bd in bounds]
        tails = np.concatenate([k[1][s] for k, s in zip(kinds, sl, strict=True)]) - off
        heads = np.concatenate([k[2][s] for k, s in zip(kinds, sl, strict=True)]) - off
        caps = np.concatenate([k[3][s] for k, s in zip(kinds, sl, strict=True)])
        costs = np.concatenate([k[4][s] for k, s in zip(kinds, sl, strict=True)])
        mcf = SimpleMinCostFlow()
        mcf.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), caps, costs
        )
        src = base[c0:c1] - off
        sup = supply[c0:c1]
        mcf.set_nodes_supplies(
            np.r_[src, src + 1].astype(np.int32), np.r_[sup, -sup].astype(np.int64)
        )
        status = mcf.solve()
        if status != mcf.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed with status {status}")
        n_pair_arcs = sl[0].stop - sl[0].start
        flows = np.asarray(mcf.flows(np.arange(n_pair_arcs, dtype=np.int32)))
        chosen_parts.append(p_order[sl[0]][flows > 0])
    chosen = np.sort(np.concatenate(chosen_parts))
    return usable[chosen], n_comp


def _assemble(
    needs: Needs,
    teachers: Teachers,
    prep: _Prepared,
    chosen: np.ndarray,
    weights: Weights,
    n_components: int,
    timings: dict[str, float],
) -> Result:
    pairs = prep.pairs
    c_need, c_t = pairs.need[chosen], pairs.teacher[chosen]
    nid, tid = needs.id[c_need], teachers.id[c_t]
    o = np.lexsort((tid, nid))
    chosen, c_need, c_t, nid, tid = chosen[o], c_need[o], c_t[o], nid[o], tid[o]
    score = pairs.score[chosen]

    # Coverage bonus: once per eligible school, on its best proposal.
    bonus = np.zeros(len(chosen))
    school = prep.bonus_school[c_need]
    elig = np.flatnonzero(school >= 0)
    if len(elig):
        o = np.lexsort((tid[elig], nid[elig], -score[elig], school[elig]))
        firsts = elig[o[_group_starts(school[elig][o])]]
        bonus[firsts] = weights.coverage
    total = float(score.sum() + bonus.sum())
    objective = int(-pairs.cost[chosen].sum()) + prep.bonus_cost * int(
        np.count_nonzero(bonus)
    )

    table = np.round(
        np.column_stack(
            [
                pairs.specialty[chosen],
                pairs.overlap[chosen],
                pairs.place[chosen],
                pairs.priority[chosen],
                bonus,
            ]
        ),
        2,
    )
    shown = np.round(table.sum(axis=1), 2).tolist()
    # Tens of thousands of small objects: keep the cyclic GC out of the way.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        proposals = [
            Proposal(
                n,
                t,
                sc,
                {
                    "specialty": a,
                    "overlap": b,
                    "place": c,
                    "priority": d,
                    "coverage": e,
                },
            )
            for n, t, sc, (a, b, c, d, e) in zip(
                nid.tolist(), tid.tolist(), shown, table.tolist(), strict=True
            )
        ]
    finally:
        if gc_was_enabled:
            gc.enable()

    # Reasons for needs left with open headcount.
    n_needs = len(needs)
    remaining = needs.headcount - np.bincount(c_need, minlength=n_needs)
    # Feasible pairs with free capacity that were NOT chosen: a teacher that
    # already serves the need cannot take a second place in it.
    spare = np.zeros(len(pairs), dtype=bool)
    spare[prep.usable] = True
    spare[chosen] = False
    has_usable = np.bincount(pairs.need[spare], minlength=n_needs) > 0
    code = np.select(
        [~pairs.need_has_specialty, ~pairs.need_has_window, ~has_usable],
        [0, 1, 2],
        default=3,
    )
    open_rows = np.flatnonzero(remaining > 0)
    unmatched = dict(
        zip(
            needs.id[open_rows].tolist(),
            np.array(REASONS, dtype=object)[code[open_rows]].tolist(),
            strict=True,
        )
    )
    return Result(
        proposals=proposals,
        unmatched=unmatched,
        total_score=total,
        pairs=len(pairs),
        components=n_components,
        timings=timings,
        objective=objective,
    )


def solve(
    needs: Needs,
    teachers: Teachers,
    skills: Skills,
    *,
    weights: Weights = Weights(),
    covered_schools: Iterable[int] = (),
    neighbours: Iterable[tuple[int, int]] = (),
    excluded_pairs: Iterable[tuple[int, int]] = (),
) -> Result:
    """Maximum-score assignment (exact, min-cost flow); see the module docstring.

    ``timings`` holds seconds for ``build_pairs``, ``flow`` (components +
    min-cost flow), ``assemble`` and ``total``.
    """
    t0 = time.perf_counter()
    prep = _prepare(
        needs, teachers, skills, weights, covered_schools, neighbours, excluded_pairs
    )
    t1 = time.perf_counter()
    chosen, n_comp = _flow(prep, teachers, needs, prep.pairs.cost)
    t2 = time.perf_counter()
    timings = {"build_pairs": t1 - t0, "flow": t2 - t1}
    result = _assemble(needs, teachers, prep, chosen, weights, n_comp, timings)
    t3 = time.perf_counter()
    timings["assemble"] = t3 - t2
    timings["total"] = t3 - t0
    return result


def greedy(
    needs: Needs,
    teachers: Teachers,
    skills: Skills,
    *,
    weights: Weights = Weights(),
    covered_schools: Iterable[int] = (),
    neighbours: Iterable[tuple[int, int]] = (),
    excluded_pairs: Iterable[tuple[int, int]] = (),
) -> Result:
    """Baseline: pairs by score descending (ties: need id, teacher id), taken
    while the teacher has capacity and the need has headcount left.  The
    coverage bonus goes to the first pair a still uncovered school receives.
    """
    t0 = time.perf_counter()
    prep = _prepare(
        needs, teachers, skills, weights, covered_schools, neighbours, excluded_pairs
    )
    t1 = time.perf_counter()
    pairs, usable = prep.pairs, prep.usable
    pn, pt = pairs.need[usable], pairs.teacher[usable]
    o = np.lexsort((teachers.id[pt], needs.id[pn], -pairs.score[usable]))
    cap = teachers.free_capacity.tolist()
    head = needs.headcount.tolist()
    taken = []
    for k, n, t in zip(o.tolist(), pn[o].tolist(), pt[o].tolist(), strict=True):
        if cap[t] > 0 and head[n] > 0:
            cap[t] -= 1
            head[n] -= 1
            taken.append(k)
    chosen = usable[np.asarray(taken, dtype=np.int64)]
    t2 = time.perf_counter()
    timings = {"build_pairs": t1 - t0, "greedy": t2 - t1}
    result = _assemble(needs, teachers, prep, chosen, weights, 0, timings)
    timings["total"] = time.perf_counter() - t0
    return result


def lp_optimum(
    needs: Needs,
    teachers: Teachers,
    skills: Skills,
    *,
    weights: Weights = Weights(),
    covered_schools: Iterable[int] = (),
    neighbours: Iterable[tuple[int, int]] = (),
    excluded_pairs: Iterable[tuple[int, int]] = (),
) -> float:
    """Optimum of the same problem as an LP (SciPy ``linprog``, HiGHS).

    Variables: ``x_p`` in [0, 1] per usable pair, ``z_s`` in [0, 1] per
    uncovered school (the coverage-bonus arc).  Constraints: per teacher
    ``sum x <= free_capacity``; per need ``sum x <= headcount``; per uncovered
    school ``z_s <= sum of x into the school``.  This is the flow network with
    the conservation equations eliminated (same optimum); the network LP has a
    totally unimodular matrix, so its optimum equals the integer optimum.
    Unrounded float scores are used.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    prep = _prepare(
        needs, teachers, skills, weights, covered_schools, neighbours, excluded_pairs
    )
    usable = prep.usable
    n_p = len(usable)
    if n_p == 0:
        return 0.0
    pn, pt = prep.pairs.need[usable], prep.pairs.teacher[usable]
    n_t, n_n = len(teachers), len(needs)
    ps = prep.bonus_school[pn]
    has_s = np.flatnonzero(ps >= 0)
    us, s_loc = np.unique(ps[has_s], return_inverse=True)
    s_loc = s_loc.reshape(-1)
    n_s = len(us)
    p_idx = np.arange(n_p)
    rows = np.r_[pt, n_t + pn, n_t + n_n + s_loc, n_t + n_n + np.arange(n_s)]
    cols = np.r_[p_idx, p_idx, has_s, n_p + np.arange(n_s)]
    vals = np.r_[np.ones(2 * n_p), -np.ones(len(has_s)), np.ones(n_s)]
    a_ub = coo_matrix((vals, (rows, cols)), shape=(n_t + n_n + n_s, n_p + n_s)).tocsr()
    b_ub = np.r_[teachers.free_capacity, needs.headcount, np.zeros(n_s)].astype(float)
    c = -np.r_[prep.pairs.score[usable], np.full(n_s, weights.coverage)]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if res.status != 0:
        raise RuntimeError(f"linprog failed: {res.message}")
    return float(-res.fun)


# --------------------------------------------------------------------------
# Synthetic instances (benchmark, tests)
# --------------------------------------------------------------------------


def make_instance(
    n_needs: int,
    n_teachers: int,
    *,
    seed: int,
    n_counties: int | None = None,
    n_families: int = 19,
    schools_per_county: tuple[int, int] = (1, 3),
    first_day: int = date(2025, 9, 1).toordinal(),
    family_skew: float = 1.0,
    catalogue: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> tuple[Needs, Teachers, Skills]:
    """Synthetic but realistic instance.

    Counties have ids ``1..n_counties`` (default: one per 400 needs) with 1-3
    vocational schools each.  Specialties are grouped in ``n_families``
    families (family ``f`` holds specialties ``100*f + 1 ..``, 3-8 of them,
    in classes of three: ``10*f + (k - 1) // 3`` for specialty ``100*f + k``);
    family popularity is Zipf-like (exponent ``family_skew``), the same for
    needs and teachers.  Needs: windows of 30-150 days starting within 300 days
    of ``first_day``, headcount 1-3 (mostly 1), priority 0-100.  Teachers:
    availability of 60-365 days starting between 60 days before and 240 days
    after ``first_day``, free capacity 1-5, 1-3 skills (levels 1-5) mostly in
    one family.  Teacher ids are shuffled so that row order != id order.

    ``catalogue``: per family, the ``(specialty id, class id)`` pairs of a real
    catalogue.  When given, ``n_families`` is its length and every need and
    skill draws its specialty (and class) from its family's whole list, the
    first ones of a family more often (Zipf-like); families stay ``1..n``.
    """
    rng = np.random.default_rng(seed)
    if n_counties is None:
        n_counties = max(1, round(n_needs / 400))
    if n_counties < 1 or n_families < 1:
        raise ValueError("make_instance needs at least one county and one family")
    if catalogue is not None:
        n_families = len(catalogue)
        if n_families < 1 or not all(catalogue):
            raise ValueError("make_instance: every catalogue family needs specialties")
    fam_p = 1.0 / np.arange(1, n_families + 1) ** family_skew
    fam_p /= fam_p.sum()
    spec_per_fam = rng.integers(3, 9, n_families)

    if catalogue is None:

        def specialty_of(fam: np.ndarray) -> np.ndarray:
            return (fam + 1) * 100 + 1 + rng.integers(0, spec_per_fam[fam])

        def class_of(spec: np.ndarray) -> np.ndarray:
            return (spec // 100) * 10 + (spec % 100 - 1) // 3

    else:
        real_spec = [np.array([s for s, _ in f], dtype=np.int64) for f in catalogue]
        cumulative = []
        for options in real_spec:
            p = 1.0 / np.arange(1, len(options) + 1) ** 0.5
            cumulative.append(np.cumsum(p / p.sum()))
        klass = {s: k for f in catalogue for s, k in f}
        spec_ids = np.array(sorted(klass), dtype=np.int64)
        spec_class = np.array([klass[s] for s in spec_ids.tolist()], dtype=np.int64)

        def specialty_of(fam: np.ndarray) -> np.ndarray:
            out = np.empty(len(fam), dtype=np.int64)
            draw = rng.random(len(fam))
            for f in np.unique(fam).tolist():
                rows = fam == f
                pick = np.searchsorted(cumulative[f], draw[rows], side="right")
                out[rows] = real_spec[f][np.minimum(pick, len(real_spec[f]) - 1)]
            return out

        def class_of(spec: np.ndarray) -> np.ndarray:
            return spec_class[np.searchsorted(spec_ids, spec)]

    county_ids = np.arange(1, n_counties + 1, dtype=np.int64)
    lo, hi = schools_per_county
    n_sch = rng.integers(lo, hi + 1, n_counties)
    school_county = np.repeat(county_ids, n_sch)
    school_ids = np.arange(1, len(school_county) + 1, dtype=np.int64)

    sch = rng.integers(0, len(school_ids), n_needs)
    fam = rng.choice(n_families, n_needs, p=fam_p)
    start = first_day + rng.integers(0, 300, n_needs)
    need_spec = specialty_of(fam)
    needs = Needs(
        id=np.arange(1, n_needs + 1, dtype=np.int64),
        school=school_ids[sch],
        county=school_county[sch],
        specialty=need_spec,
        family=fam + 1,
        klass=class_of(need_spec),
        start=start,
        end=start + rng.integers(30, 151, n_needs),
        headcount=rng.choice([1, 2, 3], n_needs, p=[0.7, 0.2, 0.1]),
        priority=np.round(rng.beta(2.0, 2.0, n_needs) * 100, 1),
    )

    avail = first_day + rng.integers(-60, 241, n_teachers)
    teacher_ids = rng.permutation(n_teachers).astype(np.int64) + 1
    teachers = Teachers(
        id=teacher_ids,
        county=rng.choice(county_ids, n_teachers),
        available_from=avail,
        available_until=avail + rng.integers(60, 366, n_teachers),
        free_capacity=rng.choice(
            [1, 2, 3, 4, 5], n_teachers, p=[0.35, 0.3, 0.2, 0.1, 0.05]
        ),
    )

    n_skills = rng.choice([1, 2, 3], n_teachers, p=[0.5, 0.35, 0.15])
    owner = np.repeat(np.arange(n_teachers), n_skills)
    primary = rng.choice(n_families, n_teachers, p=fam_p)
    sk_fam = primary[owner]
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else owner.astype(bool)
    other = ~first & (rng.random(len(owner)) < 0.2)
    sk_fam = np.where(other, rng.choice(n_families, len(owner), p=fam_p), sk_fam)
    sk_spec = specialty_of(sk_fam)
    # One row per (teacher, specialty).
    stride = int(sk_spec.max()) + 1 if len(sk_spec) else 1
    _, keep = np.unique(owner * stride + sk_spec, return_index=True)
    keep = np.sort(keep)
    skills = Skills(
        teacher=teacher_ids[owner[keep]],
        specialty=sk_spec[keep],
        family=sk_fam[keep] + 1,
        klass=class_of(sk_spec[keep]),
        level=rng.integers(1, 6, len(keep)),
    )
    return needs, teachers, skills


def make_neighbours(n_counties: int) -> list[tuple[int, int]]:
    """Neighbour pairs for counties ``1..n_counties`` laid out on a square grid."""
    width = max(1, math.isqrt(max(n_counties - 1, 0)) + 1)
    out = []
    for c in range(n_counties):
        if (c + 1) % width and c + 1 < n_counties:
            out.append((c + 1, c + 2))
        if c + width < n_counties:
            out.append((c + 1, c + 1 + width))
    return out
