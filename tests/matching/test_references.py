"""An assignment's need and teacher are kept by PostgreSQL once per statement
(migration 0013) as strictly as foreign keys kept them: a missing need or teacher
is refused, a need or teacher still referred to cannot be deleted, even by raw SQL
and even by a transaction that races an insert."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from matching.models import Assignment
from needs.models import Need
from teams.models import Teacher

from .. import factories as f
from .helpers import open_need, teacher

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="PostgreSQL triggers"
)

INSERT = (
    "INSERT INTO matching_assignment (need_id, teacher_id, status, score,"
    " breakdown, decision_reason, created_at, updated_at)"
    " VALUES {} "
)
ROW = "(%s, %s, 'proposed', 50, '{}', '', now(), now())"


def _insert(*pairs):
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT.format(", ".join([ROW] * len(pairs))),
            [x for pair in pairs for x in pair],
        )


def _refused(sql_or_call, params=()) -> str:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        if callable(sql_or_call):
            sql_or_call()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql_or_call, params)
    return str(caught.value)


@pytest.fixture
def pair(world):
    need = open_need(world.school_a, world.ecommerce, headcount=2)
    other = open_need(world.school_a, world.ecommerce)
    return need, other, world.teacher_a


@pytest.mark.django_db
def test_an_assignment_to_a_missing_need_or_teacher_is_refused(pair):
    need, other, who = pair
    missing_need = Need.objects.order_by("-pk").first().pk + 1000
    missing_teacher = Teacher.objects.order_by("-pk").first().pk + 1000

    message = _refused(lambda: _insert((missing_need, who.pk)))
    assert f"need {missing_need} does not exist" in message
    message = _refused(lambda: _insert((need.pk, missing_teacher)))
    assert f"teacher {missing_teacher} does not exist" in message
    # One bad row in a statement of many refuses the whole statement.
    _refused(lambda: _insert((need.pk, who.pk), (missing_need, who.pk)))
    assert not Assignment.objects.exists()

    _insert((need.pk, who.pk), (other.pk, who.pk))
    assert Assignment.objects.count() == 2


@pytest.mark.django_db
def test_pointing_an_assignment_at_a_missing_row_is_refused(pair, world):
    need, _, who = pair
    _insert((need.pk, who.pk))
    row = Assignment.objects.get()
    missing = Teacher.objects.order_by("-pk").first().pk + 1000
    _refused("UPDATE matching_assignment SET teacher_id = %s", [missing])
    _refused("UPDATE matching_assignment SET need_id = %s", [missing])
    # Updates that keep the references are not refused.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE matching_assignment SET score = 60")
        cursor.execute(
            "UPDATE matching_assignment SET teacher_id = %s", [world.teacher_b.pk]
        )
    row.refresh_from_db()
    assert (row.teacher_id, row.score) == (world.teacher_b.pk, 60)


@pytest.mark.django_db
def test_a_need_or_teacher_referred_to_is_not_deleted(pair, world):
    need, other, who = pair
    _insert((need.pk, who.pk))
    message = _refused("DELETE FROM needs_need WHERE id = %s", [need.pk])
    assert "still referred to" in message
    _refused("DELETE FROM teams_teacher WHERE id = %s", [who.pk])
    with pytest.raises(ProtectedError):
        need.delete()
    assert Need.objects.filter(pk=need.pk).exists()
    assert Teacher.objects.filter(pk=who.pk).exists()
    # Rows nobody refers to go as before.
    lone = teacher(world.county_a, world.ecommerce)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM teams_teacherskill WHERE teacher_id = %s", [lone.pk]
        )
        cursor.execute("DELETE FROM teams_teacher WHERE id = %s", [lone.pk])
    assert not Teacher.objects.filter(pk=lone.pk).exists()
    other.delete()
    assert not Need.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_delete_racing_an_insert_waits_for_it_and_is_refused(world):
    """The insert locks the need (FOR KEY SHARE, as a foreign key does): the
    delete waits for the inserting transaction, then sees its row and fails."""
    need = open_need(world.school_a, world.ecommerce)
    inserted, outcome = threading.Event(), {}

    def delete_need():
        try:
            inserted.wait(10)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '20s'")
                cursor.execute("DELETE FROM needs_need WHERE id = %s", [need.pk])
            outcome["deleted"] = True
        except IntegrityError as exc:
            outcome["refused"] = str(exc)
        finally:
            connection.close()

    other = threading.Thread(target=delete_need)
    other.start()
    with transaction.atomic():
        _insert((need.pk, world.teacher_a.pk))
        inserted.set()
        other.join(1.0)
        assert other.is_alive(), "the delete did not wait for the insert"
    other.join(20)
    assert "still referred to" in outcome.get("refused", ""), outcome
    assert Assignment.objects.filter(need=need).count() == 1


@pytest.mark.django_db
def test_the_deciders_are_checked_and_cleared_when_a_user_goes(pair, world):
    need, _, who = pair
    _insert((need.pk, who.pk))
    decider = f.UserFactory(username="decider")
    missing = decider.pk + 1000
    message = _refused("UPDATE matching_assignment SET decided_by_id = %s", [missing])
    assert f"user {missing} does not exist" in message
    _refused("UPDATE matching_assignment SET decline_cleared_by_id = %s", [missing])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE matching_assignment SET decided_by_id = %s,"
            " decline_cleared_by_id = %s",
            [decider.pk, decider.pk],
        )
        # Deleting the user, even by hand, keeps SET NULL.
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [decider.pk])
    row = Assignment.objects.get()
    assert (row.decided_by_id, row.decline_cleared_by_id) == (None, None)
