"""The upgrade from ``PlanGoal.met`` (recorded in the admin) to goal marks: True
becomes a confirmed "met", False a confirmed "not met", each with its history;
unrecorded goals stay unmarked and every goal is kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ..migration_targets import before

BEFORE = ("needs", "0008_plan_goal_marks")

# Transactional: migrations run outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def migrate_to(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    reached = [target for target in targets if target[1] is not None]
    return executor.loader.project_state(reached).apps


def leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_apps():
    yield migrate_to(before(BEFORE))
    migrate_to(leaves())


def test_recorded_outcomes_become_confirmed_marks(old_apps):
    County = old_apps.get_model("needs", "County")
    School = old_apps.get_model("needs", "School")
    Family = old_apps.get_model("needs", "SpecialtyFamily")
    Specialty = old_apps.get_model("needs", "Specialty")
    Need = old_apps.get_model("needs", "Need")
    PlanGoal = old_apps.get_model("needs", "PlanGoal")
    User = old_apps.get_model("accounts", "User")
    county = County.objects.create(name="迁移县", province="陕西省", code="619999")
    school = School.objects.create(name="迁移职中", county=county, kind="assisted")
    staff = User.objects.create(
        username="staff_migration", role="school_staff", school=school
    )
    family = Family.objects.get_or_create(code="73", defaults={"name": "财经商贸"})[0]
    specialty = Specialty.objects.create(
        code="739999", name="迁移专业", family=family, retired=True
    )
    need = Need.objects.create(
        school=school,
        specialty=specialty,
        kind="teaching",
        title="迁移需求",
        headcount=1,
        start_date="2026-03-01",
        end_date="2026-06-30",
        urgency=3,
        status="fulfilled",
        created_by=staff,
    )
    met = PlanGoal.objects.create(
        need=need, text="达成", met=True, met_recorded_by=staff
    )
    missed = PlanGoal.objects.create(need=need, text="未达成", met=False)
    open_ = PlanGoal.objects.create(need=need, text="未记录", met=None)

    new_apps = migrate_to(leaves())
    PlanGoal = new_apps.get_model("needs", "PlanGoal")
    GoalMark = new_apps.get_model("needs", "GoalMark")
    goals = {g.pk: g for g in PlanGoal.objects.filter(need_id=need.pk)}
    assert set(goals) == {met.pk, missed.pk, open_.pk}
    state = {
        pk: (g.outcome, g.confirmed_outcome, g.awaiting_confirmation, g.marked_by_id)
        for pk, g in goals.items()
    }
    assert state == {
        met.pk: ("met", "met", False, staff.pk),
        missed.pk: ("not_met", "not_met", False, None),
        open_.pk: ("", "", False, None),
    }
    history = list(
        GoalMark.objects.filter(goal_id=met.pk)
        .order_by("id")
        .values_list("action", "outcome", "author_id", "author_role")
    )
    assert history == [
        ("mark", "met", staff.pk, "school_staff"),
        ("confirm", "met", None, ""),
    ]
    assert not GoalMark.objects.filter(goal_id=open_.pk).exists()
    PlanGoal.objects.filter(need_id=need.pk).delete()
    # The latest models: the old ones' cascades reach tables since gone.
    new_apps.get_model("needs", "Need").objects.filter(pk=need.pk).delete()
