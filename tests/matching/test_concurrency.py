"""Two runs of the same scope at once, with real PostgreSQL transactions from
several threads (each thread has its own database connection): exactly one works,
the others end ``skipped``; no teacher over capacity, no duplicate live pair.

The first run to take the lock is held inside the solver until the others have
ended, so the runs truly overlap; nothing else is replaced."""

import threading
import time

import pytest
from django.db import connection

from matching import runs, solver
from matching.models import Assignment, MatchingRun

from .. import factories as f
from .helpers import assert_within_capacity_and_unique, open_need, teacher

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="needs PostgreSQL's locks"
    ),
]

WAIT = 30  # seconds; every wait below is bounded


def _county_market(county, specialty, schools, n_needs=6, n_teachers=4):
    for i in range(n_needs):
        open_need(schools[i % len(schools)], specialty, headcount=1 + i % 2)
    for _ in range(n_teachers):
        teacher(county, specialty, capacity=2)


@pytest.fixture
def market():
    county_a = f.CountyFactory(name="白河县", code="610929")
    county_b = f.CountyFactory(name="旬阳市", code="610928")
    family = f.SpecialtyFamilyFactory(code="73")
    spec = f.SpecialtyFactory(code="730701", family=family)
    schools_a = [f.SchoolFactory(county=county_a) for _ in range(3)]
    schools_b = [f.SchoolFactory(county=county_b) for _ in range(2)]
    _county_market(county_a, spec, schools_a)
    _county_market(county_b, spec, schools_b)
    return county_a, county_b


def _execute_in_thread(run_id, results, errors, start):
    try:
        start.wait(WAIT)
        results[run_id] = runs.matching_run_execute(run_id).status
    except Exception as exc:  # pragma: no cover - reported by the test
        errors.append(exc)
    finally:
        connection.close()


def _run_together(run_ids, hold_first_solver_until=None):
    results, errors = {}, []
    start = threading.Barrier(len(run_ids))
    threads = [
        threading.Thread(
            target=_execute_in_thread, args=(run_id, results, errors, start)
        )
        for run_id in run_ids
    ]
    for thread in threads:
        thread.start()
    if hold_first_solver_until is not None:
        hold_first_solver_until()
    for thread in threads:
        thread.join(WAIT)
    assert not any(t.is_alive() for t in threads), "a run did not finish"
    assert not errors, errors
    return results


def _hold_the_solver(monkeypatch):
    """Make the run that holds the lock wait in the solver until released."""
    entered, release = threading.Event(), threading.Event()
    real_solve = solver.solve

    def held_solve(*args, **kwargs):
        entered.set()
        assert release.wait(WAIT), "never released"
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(solver, "solve", held_solve)
    return entered, release


def _wait_for(condition):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_runs_of_the_same_county_at_once_one_works_the_others_are_skipped(
    market, monkeypatch
):
    county_a, _ = market
    runs = [MatchingRun.objects.create(county=county_a).pk for _ in range(4)]
    entered, release = _hold_the_solver(monkeypatch)

    def release_when_the_others_are_skipped():
        assert entered.wait(WAIT)
        _wait_for(
            lambda: (
                MatchingRun.objects.filter(pk__in=runs, status="skipped").count()
                == len(runs) - 1
            )
        )
        release.set()

    results = _run_together(runs, release_when_the_others_are_skipped)

    assert sorted(results.values()) == ["skipped"] * 3 + ["succeeded"]
    winner = MatchingRun.objects.get(pk__in=runs, status="succeeded")
    assert winner.stats["proposed"] > 0
    assert Assignment.objects.filter(run=winner).count() == winner.stats["proposed"]
    for skipped in MatchingRun.objects.filter(status="skipped"):
        assert skipped.error and skipped.finished_at
        assert not skipped.assignments.exists()
    assert_within_capacity_and_unique()


def test_runs_of_different_counties_do_not_block_each_other(market, monkeypatch):
    county_a, county_b = market
    runs = [
        MatchingRun.objects.create(county=county_a).pk,
        MatchingRun.objects.create(county=county_b).pk,
    ]
    both_inside = threading.Barrier(2)
    real_solve = solver.solve

    def solve_together(*args, **kwargs):
        # Each run waits in its own transaction, holding its county's lock, until
        # the other is there too: they overlap, and neither is skipped.
        both_inside.wait(WAIT)
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(solver, "solve", solve_together)

    results = _run_together(runs)

    assert set(results.values()) == {"succeeded"}
    assert_within_capacity_and_unique()


def test_a_run_of_every_county_excludes_county_runs_meanwhile(market, monkeypatch):
    county_a, _ = market
    everything = MatchingRun.objects.create(county=None).pk
    entered, release = _hold_the_solver(monkeypatch)
    done = {}

    def whole():
        try:
            done["whole"] = runs.matching_run_execute(everything, fan_out=False)
        finally:
            connection.close()

    thread = threading.Thread(target=whole)
    thread.start()
    try:
        assert entered.wait(WAIT)
        county_run = MatchingRun.objects.create(county=county_a)
        skipped = runs.matching_run_execute(county_run.pk)
        assert skipped.status == "skipped"
    finally:
        release.set()
        thread.join(WAIT)
    assert done["whole"].status == "succeeded"
    assert_within_capacity_and_unique()


@pytest.mark.parametrize("round_", range(3))
def test_many_runs_racing_never_overbook(market, round_):
    """Without any holding: whatever the timing, every run ends succeeded or
    skipped and the proposals respect capacities and uniqueness."""
    county_a, county_b = market
    runs = [MatchingRun.objects.create(county=county_a).pk for _ in range(3)]
    runs += [MatchingRun.objects.create(county=county_b).pk for _ in range(2)]

    results = _run_together(runs)

    assert set(results.values()) <= {"succeeded", "skipped"}
    assert "succeeded" in results.values()
    assert_within_capacity_and_unique()
    # However the runs interleaved, each county's places were filled once.
    a_runs = MatchingRun.objects.filter(county=county_a, status="succeeded")
    assert (
        sum(r.stats["proposed"] for r in a_runs)
        == Assignment.objects.filter(need__school__county=county_a).count()
    )
