"""The scope module: which objects each persona sees, resource by resource."""

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from accounts.scopes import can_see, manages_county, visible
from activities.models import Activity
from matching.models import Assignment
from needs.models import Need
from places.models import County, School
from teams.models import Teacher, Team

from .. import factories as f


@pytest.fixture
def needs(world):
    return {
        "a": f.NeedFactory(school=world.school_a, specialty=world.ecommerce),
        "a2": f.NeedFactory(school=world.school_a2, specialty=world.ecommerce),
        "b": f.NeedFactory(school=world.school_b, specialty=world.accounting),
    }


def ids(queryset):
    return set(queryset.values_list("id", flat=True))


def test_admin_sees_every_need(world, needs):
    assert ids(visible(world.users.admin, Need.objects.all())) == ids(
        Need.objects.all()
    )


def test_coordinator_sees_needs_of_their_county_only(world, needs):
    seen = ids(visible(world.users.coord_a, Need.objects.all()))
    assert seen == {needs["a"].id, needs["a2"].id}


def test_coordinator_of_two_counties_sees_both(world, needs):
    seen = ids(visible(world.users.coord_ab, Need.objects.all()))
    assert seen == {needs["a"].id, needs["a2"].id, needs["b"].id}


def test_coordinator_without_county_sees_nothing(world, needs):
    assert not visible(world.users.outsider, Need.objects.all()).exists()
    assert not visible(world.users.outsider, County.objects.all()).exists()


def test_school_staff_see_their_school_needs_only(world, needs):
    assert ids(visible(world.users.staff_a, Need.objects.all())) == {needs["a"].id}
    assert ids(visible(world.users.staff_b, Need.objects.all())) == {needs["b"].id}


def test_school_staff_see_their_school_and_county(world, needs):
    assert ids(visible(world.users.staff_a, School.objects.all())) == {
        world.school_a.id
    }
    assert ids(visible(world.users.staff_a, County.objects.all())) == {
        world.county_a.id
    }


def test_teacher_sees_only_needs_they_are_assigned_to(world, needs):
    assert not visible(world.users.teacher_a, Need.objects.all()).exists()
    f.AssignmentFactory(need=needs["a"], teacher=world.teacher_a)
    f.AssignmentFactory(need=needs["a2"], teacher=world.teacher_a)
    seen = visible(world.users.teacher_a, Need.objects.all())
    assert ids(seen) == {needs["a"].id, needs["a2"].id}
    assert seen.count() == 2  # no duplicates through the join


def test_teachers_visibility(world, needs):
    assert ids(visible(world.users.coord_a, Teacher.objects.all())) == {
        world.teacher_a.id
    }
    assert ids(visible(world.users.teacher_a, Teacher.objects.all())) == {
        world.teacher_a.id
    }
    assert not visible(world.users.staff_a, Teacher.objects.all()).exists()
    f.AssignmentFactory(need=needs["a"], teacher=world.teacher_a, status="accepted")
    assert ids(visible(world.users.staff_a, Teacher.objects.all())) == {
        world.teacher_a.id
    }
    assert not visible(world.users.staff_b, Teacher.objects.all()).exists()


def test_team_mates_see_each_other(world):
    mate = f.TeacherFactory(county=world.county_a)
    team = f.TeamFactory(county=world.county_a, leader=world.teacher_a)
    team.members.set([world.teacher_a, mate])
    assert ids(visible(world.users.teacher_a, Team.objects.all())) == {team.id}
    assert ids(visible(world.users.teacher_a, Teacher.objects.all())) == {
        world.teacher_a.id,
        mate.id,
    }
    assert not visible(world.users.teacher_b, Team.objects.all()).exists()
    assert not visible(world.users.coord_b, Team.objects.all()).exists()


def test_assignments_and_activities_follow_the_need_and_teacher(world, needs):
    activity = f.ActivityFactory(
        assignment=f.AssignmentFactory(
            need=needs["a"], teacher=world.teacher_a, status="accepted"
        )
    )
    for user, expected in [
        (world.users.coord_a, True),
        (world.users.coord_b, False),
        (world.users.staff_a, True),
        (world.users.staff_b, False),
        (world.users.teacher_a, True),
        (world.users.teacher_b, False),
        (world.users.outsider, False),
    ]:
        assert can_see(user, activity) is expected, user.username
        assert can_see(user, activity.assignment) is expected, user.username
    assert Assignment.objects.count() == Activity.objects.count() == 1


def test_inactive_and_anonymous_users_see_nothing(world, needs):
    from django.contrib.auth.models import AnonymousUser

    world.users.coord_a.is_active = False
    assert not visible(world.users.coord_a, Need.objects.all()).exists()
    assert not visible(AnonymousUser(), Need.objects.all()).exists()


def test_changing_scope_takes_effect_on_a_fresh_user(world, needs):
    world.users.coord_a.counties.set([world.county_b])
    fresh = User.objects.get(pk=world.users.coord_a.pk)
    assert ids(visible(fresh, Need.objects.all())) == {needs["b"].id}


def test_manages_county(world):
    assert manages_county(world.users.coord_a, world.county_a.id)
    assert not manages_county(world.users.coord_a, world.county_b.id)
    assert manages_county(world.users.admin, world.county_b.id)
    assert not manages_county(world.users.staff_a, world.county_a.id)


@pytest.mark.django_db
def test_createsuperuser_gets_the_admin_role(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-strong-pass-4431")
    call_command(
        "createsuperuser", "--noinput", "--username", "root", "--email", "r@x.cn"
    )
    root = User.objects.get(username="root")
    assert root.role == Role.ADMIN
    assert root.is_admin and root.is_superuser


def test_rules_that_cross_a_to_many_relation_never_repeat_a_row(world, needs):
    """A teacher proposed twice on one need, a school's staff whose school a teacher
    serves on two needs: each row once. Rules without a to-many step filter the
    rows directly (no ``IN (subquery)``), so a list can walk an index in order."""
    teacher = world.teacher_a
    other_need = f.NeedFactory(school=world.school_a, specialty=world.ecommerce)
    for need in (needs["a"], other_need):
        Assignment.objects.create(need=need, teacher=teacher, status="accepted")
    Assignment.objects.create(need=needs["a"], teacher=teacher, status="declined")

    mine = visible(world.users.teacher_a, Need.objects.all())
    assert list(mine.order_by("id").values_list("id", flat=True)) == sorted(
        [needs["a"].id, other_need.id]
    )
    seen = visible(world.users.staff_a, Teacher.objects.all())
    assert list(seen.values_list("id", flat=True)) == [teacher.id]

    direct = str(visible(world.users.coord_a, Need.objects.all()).query)
    assert "SELECT" not in direct.split("WHERE", 1)[1]
    through = str(visible(world.users.teacher_a, Need.objects.all()).query)
    assert "SELECT" in through.split("WHERE", 1)[1]
