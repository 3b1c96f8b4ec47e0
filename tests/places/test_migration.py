"""Counties and schools moved from needs to their own app: a database that holds
counties (with neighbours), schools, the users scoped to them, needs, teachers and
teams from before the move finds them all after it, in the same tables, with the
permissions given on them still attached; and the move goes back as cleanly."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ..migration_targets import before, latest

BEFORE = [
    ("needs", "0010_plan_goal_met_replaced_by_marks"),
    ("places", None),
]
TABLES = {"County": "needs_county", "School": "needs_school"}

# Transactional: migrations run outside a test transaction. Not a serialized
# rollback: loading the serialized database collides with the content types that
# an earlier transactional test's flush re-created; this test makes what it needs.
pytestmark = pytest.mark.django_db(transaction=True)


def migrate_to(targets):
    """Migrate and return the app registry of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    ContentType.objects.clear_cache()
    reached = [target for target in targets if target[1] is not None]
    return executor.loader.project_state(reached).apps


@pytest.fixture
def old_apps():
    apps = migrate_to(before(*BEFORE))
    yield apps
    migrate_to(latest())


def test_counties_and_schools_from_before_the_move_are_found_after_it(old_apps):
    # Counties and schools, as needs' models had them.
    old_county = old_apps.get_model("needs", "County")
    old_school = old_apps.get_model("needs", "School")
    assert {
        name: old_apps.get_model("needs", name)._meta.db_table for name in TABLES
    } == TABLES
    assert (
        old_apps.get_model("accounts", "User")._meta.get_field("school").related_model
        is old_school
    )
    pingli = old_county.objects.create(name="平利县", province="陕西省", code="610926")
    langao = old_county.objects.create(name="岚皋县", province="陕西省", code="610925")
    liyang = old_county.objects.create(name="溧阳市", province="江苏省", code="320481")
    # Both directions, as the (symmetrical) model writes them: a historical model
    # does not know the relation is symmetrical.
    pingli.neighbours.add(langao)
    langao.neighbours.add(pingli)
    vocational = old_school.objects.create(
        name="平利县职业技术教育中心", county=pingli, kind="assisted"
    )
    supporting = old_school.objects.create(
        name="江苏省溧阳中等专业学校", county=liyang, kind="supporting"
    )

    # What points at them from other apps.
    user = old_apps.get_model("accounts", "User")
    coordinator = user.objects.create(username="coord_move", role="coordinator")
    coordinator.counties.set([pingli, langao])
    staff = user.objects.create(
        username="staff_move", role="school_staff", school=vocational
    )
    family = old_apps.get_model("needs", "SpecialtyFamily").objects.get_or_create(
        code="73", defaults={"name": "财经商贸"}
    )[0]
    specialty = old_apps.get_model("needs", "Specialty").objects.create(
        code="739998", name="迁移专业", family=family, retired=True
    )
    need = old_apps.get_model("needs", "Need").objects.create(
        school=vocational,
        specialty=specialty,
        kind="teaching",
        title="电子商务课程",
        headcount=2,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 1, 15),
        urgency=4,
        status="open",
        created_by=staff,
    )
    teacher = old_apps.get_model("teams", "Teacher").objects.create(
        name="陈晓峰",
        home_school=supporting,
        county=pingli,
        available_from=dt.date(2026, 9, 1),
        available_until=dt.date(2027, 7, 1),
    )
    team = old_apps.get_model("teams", "Team").objects.create(
        name="平利帮扶团",
        county=pingli,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 7, 1),
    )
    # A permission given on needs' counties before the move.
    old_content_type = ContentType.objects.get_or_create(
        app_label="needs", model="county"
    )[0]
    ContentType.objects.filter(app_label="places").delete()
    permission = Permission.objects.get_or_create(
        codename="view_county",
        content_type=old_content_type,
        defaults={"name": "Can view county"},
    )[0]
    get_user_model().objects.get(pk=coordinator.pk).user_permissions.add(permission)

    new_apps = migrate_to(latest())

    from accounts.models import User
    from accounts.scopes import visible
    from needs.models import Need
    from places.models import County, School
    from teams.models import Teacher, Team

    assert {
        name: new_apps.get_model("places", name)._meta.db_table for name in TABLES
    } == TABLES
    assert "county" not in new_apps.all_models["needs"]
    county = County.objects.get(pk=pingli.pk)
    assert (county.name, county.province, county.code) == ("平利县", "陕西省", "610926")
    assert list(county.neighbours.all()) == [County.objects.get(pk=langao.pk)]
    assert list(County.objects.get(pk=langao.pk).neighbours.all()) == [county]
    assert set(County.objects.assisted()) >= {county}
    assert not County.objects.assisted().filter(pk=liyang.pk).exists()
    school = School.objects.get(pk=vocational.pk)
    assert (school.name, school.county, school.kind) == (
        "平利县职业技术教育中心",
        county,
        "assisted",
    )
    assert list(county.schools.all()) == [school]

    coordinator = User.objects.get(pk=coordinator.pk)
    assert set(coordinator.counties.all()) == {county, County.objects.get(pk=langao.pk)}
    assert User.objects.get(pk=staff.pk).school == school
    assert list(school.staff.all()) == [User.objects.get(pk=staff.pk)]
    assert Need.objects.get(pk=need.pk).school == school
    assert list(school.needs.all()) == [Need.objects.get(pk=need.pk)]
    assert Teacher.objects.get(pk=teacher.pk).home_school_id == supporting.pk
    assert Teacher.objects.get(pk=teacher.pk).county == county
    assert Team.objects.get(pk=team.pk).county == county
    # The scope rules know them under their new label.
    assert set(visible(coordinator, School.objects.all())) == {school}
    assert list(visible(User.objects.get(pk=staff.pk), Need.objects.all())) == [
        Need.objects.get(pk=need.pk)
    ]
    # The content type followed: the permission is the same row, now on places.
    assert ContentType.objects.get_for_model(County).pk == old_content_type.pk
    assert coordinator.has_perm("places.view_county")

    # And back: needs' models find the same rows.
    old_apps = migrate_to(before(*BEFORE))
    old_county = old_apps.get_model("needs", "County")
    assert old_county.objects.get(pk=pingli.pk).neighbours.get().pk == langao.pk
    assert (
        old_apps.get_model("needs", "School").objects.get(pk=vocational.pk).county_id
        == pingli.pk
    )
    assert (
        old_apps.get_model("accounts", "User").objects.get(pk=staff.pk).school_id
        == vocational.pk
    )
    assert ContentType.objects.get(pk=old_content_type.pk).app_label == "needs"
