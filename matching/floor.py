"""The I/O floor of a matching run: what reading its inputs and writing its rows
cost on this database, with no solving, measured in the same process on the same
data as the run (``manage.py bench_matching`` prints ``end_to_end_s`` over it as
``ratio``).

The floor is one transaction that

1. reads the run's inputs exactly as the run does (:func:`pipeline.read_inputs`:
   the same queries, into the same numpy columns);
2. writes as many proposal rows and as many reason rows as the run wrote, in the
   run's COPY text format (:func:`pipeline.prepare`, so the rows have the run's
   size), with ``COPY`` into temporary tables shaped like ``matching_assignment``
   and ``matching_unmatchedneed`` but without their indexes, foreign keys and
   triggers;
3. rolls back.

So the floor is what no implementation of the run can avoid: the reads and the
bytes of the writes. The solver, the indexes, the foreign-key checks and the
capacity guard are what a run adds to it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import pipeline, solver

_SAMPLE_BREAKDOWN = {
    "specialty": 32.0,
    "overlap": 18.67,
    "place": 10.0,
    "priority": 12.5,
    "coverage": 0.0,
}


@dataclass(frozen=True)
class Floor:
    read_s: float
    write_s: float

    @property
    def total_s(self) -> float:
        return self.read_s + self.write_s


def _rows(
    inputs: pipeline.Inputs, proposals: int, reasons: int
) -> tuple[list[solver.Proposal], dict[int, str]]:
    """``proposals`` proposal rows and ``reasons`` reason rows made of the inputs'
    own ids (no solving: needs and teachers are paired in turn)."""
    needs = inputs.needs.id.tolist() or [0]
    teachers = inputs.teachers.id.tolist() or [0]
    score = sum(_SAMPLE_BREAKDOWN.values())
    made = [
        solver.Proposal(
            need=needs[i % len(needs)],
            teacher=teachers[i % len(teachers)],
            score=score,
            breakdown=_SAMPLE_BREAKDOWN,
        )
        for i in range(proposals)
    ]
    codes = solver.REASONS
    unmatched = {
        needs[i % len(needs)] + (i // len(needs)) * 10**9: codes[i % len(codes)]
        for i in range(reasons)
    }
    return made, unmatched


def measure_once(
    counties: Sequence[int] | None,
    proposals: int,
    reasons: int,
    *,
    before_run: int | None = None,
) -> Floor:
    """One measurement of the floor (see the module docstring); PostgreSQL only.

    ``before_run``: a run already made on this data, whose rows are deleted first
    (untimed, and rolled back with the rest) so that the reads see the data as
    that run did."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the I/O floor is measured with COPY on PostgreSQL")
    with transaction.atomic():
        if before_run is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "DELETE FROM matching_unmatchedneed WHERE run_id = %s", [before_run]
                )
                cursor.execute(
                    "DELETE FROM matching_assignment WHERE run_id = %s", [before_run]
                )
        t0 = time.perf_counter()
        inputs = pipeline.read_inputs(counties)
        t1 = time.perf_counter()
        made, unmatched = _rows(inputs, proposals, reasons)
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE floor_assignment (LIKE matching_assignment"
                " INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE floor_unmatchedneed"
                " (LIKE matching_unmatchedneed"
                " INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
            )
        t2 = time.perf_counter()
        batch = pipeline.prepare(0, made, unmatched, timezone.now(), copy=True)
        with connection.connection.cursor() as cursor:
            pipeline.write_batch(
                cursor,
                0,
                batch,
                tables=("floor_assignment", "floor_unmatchedneed"),
            )
        t3 = time.perf_counter()
        transaction.set_rollback(True)
    return Floor(read_s=t1 - t0, write_s=t3 - t2)


def measure(
    counties: Sequence[int] | None,
    proposals: int,
    reasons: int,
    *,
    before_run: int | None = None,
    repeat: int = 3,
) -> Floor:
    """The median of ``repeat`` measurements (by total), so that one unlucky
    moment on a shared machine does not move it."""
    floors = [
        measure_once(counties, proposals, reasons, before_run=before_run)
        for _ in range(repeat)
    ]
    middle = statistics.median_low([f.total_s for f in floors])
    return next(f for f in floors if f.total_s == middle)
