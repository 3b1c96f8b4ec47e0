"""PostgreSQL itself refuses double-booking (matching migration 0004), even when the
ORM and the services are bypassed: raw SQL, bulk COPY, and two transactions from two
connections that would each fit alone but not together.

- a teacher never has more live (proposed or accepted) assignments than capacity;
- a need never has more accepted (or completed) assignments than its headcount.

Every write below is raw SQL on a cursor; factories only build the surroundings."""

import dataclasses
import threading
import time

import psycopg
import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from matching import pipeline, solver
from matching.models import Assignment

from .. import factories as f

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the guards are PostgreSQL triggers"
)

WAIT = 20  # seconds; every wait below is bounded

INSERT = (
    "INSERT INTO matching_assignment (need_id, teacher_id, status, score, breakdown,"
    " decision_reason, created_at, updated_at)"
    " VALUES (%s, %s, %s, 50, '{}', '', now(), now())"
)


def insert(need_id, teacher_id, status="proposed", cursor=None):
    if cursor is None:
        with connection.cursor() as own:
            own.execute(INSERT, [need_id, teacher_id, status])
    else:
        cursor.execute(INSERT, [need_id, teacher_id, status])


def refused(write) -> str | None:
    """The database's message when ``write`` is refused (nothing kept), else None."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError as exc:
        return str(exc)
    return None


def live(teacher) -> int:
    return Assignment.objects.filter(
        teacher=teacher, status__in=["proposed", "accepted"]
    ).count()


@pytest.fixture
def market(db):
    county = f.CountyFactory(name="白河县", code="610929")
    school = f.SchoolFactory(county=county)
    spec = f.SpecialtyFactory(code="730701")
    needs = [
        f.NeedFactory(school=school, specialty=spec, status="open", headcount=1)
        for _ in range(4)
    ]
    teachers = [f.TeacherFactory(county=county, capacity=1) for _ in range(3)]
    return needs, teachers


# ------------------------------------------------------------- one connection


def test_a_raw_insert_over_capacity_is_refused(market):
    needs, (t1, *_) = market
    insert(needs[0].pk, t1.pk)

    message = refused(lambda: insert(needs[1].pk, t1.pk))

    assert message is not None
    assert f"teacher {t1.pk} would have 2 live assignments, over capacity 1" in message
    assert live(t1) == 1


def test_one_statement_of_many_rows_is_refused_whole(market):
    needs, (t1, *_) = market
    t1.capacity = 2
    t1.save(update_fields=["capacity"])

    def many():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO matching_assignment (need_id, teacher_id, status, score,"
                " breakdown, decision_reason, created_at, updated_at)"
                " SELECT n, %s, 'proposed', 1, '{}', '', now(), now()"
                " FROM unnest(%s::bigint[]) AS n",
                [t1.pk, [n.pk for n in needs[:3]]],
            )

    assert refused(many)
    assert Assignment.objects.count() == 0
    # Within capacity, the same statement passes.
    t1.capacity = 3
    t1.save(update_fields=["capacity"])
    assert not refused(many)
    assert live(t1) == 3


def test_ended_assignments_do_not_count(market):
    needs, (t1, *_) = market
    insert(needs[0].pk, t1.pk, "declined")
    insert(needs[1].pk, t1.pk, "completed")
    insert(needs[2].pk, t1.pk, "cancelled")
    assert not refused(lambda: insert(needs[3].pk, t1.pk, "proposed"))


def test_a_raw_update_that_revives_an_assignment_over_capacity_is_refused(market):
    needs, (t1, *_) = market
    insert(needs[0].pk, t1.pk, "proposed")
    insert(needs[1].pk, t1.pk, "declined")
    declined = Assignment.objects.get(status="declined")

    def revive():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE matching_assignment SET status = 'proposed' WHERE id = %s",
                [declined.pk],
            )

    assert refused(revive)
    declined.refresh_from_db()
    assert declined.status == "declined"


def test_a_raw_update_that_moves_a_live_assignment_to_a_full_teacher_is_refused(
    market,
):
    needs, (t1, t2, _) = market
    insert(needs[0].pk, t1.pk)
    insert(needs[1].pk, t2.pk)
    moved = Assignment.objects.get(teacher=t2)

    def move():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE matching_assignment SET teacher_id = %s WHERE id = %s",
                [t1.pk, moved.pk],
            )

    assert refused(move)
    assert live(t1) == live(t2) == 1


def test_accepting_a_proposal_does_not_count_twice(market):
    needs, (t1, *_) = market
    insert(needs[0].pk, t1.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE matching_assignment SET status = 'accepted'")
    assert live(t1) == 1


def test_more_accepted_than_the_headcount_is_refused(market):
    (need, *_), (t1, t2, t3) = market
    insert(need.pk, t1.pk, "accepted")
    insert(need.pk, t2.pk, "proposed")

    message = refused(lambda: insert(need.pk, t3.pk, "accepted"))
    assert f"need {need.pk} would have 2 accepted assignments, over headcount 1" in (
        message or ""
    )

    def accept_the_proposal():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE matching_assignment SET status = 'accepted'"
                " WHERE teacher_id = %s",
                [t2.pk],
            )

    assert refused(accept_the_proposal)
    # A completed assignment keeps its place (Need.filled counts it).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE matching_assignment SET status = 'completed'"
            " WHERE status = 'accepted'"
        )
    assert refused(lambda: insert(need.pk, t3.pk, "accepted"))


def test_a_matching_run_still_writes_its_proposals_with_copy(market):
    needs, teachers = market
    for teacher in teachers:
        f.TeacherSkillFactory(teacher=teacher, specialty=needs[0].specialty)
    inputs = pipeline.read_inputs(None)
    result = solver.solve(
        inputs.needs, inputs.teachers, inputs.skills, **inputs.solver_kwargs()
    )
    assert len(result.proposals) == 3

    def write(proposals):  # as the run service does: COPY on the run's connection
        with pipeline.Writer(0, timezone.now()) as writer:
            writer.submit(proposals, {})

    with transaction.atomic():
        write(result.proposals)
    assert Assignment.objects.filter(status="proposed").count() == 3

    # The left-over need for a teacher who is already full: the COPY is refused.
    (left,) = {n.pk for n in needs} - {p.need for p in result.proposals}
    extra = [dataclasses.replace(result.proposals[0], need=left)]
    with (
        pytest.raises(psycopg.errors.CheckViolation, match="over capacity"),
        transaction.atomic(),
    ):
        write(extra)
    assert Assignment.objects.count() == 3


# ----------------------------------------------------- two concurrent connections


def _backend_waits_on_a_lock(pid: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
        )
        row = cursor.fetchone()
    return bool(row and row[0] == "Lock")


def _race(first_sql, second_sql, isolation=None):
    """Run two transactions on two connections: the first writes and holds its
    transaction open until the second has written (or is waiting on the first's
    lock), then commits; the second commits after it. Return each one's outcome:
    "ok" or the error's class name."""
    outcomes: dict[str, str] = {}
    first_wrote = threading.Event()
    second_pid: list[int] = []
    second_done = threading.Event()

    def worker(name, sql, before_commit):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if isolation:
                    cursor.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
                if name == "second":
                    assert first_wrote.wait(WAIT)
                    second_pid.append(pid)
                for statement, params in sql:
                    cursor.execute(statement, params)
                if name == "first":
                    first_wrote.set()
                before_commit()
            outcomes[name] = "ok"
        except Exception as exc:  # the outcome is what the test checks
            outcomes[name] = type(exc).__name__
        finally:
            if name == "second":
                second_done.set()
            connection.close()

    def first_waits():
        # Until the second transaction has written, or blocks on our lock.
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and not second_done.is_set():
            if second_pid and _backend_waits_on_a_lock(second_pid[0]):
                return
            time.sleep(0.02)

    threads = [
        threading.Thread(target=worker, args=("first", first_sql, first_waits)),
        threading.Thread(target=worker, args=("second", second_sql, lambda: None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("isolation", [None, "REPEATABLE READ", "SERIALIZABLE"])
def test_two_transactions_that_each_fit_alone_cannot_overbook_a_teacher(
    market, isolation
):
    needs, (t1, *_) = market  # capacity 1

    outcomes = _race(
        [(INSERT, [needs[0].pk, t1.pk, "proposed"])],
        [(INSERT, [needs[1].pk, t1.pk, "proposed"])],
        isolation,
    )

    assert sorted(outcomes.values())[1] == "ok", outcomes
    assert list(outcomes.values()).count("ok") == 1, outcomes
    failed = next(v for v in outcomes.values() if v != "ok")
    assert failed in ("IntegrityError", "OperationalError"), outcomes
    assert live(t1) == 1


@pytest.mark.django_db(transaction=True)
def test_two_transactions_cannot_overfill_a_need(market):
    (need, *_), (t1, t2, _) = market  # headcount 1
    insert(need.pk, t1.pk, "proposed")
    insert(need.pk, t2.pk, "proposed")
    accept = "UPDATE matching_assignment SET status = 'accepted' WHERE teacher_id = %s"

    outcomes = _race([(accept, [t1.pk])], [(accept, [t2.pk])])

    assert list(outcomes.values()).count("ok") == 1, outcomes
    assert Assignment.objects.filter(need=need, status="accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_bulk_insert_racing_a_single_insert_keeps_capacity(market):
    needs, (t1, t2, _) = market
    for teacher in (t1, t2):
        teacher.capacity = 2
        teacher.save(update_fields=["capacity"])
    bulk = (
        "INSERT INTO matching_assignment (need_id, teacher_id, status, score,"
        " breakdown, decision_reason, created_at, updated_at)"
        " SELECT n, t, 'proposed', 1, '{}', '', now(), now()"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS x(n, t)"
    )

    outcomes = _race(
        [(bulk, [[needs[0].pk, needs[1].pk, needs[2].pk], [t1.pk, t1.pk, t2.pk]])],
        [(INSERT, [needs[3].pk, t1.pk, "proposed"])],
    )

    assert outcomes == {"first": "ok", "second": "IntegrityError"}, outcomes
    assert live(t1) == 2 and live(t2) == 1
