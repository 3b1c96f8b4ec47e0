"""Fast reads and bulk writes of a matching run (the data side of ``runs``).

Reads go straight to SQL (tuples into numpy columns, never model instances: at
national scale instances cost over a second); writes use PostgreSQL ``COPY`` (psycopg
3 ``cursor.copy``) and fall back to ``bulk_create`` on other databases. Nothing here
decides state: :mod:`matching.runs` calls these inside its transaction.

What the solver is given (see the docstring of :mod:`matching.solver`):

- needs: ``open`` needs of the scope's counties with open headcount, where open
  headcount = headcount - filled - live proposals (``filled`` counts the accepted,
  and later completed, assignments, so accepted proposals are never proposed again);
  priority = the diagnosed priority score, or the school's own urgency mapped onto
  0-100 when a need was opened without a diagnosis;
- teachers: active teachers stationed in the scope's counties (and in their
  neighbouring counties when ``settings.MATCHING_ALLOW_NEIGHBOURS``), free capacity =
  capacity - live (proposed or accepted) assignments, never below 0;
- covered schools: schools of the scope with a live assignment;
- excluded pairs: every (need, teacher) pair that already has an assignment, live or
  not: a teacher is proposed for a need at most once, so a declined or cancelled
  pair is not proposed again by the next (nightly) run; a decline a coordinator has
  cleared no longer excludes its pair.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter

import numpy as np
from django.conf import settings
from django.db import connection

from needs.models import NeedStatus

from . import solver
from .models import Assignment, AssignmentStatus, UnmatchedNeeds

LIVE = (AssignmentStatus.PROPOSED.value, AssignmentStatus.ACCEPTED.value)

logger = logging.getLogger(__name__)


@dataclass
class Inputs:
    """Everything the solver needs for one scope, read in one go."""

    needs: solver.Needs
    teachers: solver.Teachers
    skills: solver.Skills
    covered_schools: np.ndarray
    excluded_pairs: np.ndarray  # (k, 2) need id, teacher id
    neighbours: list[tuple[int, int]]
    weights: solver.Weights
    counties: list[int] | None  # None: every county
    timings: dict[str, float] = field(default_factory=dict)

    def solver_kwargs(self) -> dict:
        return {
            "weights": self.weights,
            "covered_schools": self.covered_schools,
            "neighbours": self.neighbours,
            "excluded_pairs": self.excluded_pairs,
        }


def weights() -> solver.Weights:
    return solver.Weights(**settings.MATCHING_WEIGHTS)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _day(column: str) -> str:
    """SQL for a date column as an integer day number (any fixed epoch will do)."""
    if _is_postgres():
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _in(column: str, ids: Sequence[int] | None) -> tuple[str, list[int]]:
    """``AND column IN (...)`` for a scope, or nothing for every county."""
    if ids is None:
        return "", []
    if not ids:
        return " AND FALSE", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _columns(cursor, sql: str, params: list, width: int) -> np.ndarray:
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, width), dtype=np.int64)
    return np.array(rows, dtype=np.int64)


def neighbour_pairs(counties: Sequence[int] | None = None) -> list[tuple[int, int]]:
    """Symmetric neighbour pairs (both directions are stored by Django's M2M)."""
    table = "needs_county_neighbours"
    where, params = _in("from_county_id", counties)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT from_county_id, to_county_id FROM {table} WHERE TRUE{where}",  # noqa: S608
            params,
        )
        return [(int(a), int(b)) for a, b in cursor.fetchall()]


def teacher_counties(
    counties: Sequence[int] | None, allow_neighbours: bool | None = None
) -> list[int] | None:
    """The counties whose teachers a run of ``counties`` may propose: the counties
    themselves, plus their neighbours when neighbouring counties are allowed
    (``allow_neighbours``; None: ``settings.MATCHING_ALLOW_NEIGHBOURS``)."""
    if counties is None:
        return None
    if allow_neighbours is None:
        allow_neighbours = settings.MATCHING_ALLOW_NEIGHBOURS
    reach = set(counties)
    if allow_neighbours:
        reach.update(b for _, b in neighbour_pairs(counties))
    return sorted(reach)


def read_inputs(
    counties: Sequence[int] | None, *, allow_neighbours: bool | None = None
) -> Inputs:
    """Read the solver's inputs for the needs of ``counties`` (None: every county).

    ``allow_neighbours`` overrides ``settings.MATCHING_ALLOW_NEIGHBOURS`` (planning
    asks "what if neighbouring counties were allowed"; runs never pass it)."""
    t0 = time.perf_counter()
    if allow_neighbours is None:
        allow_neighbours = settings.MATCHING_ALLOW_NEIGHBOURS
    teacher_scope = teacher_counties(counties, allow_neighbours)
    live = ", ".join(f"'{s}'" for s in LIVE)
    need_where, need_params = _in("s.county_id", counties)
    teacher_where, teacher_params = _in("t.county_id", teacher_scope)
    with connection.cursor() as cursor:
        need_rows = _columns(
            cursor,
            f"""
            SELECT n.id, n.school_id, s.county_id, n.specialty_id, sp.family_id,
                   {_day("n.start_date")}, {_day("n.end_date")},
                   n.headcount - n.filled - COALESCE(p.proposed, 0),
                   COALESCE(n.priority_score, (n.urgency - 1) * 25),
                   COALESCE(sp.specialty_class_id, -1)
            FROM needs_need n
            JOIN needs_school s ON s.id = n.school_id
            JOIN needs_specialty sp ON sp.id = n.specialty_id
            LEFT JOIN (
                SELECT need_id, COUNT(*) AS proposed FROM matching_assignment
                WHERE status = '{AssignmentStatus.PROPOSED.value}' GROUP BY need_id
            ) p ON p.need_id = n.id
            WHERE n.status = %s AND n.filled < n.headcount{need_where}
            """,  # noqa: S608 (only constants and placeholders are interpolated)
            [NeedStatus.OPEN.value, *need_params],
            10,
        )
        teacher_rows = _columns(
            cursor,
            f"""
            SELECT t.id, t.county_id, {_day("t.available_from")},
                   {_day("t.available_until")},
                   t.capacity - COALESCE(l.live, 0)
            FROM teams_teacher t
            LEFT JOIN (
                SELECT teacher_id, COUNT(*) AS live FROM matching_assignment
                WHERE status IN ({live}) GROUP BY teacher_id
            ) l ON l.teacher_id = t.id
            WHERE t.active{teacher_where}
            """,  # noqa: S608
            teacher_params,
            5,
        )
        skill_rows = _columns(
            cursor,
            f"""
            SELECT k.teacher_id, k.specialty_id, sp.family_id, k.level,
                   COALESCE(sp.specialty_class_id, -1)
            FROM teams_teacherskill k
            JOIN teams_teacher t ON t.id = k.teacher_id
            JOIN needs_specialty sp ON sp.id = k.specialty_id
            WHERE t.active{teacher_where}
            """,  # noqa: S608
            teacher_params,
            5,
        )
        covered = _columns(
            cursor,
            f"""
            SELECT DISTINCT n.school_id
            FROM matching_assignment a
            JOIN needs_need n ON n.id = a.need_id
            JOIN needs_school s ON s.id = n.school_id
            WHERE a.status IN ({live}){need_where}
            """,  # noqa: S608
            need_params,
            1,
        )[:, 0]
        excluded = _columns(
            cursor,
            f"""
            SELECT a.need_id, a.teacher_id
            FROM matching_assignment a
            JOIN needs_need n ON n.id = a.need_id
            JOIN needs_school s ON s.id = n.school_id
            WHERE n.status = %s{need_where}
              AND NOT (a.status = %s AND a.decline_cleared_at IS NOT NULL)
            """,  # noqa: S608
            [NeedStatus.OPEN.value, *need_params, AssignmentStatus.DECLINED.value],
            2,
        )
    neighbours = neighbour_pairs(teacher_scope) if allow_neighbours else []
    need_rows = need_rows[need_rows[:, 7] > 0]
    n = need_rows.T
    t = teacher_rows.T
    k = skill_rows.T
    inputs = Inputs(
        needs=solver.Needs(
            id=n[0],
            school=n[1],
            county=n[2],
            specialty=n[3],
            family=n[4],
            klass=n[9],
            start=n[5],
            end=n[6],
            headcount=n[7],
            priority=n[8].astype(np.float64),
        ),
        teachers=solver.Teachers(
            id=t[0],
            county=t[1],
            available_from=t[2],
            available_until=t[3],
            free_capacity=np.maximum(t[4], 0),
        ),
        skills=solver.Skills(
            teacher=k[0], specialty=k[1], family=k[2], klass=k[4], level=k[3]
        ),
        covered_schools=covered,
        excluded_pairs=excluded,
        neighbours=neighbours,
        weights=weights(),
        counties=list(counties) if counties is not None else None,
    )
    inputs.timings["read"] = time.perf_counter() - t0
    return inputs


# --------------------------------------------------------------------------------
# Independent parts


def split(inputs: Inputs, parts: int) -> list[Inputs]:
    """Cut the problem into at most ``parts`` independent sub-problems.

    Needs and teachers of one county only pair with each other (and, when
    neighbouring counties are allowed, with those of connected counties), so whole
    counties -- or whole groups of connected counties -- are independent: the
    optimum of the whole is the union of the optima of the parts, exactly as the
    solver's own split into connected components. Parts are balanced by number of
    needs. With one part, or one group of counties, the inputs come back whole."""
    needs, teachers = inputs.needs, inputs.teachers
    if parts <= 1 or len(needs) == 0:
        return [inputs]
    counties = np.unique(np.r_[needs.county, teachers.county])
    root = np.arange(len(counties))
    if inputs.neighbours:  # union-find over the neighbour pairs

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = root[root[i]]
                i = root[i]
            return i

        known = set(counties.tolist())
        for a, b in inputs.neighbours:
            if a in known and b in known:
                ia, ib = np.searchsorted(counties, [a, b])
                root[find(int(ia))] = find(int(ib))
        root = np.array([find(i) for i in range(len(counties))])
    label = np.unique(root, return_inverse=True)[1].reshape(-1)
    n_labels = int(label.max()) + 1
    if n_labels < 2:
        return [inputs]
    need_label = label[np.searchsorted(counties, needs.county)]
    teacher_label = label[np.searchsorted(counties, teachers.county)]
    # Longest-processing-time first: the biggest groups of counties go to the
    # emptiest part.
    load = np.bincount(need_label, minlength=n_labels)
    bins = np.zeros(min(parts, n_labels), dtype=np.int64)
    part_of_label = np.zeros(n_labels, dtype=np.int64)
    for lab in np.argsort(-load, kind="stable"):
        part_of_label[lab] = int(np.argmin(bins))
        bins[part_of_label[lab]] += load[lab]
    need_part = part_of_label[need_label]
    teacher_part = part_of_label[teacher_label]
    order = np.argsort(teachers.id)
    pos = np.searchsorted(teachers.id, inputs.skills.teacher, sorter=order)
    known = pos < len(order)
    known[known] = teachers.id[order[pos[known]]] == inputs.skills.teacher[known]
    skill_part = np.full(len(inputs.skills), -1, dtype=np.int64)
    skill_part[known] = teacher_part[order[pos[known]]]
    excluded = inputs.excluded_pairs
    n_order = np.argsort(needs.id)
    if len(excluded):
        epos = np.searchsorted(needs.id, excluded[:, 0], sorter=n_order)
        epos = np.minimum(epos, len(n_order) - 1)
        found = needs.id[n_order[epos]] == excluded[:, 0]
        excluded_part = np.where(found, need_part[n_order[epos]], -1)
    else:
        excluded_part = np.zeros(0, dtype=np.int64)

    def take(table, mask):
        return type(table)(
            **{f.name: getattr(table, f.name)[mask] for f in fields(table)}
        )

    out = []
    for part in range(len(bins)):
        out.append(
            Inputs(
                needs=take(needs, need_part == part),
                teachers=take(teachers, teacher_part == part),
                skills=take(inputs.skills, skill_part == part),
                covered_schools=inputs.covered_schools,
                excluded_pairs=excluded[excluded_part == part],
                neighbours=inputs.neighbours,
                weights=inputs.weights,
                counties=inputs.counties,
            )
        )
    return out


def merge(results: Sequence[solver.Result]) -> solver.Result:
    """One result from the results of independent parts."""
    if len(results) == 1:
        return results[0]
    unmatched: dict[int, str] = {}
    for result in results:
        unmatched.update(result.unmatched)
    keys = {key for result in results for key in result.timings}
    return solver.Result(
        proposals=[p for result in results for p in result.proposals],
        unmatched=unmatched,
        total_score=sum(result.total_score for result in results),
        pairs=sum(result.pairs for result in results),
        components=sum(result.components for result in results),
        timings={k: sum(r.timings.get(k, 0.0) for r in results) for k in keys},
        objective=sum(result.objective for result in results),
    )


# --------------------------------------------------------------------------------
# Writes


def _breakdown_json(breakdown: dict[str, float]) -> str:
    # Numbers only: this is valid JSON and needs no escaping in COPY's text format.
    return (
        f'{{"specialty": {breakdown["specialty"]!r}, '
        f'"overlap": {breakdown["overlap"]!r}, '
        f'"place": {breakdown["place"]!r}, '
        f'"priority": {breakdown["priority"]!r}, '
        f'"coverage": {breakdown["coverage"]!r}}}'
    )


@dataclass
class Batch:
    """The rows of one part, ready to write: on PostgreSQL already in COPY's text
    format (made by the caller's thread, so that the writer thread only waits for
    the database)."""

    proposals: Sequence[solver.Proposal]
    unmatched: dict[int, str]
    proposals_copy: str = ""
    unmatched_copy: str = ""


def by_reason(unmatched: dict[int, str]) -> dict[str, list[int]]:
    """The needs left open for each reason (the rows :class:`UnmatchedNeeds` keeps)."""
    needs: dict[str, list[int]] = {}
    for need, reason in unmatched.items():
        needs.setdefault(reason, []).append(need)
    return needs


def prepare(
    run_id: int,
    proposals: Sequence[solver.Proposal],
    unmatched: dict[int, str],
    now: datetime,
    *,
    copy: bool,
) -> Batch:
    batch = Batch(proposals, unmatched)
    if copy:
        stamp = now.isoformat()
        tail = f"\t{run_id}\t\t{stamp}\t{stamp}\n"
        proposed = AssignmentStatus.PROPOSED.value
        # In need order: consecutive rows then land on neighbouring pages of the
        # proposals' (need, status) index.
        batch.proposals_copy = "".join(
            [
                f"{p.need}\t{p.teacher}\t{proposed}\t{p.score!r}\t"
                f"{_breakdown_json(p.breakdown)}{tail}"
                for p in sorted(proposals, key=attrgetter("need", "teacher"))
            ]
        )
        batch.unmatched_copy = "".join(
            [
                f"{run_id}\t{reason}\t{len(needs)}\t{UnmatchedNeeds.encode(needs)}\n"
                for reason, needs in by_reason(unmatched).items()
            ]
        )
    return batch


TABLES = ("matching_assignment", "matching_unmatchedneeds")


def write_batch(
    cursor, run_id: int, batch: Batch, *, tables: tuple[str, str] = TABLES
) -> tuple[int, int]:
    """Insert a part's proposals (as ``proposed`` assignments of the run) and its
    unmatched needs with their reasons; return both counts.

    ``cursor``: a psycopg cursor of the run's connection (``COPY``), or None on
    databases without COPY (``bulk_create``). ``tables``: where the COPY goes
    (the I/O floor, :mod:`matching.floor`, writes into tables of the same shape)."""
    if cursor is not None:
        if batch.proposals_copy:
            with cursor.copy(
                f"COPY {tables[0]} (need_id, teacher_id, status, score,"
                " breakdown, run_id, decision_reason, created_at, updated_at)"
                " FROM STDIN"
            ) as copy:
                copy.write(batch.proposals_copy)
        if batch.unmatched_copy:
            with cursor.copy(
                f"COPY {tables[1]} (run_id, reason, count, needs) FROM STDIN"
            ) as copy:
                copy.write(batch.unmatched_copy)
        return len(batch.proposals), len(batch.unmatched)
    Assignment.objects.bulk_create(
        [
            Assignment(
                need_id=p.need,
                teacher_id=p.teacher,
                status=AssignmentStatus.PROPOSED,
                score=p.score,
                breakdown=p.breakdown,
                run_id=run_id,
            )
            for p in batch.proposals
        ],
        batch_size=2000,
    )
    UnmatchedNeeds.objects.bulk_create(
        [
            UnmatchedNeeds(
                run_id=run_id,
                reason=reason,
                count=len(needs),
                needs=UnmatchedNeeds.encode(needs),
            )
            for reason, needs in by_reason(batch.unmatched).items()
        ]
    )
    return len(batch.proposals), len(batch.unmatched)


class Writer:
    """Stores a run's proposals and reasons part by part, inside the run's
    transaction (use it within ``transaction.atomic()``).

    On PostgreSQL, with ``background=True``, a thread sends each part with COPY on
    the run's own connection -- the same transaction -- while the caller solves
    the next part: the database inserts and indexes one part (and runs the
    capacity guard of migration 0004 and the reference check of migration 0013 on
    it, once per part) while Python computes the next, so the two cores work at once.
    :meth:`close` waits for the last part and raises the first error, so the
    caller's transaction rolls back everything."""

    def __init__(self, run_id: int, now: datetime, *, background: bool = False):
        self.run_id = run_id
        self.now = now
        self.written = [0, 0]  # proposals, reasons
        self._raw = None
        self._thread = None
        self._error: BaseException | None = None
        if _is_postgres():
            self._raw = connection.connection
            if background:
                self._queue: queue.Queue = queue.Queue(maxsize=2)
                self._thread = threading.Thread(
                    target=self._work, name=f"matching-run-{run_id}-writer"
                )
                self._thread.start()

    def _write(self, batch: Batch) -> None:
        if self._raw is None:
            counts = write_batch(None, self.run_id, batch)
        else:
            with self._raw.cursor() as cursor:
                counts = write_batch(cursor, self.run_id, batch)
        self.written[0] += counts[0]
        self.written[1] += counts[1]

    def _work(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(batch)
                except BaseException as exc:  # handed to close()
                    self._error = exc

    def submit(self, proposals: Sequence[solver.Proposal], unmatched: dict) -> None:
        if self._error is not None:
            raise self._error
        batch = prepare(
            self.run_id, proposals, unmatched, self.now, copy=self._raw is not None
        )
        if self._thread is None:
            self._write(batch)
        else:
            self._queue.put(batch)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
            return
        try:  # already failing: stop the thread, keep the first error
            self.close()
        except BaseException:
            logger.debug("writer error after a failure", exc_info=True)
