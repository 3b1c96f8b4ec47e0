"""A need's road: the steps that lead to each state, and two builders that read
them, :class:`Replay` through the real actions and :func:`need_row` /
:func:`write_needs` in bulk (see the package's docstring)."""

# Every SQL string here is built from a model's table and column names.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from accounts.models import User
from matching.assignments import assignment_accept, assignment_complete
from matching.models import AssignmentStatus
from needs.models import Need, NeedStatus, NeedTransition
from needs.services import (
    need_cancel,
    need_confirm,
    need_create,
    need_review,
    need_submit,
)

from .assignments import proposal

S = NeedStatus
A = AssignmentStatus

# The road forward: each state and the verb that reaches it from the one before.
ROAD: list[tuple[str, str]] = [
    (S.DRAFT, "create"),
    (S.SUBMITTED, "submit"),
    (S.OPEN, "approve"),
    (S.MATCHED, "accept"),
    (S.FULFILLED, "confirm"),
]
# States off the road: the state they leave from and the verb that leads there.
SIDE_ROADS: dict[str, tuple[str, str]] = {
    S.REJECTED: (S.SUBMITTED, "reject"),
}
# Who takes each verb: the school's staff or the county's coordinator.
TAKEN_BY: dict[str, str] = {
    "create": "staff",
    "submit": "staff",
    "return": "coordinator",
    "approve": "coordinator",
    "reject": "coordinator",
    "accept": "coordinator",
    "confirm": "staff",
    "cancel": "staff",
}
# A need is cancelled by its coordinator once the coordinator has approved it.
CANCELLED_BY_COORDINATOR_FROM = frozenset({S.OPEN, S.MATCHED})


@dataclass(frozen=True)
class Step:
    """One transition of a need's history: from, to, the verb and who takes it."""

    from_status: str
    to_status: str
    verb: str
    by: str  # "staff" or "coordinator"


def need_steps(
    status: str, *, cancelled_from: str = S.DRAFT, returned: bool = False
) -> list[Step]:
    """The steps from creation to ``status``. ``cancelled_from``: the state a
    cancelled need was in; ``returned``: the need was submitted and returned to
    draft once before going on."""
    target = cancelled_from if status == S.CANCELLED else status
    if target in SIDE_ROADS:
        before, verb = SIDE_ROADS[target]
        states = [*_road_to(before), (target, verb)]
    else:
        states = _road_to(target)
    if returned:
        states[1:1] = [(S.SUBMITTED, "submit"), (S.DRAFT, "return")]
    if status == S.CANCELLED:
        states.append((S.CANCELLED, "cancel"))
    steps, previous = [], ""
    for state, verb in states:
        by = TAKEN_BY[verb]
        if verb == "cancel" and previous in CANCELLED_BY_COORDINATOR_FROM:
            by = "coordinator"
        steps.append(Step(previous, state, verb, by))
        previous = state
    return steps


def _road_to(state: str) -> list[tuple[str, str]]:
    for index, (each, _verb) in enumerate(ROAD):
        if each == state:
            return list(ROAD[: index + 1])
    raise ValueError(f"no road leads to {state!r}")


def reaches(steps: Sequence[Step], verb: str) -> bool:
    return any(step.verb == verb for step in steps)


def need_fields(
    steps: Sequence[Step],
    *,
    headcount: int,
    taken: int = 0,
    at: Mapping[str, dt.datetime | None] | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """The need's fields its steps imply: status, when it was submitted, matched
    and fulfilled (``at`` by verb, now when missing), its filled places (all of
    them once matched, else the ``taken`` ones; a cancellation keeps them) and its
    cancellation reason."""
    at = at or {}
    now = timezone.now()
    status = steps[-1].to_status
    matched = reaches(steps, "accept")

    def when(verb: str) -> dt.datetime | None:
        return (at.get(verb) or now) if reaches(steps, verb) else None

    return {
        "status": status,
        "submitted_at": when("submit"),
        "matched_at": when("accept"),
        "fulfilled_at": when("confirm"),
        "filled": headcount if matched else taken,
        "cancel_reason": comment if status == S.CANCELLED else "",
    }


def assignment_status_for(
    need_status: str, *, taken: bool = True, room: bool = True
) -> str | None:
    """The status of a need's assignment its state implies. A place ``taken`` (the
    teacher was accepted): completed once the need is fulfilled, accepted while the
    need is matched or open, or completed when the teacher has no ``room`` left for
    a live one. A place only offered (not ``taken``): proposed while the need is
    open and the teacher has room. None when the state implies none."""
    if need_status == S.FULFILLED and taken:
        return A.COMPLETED
    if need_status == S.MATCHED or (need_status == S.OPEN and taken):
        return A.ACCEPTED if room else A.COMPLETED
    if need_status == S.OPEN and room:
        return A.PROPOSED
    return None


# --- bulk --------------------------------------------------------------------------


def need_row(
    status: str,
    *,
    staff: User | int,
    coordinator: User | int | None = None,
    at: Mapping[str, dt.datetime | None] | None = None,
    comments: Mapping[str, str] | None = None,
    cancelled_from: str = S.DRAFT,
    returned: bool = False,
    taken: int = 0,
    **fields,
) -> tuple[Need, list[NeedTransition]]:
    """An unsaved need in ``status`` with the fields its steps imply, and its
    transitions (unsaved, dated by ``at[verb]``, now when missing). ``staff`` and
    ``coordinator`` are users or their ids; ``comments`` by verb (``cancel``: the
    reason); ``taken``: places accepted before the need is full."""
    steps = need_steps(status, cancelled_from=cancelled_from, returned=returned)
    comments = comments or {}
    actors = {"staff": staff, "coordinator": coordinator}
    values = need_fields(
        steps,
        headcount=fields.get("headcount", 1),
        taken=taken,
        at=at,
        comment=comments.get("cancel", ""),
    )
    need = Need(**{**values, **fields, "created_by_id": _id(staff)})
    return need, history(steps, actors=actors, at=at, comments=comments)


def history(
    steps: Sequence[Step],
    *,
    actors: Mapping[str, User | int | None],
    at: Mapping[str, dt.datetime | None] | None = None,
    comments: Mapping[str, str] | None = None,
    need: Need | None = None,
) -> list[NeedTransition]:
    """The unsaved transitions of ``steps``: taken by ``actors["staff"]`` or
    ``actors["coordinator"]``, dated by ``at[verb]`` (now when missing), with
    ``comments[verb]``. A verb taken twice (a need submitted again after it was
    returned) is dated ``at["first_" + verb]`` the first time, when given: the
    need's own date (``submitted_at``) is the last one's."""
    at, comments = at or {}, comments or {}
    now = timezone.now()
    ahead = Counter(step.verb for step in steps)
    transitions = []
    for step in steps:
        ahead[step.verb] -= 1
        first = at.get(f"first_{step.verb}") if ahead[step.verb] else None
        transitions.append(
            NeedTransition(
                need=need,
                from_status=step.from_status,
                to_status=step.to_status,
                actor_id=_id(actors[step.by]),
                comment=comments.get(step.verb, ""),
                created_at=first or at.get(step.verb) or now,
            )
        )
    return transitions


def _id(user: User | int | None) -> int | None:
    return user.pk if isinstance(user, User) else user


def write_needs(
    rows: Iterable[tuple[Need, list[NeedTransition]]], *, batch_size: int = 5000
) -> list[Need]:
    """Save needs made by :func:`need_row` and their transitions, in bulk (COPY on
    PostgreSQL); the transitions keep their dates."""
    rows = list(rows)
    needs = [need for need, _ in rows]
    if connection.vendor == "postgresql":
        copy_objects(needs)
    else:
        Need.objects.bulk_create(needs, batch_size=batch_size)
    copy_transitions(
        (need.pk, transitions)
        for need, (_, transitions) in zip(needs, rows, strict=True)
    )
    return needs


def copy_transitions(histories: Iterable[tuple[int, list[NeedTransition]]]) -> None:
    """Write the transitions of saved needs, given by need id, with their dates."""
    transitions = []
    for need_id, transitions_of_need in histories:
        for transition in transitions_of_need:
            transition.need_id = need_id
            transitions.append(transition)
    copy_objects(transitions)


def copy_objects(objects: Sequence[Model]) -> None:
    """Insert unsaved objects of one model with :func:`copy_rows` and give them
    their ids. Unlike ``bulk_create``, a date already set on an ``auto_now`` or
    ``auto_now_add`` field is kept (a world with a past)."""
    if not objects:
        return
    model = type(objects[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    stamped = {
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }

    def value(obj, field):
        if field.attname in stamped and getattr(obj, field.attname) is None:
            return field.pre_save(obj, add=True)
        return getattr(obj, field.attname)

    rows = [
        tuple(field.get_db_prep_save(value(obj, field), connection) for field in fields)
        for obj in objects
    ]
    ids = copy_rows(model._meta.db_table, [f.column for f in fields], rows)
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = str(value)
    return (
        text.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _adapt(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def copy_rows(
    table: str, columns: list[str], rows: list[tuple], returning: bool = True
) -> list[int]:
    """Insert rows fast (COPY with ids taken from the sequence on PostgreSQL; plain
    inserts elsewhere); the new ids when ``returning``."""
    if not rows:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids: list[int] = []
            if returning:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                    " FROM generate_series(1, %s)",
                    [table, len(rows)],
                )
                ids = [r[0] for r in cursor.fetchall()]
                rows = [(i, *row) for i, row in zip(ids, rows, strict=True)]
                columns = ["id", *columns]
            buffer = io.StringIO()
            buffer.writelines(
                "\t".join(_copy_value(v) for v in row) + "\n" for row in rows
            )
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
            return ids
        rows = [tuple(_adapt(v) for v in row) for row in rows]
        ids = []
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        if not returning:
            cursor.executemany(sql, rows)
            return ids
        for row in rows:
            cursor.execute(sql, row)
            ids.append(cursor.lastrowid)
        return ids


# --- replay ------------------------------------------------------------------------

APPROVAL = {"urgency": 3, "students_affected": 3, "industry_fit": 3, "readiness": 3}


class Replay:
    """Small worlds through the real actions: ``need(status, ...)`` creates a need as
    its school's staff and takes every step to ``status`` as the one who may
    (``staff`` or ``coordinator``), accepting a proposal of each of ``teachers``
    to match it."""

    def need(
        self,
        status: str,
        *,
        staff: User,
        coordinator: User,
        teachers: Sequence = (),
        diagnosis: Mapping[str, int] | None = None,
        goals: Sequence[str] = (),
        comments: Mapping[str, str] | None = None,
        cancelled_from: str = S.DRAFT,
        returned: bool = False,
        **fields,
    ) -> Need:
        comments = comments or {}
        actors = {"staff": staff, "coordinator": coordinator}
        need = None
        for step in need_steps(
            status, cancelled_from=cancelled_from, returned=returned
        ):
            actor = actors[step.by]
            comment = comments.get(step.verb, "")
            if step.verb == "create":
                need = need_create(actor=actor, **fields)
            elif step.verb == "submit":
                need = need_submit(need=need, actor=actor)
            elif step.verb in ("approve", "return", "reject"):
                need = need_review(
                    need=need,
                    actor=actor,
                    decision=step.verb,
                    comment=comment or ("-" if step.verb != "approve" else ""),
                    diagnosis=(diagnosis or APPROVAL)
                    if step.verb == "approve"
                    else None,
                    goals=list(goals) if step.verb == "approve" else None,
                )
            elif step.verb == "accept":
                for teacher in teachers:
                    assignment_accept(assignment=proposal(need, teacher), actor=actor)
                need.refresh_from_db()
            elif step.verb == "confirm":
                for assignment in need.assignments.filter(status=A.ACCEPTED):
                    assignment_complete(assignment=assignment, actor=coordinator)
                need = need_confirm(need=need, actor=actor, reason=comment or "-")
            elif step.verb == "cancel":
                need = need_cancel(need=need, actor=actor, reason=comment or "-")
        return need
