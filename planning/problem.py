"""The matching problem as planning changes it, in memory (no Django models).

Planning starts from exactly what a matching run would solve --
:func:`matching.pipeline.read_inputs` for the scope -- and changes that problem:
hypothetical teachers are added (negative ids, so they never meet a real one),
named teachers leave, capacities change. Nothing here is written anywhere; the
solver (:func:`matching.solver.solve`) gives the optimum of each version.

:func:`outcome` reads the figures of one optimum that scenarios and plans compare:
places met, needs met (by priority band), schools covered, score, and per school
and specialty the places met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from matching import pipeline, solver

# Priority bands of the diagnosed priority score (0-100): high from 70, medium from 40.
BANDS = (("high", 70.0), ("medium", 40.0), ("low", 0.0))


@dataclass(frozen=True)
class Recruit:
    """A teacher who does not exist yet: one specialty at one level."""

    id: int  # negative
    county: int
    specialty: int
    family: int
    klass: int
    level: int
    start: int  # day number, as the solver's
    end: int
    capacity: int


def take(table, mask):
    """Rows ``mask`` of a solver column table (Needs, Teachers, Skills)."""
    return type(table)(**{f.name: getattr(table, f.name)[mask] for f in fields(table)})


def concat(table, other):
    return type(table)(
        **{
            f.name: np.r_[getattr(table, f.name), getattr(other, f.name)]
            for f in fields(table)
        }
    )


def recruit_tables(
    recruits: Sequence[Recruit],
) -> tuple[solver.Teachers, solver.Skills]:
    return (
        solver.Teachers(
            id=[r.id for r in recruits],
            county=[r.county for r in recruits],
            available_from=[r.start for r in recruits],
            available_until=[r.end for r in recruits],
            free_capacity=[r.capacity for r in recruits],
        ),
        solver.Skills(
            teacher=[r.id for r in recruits],
            specialty=[r.specialty for r in recruits],
            family=[r.family for r in recruits],
            klass=[r.klass for r in recruits],
            level=[r.level for r in recruits],
        ),
    )


def with_recruits(inputs: pipeline.Inputs, recruits: Sequence[Recruit]):
    """``inputs`` with the hypothetical teachers ``recruits`` added."""
    if not recruits:
        return inputs
    teachers, skills = recruit_tables(recruits)
    return replace(
        inputs,
        teachers=concat(inputs.teachers, teachers),
        skills=concat(inputs.skills, skills),
    )


def without_teachers(inputs: pipeline.Inputs, teacher_ids: Sequence[int]):
    """``inputs`` without the teachers ``teacher_ids`` (deactivated or gone)."""
    gone = np.asarray(list(teacher_ids), dtype=np.int64)
    return replace(
        inputs,
        teachers=take(inputs.teachers, ~np.isin(inputs.teachers.id, gone)),
        skills=take(inputs.skills, ~np.isin(inputs.skills.teacher, gone)),
    )


def with_free_capacity(inputs: pipeline.Inputs, free: dict[int, int]):
    """``inputs`` where teacher ``id`` has ``free[id]`` free places."""
    capacity = inputs.teachers.free_capacity.copy()
    for row, teacher_id in enumerate(inputs.teachers.id.tolist()):
        if teacher_id in free:
            capacity[row] = max(int(free[teacher_id]), 0)
    return replace(inputs, teachers=replace(inputs.teachers, free_capacity=capacity))


def solve(inputs: pipeline.Inputs) -> solver.Result:
    return solver.solve(
        inputs.needs, inputs.teachers, inputs.skills, **inputs.solver_kwargs()
    )


def pairs(inputs: pipeline.Inputs) -> solver.Pairs:
    """The feasible pairs of ``inputs`` with their scores, as the solver sees them."""
    return solver.build_pairs(
        inputs.needs,
        inputs.teachers,
        inputs.skills,
        weights=inputs.weights,
        neighbours=inputs.neighbours,
        excluded_pairs=inputs.excluded_pairs,
    )


def band(priority: float) -> str:
    return next(name for name, low in BANDS if priority >= low)


@dataclass
class Outcome:
    places_met: int
    needs_met: int
    needs_met_by_band: dict[str, int]
    schools_covered: int
    score: float
    objective: int
    places_by_school: dict[int, int]
    places_by_specialty: dict[int, int]
    # needs whose open places are not all met: need id -> the matcher's reason
    unmatched: dict[int, str]

    def figures(self) -> dict:
        return {
            "places_met": self.places_met,
            "needs_met": self.needs_met,
            "needs_met_by_band": self.needs_met_by_band,
            "schools_covered": self.schools_covered,
            "score": round(self.score, 2),
        }


def outcome(inputs: pipeline.Inputs, result: solver.Result) -> Outcome:
    """The figures of one optimum of ``inputs``.

    Places met: open places the optimum fills. Needs met: needs whose every open
    place is filled. Schools covered: schools of the scope that already have a
    teacher (a live assignment) or receive one."""
    needs = inputs.needs
    row_of = {need_id: row for row, need_id in enumerate(needs.id.tolist())}
    placed = np.zeros(len(needs), dtype=np.int64)
    for proposal in result.proposals:
        placed[row_of[proposal.need]] += 1
    met = (placed >= needs.headcount) & (needs.headcount > 0)
    by_band = {name: 0 for name, _ in BANDS}
    for priority in needs.priority[met].tolist():
        by_band[band(priority)] += 1
    # read_inputs gives the covered schools of the scope's counties.
    covered = set(inputs.covered_schools.tolist()) | set(
        needs.school[placed > 0].tolist()
    )
    by_school: dict[int, int] = {}
    by_specialty: dict[int, int] = {}
    for row in np.flatnonzero(placed).tolist():
        school, specialty = int(needs.school[row]), int(needs.specialty[row])
        by_school[school] = by_school.get(school, 0) + int(placed[row])
        by_specialty[specialty] = by_specialty.get(specialty, 0) + int(placed[row])
    return Outcome(
        places_met=int(placed.sum()),
        needs_met=int(met.sum()),
        needs_met_by_band=by_band,
        schools_covered=len(covered),
        score=float(result.total_score),
        objective=int(result.objective),
        places_by_school=by_school,
        places_by_specialty=by_specialty,
        unmatched=dict(result.unmatched),
    )


# read_inputs counts days from 1970-01-01


_EPOCH = dt.date(1970, 1, 1).toordinal()


def day(value) -> int:
    """A date as the solver's day number (as :func:`matching.pipeline.read_inputs`)."""
    return value.toordinal() - _EPOCH


def date_of(number: int) -> dt.date:
    return dt.date.fromordinal(int(number) + _EPOCH)
