"""The policy engine (accounts/policies.py), exercised through the need's policy:
role before state, scope, the 409 that names the state, buttons, and access."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from common.errors import TransitionNotAllowed
from needs.models import NeedStatus, PlanGoal
from needs.policies import GOAL, NEED, access_need
from tests import factories as f
from tests.needs.conftest import make_need

S = NeedStatus


@pytest.fixture
def need_in(world):
    return lambda status, **fields: make_need(world, status, **fields)


def test_role_is_checked_before_state_so_a_refused_actor_learns_nothing(world, need_in):
    draft = need_in(S.DRAFT)
    with pytest.raises(PermissionDenied):
        NEED.check(world.users.teacher_a, "confirm", draft)
    with pytest.raises(TransitionNotAllowed) as refused:
        NEED.check(world.users.staff_a, "confirm", draft)
    assert refused.value.current == S.DRAFT


def test_scope_follows_the_role(world, need_in):
    need = need_in(S.SUBMITTED)
    u = world.users
    assert NEED.may(u.coord_a, "review", need)
    assert NEED.may(u.coord_ab, "review", need)
    assert not NEED.may(u.coord_b, "review", need)
    assert not NEED.may(u.staff_a, "review", need)  # not the role's action
    assert NEED.may(u.staff_a, "cancel", need)
    assert not NEED.may(u.staff_b, "cancel", need)  # another school
    assert NEED.may(u.admin, "review", need)
    assert not NEED.may(None, "review", need)


def test_buttons_are_the_allowed_object_actions_in_declared_order(world, need_in):
    u = world.users
    assert NEED.allowed_actions(u.staff_a, need_in(S.DRAFT)) == [
        "update",
        "delete",
        "submit",
        "cancel",
    ]
    # system actions (mark_matched) and collection actions (create) are no buttons
    assert NEED.allowed_actions(u.admin, need_in(S.OPEN)) == ["cancel"]
    assert NEED.allowed_actions(u.teacher_a, need_in(S.OPEN)) == []


def test_a_further_condition_refuses_with_its_own_explanation(world, need_in):
    need = need_in(S.FULFILLED)
    assert "reopen" in NEED.allowed_actions(world.users.coord_a, need)
    need.fulfilled_at = timezone.now() - dt.timedelta(days=400)
    assert "reopen" not in NEED.allowed_actions(world.users.coord_a, need)
    with pytest.raises(TransitionNotAllowed) as refused:
        NEED.check(world.users.coord_a, "reopen", need)
    assert str(settings.NEED_REOPEN_DAYS) in refused.value.message


def test_access_is_404_outside_the_scope_and_for_nonsense(world, need_in):
    need = need_in(S.OPEN)
    assert access_need(world.users.coord_a, need.pk) == need
    for actor in (world.users.coord_b, world.users.staff_b, world.users.teacher_a):
        with pytest.raises(Http404):
            access_need(actor, need.pk)
    with pytest.raises(Http404):
        access_need(world.users.admin, "not-a-number")


def test_access_for_a_write_locks_and_checks(world, need_in):
    need = need_in(S.OPEN)
    with transaction.atomic():
        assert access_need(world.users.coord_a, need.pk, for_write="cancel") == need
        with pytest.raises(TransitionNotAllowed):
            access_need(world.users.coord_a, need.pk, for_write="review")
        with pytest.raises(PermissionDenied):
            access_need(world.users.staff_a, need.pk, for_write="review")


def test_goal_policy_who_marks_and_confirms_and_why_not(world):
    """The plan-goal policy: a serving teacher and the school's staff mark, the
    county's coordinator confirms a waiting mark; each refusal says the action's own
    reason (403), and a 409 names the state that refuses it: the need's before its
    window starts, the goal's when no mark waits."""
    today = timezone.localdate()
    need = make_need(
        world,
        S.MATCHED,
        start_date=today - dt.timedelta(days=5),
        end_date=today + dt.timedelta(days=60),
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    goal = PlanGoal.objects.create(need=need, text="培训4名本地教师")
    u = world.users
    assert GOAL.allowed_actions(u.teacher_a, goal) == ["mark"]
    assert GOAL.allowed_actions(u.staff_a, goal) == ["mark"]
    assert GOAL.allowed_actions(u.coord_a, goal) == []  # nothing waits
    assert GOAL.allowed_actions(u.staff_b, goal) == []
    with pytest.raises(PermissionDenied) as refused:
        GOAL.check(u.coord_a, "mark", goal)
    assert str(refused.value) == str(GOAL.actions["mark"].refusal)
    with pytest.raises(PermissionDenied) as refused:
        GOAL.check(u.staff_a, "confirm", goal)
    assert str(refused.value) == str(GOAL.actions["confirm"].refusal)
    assert GOAL.actions["mark"].refusal != GOAL.actions["confirm"].refusal
    with pytest.raises(TransitionNotAllowed) as refused:
        GOAL.check(u.coord_a, "confirm", goal)
    assert refused.value.current == "not_marked"

    goal.outcome, goal.awaiting_confirmation = "met", True
    assert GOAL.allowed_actions(u.coord_a, goal) == ["confirm"]
    assert GOAL.allowed_actions(u.admin, goal) == ["mark", "confirm"]

    need.start_date = today + dt.timedelta(days=3)
    with pytest.raises(TransitionNotAllowed) as refused:
        GOAL.check(u.teacher_a, "mark", goal)
    assert refused.value.current == S.MATCHED
    assert (today + dt.timedelta(days=3)).isoformat() in refused.value.message
    assert GOAL.allowed_actions(u.coord_a, goal) == []


def _every_policy():
    import importlib

    from django.apps import apps

    from accounts.policies import Policy

    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.policies")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, Policy):
                yield f"{config.name}.{name}", value


def test_every_action_label_speaks_chinese():
    """The labels name the action in buttons and in the 409 ("Cannot approve: ...");
    each must reach the catalogue, a label makemessages cannot see stays English."""
    from django.utils import translation

    policies = dict(_every_policy())
    assert {"needs.NEED", "teams.TEAM", "matching.RUN"} <= set(policies)
    untranslated = []
    with translation.override("zh-hans"):
        for name, policy in policies.items():
            for key, action in policy.actions.items():
                label = str(action.label)
                if not any("\u4e00" <= ch <= "\u9fff" for ch in label):
                    untranslated.append(f"{name}.{key}: {label}")
    assert untranslated == []
