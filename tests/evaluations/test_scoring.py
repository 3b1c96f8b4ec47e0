"""The scoring rules on plain data, every number worked out by hand."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluations import scoring as s

D = dt.date


def spec(code, weight, parent=None, metric="", target=None):
    kind = "objective" if metric else "subjective"
    return s.IndicatorSpec(
        code=code,
        weight=Decimal(weight),
        parent=parent,
        kind=kind,
        metric=metric,
        target=target,
    )


# --- weights -----------------------------------------------------------------------


def test_weights_that_add_up_to_100_at_every_level_pass():
    tree = [spec("A", 60), spec("B", 40), spec("A1", 50, "A"), spec("A2", 50, "A")]
    assert s.weight_errors(tree) == []


def test_each_level_that_does_not_add_up_to_100_is_reported_with_its_sum():
    tree = [
        spec("A", 60),
        spec("B", 30),
        spec("A1", 50, "A"),
        spec("A2", 40, "A"),
        spec("B1", "100", "B"),
    ]
    assert sorted(s.weight_errors(tree), key=str) == sorted(
        [(None, Decimal(90)), ("A", Decimal(90))], key=str
    )


def test_decimal_weights_are_summed_exactly():
    tree = [spec("A", "33.33"), spec("B", "33.33"), spec("C", "33.34")]
    assert s.weight_errors(tree) == []


def test_a_loop_in_the_tree_is_found():
    tree = [spec("A", 100, "B"), spec("B", 100, "A")]
    assert s.cycle_in_tree(tree) in {"A", "B"}


# --- normalisation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "value", "target", "expected"),
    [
        ("hours_taught", 60, None, 50.0),  # 60 / 120
        ("hours_taught", 150, None, 100.0),  # capped
        ("hours_taught", 15, 30, 50.0),  # own target
        ("local_teachers_trained", 17, None, 17 / 30 * 100),
        ("needs_fulfilled", 0.5, None, 50.0),
        ("goals_met", 0.75, None, 75.0),
        ("activity_regularity", 0.375, None, 46.875),  # 0.375 / 0.8
        ("activity_regularity", 1.0, None, 100.0),
        ("confirmation_speed", 0, None, 100.0),  # on time
        ("confirmation_speed", 18, None, 40.0),  # 1 - 18/30
        ("confirmation_speed", 45, None, 0.0),  # floored
        ("rating_participation", 0.5, None, 50.0),
        ("need_quality", 1 / 3, None, 100 / 3),
    ],
)
def test_each_metric_is_normalised_against_its_target(metric, value, target, expected):
    assert s.normalise(metric, value, target) == pytest.approx(expected)


def test_a_metric_without_a_value_has_no_score():
    assert s.normalise("goals_met", None, None) is None


def test_regularity_counts_weeks_with_an_activity():
    # 56 days = 8 weeks; activities in weeks 0, 0, 2 and 5.
    dates = [D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 20), D(2026, 4, 6)]
    assert s.activity_regularity(dates, D(2026, 3, 2), D(2026, 4, 26)) == 3 / 8


def test_regularity_counts_a_partial_last_week_and_ignores_dates_outside():
    dates = [D(2026, 3, 1), D(2026, 3, 10), D(2026, 3, 12)]
    # 10 days: two weeks (the second partial); only 3-10 and 3-12 (week 1) count.
    assert s.activity_regularity(dates, D(2026, 3, 3), D(2026, 3, 12)) == 1 / 2


def test_confirmation_lag_is_the_mean_days_late():
    needs = [
        (
            D(2026, 4, 26),
            D(2026, 5, 6),
        ),  # confirmed after as_of: counted up to as_of, 0
        (D(2026, 3, 31), None),  # unconfirmed: up to as_of, 26 days
        (D(2026, 3, 10), D(2026, 3, 5)),  # confirmed early: 0
        (D(2026, 6, 30), None),  # not due yet: left out
    ]
    assert s.confirmation_lag(needs, D(2026, 3, 2), D(2026, 4, 26)) == pytest.approx(
        (0 + 26 + 0) / 3
    )
    needs = [(D(2026, 4, 16), D(2026, 4, 26)), (D(2026, 3, 31), None)]
    assert s.confirmation_lag(needs, D(2026, 3, 2), D(2026, 4, 26)) == 18


# --- raters ------------------------------------------------------------------------


def test_all_raters_present_use_the_framework_weights():
    out = s.combine_raters(
        {
            "school": [{"Q": 80}, {"Q": 90}],  # mean 85
            "coordinator": [{"Q": 70}],
            "peer": [{"Q": 60}],
            "self": [{"Q": 100}],
        },
        {"school": 40, "coordinator": 30, "peer": 20, "self": 10},
        ["Q"],
    )
    # 0.4*85 + 0.3*70 + 0.2*60 + 0.1*100 = 34 + 21 + 12 + 10
    assert out.indicator_scores["Q"] == pytest.approx(77)
    assert out.missing_roles == []


def test_a_missing_raters_weight_is_spread_over_the_present_ones():
    out = s.combine_raters(
        {"school": [{"Q": 85}], "coordinator": [{"Q": 70}], "self": [{"Q": 100}]},
        {"school": 40, "coordinator": 30, "peer": 20, "self": 10},
        ["Q"],
    )
    # (40*85 + 30*70 + 10*100) / 80 = (3400 + 2100 + 1000) / 80
    assert out.indicator_scores["Q"] == pytest.approx(81.25)
    assert out.missing_roles == ["peer"]
    assert out.effective_weights == pytest.approx(
        {"school": 50.0, "coordinator": 37.5, "peer": 0.0, "self": 12.5}
    )


def test_no_rater_at_all_leaves_subjective_indicators_unscored():
    out = s.combine_raters({}, {"school": 60, "coordinator": 40}, ["Q"])
    assert out.indicator_scores == {"Q": None}
    assert out.missing_roles == ["school", "coordinator"]


def test_a_role_with_zero_weight_is_neither_counted_nor_missing():
    out = s.combine_raters(
        {"school": [{"Q": 50}], "self": [{"Q": 100}]}, {"school": 100, "self": 0}, ["Q"]
    )
    assert out.indicator_scores["Q"] == 50
    assert out.missing_roles == []


# --- the tree ----------------------------------------------------------------------


def test_the_tree_score_is_the_weighted_mean_at_each_level():
    tree = [
        spec("A", 60),
        spec("B", 40),
        spec("A1", 75, "A"),
        spec("A2", 25, "A"),
    ]
    total, nodes = s.tree_score(tree, {"A1": 80, "A2": 40, "B": 50})
    assert nodes["A"] == pytest.approx(70)  # 0.75*80 + 0.25*40
    assert total == pytest.approx(62)  # 0.6*70 + 0.4*50


def test_an_unscored_indicator_gives_its_weight_to_its_siblings():
    tree = [spec("A", 60), spec("B", 40), spec("A1", 75, "A"), spec("A2", 25, "A")]
    total, nodes = s.tree_score(tree, {"A1": 80, "A2": None, "B": 50})
    assert nodes["A"] == 80
    assert total == pytest.approx(68)  # 0.6*80 + 0.4*50


def test_evaluate_combines_objective_and_subjective_and_flags_gaps():
    tree = [
        spec("T1", 50),
        spec("T1.1", 50, "T1", metric="hours_taught"),
        spec("T1.2", 50, "T1"),
        spec("T2", 50),
        spec("T2.1", 100, "T2", metric="goals_met"),
    ]
    out = s.evaluate(
        tree,
        {"school": 60, "peer": 40},
        {"hours_taught": 60, "goals_met": None},
        {"school": [{"T1.2": 90}]},
    )
    # T1 = 0.5*50 + 0.5*90 = 70; T2 has no data, so T1 carries the whole score.
    assert out.indicator_scores["T1"] == pytest.approx(70)
    assert out.indicator_scores["T2"] is None
    assert out.score == pytest.approx(70)
    assert out.flags == ["no_data:T2.1", "missing_rater:peer"]
    assert out.role_scores == {"school": pytest.approx(90)}


# --- grades, ranks, teams ----------------------------------------------------------

GRADES = [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)]


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "优秀"),
        ("90.00", "优秀"),
        ("89.99", "良好"),
        ("80", "良好"),
        ("79.99", "合格"),
        ("60", "合格"),
        ("59.99", "不合格"),
        ("0", "不合格"),
    ],
)
def test_grades_at_the_thresholds(score, grade):
    assert s.grade_for(Decimal(score), GRADES) == grade


def test_scores_are_rounded_half_up_before_grading():
    assert s.to_decimal(89.995) == Decimal("90.00")
    assert s.grade_for(s.to_decimal(89.995), GRADES) == "优秀"
    assert s.to_decimal(89.994) == Decimal("89.99")


def test_ranks_share_ties_and_skip_after_them():
    ranks = s.competition_ranks(
        {
            "a": Decimal("91.5"),
            "b": Decimal("88"),
            "c": Decimal("91.5"),
            "d": Decimal("70"),
            "e": None,
        }
    )
    assert ranks == {"a": 1, "c": 1, "b": 3, "d": 4}


def test_team_roll_up_blends_own_score_and_members_mean():
    assert s.team_roll_up(80, [90, 70, 95], 50) == pytest.approx(0.5 * 80 + 0.5 * 85)
    assert s.team_roll_up(80, [90], 25) == pytest.approx(82.5)
    assert s.team_roll_up(None, [90, 70], 50) == 80
    assert s.team_roll_up(80, [], 50) == 80
    assert s.team_roll_up(None, [], 50) is None


def test_confirmed_goals_count_met_one_partly_half_not_met_zero():
    tally = s.GoalTally()
    for confirmed, waiting in [
        ("met", False),
        ("partly", False),
        ("not_met", True),  # a new mark waits; the confirmed "not met" stands
        ("", True),  # marked, not confirmed: no data
        ("", False),  # not marked: no data
    ]:
        tally += s.GoalTally.of(confirmed, waiting)
    assert tally.value == pytest.approx(1.5 / 3)
    assert tally.basis() == {
        "goals": 5,
        "confirmed": 3,
        "met": 1,
        "partly": 1,
        "not_met": 1,
        "waiting": 2,
    }
    assert s.GoalTally.of("", True).value is None
    assert (s.GoalTally() + s.GoalTally.of("partly", False)).value == 0.5
