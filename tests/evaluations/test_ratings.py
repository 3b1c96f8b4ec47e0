"""Rating tasks: a rater sees their own only; a submission is checked in full and
nothing is stored when it is refused."""

import pytest

from evaluations import cycles, ratings
from evaluations.models import Evaluation, Rating, RatingScore

RATINGS = "/api/v1/ratings/"


@pytest.fixture
def opened(world, season, cycle):
    cycles.cycle_open(actor=world.users.coord_a, cycle=cycle)
    cycle.refresh_from_db()
    return cycle


def own_task(world, user, **evaluation):
    return Rating.objects.get(
        rater=user, **{f"evaluation__{k}": v for k, v in evaluation.items()}
    )


def full_sheet(evaluation, value=85):
    return {i.code: value for i in ratings.rated_indicators(evaluation)}


def nothing_stored(task):
    task.refresh_from_db()
    return task.status == "pending" and not RatingScore.objects.filter(rating=task)


def test_a_rater_lists_only_their_own_tasks(world, season, opened, api):
    for user in (world.users.staff_a, world.users.teacher_a, world.users.coord_a):
        rows = api.as_user(user).get(RATINGS + "?page_size=100").json()
        assert rows["count"] == Rating.objects.filter(rater=user).count() > 0
        assert {r["id"] for r in rows["results"]} == set(
            Rating.objects.filter(rater=user).values_list("id", flat=True)
        )
    # A coordinator does not see the tasks of the other raters of their county.
    other = Rating.objects.filter(rater=world.users.staff_a).first()
    assert (
        api.as_user(world.users.coord_a).get(f"{RATINGS}{other.pk}/").status_code == 404
    )
    assert api.as_user(world.users.admin).get(RATINGS).json()["count"] == 0


def test_the_task_list_names_what_to_rate(world, season, opened, api):
    rows = api.as_user(world.users.staff_a).get(RATINGS).json()["results"]
    row = next(r for r in rows if r["subject_type"] == "teacher")
    assert row["subject_name"] == "张老师"
    assert row["rater_role"] == "school"
    assert row["status"] == "pending"
    assert row["cycle_status"] == "open"


def test_a_full_sheet_is_stored_and_can_be_replaced_while_open(
    world, season, opened, api
):
    task = own_task(world, world.users.staff_a, teacher=world.teacher_a)
    client = api.as_user(world.users.staff_a)
    sheet = full_sheet(task.evaluation)
    response = client.post(
        RATINGS,
        {"evaluation": task.evaluation_id, "scores": sheet, "comment": "认真负责"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["scores"] == {code: 85.0 for code in sheet}
    task.refresh_from_db()
    assert task.status == "submitted" and task.comment == "认真负责"
    sheet = {code: 90.5 for code in sheet}
    response = client.post(
        RATINGS, {"evaluation": task.evaluation_id, "scores": sheet}, format="json"
    )
    assert response.status_code == 200
    assert RatingScore.objects.filter(rating=task).count() == len(sheet)
    stored = RatingScore.objects.filter(rating=task).values_list("score", flat=True)
    assert {float(v) for v in stored} == {90.5}


@pytest.mark.parametrize(
    ("change", "message_part"),
    [
        (lambda s: {**s, "NOPE": 50}, "NOPE"),  # unknown indicator
        (lambda s: {**s, "T1.1": 50}, "T1.1"),  # objective: computed, not rated
        (lambda s: {**s, "T1": 50}, "T1"),  # a parent: scored from its children
        (lambda s: {**s, "T1.2": 101}, "T1.2"),  # out of range
        (lambda s: {**s, "T1.2": -1}, "T1.2"),
        (lambda s: {**s, "T1.2": "很好"}, "T1.2"),  # not a number
        (lambda s: {k: v for k, v in s.items() if k != "T5.3"}, "T5.3"),  # missing
    ],
)
def test_a_bad_sheet_is_400_and_nothing_is_stored(
    world, season, opened, api, change, message_part
):
    task = own_task(world, world.users.staff_a, teacher=world.teacher_a)
    response = api.as_user(world.users.staff_a).post(
        RATINGS,
        {
            "evaluation": task.evaluation_id,
            "scores": change(full_sheet(task.evaluation)),
        },
        format="json",
    )
    assert response.status_code == 400
    assert any(message_part in m for m in response.json()["scores"])
    assert nothing_stored(task)


def test_an_evaluation_the_caller_cannot_see_is_404(world, season, opened, api):
    evaluation = Evaluation.objects.get(cycle=opened, teacher=world.teacher_a)
    for user in (world.users.staff_b, world.users.coord_b, world.users.teacher_b):
        response = api.as_user(user).post(
            RATINGS,
            {"evaluation": evaluation.pk, "scores": full_sheet(evaluation)},
            format="json",
        )
        assert response.status_code == 404
    response = api.as_user(world.users.staff_a).post(
        RATINGS, {"evaluation": 999999, "scores": {}}, format="json"
    )
    assert response.status_code == 404
    assert not Rating.objects.filter(status="submitted").exists()


def test_an_evaluation_the_caller_sees_but_does_not_rate_is_403(
    world, season, opened, api
):
    # School staff see their school's evaluation, which teachers and coordinators
    # rate, not the school itself.
    school = Evaluation.objects.get(cycle=opened, school=world.school_a)
    response = api.as_user(world.users.staff_a).post(
        RATINGS,
        {"evaluation": school.pk, "scores": full_sheet(school)},
        format="json",
    )
    assert response.status_code == 403
    # An admin sees everything and rates nothing.
    response = api.as_user(world.users.admin).post(
        RATINGS,
        {"evaluation": school.pk, "scores": full_sheet(school)},
        format="json",
    )
    assert response.status_code == 403
    assert not RatingScore.objects.exists()


def test_rating_outside_an_open_cycle_is_409(world, season, opened, api):
    task = own_task(world, world.users.staff_a, teacher=world.teacher_a)
    cycles.cycle_close(
        actor=world.users.coord_a, cycle=opened, force=True, reason="测试"
    )
    response = api.as_user(world.users.staff_a).post(
        RATINGS,
        {"evaluation": task.evaluation_id, "scores": full_sheet(task.evaluation)},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["status"] == "closed"
    assert nothing_stored(task)


def test_scores_are_a_mapping(world, season, opened, api):
    task = own_task(world, world.users.staff_a, teacher=world.teacher_a)
    response = api.as_user(world.users.staff_a).post(
        RATINGS, {"evaluation": task.evaluation_id, "scores": [1, 2]}, format="json"
    )
    assert response.status_code == 400
    assert nothing_stored(task)
