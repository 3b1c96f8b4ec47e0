"""Who is free when: each teacher's window and free capacity, month by month.

A teacher's free capacity in a month is their capacity minus their live (proposed or
accepted) assignments whose need runs during that month; outside the teacher's own
window they are not available at all."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Teacher

LIVE_ASSIGNMENT_STATUSES = ("proposed", "accepted")


@dataclass(frozen=True)
class Month:
    first: dt.date
    last: dt.date


@dataclass
class Cell:
    month: Month
    available: bool
    busy: int
    free: int

    @property
    def state(self) -> str:
        if not self.available:
            return "off"
        return "free" if self.free > 0 else "full"


@dataclass
class Row:
    teacher: Teacher
    cells: list[Cell]

    @property
    def free_throughout(self) -> int | None:
        """Free capacity through the whole period, or None when the window does not
        cover every month of it."""
        if not all(c.available for c in self.cells):
            return None
        return min(c.free for c in self.cells)

    @property
    def busy_at_most(self) -> int:
        return max((c.busy for c in self.cells), default=0)


def months(start: dt.date, end: dt.date) -> list[Month]:
    result = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        result.append(Month(first, following - dt.timedelta(days=1)))
        first = following
    return result


def availability(
    teachers: Sequence[Teacher], start: dt.date, end: dt.date
) -> list[Row]:
    """One row per teacher, one cell per month from ``start`` to ``end``."""
    periods = months(start, end)
    bookings: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    ids = [t.pk for t in teachers]
    if ids:
        live = Teacher.objects.filter(
            pk__in=ids, assignments__status__in=LIVE_ASSIGNMENT_STATUSES
        ).values_list(
            "pk", "assignments__need__start_date", "assignments__need__end_date"
        )
        for teacher_id, need_start, need_end in live:
            bookings[teacher_id].append((need_start, need_end))
    rows = []
    for teacher in teachers:
        cells = []
        for month in periods:
            available = (
                teacher.active
                and teacher.available_from <= month.last
                and teacher.available_until >= month.first
            )
            busy = sum(
                1
                for need_start, need_end in bookings[teacher.pk]
                if need_start <= month.last and need_end >= month.first
            )
            free = max(teacher.capacity - busy, 0) if available else 0
            cells.append(Cell(month=month, available=available, busy=busy, free=free))
        rows.append(Row(teacher=teacher, cells=cells))
    return rows
