"""The figure cache (dashboard/figure_cache.py) serves exactly the figures a fresh
computation gives: on random data, after a write of every kind, on every table a
figure reads, when writers commit out of order, per county, per period and per
language, and when the clock moves a waiting need to the next backlog bucket.

The tests commit their writes (``transaction=True``): figures computed inside a
transaction that wrote are never kept, so a test inside one would prove nothing.
"""

import datetime as dt
from decimal import Decimal

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from activities.models import Activity
from dashboard import figure_cache, queries, tallies
from dashboard.queries import Period, dashboard_figures
from evaluations.models import Evaluation, EvaluationCycle, Rating, RatingStatus
from matching.models import AssignmentStatus
from needs.models import GoalMark, Need, NeedStatus, NeedTransition, PlanGoal
from teams.models import Teacher, TeacherSkill

from .. import factories as f
from .conftest import days

pytestmark = [
    # Committed writes; the catalogue the migrations loaded is restored after each.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the change log is PostgreSQL's"
    ),
]

MIGRATION = __import__(
    "dashboard.migrations.0004_change_log", fromlist=["TABLES", "USERS"]
)
PERIODS = [
    Period(),
    Period(start=days(-60), end=days(30)),
    Period(start=days(-10)),
    Period(end=days(-30)),
]


@pytest.fixture(scope="module", autouse=True)
def _initial_data_restored_afterwards(django_db_blocker):
    """The last test's flush leaves the database without the rows the migrations
    loaded (the catalogue); later transactional tests that do not restore them
    themselves expect them, as they would find them before this module."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _cached(ids, period=None) -> dict:
    figures = dashboard_figures(ids, period, cache=True)
    return {k: v for k, v in figures.items() if k != "as_of"}


def _computed(ids, period=None) -> dict:
    figures = dashboard_figures(ids, period, cache=False)
    return {k: v for k, v in figures.items() if k != "as_of"}


def _served_from_cache(ids, period=None) -> bool:
    """Whether the figures come from the cache: one query (the validity check)
    instead of computing them."""
    with CaptureQueriesContext(connection) as captured:
        dashboard_figures(ids, period, cache=True)
    return len(captured) == 1


def _warm(ids, period=None) -> dict:
    figures = _cached(ids, period)
    assert _served_from_cache(ids, period)
    return figures


def _assert_same(ids_list):
    for ids in ids_list:
        for period in PERIODS:
            assert _cached(ids, period) == _computed(ids, period)
            assert _served_from_cache(ids, period)
            assert _cached(ids, period) == _computed(ids, period)


@pytest.fixture
def counties(random_world, scenario):
    w = random_world[0]
    return [[w.county_a.pk, w.county_b.pk], [w.county_a.pk], [w.county_b.pk]]


def test_cached_figures_equal_the_computed_ones_on_random_data(counties):
    _assert_same(counties)


def _writes(w, rnd, needs, assignments):
    """One write of each kind a figure depends on, by name."""

    def need_state():
        need = Need.objects.filter(status=NeedStatus.SUBMITTED).first()
        need.status = NeedStatus.OPEN
        need.save(update_fields=["status"])

    def need_places():
        need = Need.objects.filter(status=NeedStatus.OPEN).first()
        need.headcount += 2
        need.save(update_fields=["headcount"])

    def transition():
        NeedTransition.objects.create(
            need=needs[2],
            from_status=NeedStatus.SUBMITTED,
            to_status=NeedStatus.REJECTED,
        )

    def assignment():
        open_need = Need.objects.filter(status=NeedStatus.OPEN).last()
        f.AssignmentFactory(
            need=open_need,
            teacher=f.TeacherFactory(county=w.county_a),
            status=AssignmentStatus.ACCEPTED,
        )

    def proposal():
        open_need = Need.objects.filter(status=NeedStatus.OPEN).first()
        f.AssignmentFactory(
            need=open_need,
            teacher=f.TeacherFactory(county=w.county_a, capacity=5),
            status=AssignmentStatus.PROPOSED,
        )

    def activity():
        f.ActivityFactory(
            assignment=assignments[0],
            date=days(-2),
            hours=Decimal("2"),
            local_teachers_reached=4,
            students_reached=9,
        )

    def activity_corrected():
        logged = Activity.objects.filter(disputed=False).first()
        logged.hours += 1
        logged.save(update_fields=["hours"])

    def teacher():
        Teacher.objects.filter(county=w.county_a).update(capacity=1)

    def skill():
        TeacherSkill.objects.filter(teacher__county=w.county_b).delete()

    def evaluation():
        Evaluation.objects.filter(school__isnull=False).update(score=Decimal("55"))

    def cycle():
        EvaluationCycle.objects.update(end_date=days(-1))

    def rating():
        Rating.objects.update(status=RatingStatus.PENDING)

    def goal():
        served = Need.objects.filter(
            status=NeedStatus.MATCHED, assignments__status=AssignmentStatus.ACCEPTED
        ).first()
        PlanGoal.objects.create(need=served, text="目标")

    def goal_marked():
        GoalMark.objects.create(
            goal=PlanGoal.objects.last(),
            action="mark",
            outcome="met",
            author=w.users.staff_a,
            author_role="school_staff",
        )

    def school():
        w.school_a2.county = w.county_b
        w.school_a2.save(update_fields=["county"])

    def rebuild():
        tallies.rebuild()

    return [
        need_state,
        need_places,
        transition,
        assignment,
        proposal,
        activity,
        activity_corrected,
        teacher,
        skill,
        evaluation,
        cycle,
        rating,
        goal,
        goal_marked,
        school,
        rebuild,
    ]


def test_cached_figures_follow_every_kind_of_write(random_world, scenario, counties):
    for write in _writes(*random_world):
        for ids in counties:
            _warm(ids)
        write()
        for ids in counties:
            assert not _served_from_cache(ids), write.__name__
        _assert_same(counties)


def test_any_statement_on_a_table_the_figures_read_invalidates(world):
    ids = [world.county_a.pk]
    for table in (*MIGRATION.TABLES, MIGRATION.USERS):
        _warm(ids)
        column = "school_id" if table == MIGRATION.USERS else "id"
        with connection.cursor() as cursor:
            # Even one that changes no row: the log is kept per statement.
            cursor.execute(f"UPDATE {table} SET {column} = {column} WHERE FALSE")  # noqa: S608
        assert not _served_from_cache(ids), table


def test_a_login_does_not_invalidate(world):
    ids = [world.county_a.pk]
    _warm(ids)
    world.users.coord_a.last_login = timezone.now()
    world.users.coord_a.save(update_fields=["last_login"])
    assert _served_from_cache(ids)


def test_a_truncate_invalidates(world):
    ids = [world.county_a.pk]
    _warm(ids)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE needs_goalmark, needs_goalmarkattachment")
    assert not _served_from_cache(ids)


def _raw_connection() -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )


def test_a_writer_that_commits_after_a_later_one_still_invalidates(scenario):
    """A starts writing first (its change row has the smaller id), B writes and
    commits, the figures are computed and cached (they see B, not A), then A
    commits: the cache must not be served, although no change row newer than the
    ones it saw was added."""
    w = scenario.world
    ids = [w.county_a.pk]
    n4, n2 = scenario.needs.n4, scenario.needs.n2
    with _raw_connection() as a, _raw_connection() as b:
        a.execute(
            "UPDATE needs_need SET headcount = headcount + 3 WHERE id = %s", [n4.pk]
        )
        b.execute("UPDATE needs_need SET status = 'open' WHERE id = %s", [n2.pk])
        b.commit()
        before = _warm(ids)
        assert before == _computed(ids)
        a.commit()
    assert not _served_from_cache(ids)
    after = _cached(ids)
    assert after == _computed(ids)
    assert after["headcount_approved"] == before["headcount_approved"] + 3


def test_figures_computed_after_an_own_write_are_not_kept(scenario):
    ids = [scenario.world.county_a.pk]
    clean = _warm(ids)
    with pytest.raises(RuntimeError), transaction.atomic():
        need = scenario.needs.n4
        need.headcount += 4
        need.save(update_fields=["headcount"])
        inside = _cached(ids)
        assert inside["headcount_approved"] == clean["headcount_approved"] + 4
        raise RuntimeError("roll back")
    assert _cached(ids) == _computed(ids) == clean


def test_one_countys_figures_are_never_served_for_another(api, scenario):
    w = scenario.world
    a, b = [w.county_a.pk], [w.county_b.pk]
    cached_a = _warm(a)
    assert _cached(b) == _computed(b) != cached_a
    body_a = api.as_user(w.users.coord_a).get("/api/v1/dashboard/").json()
    body_b = api.as_user(w.users.coord_b).get("/api/v1/dashboard/").json()
    assert body_a["counties"] == a and body_b["counties"] == b
    assert body_a["needs_total"] == _computed(a)["needs_total"]
    assert body_b["needs_total"] == _computed(b)["needs_total"]
    assert body_a["needs_total"] != body_b["needs_total"]


def test_each_period_and_language_has_its_own_figures(scenario):
    ids = [scenario.world.county_a.pk]
    for period in PERIODS:
        _warm(ids, period)
    for period in PERIODS:
        assert _cached(ids, period) == _computed(ids, period)
    with translation.override("en"):
        english = _cached(ids)
        assert english == _computed(ids)
    names = {row["family_name"] for row in _cached(ids)["supply_demand"]}
    assert names.isdisjoint(row["family_name"] for row in english["supply_demand"])


def test_the_cache_is_left_when_a_waiting_need_reaches_the_next_bucket(
    random_world, monkeypatch
):
    w = random_world[0]
    ids = [w.county_a.pk, w.county_b.pk]
    now = timezone.now()
    moves = queries._backlog_moves_at(ids, now)
    assert moves is not None
    later = moves + dt.timedelta(seconds=1)
    if timezone.localdate(later) != timezone.localdate(now):
        pytest.skip("the next move is tomorrow: the day's key changes anyway")
    _warm(ids)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert not _served_from_cache(ids)
    assert _cached(ids) == _computed(ids)


def test_pruning_keeps_the_rows_a_cached_entry_may_need(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dashboard_change")
        rows = cursor.fetchone()[0]
        figure_cache.prune()
        cursor.execute("SELECT count(*) FROM dashboard_change")
        assert cursor.fetchone()[0] == rows
        # A mark recorded long ago: the rows of transactions older than it go.
        cursor.execute(
            "UPDATE dashboard_change_horizon SET at = now() - interval '2 hours'"
        )
        cursor.execute("SELECT count(*) FROM dashboard_change")
    ids = [world.county_a.pk]
    _warm(ids)
    figure_cache.prune()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dashboard_change")
        assert cursor.fetchone()[0] < rows
    assert _served_from_cache(ids)
