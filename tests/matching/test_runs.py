"""Matching runs in the platform: inputs, proposals, statistics and reasons, all or
nothing, idempotency, capacity, fan-out (DESIGN section 5)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from matching import assignments, pipeline, runs, solver
from matching.models import Assignment, MatchingRun, UnmatchedNeeds

from .. import factories as f
from .helpers import TODAY, assert_within_capacity_and_unique, open_need, run, teacher


@pytest.fixture
def market(world):
    """County A: four needs (five places) and three teachers (three places);
    county B: one need that 李老师 can serve."""
    other_family = f.SpecialtyFactory(
        code="510101",
        name="作物生产与经营管理",
        family=f.SpecialtyFamilyFactory(code="51"),
    )
    needs = {
        "shop": open_need(world.school_a, world.ecommerce, priority=90),
        "shop2": open_need(world.school_a2, world.ecommerce, headcount=2, priority=40),
        "books": open_need(world.school_a, world.accounting, priority=70),
        "farm": open_need(world.school_a, other_family),
        "b": open_need(world.school_b, world.accounting),
    }
    teachers = {
        "zhang": world.teacher_a,  # e-commerce 5, capacity 2
        "wang": teacher(world.county_a, world.accounting, capacity=1, level=3),
        "late": teacher(
            world.county_a,
            world.ecommerce,
            available_from=TODAY + dt.timedelta(days=200),
            available_until=TODAY + dt.timedelta(days=300),
        ),
    }
    return needs, teachers


def test_run_proposes_an_optimum_with_breakdowns_statistics_and_reasons(world, market):
    needs, _ = market
    inputs = pipeline.read_inputs([world.county_a.pk])

    done = run(world.county_a)

    assert done.status == "succeeded" and done.progress == 100
    proposals = list(Assignment.objects.filter(run=done))
    assert {a.need.school.county_id for a in proposals} == {world.county_a.pk}
    assert all(a.status == "proposed" for a in proposals)
    for a in proposals:
        assert set(a.breakdown) == {
            "specialty",
            "overlap",
            "place",
            "priority",
            "coverage",
        }
        assert a.score == pytest.approx(sum(a.breakdown.values()), abs=0.011)
    stats = done.stats
    assert stats["proposed"] == len(proposals) == 3  # every free place is used
    assert stats["needs_considered"] == 4
    assert stats["teachers_considered"] == 3
    expected = solver.solve(inputs.needs, inputs.teachers, inputs.skills)
    assert stats["total_score"] == pytest.approx(expected.total_score, abs=0.01)
    assert stats["total_score"] == pytest.approx(
        solver.lp_optimum(inputs.needs, inputs.teachers, inputs.skills), rel=1e-9
    )
    reasons = UnmatchedNeeds.objects.filter(run=done).by_need()
    assert reasons[needs["farm"].pk] == "no_teacher_with_specialty"
    assert stats["unmatched"] == len(reasons)
    assert sum(stats["reasons"].values()) == len(reasons)
    assert {"read_s", "solve_s", "write_tail_s", "total_s"} <= set(stats["timings"])
    assert not Assignment.objects.filter(need=needs["b"]).exists()
    assert_within_capacity_and_unique()


def test_a_failure_while_writing_stores_nothing_and_fails_the_run(
    world, market, monkeypatch
):
    """Fault injection at the edge: the writer stores half the proposals, then the
    database 'fails'. The run's transaction must take all of it back."""
    real_write = pipeline.write_batch

    def write_half_then_fail(cursor, run_id, batch):
        half = pipeline.prepare(
            run_id,
            batch.proposals[: len(batch.proposals) // 2],
            {},
            timezone.now(),
            copy=cursor is not None,
        )
        real_write(cursor, run_id, half)
        assert Assignment.objects.filter(run_id=run_id).exists()
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "write_batch", write_half_then_fail)

    done = run(world.county_a)

    assert done.status == "failed"
    assert "disk full" in done.error
    assert done.stats == {}
    assert not Assignment.objects.exists()
    assert not UnmatchedNeeds.objects.exists()


def test_running_again_with_nothing_changed_proposes_nothing(world, market):
    first = run(world.county_a)
    before = list(Assignment.objects.order_by("id").values())

    second = run(world.county_a)

    assert first.stats["proposed"] == 3
    assert second.status == "succeeded"
    assert second.stats["proposed"] == 0
    assert list(Assignment.objects.order_by("id").values()) == before
    # The needs still open keep their reasons in the new run.
    assert (
        len(UnmatchedNeeds.objects.filter(run=second).by_need())
        == (second.stats["unmatched"])
    )


def test_accepted_assignments_stay_untouched(world, market):
    first = run(world.county_a)
    chosen = Assignment.objects.filter(run=first).order_by("-score").first()
    assignments.assignment_accept(assignment=chosen, actor=world.users.coord_a)
    accepted = Assignment.objects.filter(pk=chosen.pk).values().get()

    again = run(world.county_a)

    assert Assignment.objects.filter(pk=chosen.pk).values().get() == accepted
    assert again.stats["proposed"] == 0
    assert_within_capacity_and_unique()


def test_capacity_counts_proposed_and_accepted_but_not_completed_assignments(world):
    busy = teacher(world.county_a, world.ecommerce, capacity=2)
    elsewhere = open_need(world.school_a2, world.ecommerce)
    f.AssignmentFactory(need=elsewhere, teacher=busy, status="accepted")
    done_need = open_need(world.school_a2, world.ecommerce, headcount=2)
    old = f.AssignmentFactory(need=done_need, teacher=busy, status="proposed")
    world.teacher_a.active = False
    world.teacher_a.save(update_fields=["active"])
    need = open_need(world.school_a, world.ecommerce)

    blocked = run(world.county_a)

    assert blocked.stats["proposed"] == 0
    assert blocked.stats["teachers_considered"] == 0
    assert UnmatchedNeeds.objects.filter(run=blocked).by_need()[need.pk] == (
        "capacity_exhausted"
    )

    Assignment.objects.filter(pk=old.pk).update(status="completed")
    freed = run(world.county_a)

    assert freed.stats["proposed"] == 1
    assert Assignment.objects.filter(run=freed, teacher=busy).count() == 1
    assert_within_capacity_and_unique()


def test_open_headcount_counts_filled_places_and_live_proposals(world):
    need = open_need(world.school_a, world.ecommerce, headcount=3)
    need.filled = 1
    need.save(update_fields=["filled"])
    f.AssignmentFactory(need=need, teacher=world.teacher_b, status="proposed")
    for _ in range(3):
        teacher(world.county_a, world.ecommerce)

    done = run(world.county_a)

    # 3 places - 1 filled - 1 proposed = 1 place left: one proposal.
    assert Assignment.objects.filter(run=done, need=need).count() == 1


def test_a_declined_pair_is_not_proposed_again(world):
    need = open_need(world.school_a, world.ecommerce)
    first = run(world.county_a)
    proposal = Assignment.objects.get(run=first)
    assignments.assignment_decline(
        assignment=proposal, actor=world.users.coord_a, reason="日期冲突"
    )

    second = run(world.county_a)

    assert not Assignment.objects.filter(run=second).exists()
    assert need.pk in UnmatchedNeeds.objects.filter(run=second).by_need()


def test_a_finished_run_is_left_alone(world, market):
    done = run(world.county_a)
    proposals = Assignment.objects.count()

    again = runs.matching_run_execute(done.pk)

    assert again.status == "succeeded"
    assert Assignment.objects.count() == proposals


def test_a_run_of_every_county_fans_out_one_run_per_county(
    world, market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parent = runs.matching_run_start(actor=world.users.admin, county=None)

    parent.refresh_from_db()
    children = list(parent.children.order_by("county_id"))
    assert {c.county_id for c in children} == {world.county_a.pk, world.county_b.pk}
    assert all(c.status == "succeeded" for c in children)
    assert parent.status == "succeeded" and parent.progress == 100
    assert parent.stats["children"] == 2
    assert parent.stats["proposed"] == sum(c.stats["proposed"] for c in children)
    assert parent.stats["proposed"] == Assignment.objects.count() == 4
    # The admin who started it is told, once, when the whole run ends.
    note = Notification.objects.get(user=world.users.admin)
    assert str(parent.pk) in note.title
    assert note.url == f"/matching/runs/{parent.pk}/"


def test_starting_a_run_enqueues_it_after_commit(
    world, market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = runs.matching_run_start(
            actor=world.users.coord_a, county=world.county_a
        )
    assert started.status == "queued"
    assert len(callbacks) == 1
    callbacks[0]()
    started.refresh_from_db()
    assert started.status == "succeeded"


@pytest.mark.parametrize("persona", ["coord_b", "staff_a", "teacher_a", "outsider"])
def test_only_a_coordinator_of_the_county_or_an_admin_starts_a_run(world, persona):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        runs.matching_run_start(
            actor=getattr(world.users, persona), county=world.county_a
        )
    assert not MatchingRun.objects.exists()


def test_neighbouring_counties_when_allowed(world, settings):
    settings.MATCHING_ALLOW_NEIGHBOURS = True
    world.county_a.neighbours.add(world.county_b)
    need = open_need(world.school_a, world.accounting)
    world.teacher_a.active = False
    world.teacher_a.save(update_fields=["active"])

    done = run(world.county_a)

    proposal = Assignment.objects.get(run=done)
    assert proposal.need == need and proposal.teacher == world.teacher_b
    assert proposal.breakdown["place"] == pytest.approx(4.0)


def test_reading_the_inputs_takes_a_fixed_number_of_queries(world, market):
    with CaptureQueriesContext(connection) as few:
        pipeline.read_inputs([world.county_a.pk])
    for _ in range(20):
        open_need(world.school_a, world.ecommerce)
        teacher(world.county_a, world.accounting)
    with CaptureQueriesContext(connection) as many:
        pipeline.read_inputs([world.county_a.pk])
    assert len(many) == len(few) <= 6


@pytest.fixture
def in_parts(monkeypatch):
    """Solve every run in parts (whole counties), written while the next is solved."""
    monkeypatch.setattr(runs, "PIPELINE_MIN_NEEDS", 0)
    monkeypatch.setattr(runs, "PIPELINE_PARTS", 4)


def test_a_run_in_parts_finds_the_same_optimum(world, market, in_parts):
    inputs = pipeline.read_inputs(None)

    done = run(None, fan_out=False)

    assert done.status == "succeeded"
    assert done.stats["parts"] == 2  # counties A and B
    whole = solver.solve(inputs.needs, inputs.teachers, inputs.skills)
    assert done.stats["total_score"] == pytest.approx(whole.total_score, abs=0.01)
    assert done.stats["proposed"] == len(whole.proposals) == 4
    assert Assignment.objects.filter(run=done).count() == 4
    assert UnmatchedNeeds.objects.filter(run=done).by_need() == whole.unmatched
    assert_within_capacity_and_unique()


def test_a_failure_in_a_later_part_takes_back_the_earlier_parts(
    world, market, in_parts, monkeypatch
):
    real_write = pipeline.write_batch
    calls = []

    def fail_on_the_second_part(cursor, run_id, batch):
        calls.append(len(batch.proposals))
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real_write(cursor, run_id, batch)

    monkeypatch.setattr(pipeline, "write_batch", fail_on_the_second_part)

    done = run(None, fan_out=False)

    assert len(calls) == 2 and calls[0] > 0  # the first part had been written
    assert done.status == "failed" and "connection lost" in done.error
    assert not Assignment.objects.exists()
    assert not UnmatchedNeeds.objects.exists()


def test_parts_keep_neighbouring_counties_together(world, settings):
    settings.MATCHING_ALLOW_NEIGHBOURS = True
    third = f.CountyFactory(name="平利县", code="610926")
    world.county_a.neighbours.add(world.county_b)
    for school in (world.school_a, world.school_b, f.SchoolFactory(county=third)):
        open_need(school, world.ecommerce)
    teacher(third, world.ecommerce)

    parts = pipeline.split(pipeline.read_inputs(None), 8)

    counties = sorted(sorted(set(p.needs.county.tolist())) for p in parts)
    assert counties == sorted(
        [sorted([world.county_a.pk, world.county_b.pk]), [third.pk]]
    )


def test_a_county_with_nothing_to_match_succeeds_with_empty_statistics(world):
    done = run(world.liyang)

    assert done.status == "succeeded"
    assert done.stats["needs_considered"] == done.stats["proposed"] == 0
    assert done.stats["total_score"] == 0
