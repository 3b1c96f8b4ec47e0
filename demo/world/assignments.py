"""An assignment's road: a matching run proposes a teacher for a need, and the
actions take the proposal on to the status asked for (:data:`ASSIGNMENT_ROAD`)."""

from __future__ import annotations

from collections.abc import Mapping

from accounts.models import User
from matching.assignments import (
    assignment_accept,
    assignment_cancel,
    assignment_complete,
    assignment_decline,
)
from matching.models import Assignment, AssignmentStatus, MatchingRun
from needs.models import Need
from teams.models import Teacher

A = AssignmentStatus

# The verbs that take a proposal to each status, in turn.
ASSIGNMENT_ROAD: dict[str, tuple[str, ...]] = {
    A.PROPOSED: (),
    A.ACCEPTED: ("accept",),
    A.DECLINED: ("decline",),
    A.COMPLETED: ("accept", "complete"),
    A.CANCELLED: ("accept", "cancel"),
}


def proposal(
    need: Need,
    teacher: Teacher,
    *,
    run: MatchingRun | None = None,
    score: float = 50.0,
    breakdown: Mapping[str, float] | None = None,
) -> Assignment:
    """A matching run's proposal of ``teacher`` for ``need`` (runs write them)."""
    return Assignment.objects.create(
        need=need,
        teacher=teacher,
        status=A.PROPOSED,
        run=run,
        score=score,
        breakdown=dict(breakdown or {}),
    )


def assignment(
    status: str,
    *,
    need: Need,
    teacher: Teacher,
    actor: User,
    run: MatchingRun | None = None,
    score: float = 50.0,
    reason: str = "-",
) -> Assignment:
    """``teacher``'s assignment to ``need`` in ``status``: proposed, then taken
    along :data:`ASSIGNMENT_ROAD` by ``actor`` through the actions (accepting
    fills a place of the need, and its last place matches it); ``reason``: a
    decline's or cancellation's."""
    made = proposal(need, teacher, run=run, score=score)
    for verb in ASSIGNMENT_ROAD[status]:
        if verb == "accept":
            made = assignment_accept(assignment=made, actor=actor)
        elif verb == "decline":
            made = assignment_decline(assignment=made, actor=actor, reason=reason)
        elif verb == "complete":
            made = assignment_complete(assignment=made, actor=actor)
        elif verb == "cancel":
            made = assignment_cancel(assignment=made, actor=actor, reason=reason)
    return made
