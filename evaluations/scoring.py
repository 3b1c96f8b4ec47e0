"""How an evaluation is scored: plain Python on plain data (no Django), so every
number can be worked out by hand and tested alone.

Objective indicators: what each metric measures and how it is normalised
--------------------------------------------------------------------------
Every value is measured within the cycle's period ``[start, as_of]``, where
``as_of`` is the cycle's end date, or the day it is closed if that is earlier.
Only undisputed activities count. A *served assignment* is an accepted or completed
assignment of a need of the cycle's county whose window overlaps the period.

=====================  ============================================  ==============
metric                 value                                         default target
=====================  ============================================  ==============
hours_taught           hours of activities logged (every kind)       120 hours
local_teachers_trained local teachers reached, summed over            30 (人次)
                       activities (attendances, not persons)
needs_fulfilled        share of the served needs due by ``as_of``    1.0 (all)
                       that are done (the assignment completed or
                       the need fulfilled); a need still running
                       (its window not ended, not done) is not
                       counted, neither done nor failed
goals_met              the confirmed plan goals of those needs,      1.0 (all)
                       met counting 1, partly met 0.5, not met 0,
                       over the number confirmed: only a mark the
                       county's coordinator confirmed counts; a
                       goal unmarked, or whose mark waits for
                       confirmation, is no data, not a goal missed
activity_regularity    share of the weeks of service with at least   0.8
                       one activity; the weeks are counted from the
                       first day of the teacher's served needs (or
                       the cycle's start, if later) to the last day
                       (or ``as_of``, if earlier)
confirmation_speed     mean days a school took, after a served        30 days
                       need's end date, to confirm it (a need still
                       unconfirmed counts the days up to ``as_of``)
rating_participation   share of the school's rating tasks submitted  1.0 (all)
need_quality           share of the needs the school submitted in    1.0 (all)
                       the period that were never returned or
                       rejected
=====================  ============================================  ==============

The score of a metric is ``min(100, 100 * value / target)``; for
``confirmation_speed``, where less is better, it is ``max(0, 100 * (1 - days /
target))``: on time earns 100, ``target`` days late or more earns 0.

For a team, hours and local teachers are the mean per member, the shares are pooled
over the members' assignments and goals, and regularity is the mean of the members'.
For an assisted school, hours, teachers reached, needs and goals are those of the
needs of the school.

A metric without a basis (no served needs, no goals, no rating tasks) has no value:
the indicator is left out and its weight is spread over its siblings, and the
evaluation is flagged ``no_data:<code>``.

Subjective indicators and raters
--------------------------------
Each rater role's score on an indicator is the mean of its raters' submitted
scores. The indicator's score is the mean of the roles' scores weighted by the
framework's rater weights, over the roles that submitted at least one rating: the
weight of a missing role is spread over the present ones in proportion to their
weights, and the evaluation is flagged ``missing_rater:<role>``.

Tree, grade, rank, team roll-up
-------------------------------
An indicator with sub-indicators scores the weighted mean of its children that
have a score; the evaluation's score is the weighted mean of the top level. Scores
are rounded to two decimals (half up) before grading. The grade is the first grade
whose lower bound (inclusive) the score reaches. Ranks are per subject type within
the cycle, highest score first; equal scores share a rank and the next rank skips
(1, 1, 3). A team's final score blends its own framework score with the mean final
score of its members: ``(1 - s) * own + s * members`` with ``s`` the member share
(a setting, 50 % by default); when either part is missing the other stands alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean

HOURS_TAUGHT = "hours_taught"
LOCAL_TEACHERS_TRAINED = "local_teachers_trained"
NEEDS_FULFILLED = "needs_fulfilled"
GOALS_MET = "goals_met"
ACTIVITY_REGULARITY = "activity_regularity"
CONFIRMATION_SPEED = "confirmation_speed"
RATING_PARTICIPATION = "rating_participation"
NEED_QUALITY = "need_quality"

DEFAULT_TARGETS: dict[str, float] = {
    HOURS_TAUGHT: 120.0,
    LOCAL_TEACHERS_TRAINED: 30.0,
    NEEDS_FULFILLED: 1.0,
    GOALS_MET: 1.0,
    ACTIVITY_REGULARITY: 0.8,
    CONFIRMATION_SPEED: 30.0,
    RATING_PARTICIPATION: 1.0,
    NEED_QUALITY: 1.0,
}
LOWER_IS_BETTER = frozenset({CONFIRMATION_SPEED})

_PEOPLE_METRICS = (
    HOURS_TAUGHT,
    LOCAL_TEACHERS_TRAINED,
    NEEDS_FULFILLED,
    GOALS_MET,
    ACTIVITY_REGULARITY,
)
METRICS_BY_SUBJECT: dict[str, tuple[str, ...]] = {
    "teacher": _PEOPLE_METRICS,
    "team": _PEOPLE_METRICS,
    "school": (
        HOURS_TAUGHT,
        LOCAL_TEACHERS_TRAINED,
        NEEDS_FULFILLED,
        GOALS_MET,
        CONFIRMATION_SPEED,
        RATING_PARTICIPATION,
        NEED_QUALITY,
    ),
}
RATER_ROLES_BY_SUBJECT: dict[str, tuple[str, ...]] = {
    "teacher": ("school", "coordinator", "peer", "self"),
    "team": ("school", "coordinator", "self"),
    "school": ("coordinator", "teacher"),
}

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def to_decimal(value: float | Decimal) -> Decimal:
    """Two decimals, half up, from the shortest repr of a float (89.995 -> 90.00)."""
    if not isinstance(value, Decimal):
        value = Decimal(repr(float(value)))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def plain_number(value: Decimal) -> str:
    """90, 90.5: a weight as people write it (no exponent, no trailing zeros)."""
    return format(Decimal(value).normalize(), "f")


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, value))


def normalise(metric: str, value: float | None, target: float | None) -> float | None:
    """The 0-100 score of a metric's value against its target."""
    if value is None:
        return None
    target = target or DEFAULT_TARGETS[metric]
    if metric in LOWER_IS_BETTER:
        return clamp(100.0 * (1.0 - value / target))
    return clamp(100.0 * value / target)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# --- the indicator tree ----------------------------------------------------------


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    weight: Decimal
    parent: str | None = None
    kind: str = "subjective"
    metric: str = ""
    target: float | None = None


def children_of(indicators: Sequence[IndicatorSpec]) -> dict[str | None, list]:
    tree: dict[str | None, list[IndicatorSpec]] = defaultdict(list)
    for indicator in indicators:
        tree[indicator.parent].append(indicator)
    return tree


def leaves(indicators: Sequence[IndicatorSpec]) -> list[IndicatorSpec]:
    parents = {i.parent for i in indicators}
    return [i for i in indicators if i.code not in parents]


def weight_errors(
    indicators: Sequence[IndicatorSpec],
) -> list[tuple[str | None, Decimal]]:
    """Each level (the children of one parent, or the top level: ``None``) whose
    weights do not add up to exactly 100, with the sum found."""
    errors = []
    for parent, siblings in children_of(indicators).items():
        total = sum((Decimal(s.weight) for s in siblings), Decimal(0))
        if total != HUNDRED:
            errors.append((parent, total))
    return errors


def cycle_in_tree(indicators: Sequence[IndicatorSpec]) -> str | None:
    """The code of an indicator that is its own ancestor, if any."""
    parent_of = {i.code: i.parent for i in indicators}
    for code in parent_of:
        seen = {code}
        current = parent_of.get(code)
        while current is not None:
            if current in seen:
                return code
            seen.add(current)
            current = parent_of.get(current)
    return None


def tree_score(
    indicators: Sequence[IndicatorSpec], leaf_scores: Mapping[str, float | None]
) -> tuple[float | None, dict[str, float | None]]:
    """The weighted score of the tree and of every indicator in it. A node without
    a score is left out and its weight spread over its scored siblings."""
    tree = children_of(indicators)
    scores: dict[str, float | None] = {}

    def weighted(nodes: list[IndicatorSpec]) -> float | None:
        present = []
        for node in nodes:
            node_score = score_of(node)
            if node_score is not None:
                present.append((float(node.weight), node_score))
        total_weight = sum(w for w, _ in present)
        if not present or total_weight <= 0:
            return None
        return sum(w * s for w, s in present) / total_weight

    def score_of(node: IndicatorSpec) -> float | None:
        if node.code not in scores:
            kids = tree.get(node.code)
            scores[node.code] = weighted(kids) if kids else leaf_scores.get(node.code)
        return scores[node.code]

    return weighted(tree.get(None, [])), scores


# --- raters ----------------------------------------------------------------------


@dataclass
class RaterOutcome:
    """Subjective scores of one evaluation, combined over rater roles."""

    indicator_scores: dict[str, float | None]
    role_indicator_scores: dict[str, dict[str, float]]
    effective_weights: dict[str, float]
    missing_roles: list[str]
    rater_counts: dict[str, int] = field(default_factory=dict)


def combine_raters(
    submitted: Mapping[str, Sequence[Mapping[str, float]]],
    rater_weights: Mapping[str, float | Decimal],
    codes: Iterable[str],
) -> RaterOutcome:
    """``submitted`` maps a role to the score sheets ({code: score}) of its raters
    who submitted. Roles with weight and no sheet are missing: their weight goes
    to the present roles in proportion to theirs."""
    codes = list(codes)
    weights = {role: float(w) for role, w in rater_weights.items() if float(w) > 0}
    present = [role for role in weights if submitted.get(role)]
    missing = [role for role in weights if not submitted.get(role)]
    present_total = sum(weights[r] for r in present)
    effective = {
        role: (100.0 * weights[role] / present_total if role in present else 0.0)
        for role in weights
    }
    role_scores: dict[str, dict[str, float]] = {}
    for role in present:
        per_code: dict[str, float] = {}
        for code in codes:
            values = [float(s[code]) for s in submitted[role] if code in s]
            if values:
                per_code[code] = fmean(values)
        role_scores[role] = per_code
    indicator_scores: dict[str, float | None] = {}
    for code in codes:
        rated = [
            (weights[r], role_scores[r][code])
            for r in present
            if code in role_scores[r]
        ]
        total = sum(w for w, _ in rated)
        indicator_scores[code] = (
            sum(w * s for w, s in rated) / total if rated and total > 0 else None
        )
    return RaterOutcome(
        indicator_scores=indicator_scores,
        role_indicator_scores=role_scores,
        effective_weights=effective,
        missing_roles=missing,
        rater_counts={role: len(submitted.get(role, ())) for role in weights},
    )


# --- explaining a result ------------------------------------------------------------


def global_weights(indicators: Sequence[IndicatorSpec]) -> dict[str, float]:
    """Each indicator's share of the whole score (0-1): its weight times its
    ancestors' weights, each as a share of 100."""
    parent_of = {i.code: i.parent for i in indicators}
    weight_of = {i.code: float(i.weight) / 100.0 for i in indicators}
    shares = {}
    for code in parent_of:
        share_ = 1.0
        current: str | None = code
        while current is not None:
            share_ *= weight_of[current]
            current = parent_of.get(current)
        shares[code] = share_
    return shares


def what_lowered(
    indicators: Sequence[IndicatorSpec],
    scores: Mapping[str, float | None],
    limit: int = 3,
) -> list[tuple[str, float]]:
    """The leaf indicators that cost the most points: (code, points below 100 it
    cost the total), largest first; only those that cost at least one point."""
    shares = global_weights(indicators)
    costs = [
        (leaf.code, shares[leaf.code] * (100.0 - scores[leaf.code]))
        for leaf in leaves(indicators)
        if scores.get(leaf.code) is not None
    ]
    costs = [(code, round(cost, 2)) for code, cost in costs if cost >= 1.0]
    return sorted(costs, key=lambda pair: -pair[1])[:limit]


# --- who rates whom ----------------------------------------------------------------


def _stable_key(*parts: object) -> str:
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def choose_peer_tasks(
    candidates: Mapping[int, Iterable[int]], limit: int, seed: object
) -> dict[int, list[int]]:
    """Which peers each rater rates: at most ``limit`` of their candidates.

    Fair and repeatable: in rounds, each rater in turn (in an order drawn from a
    hash of ``seed``, so no one is always first) takes one more of their
    candidates, the one with the fewest peer raters so far (ties broken by the
    same hash); so everyone gets about as many peer raters as anyone else, and
    the same input always gives the same tasks."""
    options = {rater: set(peers) - {rater} for rater, peers in candidates.items()}
    received: dict[int, int] = defaultdict(int)
    chosen: dict[int, list[int]] = {rater: [] for rater in options}
    order = sorted(options, key=lambda r: _stable_key(seed, "rater", r))
    for _round in range(max(limit, 0)):
        for rater in order:
            left = options[rater] - set(chosen[rater])
            if not left:
                continue
            pick = min(
                left, key=lambda s, r=rater: (received[s], _stable_key(seed, r, s))
            )
            chosen[rater].append(pick)
            received[pick] += 1
    return {rater: sorted(peers) for rater, peers in chosen.items()}


# --- grades, ranks, teams ----------------------------------------------------------


def grade_for(score: Decimal | float, grades: Sequence[tuple[str, float]]) -> str:
    """The first grade (highest bound first) whose inclusive lower bound is met."""
    ordered = sorted(grades, key=lambda g: g[1], reverse=True)
    for label, lower in ordered:
        if Decimal(str(score)) >= Decimal(str(lower)):
            return label
    return ordered[-1][0]


def competition_ranks(scores: Mapping[object, Decimal | None]) -> dict[object, int]:
    """Standard competition ranking (1, 1, 3); subjects without a score get none."""
    ordered = sorted(
        ((score, key) for key, score in scores.items() if score is not None),
        key=lambda pair: pair[0],
        reverse=True,
    )
    ranks: dict[object, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, (score, key) in enumerate(ordered, start=1):
        if score != previous:
            rank = position
            previous = score
        ranks[key] = rank
    return ranks


def team_roll_up(
    own: float | None, member_scores: Sequence[float], member_share: float
) -> float | None:
    members = fmean(member_scores) if member_scores else None
    if own is None:
        return members
    if members is None:
        return own
    s = member_share / 100.0
    return (1 - s) * own + s * members


# --- metric values from plain records --------------------------------------------


@dataclass(frozen=True)
class ServedAssignment:
    id: int
    teacher_id: int
    school_id: int
    need_id: int
    need_start: dt.date
    need_end: dt.date
    done: bool  # completed, or its need fulfilled


@dataclass(frozen=True)
class ActivityRecord:
    teacher_id: int
    school_id: int
    date: dt.date
    hours: float
    local_teachers: int


# Confirmed outcomes of plan goals (needs.models.GoalOutcome) and what each is worth.
GOAL_VALUES = {"met": 1.0, "partly": 0.5, "not_met": 0.0}


@dataclass(frozen=True)
class GoalTally:
    """Plan goals of one or more needs, by where their marking stands."""

    goals: int = 0
    confirmed: int = 0
    met: int = 0
    partly: int = 0
    not_met: int = 0
    waiting: int = 0  # a mark waits for confirmation (the confirmed one stands)

    @classmethod
    def of(cls, confirmed_outcome: str, waiting: bool) -> GoalTally:
        """One goal: its confirmed outcome ("" for none) and whether a mark waits."""
        counted = confirmed_outcome in GOAL_VALUES
        return cls(
            goals=1,
            confirmed=int(counted),
            met=int(confirmed_outcome == "met"),
            partly=int(confirmed_outcome == "partly"),
            not_met=int(confirmed_outcome == "not_met"),
            waiting=int(waiting),
        )

    def __add__(self, other: GoalTally) -> GoalTally:
        return GoalTally(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )

    @property
    def value(self) -> float | None:
        """met 1, partly 0.5, not met 0, over the confirmed goals; None without."""
        return share(self.met + 0.5 * self.partly, self.confirmed)

    def basis(self) -> dict[str, int]:
        return {
            "goals": self.goals,
            "confirmed": self.confirmed,
            "met": self.met,
            "partly": self.partly,
            "not_met": self.not_met,
            "waiting": self.waiting,
        }


@dataclass(frozen=True)
class NeedRecord:
    """A need of an assisted school, as the school's engagement sees it."""

    id: int
    school_id: int
    start: dt.date
    end: dt.date
    served: bool  # reached matched (a teacher accepted)
    fulfilled: bool
    confirmed_on: dt.date | None
    submitted_on: dt.date | None
    clean: bool  # never returned to draft nor rejected


def _activity_basis(acts) -> dict[str, dict]:
    """What the activity indicators counted (for teachers, teams and schools)."""
    return {
        HOURS_TAUGHT: {
            "activities": len(acts),
            "hours": round(sum(a.hours for a in acts), 2),
        },
        LOCAL_TEACHERS_TRAINED: {
            "activities": len(acts),
            "teachers": sum(a.local_teachers for a in acts),
        },
    }


def _fulfilment_basis(done: int, due: int, served: int) -> dict[str, dict]:
    """What needs fulfilled counted: ``done`` of the ``due`` served needs (or
    assignments); the others served are still running, and no failure."""
    return {NEEDS_FULFILLED: {"done": done, "due": due, "running": served - due}}


@dataclass
class CycleFacts:
    """Everything objective indicators need about one cycle, as plain data."""

    start: dt.date
    as_of: dt.date
    assignments: list[ServedAssignment] = field(default_factory=list)
    activities: list[ActivityRecord] = field(default_factory=list)
    goals: dict[int, GoalTally] = field(default_factory=dict)  # per need
    needs: list[NeedRecord] = field(default_factory=list)
    team_members: dict[int, list[int]] = field(default_factory=dict)
    school_tasks: dict[int, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_teacher: dict[int, list[ServedAssignment]] = defaultdict(list)
        for a in self.assignments:
            self._by_teacher[a.teacher_id].append(a)
        self._activities_by_teacher: dict[int, list[ActivityRecord]] = defaultdict(list)
        self._activities_by_school: dict[int, list[ActivityRecord]] = defaultdict(list)
        for act in self.activities:
            if self.start <= act.date <= self.as_of:
                self._activities_by_teacher[act.teacher_id].append(act)
                self._activities_by_school[act.school_id].append(act)

    # shared pieces
    def _goals(self, need_ids: Iterable[int]) -> GoalTally:
        tally = GoalTally()
        for need_id in set(need_ids):
            tally += self.goals.get(need_id, GoalTally())
        return tally

    def _regularity(self, teacher_id: int) -> float | None:
        served = self._by_teacher.get(teacher_id)
        if not served:
            return None
        first = max(min(a.need_start for a in served), self.start)
        last = min(max(a.need_end for a in served), self.as_of)
        return activity_regularity(
            (a.date for a in self._activities_by_teacher.get(teacher_id, ())),
            first,
            last,
        )

    def _weeks(self, teacher_id: int) -> tuple[int, int]:
        """(weeks with an activity, weeks of service) of a teacher."""
        served = self._by_teacher.get(teacher_id)
        if not served:
            return 0, 0
        first = max(min(a.need_start for a in served), self.start)
        last = min(max(a.need_end for a in served), self.as_of)
        if last < first:
            return 0, 0
        weeks = math.ceil(((last - first).days + 1) / 7)
        active = {
            (a.date - first).days // 7
            for a in self._activities_by_teacher.get(teacher_id, ())
            if first <= a.date <= last
        }
        return len(active), weeks

    def _people_basis(self, teacher_ids: Sequence[int]) -> dict[str, dict]:
        """The data behind each objective indicator of teachers and teams: what
        was counted, so a result can explain itself."""
        served = [a for t in teacher_ids for a in self._by_teacher.get(t, [])]
        acts = [a for t in teacher_ids for a in self._activities_by_teacher.get(t, [])]
        due = self._due(served)
        weeks = [self._weeks(t) for t in teacher_ids]
        return {
            **_activity_basis(acts),
            **_fulfilment_basis(sum(1 for a in due if a.done), len(due), len(served)),
            GOALS_MET: self._goals(a.need_id for a in served).basis(),
            ACTIVITY_REGULARITY: {
                "active_weeks": sum(a for a, _ in weeks),
                "weeks": sum(w for _, w in weeks),
            },
        }

    def teacher_basis(self, teacher_id: int) -> dict[str, dict]:
        return self._people_basis([teacher_id])

    def team_basis(self, team_id: int) -> dict[str, dict]:
        return self._people_basis(self.team_members.get(team_id, []))

    def school_basis(self, school_id: int) -> dict[str, dict]:
        acts = self._activities_by_school.get(school_id, [])
        needs = [n for n in self.needs if n.school_id == school_id]
        served = [
            n
            for n in needs
            if n.served and n.start <= self.as_of and n.end >= self.start
        ]
        due = [n for n in served if n.fulfilled or n.end <= self.as_of]
        submitted = [
            n
            for n in needs
            if n.submitted_on is not None and self.start <= n.submitted_on <= self.as_of
        ]
        tasks_total, tasks_done = self.school_tasks.get(school_id, (0, 0))
        return {
            **_activity_basis(acts),
            **_fulfilment_basis(
                sum(1 for n in due if n.fulfilled), len(due), len(served)
            ),
            GOALS_MET: self._goals(n.id for n in served).basis(),
            CONFIRMATION_SPEED: {
                "needs": sum(1 for n in served if self.start <= n.end <= self.as_of)
            },
            RATING_PARTICIPATION: {"done": tasks_done, "tasks": tasks_total},
            NEED_QUALITY: {
                "clean": sum(1 for n in submitted if n.clean),
                "submitted": len(submitted),
            },
        }

    def _due(self, served: Iterable[ServedAssignment]) -> list[ServedAssignment]:
        """Served assignments that count for need completion: done, or whose
        need's window ended by ``as_of``. A need still running is no failure."""
        return [a for a in served if a.done or a.need_end <= self.as_of]

    def teacher_values(self, teacher_id: int) -> dict[str, float | None]:
        served = self._by_teacher.get(teacher_id, [])
        acts = self._activities_by_teacher.get(teacher_id, [])
        due = self._due(served)
        return {
            HOURS_TAUGHT: sum(a.hours for a in acts),
            LOCAL_TEACHERS_TRAINED: sum(a.local_teachers for a in acts),
            NEEDS_FULFILLED: share(sum(1 for a in due if a.done), len(due)),
            GOALS_MET: self._goals(a.need_id for a in served).value,
            ACTIVITY_REGULARITY: self._regularity(teacher_id),
        }

    def team_values(self, team_id: int) -> dict[str, float | None]:
        members = self.team_members.get(team_id, [])
        served = [a for m in members for a in self._by_teacher.get(m, [])]
        acts = [a for m in members for a in self._activities_by_teacher.get(m, [])]
        regularities = [r for m in members if (r := self._regularity(m)) is not None]
        due = self._due(served)
        return {
            HOURS_TAUGHT: (sum(a.hours for a in acts) / len(members))
            if members
            else None,
            LOCAL_TEACHERS_TRAINED: (sum(a.local_teachers for a in acts) / len(members))
            if members
            else None,
            NEEDS_FULFILLED: share(sum(1 for a in due if a.done), len(due)),
            GOALS_MET: self._goals(a.need_id for a in served).value,
            ACTIVITY_REGULARITY: fmean(regularities) if regularities else None,
        }

    def school_values(self, school_id: int) -> dict[str, float | None]:
        acts = self._activities_by_school.get(school_id, [])
        needs = [n for n in self.needs if n.school_id == school_id]
        served = [
            n
            for n in needs
            if n.served and n.start <= self.as_of and n.end >= self.start
        ]
        submitted = [
            n
            for n in needs
            if n.submitted_on is not None and self.start <= n.submitted_on <= self.as_of
        ]
        tasks_total, tasks_done = self.school_tasks.get(school_id, (0, 0))
        due = [n for n in served if n.fulfilled or n.end <= self.as_of]
        return {
            HOURS_TAUGHT: sum(a.hours for a in acts),
            LOCAL_TEACHERS_TRAINED: sum(a.local_teachers for a in acts),
            NEEDS_FULFILLED: share(sum(1 for n in due if n.fulfilled), len(due)),
            GOALS_MET: self._goals(n.id for n in served).value,
            CONFIRMATION_SPEED: confirmation_lag(
                ((n.end, n.confirmed_on) for n in served), self.start, self.as_of
            ),
            RATING_PARTICIPATION: share(tasks_done, tasks_total),
            NEED_QUALITY: share(sum(1 for n in submitted if n.clean), len(submitted)),
        }


def activity_regularity(
    dates: Iterable[dt.date], first: dt.date, last: dt.date
) -> float | None:
    """Share of the weeks from ``first`` to ``last`` (7-day blocks counted from
    ``first``; a partial last block counts as a week) with at least one date."""
    if last < first:
        return None
    weeks = math.ceil(((last - first).days + 1) / 7)
    active = {(d - first).days // 7 for d in dates if first <= d <= last}
    return len(active) / weeks


def confirmation_lag(
    needs: Iterable[tuple[dt.date, dt.date | None]], start: dt.date, as_of: dt.date
) -> float | None:
    """Mean days late confirming, over needs whose end date falls in
    ``[start, as_of]``; an unconfirmed need counts the days up to ``as_of``."""
    lags = []
    for end, confirmed_on in needs:
        if not start <= end <= as_of:
            continue
        seen = min(confirmed_on, as_of) if confirmed_on is not None else as_of
        lags.append(max(0, (seen - end).days))
    return fmean(lags) if lags else None


# --- one evaluation, end to end ----------------------------------------------------


@dataclass
class Outcome:
    score: float | None
    indicator_scores: dict[str, float | None]
    values: dict[str, float | None]
    raters: RaterOutcome
    role_scores: dict[str, float | None]
    flags: list[str]


def evaluate(
    indicators: Sequence[IndicatorSpec],
    rater_weights: Mapping[str, float | Decimal],
    values: Mapping[str, float | None],
    submitted: Mapping[str, Sequence[Mapping[str, float]]],
) -> Outcome:
    """Score one evaluation: objective leaves from ``values`` (metric -> value),
    subjective leaves from the raters' sheets."""
    leaf_list = leaves(indicators)
    subjective = [i.code for i in leaf_list if i.kind == "subjective"]
    raters = combine_raters(submitted, rater_weights, subjective)
    leaf_scores: dict[str, float | None] = {}
    flags: list[str] = []
    for leaf in leaf_list:
        if leaf.kind == "objective":
            leaf_scores[leaf.code] = normalise(
                leaf.metric, values.get(leaf.metric), leaf.target
            )
            if leaf_scores[leaf.code] is None:
                flags.append(f"no_data:{leaf.code}")
        else:
            leaf_scores[leaf.code] = raters.indicator_scores.get(leaf.code)
    if subjective:
        flags.extend(f"missing_rater:{role}" for role in raters.missing_roles)
    score, node_scores = tree_score(indicators, leaf_scores)
    # Each present role's own view of the subjective part of the tree.
    subjective_tree = _subtree_with(indicators, set(subjective))
    role_scores = {
        role: tree_score(subjective_tree, sheet)[0]
        for role, sheet in raters.role_indicator_scores.items()
    }
    return Outcome(
        score=score,
        indicator_scores=node_scores,
        values=dict(values),
        raters=raters,
        role_scores=role_scores,
        flags=flags,
    )


def _subtree_with(
    indicators: Sequence[IndicatorSpec], keep: set[str]
) -> list[IndicatorSpec]:
    """The indicators that are in ``keep`` or have a descendant in it."""
    parent_of = {i.code: i.parent for i in indicators}
    wanted = set()
    for code in keep:
        while code is not None and code not in wanted:
            wanted.add(code)
            code = parent_of.get(code)
    return [i for i in indicators if i.code in wanted]
