"""Activity logs moved from matching to their own app: a database that holds
activities, their evidence and history from before the move finds them all after
it, in the same tables, with the permissions given on them still attached; and the
move goes back as cleanly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import Role

from .. import factories as f
from ..migration_targets import before

BEFORE = [
    ("matching", "0009_activity_evidence_and_names_reached"),
    ("activities", None),
]
TABLES = {
    "Activity": "matching_activity",
    "HistoricalActivity": "matching_historicalactivity",
    "ActivityAttachment": "matching_activityattachment",
}

# Transactional: migrations run outside a test transaction. With a serialized
# rollback, so that the browser tests after it find the content types (and their
# ids) that the database was created with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate_to(targets):
    """Migrate and return the app registry of the state reached."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    ContentType.objects.clear_cache()
    reached = [target for target in targets if target[1] is not None]
    return executor.loader.project_state(reached).apps


def _before():
    return before(*BEFORE)


@pytest.fixture
def old_apps():
    apps = migrate_to(_before())
    yield apps
    migrate_to(_latest())


def test_activities_logged_before_the_move_are_found_after_it(old_apps):
    # Who and what the activities were logged on: tables the move does not touch.
    assignment = f.AssignmentFactory(
        status="accepted",
        need=f.NeedFactory(status="matched"),
        teacher=f.TeacherFactory(name="张老师"),
    )
    coordinator = f.UserFactory(
        username="coord",
        role=Role.COORDINATOR,
        counties=[assignment.need.school.county],
    )
    other = f.AssignmentFactory(status="accepted")

    # The activities, their history and evidence, as matching's models had them.
    old_activity = old_apps.get_model("matching", "Activity")
    old_history = old_apps.get_model("matching", "HistoricalActivity")
    old_attachment = old_apps.get_model("matching", "ActivityAttachment")
    assert {
        name: old_apps.get_model("matching", name)._meta.db_table for name in TABLES
    } == TABLES
    logged = old_activity.objects.create(
        assignment_id=assignment.pk,
        date=dt.date(2026, 9, 3),
        kind="mentoring",
        hours=Decimal("2.5"),
        local_teachers_reached=3,
        students_reached=40,
        reached_names="王芳\n李强\n赵敏",
        note="听课评课",
        disputed=True,
        dispute_reason="那天学校放假",
    )
    undisputed = old_activity.objects.create(
        assignment_id=other.pk, date=dt.date(2026, 9, 4), kind="lesson", hours=2
    )
    for history_type, disputed in (("+", False), ("~", True)):
        old_history.objects.create(
            id=logged.pk,
            assignment_id=assignment.pk,
            date=logged.date,
            kind=logged.kind,
            hours=logged.hours,
            local_teachers_reached=3,
            students_reached=40,
            reached_names=logged.reached_names,
            disputed=disputed,
            created_at=logged.created_at,
            history_date=timezone.now(),
            history_type=history_type,
        )
    evidence = old_attachment.objects.create(
        activity_id=logged.pk,
        file="evidence/2026/09/abc.pdf",
        name="签到表.pdf",
        content_type="application/pdf",
        size=1234,
    )
    # A permission given on matching's activities before the move.
    old_content_type = ContentType.objects.get_or_create(
        app_label="matching", model="activity"
    )[0]
    ContentType.objects.filter(app_label="activities").delete()
    permission = Permission.objects.get_or_create(
        codename="view_activity",
        content_type=old_content_type,
        defaults={"name": "Can view activity"},
    )[0]
    coordinator.user_permissions.add(permission)

    new_apps = migrate_to(_latest())

    from accounts.scopes import visible
    from activities.models import Activity, ActivityAttachment

    assert {
        name: new_apps.get_model("activities", name)._meta.db_table for name in TABLES
    } == TABLES
    activity = Activity.objects.get(pk=logged.pk)
    assert (
        activity.assignment_id,
        activity.date,
        activity.kind,
        activity.hours,
        activity.names_reached,
        activity.note,
        activity.disputed,
        activity.dispute_reason,
    ) == (
        assignment.pk,
        dt.date(2026, 9, 3),
        "mentoring",
        Decimal("2.5"),
        ["王芳", "李强", "赵敏"],
        "听课评课",
        True,
        "那天学校放假",
    )
    assert list(assignment.activities.all()) == [activity]
    assert [h.history_type for h in activity.history.order_by("history_id")] == [
        "+",
        "~",
    ]
    assert activity.history.earliest().disputed is False
    assert list(activity.attachments.all()) == [
        ActivityAttachment.objects.get(pk=evidence.pk)
    ]
    assert activity.attachments.get().name == "签到表.pdf"
    assert Activity.objects.count() == 2
    # The scope rules know them under their new label.
    assert list(visible(coordinator, Activity.objects.all())) == [activity]
    assert Activity.objects.get(pk=undisputed.pk).assignment_id == other.pk
    # The content type followed: the permission is the same row, now on activities.
    assert ContentType.objects.get_for_model(Activity).pk == old_content_type.pk
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)
    assert coordinator.has_perm("activities.view_activity")

    # A change after the move is recorded in the same history.
    activity.disputed = False
    activity.save()
    assert activity.history.count() == 3

    # And back: matching's models find the same rows.
    old_apps = migrate_to(_before())
    old_activity = old_apps.get_model("matching", "Activity")
    assert old_activity.objects.count() == 2
    assert (
        old_apps.get_model("matching", "HistoricalActivity")
        .objects.filter(id=logged.pk)
        .count()
        == 3
    )
    assert old_apps.get_model("matching", "ActivityAttachment").objects.get().name == (
        "签到表.pdf"
    )
    assert ContentType.objects.get(pk=old_content_type.pk).app_label == "matching"
