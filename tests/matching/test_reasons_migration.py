"""A run's reasons moved from a row per need to a row per part and reason: the
reasons stored before the move are found after it, need by need, and the move
goes back as cleanly."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from matching.models import UnmatchedNeeds

from .. import factories as f
from ..migration_targets import before, latest

BEFORE = [("matching", "0017_decided_status_index_without_proposals")]

# Transactional: migrations run outside a test transaction. With a serialized
# rollback, so that the tests after it find the content types they were made with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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


def test_reasons_stored_a_row_per_need_are_found_after_the_move(old_apps):
    needs = [f.NeedFactory(status="open") for _ in range(5)]
    old_run = old_apps.get_model("matching", "MatchingRun")
    old_reason = old_apps.get_model("matching", "UnmatchedNeed")
    first, second = old_run.objects.create(), old_run.objects.create()
    stored = {
        (first.pk, needs[0].pk): "outscored",
        (first.pk, needs[3].pk): "outscored",
        (first.pk, needs[1].pk): "capacity_exhausted",
        (second.pk, needs[0].pk): "no_teacher_with_specialty",
        (second.pk, needs[4].pk): "no_teacher_with_specialty",
        (second.pk, needs[2].pk): "no_availability_in_window",
    }
    for (run, need), reason in stored.items():
        old_reason.objects.create(run_id=run, need_id=need, reason=reason)

    migrate_to(latest())

    for run in (first.pk, second.pk):
        assert UnmatchedNeeds.objects.filter(run_id=run).by_need() == {
            need: reason for (r, need), reason in stored.items() if r == run
        }
    rows = UnmatchedNeeds.objects.filter(run_id=first.pk, reason="outscored").get()
    assert (rows.count, rows.needs) == (2, f"{needs[0].pk} {needs[3].pk}")
    assert UnmatchedNeeds.objects.count() == 4  # a row per run and reason

    back = migrate_to(before(*BEFORE))
    found = back.get_model("matching", "UnmatchedNeed").objects.values_list(
        "run_id", "need_id", "reason"
    )
    assert {(run, need): reason for run, need, reason in found} == stored
