"""The one world builder: the demo, the benchmarks, the soak and the test fixtures
build their worlds through the rules written here once.

A need's state is reached by the steps that lead to it from creation
(:func:`need_steps`: each step a state, the verb that reaches it and who takes it,
as the need policy allows). Two builders read the same steps:

- :class:`Replay`, for small worlds: each step is taken through the real action
  (``need_create``, ``need_submit``, ``need_review``, ``assignment_accept``,
  ``need_confirm``, ``need_cancel``), so every rule and side effect of the action
  holds;
- :func:`need_row` and :func:`write_needs`, for worlds of many needs (the
  benchmarks) or with a past (``load_demo``): the need row with the fields its
  steps imply (when it was submitted, matched, fulfilled; its filled places; its
  cancellation reason) and one transition row per step, written in bulk
  (``bulk_create``, or PostgreSQL ``COPY`` through :func:`copy_rows`).

The assignments a need's state implies come from :func:`assignment_status_for`;
an assignment reaches its status through the actions along
:data:`ASSIGNMENT_ROAD` (:func:`assignment`).

The modules: ``people`` (counties, schools, accounts, teachers with skills, teams:
:class:`Builder`, found by natural key, created or brought back), ``needs`` (the
need's road, :class:`Replay`, the bulk path), ``assignments`` (the assignment's
road), ``cycles`` (an evaluation cycle's road through the actions) and ``past``
(needs, assignments, activities, matching runs and evaluations dated in the past,
and :func:`backdate` for what an action stamped with the present).
"""

from .assignments import ASSIGNMENT_ROAD, assignment, proposal
from .cycles import CYCLE_ROAD, CycleRun, cycle_with_past
from .needs import (
    APPROVAL,
    CANCELLED_BY_COORDINATOR_FROM,
    ROAD,
    SIDE_ROADS,
    TAKEN_BY,
    Replay,
    Step,
    assignment_status_for,
    copy_objects,
    copy_rows,
    copy_transitions,
    history,
    need_fields,
    need_row,
    need_steps,
    reaches,
    write_needs,
)
from .past import (
    activities_with_past,
    assignment_with_past,
    aware,
    backdate,
    evaluation_with_past,
    need_dates,
    need_with_past,
    run_with_past,
    solver_breakdown,
)
from .people import Builder, upsert

__all__ = [
    "APPROVAL",
    "ASSIGNMENT_ROAD",
    "CANCELLED_BY_COORDINATOR_FROM",
    "CYCLE_ROAD",
    "ROAD",
    "SIDE_ROADS",
    "TAKEN_BY",
    "Builder",
    "CycleRun",
    "Replay",
    "Step",
    "activities_with_past",
    "assignment",
    "assignment_status_for",
    "assignment_with_past",
    "aware",
    "backdate",
    "copy_objects",
    "copy_rows",
    "copy_transitions",
    "cycle_with_past",
    "evaluation_with_past",
    "history",
    "need_dates",
    "need_fields",
    "need_row",
    "need_steps",
    "need_with_past",
    "proposal",
    "reaches",
    "run_with_past",
    "solver_breakdown",
    "upsert",
    "write_needs",
]
