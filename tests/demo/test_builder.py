"""The world builder's reference data and roads: a world built twice is the same
world, and an assignment and an evaluation cycle reach each status through the
actions."""

import datetime as dt

import pytest

from accounts.models import Role
from demo.world import (
    ASSIGNMENT_ROAD,
    CYCLE_ROAD,
    Builder,
    Replay,
    assignment,
    cycle_with_past,
)
from evaluations.models import CycleStatus
from matching.models import AssignmentStatus
from needs.models import NeedStatus
from teams.models import TeacherSkill

pytestmark = pytest.mark.django_db
START = dt.date(2026, 9, 1)


def build(world, builder):
    county = builder.county(code="619999", name="测试县", province="陕西省")
    school = builder.school(county=county, name="测试职业中学")
    coordinator = builder.person(
        "builder_coord", role=Role.COORDINATOR, name="协调员", counties=[county]
    )
    teacher = builder.teacher(
        home_school=world.home,
        name="测试教师",
        county=county,
        available_from=START,
        available_until=START + dt.timedelta(days=300),
        capacity=2,
        skills={world.ecommerce: 4, world.accounting: 2},
    )
    team = builder.team(
        county=county,
        name="测试团队",
        start_date=START,
        end_date=START + dt.timedelta(days=300),
        leader=teacher,
        members=[teacher],
    )
    return county, school, coordinator, teacher, team


def test_a_world_built_twice_is_the_same_world(world):
    first = Builder(password="pw-for-tests-123")
    made = build(world, first)
    assert first.created == {
        "counties": 1,
        "schools": 1,
        "users": 1,
        "teachers": 1,
        "skills": 2,
        "teams": 1,
    }
    again = Builder(password="other-password")
    assert [o.pk for o in build(world, again)] == [o.pk for o in made]
    assert again.created == {}
    coordinator = made[2]
    coordinator.refresh_from_db()
    assert coordinator.check_password("pw-for-tests-123")
    assert list(coordinator.counties.all()) == [made[0]]


def test_a_drifted_teacher_is_brought_back_with_exactly_its_skills(world):
    builder = Builder(password="pw")
    teacher = builder.teacher(
        home_school=world.home,
        name="测试教师",
        county=world.county_a,
        available_from=START,
        available_until=START,
        capacity=1,
        skills={world.ecommerce: 4, world.accounting: 2},
    )
    again = builder.teacher(
        home_school=world.home,
        name="测试教师",
        county=world.county_a,
        available_from=START,
        available_until=START,
        capacity=3,
        skills={world.ecommerce: 5},
    )
    assert again.pk == teacher.pk
    assert again.capacity == 3
    assert dict(
        TeacherSkill.objects.filter(teacher=teacher).values_list(
            "specialty_id", "level"
        )
    ) == {world.ecommerce.pk: 5}


@pytest.mark.parametrize("status", list(ASSIGNMENT_ROAD))
def test_an_assignment_reaches_each_status_through_the_actions(world, status):
    coordinator = world.users.coord_a
    need = Replay().need(
        NeedStatus.OPEN,
        staff=world.users.staff_a,
        coordinator=coordinator,
        school=world.school_a,
        specialty=world.ecommerce,
        title="需求",
        description="-",
        kind="teaching",
        headcount=1,
        start_date=START,
        end_date=START + dt.timedelta(days=90),
        urgency=3,
    )
    made = assignment(status, need=need, teacher=world.teacher_a, actor=coordinator)
    made.refresh_from_db()
    need.refresh_from_db()
    assert made.status == status
    taken = status in (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)
    assert need.filled == (1 if taken else 0)
    assert need.status == (NeedStatus.MATCHED if taken else NeedStatus.OPEN)
    if status != AssignmentStatus.PROPOSED:
        assert made.decided_by == coordinator


@pytest.mark.parametrize("status", list(CYCLE_ROAD))
def test_a_cycle_reaches_each_status_through_the_actions(world, status):
    run = cycle_with_past(
        status,
        actor=world.users.coord_a,
        county=world.county_a,
        name="考核",
        start_date=START,
        end_date=START + dt.timedelta(days=60),
        force=True,
        reason="测试",
    )
    assert run.cycle.status == status
    assert bool(run.opened) == (status != CycleStatus.DRAFT)
    assert bool(run.closed) == (status == CycleStatus.CLOSED)


def test_an_account_built_without_a_password_cannot_sign_in_with_one(world):
    user = Builder().person("no_password", role=Role.TEACHER)
    user.refresh_from_db()
    assert not any(user.check_password(p) for p in ("", "pw-for-tests-123"))
