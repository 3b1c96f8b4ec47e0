"""Database constraints refuse bad rows even when application code is bypassed."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from evaluations.models import Indicator, RaterWeight
from needs.models import Need

from . import factories as f


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize("headcount", [0, 11])
def test_headcount_outside_1_to_10_is_refused(world, headcount):
    assert refused(lambda: f.NeedFactory(school=world.school_a, headcount=headcount))


@pytest.mark.parametrize("headcount", [1, 10])
def test_headcount_at_the_bounds_is_stored(world, headcount):
    assert not refused(
        lambda: f.NeedFactory(school=world.school_a, headcount=headcount)
    )


@pytest.mark.parametrize("urgency", [0, 6])
def test_urgency_outside_1_to_5_is_refused(world, urgency):
    assert refused(lambda: f.NeedFactory(school=world.school_a, urgency=urgency))


def test_need_ending_before_it_starts_is_refused(world):
    start = dt.date(2026, 9, 1)
    assert refused(
        lambda: f.NeedFactory(
            school=world.school_a, start_date=start, end_date=start - dt.timedelta(1)
        )
    )
    assert not refused(
        lambda: f.NeedFactory(school=world.school_a, start_date=start, end_date=start)
    )


def test_filled_beyond_headcount_is_refused(world):
    need = f.NeedFactory(school=world.school_a, headcount=2)
    Need.objects.filter(pk=need.pk).update(filled=2)
    assert refused(lambda: Need.objects.filter(pk=need.pk).update(filled=3))


@pytest.mark.parametrize("level", [0, 6])
def test_skill_level_outside_1_to_5_is_refused(world, level):
    assert refused(lambda: f.TeacherSkillFactory(teacher=world.teacher_a, level=level))


@pytest.mark.parametrize("capacity", [0, 6])
def test_teacher_capacity_outside_1_to_5_is_refused(world, capacity):
    assert refused(lambda: f.TeacherFactory(county=world.county_a, capacity=capacity))


def test_teacher_window_reversed_is_refused(world):
    assert refused(
        lambda: f.TeacherFactory(
            county=world.county_a,
            available_from=dt.date(2026, 9, 1),
            available_until=dt.date(2026, 8, 31),
        )
    )


def test_team_period_reversed_is_refused(world):
    assert refused(
        lambda: f.TeamFactory(
            county=world.county_a,
            start_date=dt.date(2026, 9, 1),
            end_date=dt.date(2026, 1, 1),
        )
    )


def test_one_live_assignment_per_need_and_teacher(world):
    need = f.NeedFactory(school=world.school_a, status="open", headcount=3)
    first = f.AssignmentFactory(need=need, teacher=world.teacher_a, status="proposed")
    assert refused(
        lambda: f.AssignmentFactory(
            need=need, teacher=world.teacher_a, status="accepted"
        )
    )
    first.status = "declined"
    first.save(update_fields=["status"])
    # a declined proposal no longer blocks a new one
    assert not refused(
        lambda: f.AssignmentFactory(
            need=need, teacher=world.teacher_a, status="proposed"
        )
    )


@pytest.mark.parametrize("weight", ["0", "-5", "100.01"])
def test_indicator_weight_must_be_in_0_100(db, weight):
    framework = f.FrameworkFactory()
    assert refused(
        lambda: Indicator.objects.create(
            framework=framework, code="X", name="x", weight=weight, kind="subjective"
        )
    )


def test_objective_indicator_needs_a_metric(db):
    framework = f.FrameworkFactory()
    assert refused(
        lambda: Indicator.objects.create(
            framework=framework, code="X", name="x", weight=50, kind="objective"
        )
    )
    assert not refused(
        lambda: Indicator.objects.create(
            framework=framework,
            code="Y",
            name="y",
            weight=50,
            kind="objective",
            metric="hours_taught",
        )
    )


def test_rater_weight_must_be_in_0_100(db):
    framework = f.FrameworkFactory()
    assert refused(
        lambda: RaterWeight.objects.create(framework=framework, role="self", weight=101)
    )


def test_evaluation_must_name_exactly_its_subject(world):
    from evaluations.models import Evaluation

    cycle = f.EvaluationCycleFactory(county=world.county_a)
    assert refused(
        lambda: Evaluation.objects.create(
            cycle=cycle, subject_type="team", teacher=world.teacher_a
        )
    )
    assert not refused(
        lambda: Evaluation.objects.create(
            cycle=cycle, subject_type="teacher", teacher=world.teacher_a
        )
    )


def test_changes_to_needs_are_kept_in_history(world):
    need = f.NeedFactory(school=world.school_a, title="旧标题")
    need.title = "新标题"
    need.save()
    titles = list(need.history.order_by("history_id").values_list("title", flat=True))
    assert titles == ["旧标题", "新标题"]
