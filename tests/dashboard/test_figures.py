"""Every dashboard figure against the hand-built county of ``conftest.py``; the
numbers in the assertions are worked out by hand there."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dashboard.queries import (
    QUERY_COUNT,
    DaysBetween,
    Period,
    dashboard_figures,
    engagement_score,
    median,
    median_portable,
    previous_period,
)
from evaluations.models import (
    CycleStatus,
    Evaluation,
    RaterRole,
    Rating,
    RatingStatus,
)
from needs.goals import goal_mark
from needs.models import GoalMark, Need, PlanGoal

from .. import factories as f
from .conftest import NOW, days, need, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_a(scenario):
    return dashboard_figures([scenario.world.county_a.pk], now=NOW)


def test_needs_by_status_counts_every_state_of_the_county(county_a):
    assert county_a["needs_by_status"] == {
        "draft": 1,
        "submitted": 2,
        "open": 3,
        "matched": 1,
        "fulfilled": 2,
        "rejected": 1,
        "cancelled": 1,
    }
    assert county_a["needs_total"] == 11


def test_fill_rate_is_filled_over_headcount_of_approved_needs(county_a):
    # open 3/1, 2/0, 1/0; matched 2/2; fulfilled 1/1, 1/1 -> 5 of 10
    assert county_a["headcount_approved"] == 10
    assert county_a["headcount_filled"] == 5
    assert county_a["fill_rate"] == 0.5


def test_median_days_from_submission_to_match(county_a):
    # matched after 4, 10 and 2 days
    assert county_a["median_days_to_match"] == 4.0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(scenario):
    w = scenario.world
    matched = need(w, w.school_a2, "matched", submitted=30, matched=7)
    serving(w, matched, scenario.teacher_c)
    figures = dashboard_figures([w.county_a.pk], now=NOW)
    # 2, 4, 7, 10
    assert figures["median_days_to_match"] == 5.5


def test_backlog_buckets_submitted_and_open_needs_by_age(county_a):
    assert county_a["backlog"] == [
        {"bucket": "lt_7", "min_days": 0, "max_days": 7, "submitted": 1, "open": 1},
        {"bucket": "7_30", "min_days": 7, "max_days": 30, "submitted": 1, "open": 0},
        {"bucket": "30_90", "min_days": 30, "max_days": 90, "submitted": 0, "open": 1},
        {
            "bucket": "ge_90",
            "min_days": 90,
            "max_days": None,
            "submitted": 0,
            "open": 1,
        },
    ]


def test_coverage_counts_assisted_schools_with_an_accepted_or_completed_teacher(
    scenario, county_a
):
    # A1 accepted, A2 completed; A3 only proposed; the supporting school is left out
    assert county_a["schools_total"] == 3
    assert county_a["schools_served"] == 2
    assert county_a["coverage"] == round(2 / 3, 4)
    assert county_a["schools_unserved"] == [
        {
            "id": scenario.school_a3.pk,
            "name": "白河县第三职业中学",
            "county": scenario.world.county_a.pk,
        }
    ]


def test_supply_and_demand_per_specialty_family(county_a):
    # demand 73: 2 + 2 + 1 open places, less A3's place proposed to teacher_a (a
    # place proposed is neither unmet demand nor free supply); supply 73: teacher_a
    # 2 - 2 live = 0, and
    # teacher_c 3 (two skills in 73 count once); 66: teacher_c's 3. The inactive
    # teacher and the one whose window has ended are left out.
    rows = {r["family_code"]: r for r in county_a["supply_demand"]}
    assert set(rows) == {"66", "73"}
    assert (rows["73"]["demand"], rows["73"]["supply"], rows["73"]["gap"]) == (4, 3, 1)
    assert (rows["66"]["demand"], rows["66"]["supply"], rows["66"]["gap"]) == (0, 3, -3)
    assert rows["73"]["family_name"] == "财经商贸大类"


def test_local_teachers_and_students_reached_sum_undisputed_activities(county_a):
    assert county_a["local_teachers_reached"] == 8
    assert county_a["students_reached"] == 40
    assert county_a["activity_hours"] == 3.5
    assert county_a["activities"] == 2


def test_grade_distribution_of_the_last_closed_cycle(scenario, county_a):
    grades = county_a["grade_distribution"]
    assert [c["id"] for c in grades["cycles"]] == [scenario.last_cycle.pk]
    assert grades["grades"] == [
        {"grade": "优秀", "teacher": 1, "team": 0, "school": 1, "total": 2},
        {"grade": "良好", "teacher": 2, "team": 0, "school": 0, "total": 2},
        {"grade": "合格", "teacher": 0, "team": 0, "school": 1, "total": 1},
        {"grade": "不合格", "teacher": 0, "team": 0, "school": 0, "total": 0},
    ]


def test_schools_ranked_by_engagement(scenario, county_a):
    w = scenario.world
    ranking = county_a["engagement"]
    assert [r["school"] for r in ranking] == [
        w.school_a2.pk,
        scenario.school_a3.pk,
        w.school_a.pk,
    ]
    a2, a3, a1 = ranking
    # A2: its needs 5 and 7 were posted complete, need 7 confirmed 11 days after
    # its end (within 14 days); no rating task: (20 * 1 + 30 * 1) / 50
    assert (a2["rank"], a2["score"]) == (1, 100.0)
    assert (a2["complete_share"], a2["on_time_share"], a2["ratings_share"]) == (
        1.0,
        1.0,
        None,
    )
    assert (a2["goals_marked_share"], a2["chances"], a2["chances_taken"]) == (
        None,
        3,
        3,
    )
    assert a2["evaluation_score"] == 95.0
    # A3: need 12, posted complete, is its one chance; equal to A2, after it by
    # evaluation score.
    assert (a3["rank"], a3["score"], a3["needs_posted"]) == (1, 100.0, 1)
    # A1: needs 4, 6, 8 posted complete and 9 rejected (2 and 3 wait for review:
    # no chance yet); need 8 confirmed 20 days after its end, need 6 not due
    # before 14 days; 1 of its 2 rating tasks of the closed cycle:
    # (20 * 3/4 + 30 * 0 + 30 * 1/2) / 80 = 37.5
    assert (a1["rank"], a1["score"]) == (3, 37.5)
    assert (a1["needs_posted"], a1["needs_posted_complete"]) == (4, 3)
    assert (a1["confirmations_due"], a1["confirmations_on_time"]) == (1, 0)
    assert (a1["rating_chances"], a1["rating_tasks_done"]) == (2, 1)
    assert (a1["chances"], a1["chances_taken"]) == (7, 4)
    # Kept as they were: confirmations and every rating task of the period.
    assert (a1["needs_fulfilled"], a1["needs_awaiting_confirmation"]) == (1, 1)
    assert (a1["rating_tasks"], a1["rating_tasks_done"]) == (2, 1)
    assert a1["confirmed_share"] == 0.5
    assert a1["evaluation_score"] == 70.0
    # Without a start there is no period before: no trend.
    assert county_a["engagement_previous_period"] is None
    assert all(r["previous_score"] is r["trend"] is None for r in ranking)


def test_engagement_spreads_the_weight_of_missing_parts():
    assert engagement_score() is None
    assert engagement_score(complete=None, on_time=None) is None
    assert engagement_score(on_time=0.5, ratings=None) == 50.0
    # (20 * 1 + 30 * 0) / 50
    assert engagement_score(complete=1.0, on_time=0.0) == 40.0
    # (20 * 0.5 + 30 * 0 + 20 * 1 + 30 * 0.5) / 100
    assert engagement_score(complete=0.5, on_time=0.0, goals=1.0, ratings=0.5) == 45.0


def test_a_school_with_no_chances_yet_has_no_engagement(scenario, client):
    w = scenario.world
    school = f.SchoolFactory(name="白河县第四职业中学", county=w.county_a)
    need(w, school, "draft")
    need(w, school, "submitted", submitted=2)  # waiting for review: no chance yet
    # A task of a cycle just opened is no chance yet either.
    staff = f.UserFactory(username="staff_a4", role="school_staff", school=school)
    cycle = f.EvaluationCycleFactory(
        county=w.county_a, status=CycleStatus.OPEN, start_date=days(-5)
    )
    evaluation = Evaluation.objects.create(
        cycle=cycle, subject_type="teacher", teacher=w.teacher_a
    )
    Rating.objects.create(
        evaluation=evaluation,
        rater=staff,
        rater_role=RaterRole.SCHOOL,
        status=RatingStatus.PENDING,
    )
    ranking = dashboard_figures([w.county_a.pk], now=NOW)["engagement"]
    row = ranking[-1]
    assert row["school"] == school.pk
    assert (row["score"], row["rank"], row["chances"]) == (None, None, 0)
    assert (row["rating_tasks"], row["rating_chances"]) == (1, 0)
    # Served, but not due for confirmation yet and without goals: no chance to
    # confirm nor to mark. A matched need was submitted and approved, though: its
    # posting is a chance, taken, and the school's only one.
    served = need(w, school, "matched", submitted=30, matched=10, window=(-10, 60))
    f.AssignmentFactory(need=served, teacher=scenario.teacher_c, status="accepted")
    ranking = dashboard_figures([w.county_a.pk], now=NOW)["engagement"]
    row = next(r for r in ranking if r["school"] == school.pk)
    assert (row["confirmations_due"], row["goals_to_mark"]) == (0, 0)
    assert (row["needs_posted"], row["needs_posted_complete"]) == (1, 1)
    assert (row["score"], row["chances"], row["rating_chances"]) == (100.0, 1, 0)
    # The page shows no figure, not 100 (it counts up to the real today, when the
    # served need would be due: it is left out there).
    served.assignments.all().delete()
    served.delete()
    client.force_login(w.users.coord_a)
    page = client.get("/dashboard/").content.decode()
    cell = page.split(f'data-school="{school.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "无数据" in cell and "100" not in cell


def test_goals_marked_by_the_school_are_chances_taken(scenario):
    w = scenario.world
    n6 = scenario.needs.n6  # matched, window started, 张老师 accepted
    first, second, _third = (
        PlanGoal.objects.create(need=n6, text=text, position=i)
        for i, text in enumerate(("目标一", "目标二", "目标三"))
    )
    goal_mark(goal=first, actor=w.users.staff_a, outcome="met", note="已完成")
    goal_mark(goal=second, actor=w.users.teacher_a, outcome="met", note="已完成")
    # Goals of a need not yet started are no chance.
    later = need(w, w.school_a, "matched", submitted=9, matched=3,
                 window=(10, 90))  # fmt: skip
    f.AssignmentFactory(need=later, teacher=scenario.teacher_c, status="accepted")
    PlanGoal.objects.create(need=later, text="目标四")
    a1 = next(
        r
        for r in dashboard_figures([w.county_a.pk], now=NOW)["engagement"]
        if r["school"] == w.school_a.pk
    )
    # Only the staff's mark counts for the school: 1 of 3.
    assert (a1["goals_to_mark"], a1["goals_marked"]) == (3, 1)
    assert a1["goals_marked_share"] == 0.3333
    assert (a1["needs_posted"], a1["needs_posted_complete"]) == (5, 4)
    # (20 * 4/5 + 30 * 0 + 20 * 1/3 + 30 * 1/2) / 100 = 37.67 (need "later" is a
    # fifth need posted complete)
    assert a1["score"] == 37.7


def test_the_trend_compares_with_the_period_of_equal_length_before(scenario):
    period = Period(start=days(-70), end=days(-35))  # 36 days
    figures = dashboard_figures([scenario.world.county_a.pk], period, now=NOW)
    assert figures["engagement_previous_period"] == {
        "from": days(-106).isoformat(),
        "to": days(-71).isoformat(),
    }
    rows = {r["school"]: r for r in figures["engagement"]}
    a1 = rows[scenario.world.school_a.pk]
    # Now: needs 4 and 8 posted complete; need 8 confirmed late (need 6 not due);
    # 1 of 2 rating tasks: (20 * 1 + 30 * 0 + 30 * 1/2) / 80 = 43.75
    # Before: nothing posted; need 8 late; 1 of 2 tasks: (0 + 15) / 60 = 25
    assert (a1["score"], a1["previous_score"], a1["trend"]) == (43.8, 25.0, 18.8)
    a2 = rows[scenario.world.school_a2.pk]
    assert (a2["score"], a2["previous_score"], a2["trend"]) == (100.0, 100.0, 0.0)


def test_the_period_before_an_open_ended_one_ends_the_day_before_it():
    today = days(0)
    assert previous_period(Period(days(-9), days(0)), today) == Period(
        days(-19), days(-10)
    )
    # "This year": from its first day to today.
    assert previous_period(Period(days(-29), None), today) == Period(
        days(-59), days(-30)
    )
    assert previous_period(Period(days(5), None), today) == Period(days(4), days(4))
    assert previous_period(Period(None, days(0)), today) is None
    assert previous_period(Period(), today) is None


def test_equal_engagement_shares_a_rank(scenario):
    w = scenario.world
    # A1 gets every chance it had taken: 100, like A2 and A3
    scenario.needs.n9.delete()
    Need.objects.filter(pk=scenario.needs.n8.pk).update(
        fulfilled_at=NOW - dt.timedelta(days=55)
    )
    Rating.objects.filter(rater=w.users.staff_a).update(status="submitted")
    ranking = dashboard_figures([w.county_a.pk], now=NOW)["engagement"]
    assert [r["score"] for r in ranking] == [100.0, 100.0, 100.0]
    assert [r["rank"] for r in ranking] == [1, 1, 1]


def test_period_selects_needs_whose_window_overlaps_it(scenario):
    period = Period(start=days(-70), end=days(-35))
    figures = dashboard_figures([scenario.world.county_a.pk], period, now=NOW)
    # needs 6, 7 and 8 only
    assert figures["needs_total"] == 3
    assert figures["needs_by_status"]["matched"] == 1
    assert figures["needs_by_status"]["fulfilled"] == 2
    assert figures["fill_rate"] == 1.0
    assert figures["median_days_to_match"] == 4.0
    assert all(b["submitted"] == b["open"] == 0 for b in figures["backlog"])
    assert figures["schools_served"] == 2
    # the activity of day -40 only
    assert figures["local_teachers_reached"] == 3
    assert figures["students_reached"] == 40
    assert figures["activities"] == 1
    # teachers available in the period: teacher_c (3) and teacher_e (2), whose
    # window had not ended then; teacher_a starts at T
    rows = {
        r["family_code"]: (r["demand"], r["supply"]) for r in figures["supply_demand"]
    }
    assert rows == {"66": (0, 3), "73": (0, 5)}
    # needs 4 and 8 posted complete, need 8 confirmed late, 1 of 2 tasks
    assert figures["engagement"][1]["score"] == 43.8


def test_a_period_before_any_closed_cycle_has_no_grades(scenario):
    period = Period(start=days(-900), end=days(-800))
    figures = dashboard_figures([scenario.world.county_a.pk], period, now=NOW)
    assert figures["grade_distribution"]["cycles"] == []
    assert all(g["total"] == 0 for g in figures["grade_distribution"]["grades"])


def test_empty_county_has_zeros_and_no_rates(world):
    figures = dashboard_figures([world.county_a.pk], now=NOW)
    assert figures["needs_total"] == 0
    assert figures["fill_rate"] is None
    assert figures["median_days_to_match"] is None
    assert figures["schools_total"] == 2
    assert figures["schools_served"] == 0
    # teacher_a is stationed in A with free capacity 2 in family 73
    assert [
        (r["family_code"], r["demand"], r["supply"]) for r in figures["supply_demand"]
    ] == [("73", 0, 2)]
    assert figures["local_teachers_reached"] == 0


def test_county_b_sees_nothing_of_county_a(scenario):
    figures = dashboard_figures([scenario.world.county_b.pk], now=NOW)
    assert figures["needs_total"] == 1
    assert figures["needs_by_status"]["open"] == 1
    assert figures["schools_total"] == 1
    assert figures["local_teachers_reached"] == 50
    assert [r["school"] for r in figures["engagement"]] == [scenario.world.school_b.pk]
    assert [g["total"] for g in figures["grade_distribution"]["grades"]] == [1, 0, 0, 0]


def test_two_counties_add_up(scenario):
    w = scenario.world
    figures = dashboard_figures([w.county_a.pk, w.county_b.pk], now=NOW)
    assert figures["needs_total"] == 12
    assert figures["schools_total"] == 4
    assert figures["local_teachers_reached"] == 58
    assert len(figures["grade_distribution"]["cycles"]) == 2
    assert figures["grade_distribution"]["grades"][0]["total"] == 3


def _count_queries(county_ids):
    with CaptureQueriesContext(connection) as queries:
        dashboard_figures(county_ids, now=NOW)
    return len(queries)


def _count_queries(county_ids, period=None):
    with CaptureQueriesContext(connection) as queries:
        dashboard_figures(county_ids, period, now=NOW)
    return len(queries)


def test_the_query_count_does_not_grow_with_the_data(scenario):
    w = scenario.world
    small = _count_queries([w.county_a.pk])
    small_period = _count_queries([w.county_a.pk], Period(days(-70), days(-35)))

    # Ten times more of everything: schools, needs in every state, teachers with
    # skills and assignments, activities, closed cycles with results.
    for i in range(10):
        school = f.SchoolFactory(county=w.county_a)
        teacher = f.TeacherFactory(home_school=w.home, county=w.county_a)
        f.TeacherSkillFactory(teacher=teacher, specialty=scenario.machinery)
        for status in ("draft", "submitted", "open", "matched", "fulfilled"):
            n = need(
                w,
                school,
                status,
                # A matched need's one place is the assignment below.
                headcount=1 if status in ("matched", "fulfilled") else 2,
                submitted=i * 10 + 2 if status != "draft" else None,
                matched=1 if status in ("matched", "fulfilled") else None,
                confirmed=0 if status == "fulfilled" else None,
            )
            if status in ("matched", "fulfilled"):
                done = "completed" if status == "fulfilled" else "accepted"
                a = f.AssignmentFactory(need=n, teacher=teacher, status=done)
                f.ActivityFactory(assignment=a, date=days(-i))
                goal = PlanGoal.objects.create(need=n, text="目标")
                GoalMark.objects.create(
                    goal=goal,
                    action="mark",
                    outcome="met",
                    author=w.users.staff_a,
                    author_role="school_staff",
                )
        cycle = f.EvaluationCycleFactory(
            county=w.county_a,
            status="closed",
            start_date=days(-30 - i),
            end_date=days(-1),
        )
        Evaluation.objects.create(
            cycle=cycle, subject_type="school", school=school, grade="良好", score=80
        )
    large = _count_queries([w.county_a.pk])
    both = _count_queries([w.county_a.pk, w.county_b.pk])
    large_period = _count_queries([w.county_a.pk], Period(days(-70), days(-35)))

    assert small == large == both == QUERY_COUNT
    # A period has a period before it: the trend is counted in the same queries.
    assert small_period == large_period == QUERY_COUNT


def test_the_portable_median_agrees_with_percentile_cont(scenario):
    matched = Need.objects.filter(
        school__county=scenario.world.county_a, matched_at__isnull=False
    )
    days_to_match = DaysBetween(F("matched_at"), F("submitted_at"))
    assert median_portable(matched, days_to_match) == pytest.approx(4.0)
    assert median(matched, days_to_match) == pytest.approx(4.0)
    assert median_portable(matched.none(), days_to_match) is None


def test_a_need_served_by_two_teachers_counts_once(scenario):
    # Need 6 fills its two places with two teachers (its headcount allows no
    # third): 张老师 accepted, teacher_e completed.
    served = scenario.needs.n6.assignments.filter(
        status__in=["accepted", "completed"]
    ).values_list("status", flat=True)
    assert sorted(served) == ["accepted", "completed"]
    figures = dashboard_figures([scenario.world.county_a.pk], now=NOW)
    a1 = next(
        r for r in figures["engagement"] if r["school"] == scenario.world.school_a.pk
    )
    assert (a1["needs_fulfilled"], a1["needs_awaiting_confirmation"]) == (1, 1)
    assert figures["schools_served"] == 2


def test_family_names_follow_the_language(scenario):
    with translation.override("en"):
        figures = dashboard_figures([scenario.world.county_a.pk], now=NOW)
    names = {r["family_code"]: r["family_name"] for r in figures["supply_demand"]}
    assert names["73"] == "Finance, Economics and Commerce"


def test_a_proposed_place_is_neither_unmet_demand_nor_free_supply(world):
    need = f.NeedFactory(
        school=world.school_a, specialty=world.ecommerce, status="open", headcount=3
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="proposed")
    figures = dashboard_figures([world.county_a.pk], now=NOW)
    rows = {
        r["family_code"]: (r["demand"], r["supply"]) for r in figures["supply_demand"]
    }
    # 3 places, 1 proposed: 2 unmet; teacher_a's capacity 2, 1 proposed: 1 free.
    assert rows["73"] == (2, 1)
