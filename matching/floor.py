"""The I/O floor of a matching run: what reading its inputs and writing its rows
cost on this database, with no solving, measured in the same process on the same
data as the run (``manage.py bench_matching`` prints ``end_to_end_s`` over it as
``ratio``).

The floor is the sum of

1. reading the run's inputs exactly as the run does (:func:`pipeline.read_inputs`:
   the same queries, into the same numpy columns), just before the run, on the
   data the run reads (:func:`read`);
2. writing, after the run, as many proposal rows as the run wrote and the
   reasons of as many needs left open, in the run's COPY text format
   (:func:`pipeline.prepare`, so the rows have the run's size: the reasons a row
   per reason, holding the ids of its needs), with ``COPY`` into temporary
   tables shaped like ``matching_assignment`` and ``matching_unmatchedneeds``
   but without their indexes, foreign keys and triggers, then rolled back
   (:func:`measure`).

Each is the median of three measurements, so that one unlucky moment on a shared
machine does not move it.

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
class Reads:
    inputs: pipeline.Inputs
    seconds: float


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
    """``proposals`` proposal rows and the reasons of ``reasons`` needs, made of the
    inputs' own ids (no solving: needs and teachers are paired in turn)."""
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


def read(counties: Sequence[int] | None, *, repeat: int = 3) -> Reads:
    """Time reading the run's inputs (the median of ``repeat`` reads): call it
    before the run, so that it reads what the run reads."""
    times = []
    for _ in range(repeat):
        with transaction.atomic():
            t0 = time.perf_counter()
            inputs = pipeline.read_inputs(counties)
            times.append(time.perf_counter() - t0)
    return Reads(inputs=inputs, seconds=statistics.median(times))


def write_once(inputs: pipeline.Inputs, proposals: int, reasons: int) -> float:
    """Time writing ``proposals`` proposal rows and the reasons of ``reasons``
    needs with COPY into temporary tables (rolled back); PostgreSQL only."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the I/O floor is measured with COPY on PostgreSQL")
    made, unmatched = _rows(inputs, proposals, reasons)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE floor_assignment (LIKE matching_assignment"
                " INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
            )
            cursor.execute(
                "CREATE TEMPORARY TABLE floor_unmatchedneeds"
                " (LIKE matching_unmatchedneeds"
                " INCLUDING DEFAULTS INCLUDING IDENTITY) ON COMMIT DROP"
            )
        t0 = time.perf_counter()
        batch = pipeline.prepare(0, made, unmatched, timezone.now(), copy=True)
        with connection.connection.cursor() as cursor:
            pipeline.write_batch(
                cursor, 0, batch, tables=("floor_assignment", "floor_unmatchedneeds")
            )
        seconds = time.perf_counter() - t0
        transaction.set_rollback(True)
    return seconds


def measure(reads: Reads, proposals: int, reasons: int, *, repeat: int = 3) -> Floor:
    """The floor of a run that read ``reads`` (see :func:`read`) and wrote
    ``proposals`` proposals and the reasons of ``reasons`` needs (the median of
    ``repeat`` writes)."""
    writes = [write_once(reads.inputs, proposals, reasons) for _ in range(repeat)]
    return Floor(read_s=reads.seconds, write_s=statistics.median(writes))
