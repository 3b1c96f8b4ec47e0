"""The world builder's rules: the steps to each state are the need policy's, and a
need written in bulk looks as one that took them through the actions does."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from demo.world import (
    ROAD,
    Replay,
    assignment_status_for,
    need_fields,
    need_row,
    need_steps,
    write_needs,
)
from matching.models import AssignmentStatus
from needs.models import Need, NeedStatus
from needs.policies import NEED

S = NeedStatus
ENDS = [
    (S.DRAFT, {}),
    (S.DRAFT, {"returned": True}),
    (S.SUBMITTED, {}),
    (S.OPEN, {"returned": True}),
    (S.REJECTED, {}),
    (S.MATCHED, {}),
    (S.FULFILLED, {}),
    (S.CANCELLED, {}),
    (S.CANCELLED, {"cancelled_from": S.SUBMITTED}),
    (S.CANCELLED, {"cancelled_from": S.OPEN}),
    (S.CANCELLED, {"cancelled_from": S.MATCHED}),
]
# The need policy's own verbs for the builder's (review decides three ways, and a
# need is matched when its last place is accepted).
POLICY_ACTION = {
    "submit": "submit",
    "approve": "review",
    "return": "review",
    "reject": "review",
    "accept": "mark_matched",
    "confirm": "confirm",
    "cancel": "cancel",
}


@pytest.mark.parametrize(("status", "how"), ENDS)
def test_every_step_is_one_the_need_policy_allows(status, how):
    steps = need_steps(status, **how)
    assert steps[0].from_status == ""
    assert steps[0].to_status == S.DRAFT
    assert steps[-1].to_status == status
    for before, step in itertools.pairwise(steps):
        assert step.from_status == before.to_status
        action = NEED.actions[POLICY_ACTION[step.verb]]
        assert step.from_status in action.allowed_from
        assert action.leads_to in (None, step.to_status)


def test_the_road_is_the_states_in_order():
    assert [state for state, _ in ROAD] == [
        S.DRAFT,
        S.SUBMITTED,
        S.OPEN,
        S.MATCHED,
        S.FULFILLED,
    ]


def test_assignments_a_need_state_implies():
    assert assignment_status_for(S.FULFILLED) == AssignmentStatus.COMPLETED
    assert assignment_status_for(S.MATCHED) == AssignmentStatus.ACCEPTED
    assert assignment_status_for(S.MATCHED, room=False) == AssignmentStatus.COMPLETED
    assert assignment_status_for(S.OPEN) == AssignmentStatus.ACCEPTED
    assert assignment_status_for(S.OPEN, taken=False) == AssignmentStatus.PROPOSED
    assert assignment_status_for(S.OPEN, taken=False, room=False) is None
    assert assignment_status_for(S.FULFILLED, taken=False) is None
    assert assignment_status_for(S.DRAFT) is None


@pytest.mark.parametrize(("status", "how"), ENDS)
def test_a_need_written_in_bulk_is_one_replayed_through_the_actions(world, status, how):
    fields = {
        "school": world.school_a,
        "specialty": world.ecommerce,
        "kind": "teaching",
        "title": "直播电商实训",
        "headcount": 1,
        "start_date": timezone.localdate() - dt.timedelta(days=10),
        "end_date": timezone.localdate() + dt.timedelta(days=60),
        "urgency": 3,
    }
    comments = {"cancel": "计划调整"}
    replayed = Replay().need(
        status,
        staff=world.users.staff_a,
        coordinator=world.users.coord_a,
        teachers=[world.teacher_a],
        comments=comments,
        **how,
        **fields,
    )
    (written,) = write_needs(
        [
            need_row(
                status,
                staff=world.users.staff_a,
                coordinator=world.users.coord_a,
                comments=comments,
                **how,
                **fields,
            )
        ]
    )
    replayed, written = (Need.objects.get(pk=n.pk) for n in (replayed, written))

    def seen(need):
        steps = [
            (t.from_status, t.to_status, t.actor.username)
            for t in need.transitions.order_by("id")
        ]
        return {
            "status": need.status,
            "filled": need.filled,
            "cancel_reason": need.cancel_reason,
            "submitted": need.submitted_at is not None,
            "matched": need.matched_at is not None,
            "fulfilled": need.fulfilled_at is not None,
            "steps": steps,
        }

    assert seen(written) == seen(replayed)
    expected = need_fields(need_steps(status, **how), headcount=1, comment="计划调整")
    assert replayed.status == expected["status"] == status
    assert replayed.filled == expected["filled"]
    assert replayed.cancel_reason == expected["cancel_reason"]


def test_a_need_submitted_again_after_its_return_has_both_submissions_dated():
    day = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    at = {
        "create": day,
        "first_submit": day + dt.timedelta(days=1),
        "return": day + dt.timedelta(days=2),
        "submit": day + dt.timedelta(days=3),
        "approve": day + dt.timedelta(days=4),
    }
    need, transitions = need_row(S.OPEN, staff=1, coordinator=2, at=at, returned=True)
    assert [(t.to_status, t.created_at) for t in transitions] == [
        (S.DRAFT, at["create"]),
        (S.SUBMITTED, at["first_submit"]),
        (S.DRAFT, at["return"]),
        (S.SUBMITTED, at["submit"]),
        (S.OPEN, at["approve"]),
    ]
    # The need's submission is its last one.
    assert need.submitted_at == at["submit"]
    # Without a date of its own, the first submission takes the submission's.
    del at["first_submit"]
    _, transitions = need_row(S.OPEN, staff=1, coordinator=2, at=at, returned=True)
    assert transitions[1].created_at == transitions[3].created_at == at["submit"]
