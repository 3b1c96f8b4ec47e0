"""Goals marked on the need's page reach the evaluation's goals indicator, and only
once the county's coordinator has confirmed them: met counts 1, partly met 0.5, not
met 0; a goal unmarked or waiting for confirmation is no data."""

import pytest

from evaluations import cycles
from needs.models import PlanGoal

from .conftest import END, START, framework
from .test_cycles import OBJECTIVE_PEOPLE, close, scores_of, teacher_eval, values_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal_cycle(world, season):
    admin = world.users.admin
    return cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="目标达成",
        start_date=START,
        end_date=END,
        framework=framework(admin, "teacher", OBJECTIVE_PEOPLE, {"coordinator": 100}),
    )


@pytest.fixture
def goals(season):
    """Fresh goals: two on N1 (school A, fulfilled), two on N2 (school A2,
    matched); both windows have started."""
    PlanGoal.objects.all().delete()
    make = PlanGoal.objects.create
    return (
        make(need=season.n1, text="培训本地教师4名", position=1),
        make(need=season.n1, text="编写实训指导书", position=2),
        make(need=season.n2, text="开设直播课程", position=1),
        make(need=season.n2, text="孵化网店5家", position=2),
    )


def mark(client, goal, outcome, note="见佐证材料"):
    prefix = f"goal{goal.pk}"
    response = client.post(
        f"/needs/{goal.need_id}/goals/{goal.pk}/mark/",
        {f"{prefix}-outcome": outcome, f"{prefix}-note": note},
    )
    assert response.status_code == 302, response.content.decode()[:500]


def confirm(client, goal, outcome="", note=""):
    prefix = f"goal{goal.pk}"
    response = client.post(
        f"/needs/{goal.need_id}/goals/{goal.pk}/confirm/",
        {f"{prefix}-outcome": outcome, f"{prefix}-note": note},
    )
    assert response.status_code == 302, response.content.decode()[:500]


def test_goals_marked_on_the_need_page_reach_the_indicator(
    world, goals, goal_cycle, api, client
):
    first, second, third, fourth = goals
    client.force_login(world.users.staff_a)  # school A: N1
    mark(client, first, "met")
    mark(client, second, "partly")
    client.force_login(world.users.teacher_a)  # serves N1 and N2
    mark(client, third, "met")
    mark(client, fourth, "not_met")
    client.force_login(world.users.coord_a)
    confirm(client, first)
    confirm(client, second)
    confirm(client, fourth, "partly", "现场核实：已孵化网店2家。")
    # The third stays waiting for confirmation: no data.

    close(api, world, goal_cycle)
    evaluation = teacher_eval(goal_cycle, world.teacher_a)
    # (1 + 0.5 + 0.5) / 3 confirmed
    assert values_of(evaluation)["O4"] == 0.6667
    assert scores_of(evaluation)["O4"] == 66.67
    rows = {row["code"]: row for row in evaluation.breakdown["indicators"]}
    assert rows["O4"]["basis"] == {
        "goals": 4,
        "confirmed": 3,
        "met": 1,
        "partly": 2,
        "not_met": 0,
        "waiting": 1,
    }
    page = client.get(f"/evaluations/cycles/{goal_cycle.pk}/results/").content
    assert (
        "方案目标 4 项，已确认 3 项：达成 1 项、部分达成 2 项、未达成 0 项；"
        "1 项标记待确认（不计入）"
    ) in page.decode()


def test_unconfirmed_marks_do_not_count(world, goals, goal_cycle, api, client):
    client.force_login(world.users.teacher_a)
    for goal in goals:
        mark(client, goal, "met")
    close(api, world, goal_cycle)
    evaluation = teacher_eval(goal_cycle, world.teacher_a)
    # Four marks, none confirmed: no data, not 100 and not 0; left out and flagged.
    assert values_of(evaluation)["O4"] is None
    assert scores_of(evaluation)["O4"] is None
    assert "no_data:O4" in evaluation.flags
    rows = {row["code"]: row for row in evaluation.breakdown["indicators"]}
    assert rows["O4"]["basis"]["waiting"] == 4
    assert rows["O4"]["basis"]["confirmed"] == 0


def test_a_confirmed_outcome_stands_while_a_new_mark_waits(
    world, goals, goal_cycle, api, client
):
    first = goals[0]
    client.force_login(world.users.staff_a)
    mark(client, first, "not_met")
    client.force_login(world.users.coord_a)
    confirm(client, first)
    client.force_login(world.users.staff_a)
    mark(client, first, "met", "补充培训后已达成")  # waits: not met still counts
    close(api, world, goal_cycle)
    evaluation = teacher_eval(goal_cycle, world.teacher_a)
    assert values_of(evaluation)["O4"] == 0.0
