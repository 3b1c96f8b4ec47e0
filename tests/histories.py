"""What a need's history must look like, whoever built it: the checks a fixture
built through demo.world passes, as a need that went through the actions would."""

import itertools

from matching.models import AssignmentStatus
from needs.models import NeedStatus

S = NeedStatus
SERVING = (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)
# The need's own date of each state it reached, the last time it reached it.
DATE_OF = {S.SUBMITTED: "submitted_at", S.MATCHED: "matched_at"}


def history_problems(need) -> list[str]:
    """Why ``need``'s state, dates, places and transitions could not have come
    from the actions (empty when they could)."""
    problems = []
    steps = list(need.transitions.order_by("id"))
    if not steps or steps[0].from_status != "" or steps[-1].to_status != need.status:
        problems.append("transitions do not lead from creation to its state")
    for before, after in itertools.pairwise(steps):
        if after.from_status != before.to_status:
            problems.append(f"{before.to_status} then from {after.from_status}")
        if after.created_at < before.created_at:
            problems.append(f"{after.to_status} before {before.to_status}")
    if steps and need.created_at != steps[0].created_at:
        problems.append("created apart from its first transition")
    for state, field in DATE_OF.items():
        reached = [t.created_at for t in steps if t.to_status == state]
        if getattr(need, field) != (reached[-1] if reached else None):
            problems.append(f"{field} is not when it was last {state}")
    confirmed = [t.created_at for t in steps if t.to_status == S.FULFILLED]
    if need.status == S.FULFILLED and need.fulfilled_at != confirmed[-1]:
        problems.append("fulfilled_at is not when it was confirmed")
    serving = need.assignments.filter(status__in=SERVING).count()
    if need.filled != serving:
        problems.append(f"{need.filled} places filled by {serving} teachers")
    if need.status in (S.MATCHED, S.FULFILLED) and need.filled != need.headcount:
        problems.append("matched with places left")
    if need.status == S.OPEN and need.filled >= need.headcount:
        problems.append("open with every place filled")
    return problems


def histories_problems(needs) -> dict:
    """The problems of each need that has some, by its id and title."""
    found = {f"{need.pk} {need.title}": history_problems(need) for need in needs}
    return {name: problems for name, problems in found.items() if problems}
