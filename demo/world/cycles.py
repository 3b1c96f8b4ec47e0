"""An evaluation cycle's road: created as a draft, opened (its evaluations and
rating tasks drawn), rated, closed (scored, graded, ranked), each step through the
evaluation actions (:data:`CYCLE_ROAD`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from evaluations import cycles
from evaluations.models import CycleStatus, EvaluationCycle
from places.models import County

C = CycleStatus

# The verbs that take a new (draft) cycle to each status, in turn.
CYCLE_ROAD: dict[str, tuple[str, ...]] = {
    C.DRAFT: (),
    C.OPEN: ("open",),
    C.CLOSED: ("open", "close"),
}


@dataclass
class CycleRun:
    """A cycle built by :func:`cycle_with_past` and what each step reported: the
    subjects and tasks opening drew, the ratings submitted, the results closing
    scored (empty for a step not taken)."""

    cycle: EvaluationCycle
    opened: dict[str, int] = field(default_factory=dict)
    rated: int = 0
    closed: dict[str, int] = field(default_factory=dict)


def cycle_with_past(
    status: str,
    *,
    actor,
    county: County,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    rate: Callable[[EvaluationCycle], int] | None = None,
    today: dt.date | None = None,
    force: bool = False,
    reason: str = "",
    **frameworks: Any,
) -> CycleRun:
    """A cycle of ``county`` in ``status``, taken there along :data:`CYCLE_ROAD` by
    ``actor`` (its coordinator); ``frameworks``: ``framework=``,
    ``team_framework=``...; ``rate(cycle)``: submits ratings once the cycle is
    open and returns how many; ``today``, ``force`` and ``reason``: the close's
    (a forced close needs a reason)."""
    run = CycleRun(
        cycles.cycle_create(
            actor=actor,
            county=county,
            name=name,
            start_date=start_date,
            end_date=end_date,
            **frameworks,
        )
    )
    for verb in CYCLE_ROAD[status]:
        if verb == "open":
            run.opened = cycles.cycle_open(actor=actor, cycle=run.cycle)
            if rate is not None:
                run.rated = rate(run.cycle)
        elif verb == "close":
            run.closed = cycles.cycle_close(
                actor=actor, cycle=run.cycle, today=today, force=force, reason=reason
            )
    run.cycle.refresh_from_db()
    return run
