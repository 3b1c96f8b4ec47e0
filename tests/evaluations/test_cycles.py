"""Cycles through the API: create, open (evaluations and rating tasks), close
(scores against hand-worked numbers), results, scope."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.models import Notification
from evaluations import cycles, ratings
from evaluations.models import Evaluation, EvaluationCycle, Rating

from .. import factories as f
from .conftest import END, START, framework, serve

OBJECTIVE_PEOPLE = [
    ("O1", 20, "hours_taught", None),
    ("O2", 20, "local_teachers_trained", None),
    ("O3", 20, "needs_fulfilled", None),
    ("O4", 20, "goals_met", None),
    ("O5", 20, "activity_regularity", None),
]


def url(cycle, action=""):
    base = f"/api/v1/evaluation-cycles/{cycle.pk}/"
    return base + (f"{action}/" if action else "")


def scores_of(evaluation):
    return {row["code"]: row["score"] for row in evaluation.breakdown["indicators"]}


def values_of(evaluation):
    return {row["code"]: row["value"] for row in evaluation.breakdown["indicators"]}


def teacher_eval(cycle, teacher):
    return Evaluation.objects.get(cycle=cycle, teacher=teacher)


# --- creating --------------------------------------------------------------------


def test_coordinator_creates_a_draft_cycle_with_the_default_frameworks(world, api):
    response = api.as_user(world.users.coord_a).post(
        "/api/v1/evaluation-cycles/",
        {
            "name": "2026年度考核",
            "county": world.county_a.pk,
            "start_date": "2026-03-01",
            "end_date": "2026-08-31",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert {"id", "name", "county", "start_date", "end_date", "status"} <= set(body)
    cycle = EvaluationCycle.objects.get(pk=body["id"])
    assert cycle.framework.is_default and cycle.framework.subject_type == "teacher"
    assert cycle.team_framework.subject_type == "team"
    assert cycle.school_framework.subject_type == "school"


def test_cycle_in_a_county_the_coordinator_does_not_manage_is_refused(world, api):
    data = {
        "name": "x",
        "county": world.county_a.pk,
        "start_date": "2026-03-01",
        "end_date": "2026-08-31",
    }
    response = api.as_user(world.users.coord_b).post(
        "/api/v1/evaluation-cycles/", data, format="json"
    )
    assert response.status_code == 400  # county A is not among their choices
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/evaluation-cycles/", data, format="json"
    )
    assert response.status_code == 403
    assert not EvaluationCycle.objects.exists()


def test_cycle_ending_before_it_starts_is_refused(world, api):
    response = api.as_user(world.users.coord_a).post(
        "/api/v1/evaluation-cycles/",
        {
            "name": "x",
            "county": world.county_a.pk,
            "start_date": "2026-08-01",
            "end_date": "2026-03-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "end_date" in response.json()


def test_a_framework_for_another_kind_of_subject_is_refused(world, api):
    team_default = f.ev.Framework.objects.get(subject_type="team", is_default=True)
    response = api.as_user(world.users.coord_a).post(
        "/api/v1/evaluation-cycles/",
        {
            "name": "x",
            "county": world.county_a.pk,
            "start_date": "2026-03-01",
            "end_date": "2026-08-31",
            "framework": team_default.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "framework" in response.json()


# --- opening ---------------------------------------------------------------------


def test_opening_evaluates_only_those_who_served_in_the_period(
    world, season, cycle, api
):
    idle_school = f.SchoolFactory(name="白河县第三职业中学", county=world.county_a)
    response = api.as_user(world.users.coord_a).post(url(cycle, "open"))
    assert response.status_code == 200, response.json()
    assert response.json()["cycle"]["status"] == "open"
    subjects = {
        (e.subject_type, e.subject_id) for e in Evaluation.objects.filter(cycle=cycle)
    }
    assert subjects == {
        ("teacher", world.teacher_a.pk),  # served N1 and N2
        ("team", season.team.pk),  # 张老师 is a member
        ("school", world.school_a.pk),  # N1 fulfilled, N3 matched
        ("school", world.school_a2.pk),  # N2 matched
    }
    assert response.json()["stats"] == {
        "teachers": 1,
        "teams": 1,
        "schools": 2,
        "rating_tasks": Rating.objects.count(),
    }
    body = api.as_user(world.users.coord_a).get(url(cycle)).json()
    assert {(row["subject_type"], row["name"]) for row in body["not_evaluated"]} == {
        ("teacher", "王老师"),  # in the team, but served no need
        ("school", idle_school.name),
    }
    assert {row["reason"] for row in body["not_evaluated"]} == {"本期未参与帮扶服务"}
    # Others who see the cycle do not get the county's lists.
    staff_view = api.as_user(world.users.staff_a).get(url(cycle)).json()
    assert staff_view["not_evaluated"] is None


def test_a_teacher_whose_window_starts_after_the_cycle_is_not_evaluated(
    world, season, cycle, api
):
    later = f.TeacherFactory(
        name="晚到老师", home_school=world.home, county=world.county_a
    )
    need = f.NeedFactory(
        school=world.school_a,
        specialty=world.ecommerce,
        start_date=END + dt.timedelta(days=60),
        end_date=END + dt.timedelta(days=180),
        status="matched",
    )
    f.AssignmentFactory(need=need, teacher=later, status="accepted")
    season.team.members.add(later)
    close(api, world, cycle, force=True)
    assert not Evaluation.objects.filter(cycle=cycle, teacher=later).exists()
    assert not Evaluation.objects.filter(cycle=cycle, teacher=season.mate).exists()
    page = api.as_user(world.users.coord_a).get(url(cycle)).json()
    left_out = {row["name"] for row in page["not_evaluated"]}
    assert {"晚到老师", "王老师"} <= left_out


def test_opening_gives_each_rater_their_tasks(world, season, cycle, api):
    api.as_user(world.users.coord_a).post(url(cycle, "open"))
    u = world.users

    def raters(evaluation):
        return {
            (r.rater.username, r.rater_role)
            for r in Rating.objects.filter(evaluation=evaluation)
        }

    coordinators = {("coord_a", "coordinator"), ("coord_ab", "coordinator")}
    assert raters(teacher_eval(cycle, world.teacher_a)) == coordinators | {
        ("staff_a", "school"),  # school A was served; school A2 has no staff
        ("teacher_a", "self"),  # the mate has no account: no peer rating
    }
    assert not Evaluation.objects.filter(cycle=cycle, teacher=season.mate).exists()
    # Teams and schools are rated by the county's coordinators.
    team = Evaluation.objects.get(cycle=cycle, team=season.team)
    assert raters(team) == coordinators
    school = Evaluation.objects.get(cycle=cycle, school=world.school_a)
    assert raters(school) == coordinators
    assert not Rating.objects.filter(rater__in=[u.coord_b, u.staff_b, u.teacher_b])
    assert Notification.objects.filter(user=u.teacher_a).exists()


def test_opening_twice_is_409_and_changes_nothing(world, season, cycle, api):
    client = api.as_user(world.users.coord_a)
    assert client.post(url(cycle, "open")).status_code == 200
    evaluations, ratings = Evaluation.objects.count(), Rating.objects.count()
    response = client.post(url(cycle, "open"))
    assert response.status_code == 409
    assert response.json()["status"] == "open"
    assert (Evaluation.objects.count(), Rating.objects.count()) == (
        evaluations,
        ratings,
    )


def test_only_a_coordinator_of_the_county_opens_and_closes(world, season, cycle, api):
    # School staff and the teacher see the cycle of their county but may not run it.
    for user in (world.users.staff_a, world.users.teacher_a):
        assert api.as_user(user).post(url(cycle, "open")).status_code == 403
    assert api.as_user(world.users.coord_b).post(url(cycle, "open")).status_code == 404
    assert not Evaluation.objects.exists()
    cycle.refresh_from_db()
    assert cycle.status == "draft"


def test_closing_needs_an_open_cycle(world, season, cycle, api):
    client = api.as_user(world.users.coord_a)
    assert client.post(url(cycle, "close")).status_code == 409
    client.post(url(cycle, "open"))
    assert client.post(url(cycle, "close"), FORCED, format="json").status_code == 200
    response = client.post(url(cycle, "close"), FORCED, format="json")
    assert response.status_code == 409
    assert response.json()["status"] == "closed"


def test_a_draft_cycle_can_be_changed_and_an_open_one_cannot(world, season, cycle, api):
    client = api.as_user(world.users.coord_a)
    response = client.patch(url(cycle), {"name": "改名"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "改名"
    client.post(url(cycle, "open"))
    assert client.patch(url(cycle), {"name": "再改"}, format="json").status_code == 409
    cycle.refresh_from_db()
    assert cycle.name == "改名"


# --- closing: every computed indicator against hand-worked numbers -----------------


@pytest.fixture
def objective_cycle(world, season):
    admin = world.users.admin
    return cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="客观指标",
        start_date=START,
        end_date=END,
        framework=framework(admin, "teacher", OBJECTIVE_PEOPLE, {"coordinator": 100}),
        team_framework=framework(admin, "team", OBJECTIVE_PEOPLE, {"coordinator": 100}),
    )


FORCED = {"force": True, "reason": "测试：评分未完成也结束"}


def close(api, world, cycle, force=True):
    """Open if need be and close; forced by default (these tests are about the
    scores, not about the completion of the ratings)."""
    client = api.as_user(world.users.coord_a)
    cycle.refresh_from_db()
    if cycle.status == "draft":
        assert client.post(url(cycle, "open")).status_code == 200
    body = FORCED if force else {}
    response = client.post(url(cycle, "close"), body, format="json")
    assert response.status_code == 200, response.json()
    return response


def test_teacher_indicators_are_computed_from_the_data(
    world, season, objective_cycle, api
):
    close(api, world, objective_cycle)
    evaluation = teacher_eval(objective_cycle, world.teacher_a)
    assert values_of(evaluation) == {
        "O1": 15.0,  # 4 + 2 + 6 + 3 hours (disputed and out-of-period left out)
        "O2": 17.0,  # 5 + 0 + 10 + 2 local teachers
        "O3": 1.0,  # N1, N3 done; N2 still running: neither done nor failed
        "O4": 0.6667,  # 2 of the 3 confirmed goals met (one is not marked yet)
        "O5": 0.375,  # weeks 0, 2, 5 of 8
    }
    assert scores_of(evaluation) == {
        "O1": 12.5,  # 15 / 120
        "O2": 56.67,  # 17 / 30
        "O3": 100.0,
        "O4": 66.67,
        "O5": 46.88,  # 0.375 / 0.8
    }
    # (12.5 + 56.667 + 100 + 66.667 + 46.875) / 5 = 56.542
    assert str(evaluation.score) == "56.54"
    assert evaluation.grade == "不合格"
    assert evaluation.status == "scored"
    assert "no_data:O3" not in evaluation.flags


def test_a_running_need_is_not_a_failure_until_its_window_ends(
    world, season, objective_cycle, api
):
    # Only N2 (04-01..06-30, still running at the cycle's end) for the mate.
    serve(world, season.mate, start=START, end=END + dt.timedelta(days=30))
    close(api, world, objective_cycle)
    evaluation = teacher_eval(objective_cycle, season.mate)
    assert values_of(evaluation)["O3"] is None
    assert scores_of(evaluation)["O3"] is None
    assert "no_data:O3" in evaluation.flags
    # Once its window has ended within the period and it is not done: a failure.
    other = cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="更长的考核",
        start_date=START,
        end_date=END + dt.timedelta(days=60),
        framework=objective_cycle.framework,
        team_framework=objective_cycle.team_framework,
    )
    close(api, world, other)
    assert values_of(teacher_eval(other, season.mate))["O3"] == 0.0


def test_team_score_blends_its_own_indicators_and_its_members(
    world, season, objective_cycle, api
):
    close(api, world, objective_cycle)
    team = Evaluation.objects.get(cycle=objective_cycle, team=season.team)
    assert values_of(team) == {
        "O1": 7.5,  # 15 hours / 2 members
        "O2": 8.5,  # 17 / 2
        "O3": 1.0,
        "O4": 0.6667,
        "O5": 0.375,  # the mate has no weeks of service: mean over 张老师 alone
    }
    roll_up = team.breakdown["roll_up"]
    # own: (6.25 + 28.333 + 100 + 66.667 + 46.875) / 5 = 49.625
    assert roll_up["own"] == 49.63
    # members evaluated: 张老师 alone (王老师 did not serve): 56.542
    assert roll_up["members_mean"] == 56.54
    assert roll_up["members"] == 1
    assert roll_up["member_share"] == 50
    # 0.5 * 49.625 + 0.5 * 56.542 = 53.083
    assert str(team.score) == "53.08"


def test_school_engagement_is_computed_from_its_needs_and_ratings(world, season, api):
    admin = world.users.admin
    school_framework = framework(
        admin,
        "school",
        [
            ("S1", 10, "hours_taught", None),
            ("S2", 10, "local_teachers_trained", None),
            ("S3", 10, "needs_fulfilled", None),
            ("S4", 10, "goals_met", None),
            ("S5", 20, "confirmation_speed", None),
            ("S6", 20, "rating_participation", None),
            ("S7", 20, "need_quality", None),
        ],
        {"coordinator": 100},
    )
    cycle = cycles.cycle_create(
        actor=world.users.coord_a,
        county=world.county_a,
        name="学校",
        start_date=START,
        end_date=END,
        school_framework=school_framework,
    )
    api.as_user(world.users.coord_a).post(url(cycle, "open"))
    # staff_a rates 张老师, their one task.
    task = Rating.objects.get(
        rater=world.users.staff_a, evaluation__teacher=world.teacher_a
    )
    codes = [i.code for i in ratings.rated_indicators(task.evaluation)]
    response = api.as_user(world.users.staff_a).post(
        "/api/v1/ratings/",
        {"evaluation": task.evaluation_id, "scores": dict.fromkeys(codes, 90)},
        format="json",
    )
    assert response.status_code == 201
    close(api, world, cycle)
    school = Evaluation.objects.get(cycle=cycle, school=world.school_a)
    assert values_of(school) == {
        "S1": 12.0,  # 4 + 2 + 6 hours at school A
        "S2": 15.0,  # 5 + 0 + 10
        "S3": 0.5,  # N1 fulfilled, N3 not
        "S4": 0.5,  # N1's goals
        "S5": 18.0,  # N1 10 days late, N3 26 days unconfirmed
        "S6": 1.0,  # 1 of 1 task
        "S7": 0.3333,  # N3 clean, N4 returned, N5 rejected
    }
    assert scores_of(school) == {
        "S1": 10.0,
        "S2": 50.0,
        "S3": 50.0,
        "S4": 50.0,
        "S5": 40.0,
        "S6": 100.0,
        "S7": 33.33,
    }
    # 0.1*(10+50+50+50) + 0.2*(40+100+33.333) = 16 + 34.667
    assert str(school.score) == "50.67"


# --- raters, ranks, grades ---------------------------------------------------------


def submit(api, user, evaluation, value):
    codes = [i.code for i in ratings.rated_indicators(evaluation)]
    response = api.as_user(user).post(
        "/api/v1/ratings/",
        {"evaluation": evaluation.pk, "scores": dict.fromkeys(codes, value)},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_missing_raters_weight_is_spread_and_the_result_flagged(
    world, season, cycle, api
):
    api.as_user(world.users.coord_a).post(url(cycle, "open"))
    evaluation = teacher_eval(cycle, world.teacher_a)
    # staff_a (school) does not rate; 张老师 has no peer who could (王老师 did
    # not serve): the school's weight is missing, the peers' simply spread.
    submit(api, world.users.coord_a, evaluation, 70)
    submit(api, world.users.teacher_a, evaluation, 100)
    close(api, world, cycle)
    evaluation.refresh_from_db()
    assert "missing_rater:school" in evaluation.flags
    assert "missing_rater:peer" not in evaluation.flags
    raters = evaluation.breakdown["raters"]
    assert {role: r["effective_weight"] for role, r in raters.items()} == {
        "school": 0.0,
        "coordinator": 75.0,
        "peer": 0.0,
        "self": 25.0,
    }
    # Only coord_a of the two coordinators rated: the role's score is theirs.
    assert raters["coordinator"]["submitted"] == 1
    scores = scores_of(evaluation)
    # (30*70 + 10*100) / 40 on every rated indicator
    assert scores["T1.2"] == 77.5
    assert scores["T5"] == 77.5
    # T1 = 0.4*12.5 (hours) + 0.4*77.5 + 0.2*46.875 (regularity) = 45.375
    assert scores["T1"] == 45.38


def test_ranks_are_per_subject_type_within_the_cycle(world, season, cycle, api):
    close(api, world, cycle)
    ranks = {
        (e.subject_type, e.subject_id): e.rank
        for e in Evaluation.objects.filter(cycle=cycle)
    }
    assert ranks[("teacher", world.teacher_a.pk)] == 1
    assert ranks[("team", season.team.pk)] == 1
    assert ranks[("school", world.school_a.pk)] == 1
    # School A2 posted no need in the period, has no staff to rate and was not
    # rated: nothing to score, so no grade and no rank.
    a2 = Evaluation.objects.get(cycle=cycle, school=world.school_a2)
    assert (a2.status, a2.score, a2.grade, a2.rank) == ("no_data", None, "", None)


def test_grade_thresholds_come_from_settings(
    world, season, objective_cycle, api, settings
):
    settings.EVALUATION_GRADES = [("A", 40), ("B", 0)]
    close(api, world, objective_cycle)
    assert teacher_eval(objective_cycle, world.teacher_a).grade == "A"  # 56.54


# --- results and scope -------------------------------------------------------------


def test_results_list_every_subject_for_the_coordinator(world, season, cycle, api):
    client = api.as_user(world.users.coord_a)
    client.post(url(cycle, "open"))
    assert client.get(url(cycle, "results")).status_code == 409
    close(api, world, cycle)
    response = client.get(url(cycle, "results"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 4
    assert {"subject_type", "subject_id", "name", "score", "grade", "rank"} <= set(
        rows[0]
    )
    names = {row["name"] for row in rows}
    assert {"张老师", "溧阳帮扶团队", "白河县职业教育中心"} <= names
    teachers = client.get(url(cycle, "results") + "?subject_type=teacher").json()
    assert [r["rank"] for r in teachers["results"]] == [1]


def test_a_teacher_sees_only_their_own_result(world, season, cycle, api):
    close(api, world, cycle)
    rows = api.as_user(world.users.teacher_a).get(url(cycle, "results")).json()
    assert [(r["subject_type"], r["subject_id"]) for r in rows["results"]] == [
        ("teacher", world.teacher_a.pk)
    ]
    evaluations = api.as_user(world.users.teacher_a).get("/api/v1/evaluations/").json()
    assert [e["subject_id"] for e in evaluations["results"]] == [world.teacher_a.pk]


def test_a_coordinator_of_another_county_sees_nothing_of_the_cycle(
    world, season, cycle, api
):
    close(api, world, cycle)
    for user in (
        world.users.coord_b,
        world.users.staff_b,
        world.users.teacher_b,
        world.users.outsider,
    ):
        client = api.as_user(user)
        assert client.get("/api/v1/evaluation-cycles/").json()["count"] == 0
        assert client.get(url(cycle)).status_code == 404
        assert client.get(url(cycle, "results")).status_code == 404
        assert client.get(url(cycle, "results/export")).status_code == 404
        assert client.post(url(cycle, "close")).status_code == 404
        assert client.get("/api/v1/evaluations/").json()["count"] == 0
        assert client.get("/api/v1/ratings/").json()["count"] == 0
        evaluation = teacher_eval(cycle, world.teacher_a)
        assert client.get(f"/api/v1/evaluations/{evaluation.pk}/").status_code == 404


def test_results_export_to_xlsx_with_chinese_headers(world, season, cycle, api):
    close(api, world, cycle)
    response = api.as_user(world.users.coord_a).get(url(cycle, "results/export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("排名", "评价对象", "名称", "得分", "等级")
    assert "T1 教学工作" in rows[0]
    assert len(rows) == 1 + 4
    assert any(row[2] == "张老师" for row in rows[1:])


def test_evaluation_detail_carries_the_breakdown(world, season, cycle, api):
    close(api, world, cycle)
    evaluation = teacher_eval(cycle, world.teacher_a)
    body = (
        api.as_user(world.users.coord_a)
        .get(f"/api/v1/evaluations/{evaluation.pk}/")
        .json()
    )
    assert {
        "id",
        "cycle",
        "subject_type",
        "subject_id",
        "status",
        "score",
        "grade",
    } <= (set(body))
    assert body["subject_type"] == "teacher"
    assert {row["code"] for row in body["breakdown"]["indicators"]} >= {"T1", "T1.1"}


# --- query counts ------------------------------------------------------------------


def count_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_endpoints_keep_a_flat_query_count(world, season, api):
    coord = world.users.coord_a

    def grow():
        teacher = f.TeacherFactory(county=world.county_a, home_school=world.home)
        team = f.TeamFactory(county=world.county_a, start_date=START, end_date=END)
        team.members.set([teacher])
        return cycles.cycle_create(
            actor=coord,
            county=world.county_a,
            name=f"c{teacher.pk}",
            start_date=START,
            end_date=END,
        )

    def measure():
        client = api.as_user(coord)
        last = EvaluationCycle.objects.order_by("-id").first()
        return [
            count_queries(client, "/api/v1/evaluation-cycles/"),
            count_queries(client, "/api/v1/evaluations/"),
            count_queries(client, "/api/v1/ratings/"),
            count_queries(client, url(last, "results")),
        ]

    for _ in range(2):
        cycle = grow()
        cycles.cycle_open(actor=coord, cycle=cycle)
    cycles.cycle_close(actor=coord, cycle=cycle, force=True, reason="测试")
    small = measure()
    for _ in range(4):
        cycle = grow()
        cycles.cycle_open(actor=coord, cycle=cycle)
    cycles.cycle_close(actor=coord, cycle=cycle, force=True, reason="测试")
    assert Evaluation.objects.count() > 12
    assert measure() == small


# --- background runs -----------------------------------------------------------------


def test_a_big_county_opens_and_closes_in_a_background_task(
    world, season, cycle, api, django_capture_on_commit_callbacks
):
    from evaluations.tasks import cycle_close, cycle_open

    client = api.as_user(world.users.coord_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url(cycle, "open"), {"background": True}, format="json")
    assert response.status_code == 202
    assert response.json()["queued"] is True
    assert len(callbacks) == 1
    cycle.refresh_from_db()
    assert cycle.status == "draft"  # nothing happens before the commit
    callbacks[0]()  # the task (in process: no broker in tests)
    cycle.refresh_from_db()
    assert cycle.status == "open"
    count = Evaluation.objects.filter(cycle=cycle).count()
    assert count == 4
    # A second delivery of the same task does nothing.
    assert cycle_open(cycle.pk, world.users.coord_a.pk) is None
    assert Evaluation.objects.filter(cycle=cycle).count() == count
    # Queueing what the state does not allow is refused at once.
    response = client.post(url(cycle, "open"), {"background": True}, format="json")
    assert response.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(cycle, "close"), {"background": True, **FORCED}, format="json"
        )
    assert response.status_code == 202
    cycle.refresh_from_db()
    assert cycle.status == "closed"
    assert cycle_close(cycle.pk, world.users.coord_a.pk) is None


def test_background_runs_are_for_coordinators_of_the_county(world, season, cycle, api):
    response = api.as_user(world.users.staff_a).post(
        url(cycle, "open"), {"background": True}, format="json"
    )
    assert response.status_code == 403
    cycle.refresh_from_db()
    assert cycle.status == "draft"


def test_equal_scores_share_a_rank(world, season, cycle, api):
    # 王老师 and a twin each serve a need at school A2 and log nothing: equal.
    twin = f.TeacherFactory(
        name="赵老师", home_school=world.home, county=world.county_a
    )
    for teacher in (season.mate, twin):
        serve(world, teacher)
    close(api, world, cycle)
    ranks = {
        e.teacher_id: (e.rank, str(e.score))
        for e in Evaluation.objects.filter(cycle=cycle, subject_type="teacher")
    }
    assert ranks[world.teacher_a.pk][0] == 1
    assert ranks[season.mate.pk] == ranks[twin.pk]
    assert ranks[twin.pk][0] == 2


# --- a result explains itself ------------------------------------------------------


def test_a_result_explains_its_data_median_gaps_and_what_lowered_it(
    world, season, objective_cycle, api, client
):
    serve(world, season.mate, start=START, end=END + dt.timedelta(days=30))
    close(api, world, objective_cycle)
    mine = teacher_eval(objective_cycle, world.teacher_a)
    rows = {row["code"]: row for row in mine.breakdown["indicators"]}
    assert rows["O1"]["basis"] == {"activities": 4, "hours": 15.0}
    # N1 and N3 done (张老师 completed both), N2 still running.
    assert rows["O3"]["basis"] == {"done": 2, "due": 2, "running": 1}
    assert rows["O4"]["basis"] == {
        "goals": 4,
        "confirmed": 3,
        "met": 2,
        "partly": 0,
        "not_met": 1,
        "waiting": 0,
    }
    assert rows["O5"]["basis"] == {"active_weeks": 3, "weeks": 8}
    # Two teachers: 12.5 hours-score for 张老师, 0 for 王老师.
    assert rows["O1"]["median"] == 6.25
    # Each leaf weighs 20 %: hours cost 0.2 * (100 - 12.5) = 17.5 points.
    assert mine.breakdown["lowered_by"][0] == {
        "code": "O1",
        "name": "O1",
        "points": 17.5,
    }
    assert mine.breakdown["no_data"] == []
    mate = teacher_eval(objective_cycle, season.mate)
    assert mate.breakdown["no_data"] == ["O3", "O4"]
    # The coordinator sees the median; the teacher evaluated does not, since it
    # is made of one other teacher's score.
    body = api.as_user(world.users.coord_a).get(f"/api/v1/evaluations/{mine.pk}/")
    assert body.json()["breakdown"]["indicators"][0]["median"] == 6.25
    body = api.as_user(world.users.teacher_a).get(f"/api/v1/evaluations/{mine.pk}/")
    assert body.json()["breakdown"]["indicators"][0]["median"] is None
    client.force_login(world.users.teacher_a)
    html = client.get(f"/evaluations/cycles/{objective_cycle.pk}/results/")
    html = html.content.decode()
    assert 'data-testid="lowered-by"' in html
    assert "4 次活动共 15.0 课时" in html
    client.force_login(world.users.coord_a)
    html = client.get(f"/evaluations/cycles/{objective_cycle.pk}/results/")
    assert "无数据" in html.content.decode()
