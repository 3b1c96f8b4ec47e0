"""Activity logs: a teacher logs on their own accepted assignment only; the school's
staff see and dispute; coordinators see their counties'; validation refuses bad
input and stores nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Activity

from .. import factories as f

URL = "/api/v1/activities/"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def work(world, today):
    """张老师's accepted assignment at school A (the need runs 60 days around
    today), a proposed one at school A2, and 李老师's accepted one in county B."""
    window = {
        "start_date": today - dt.timedelta(days=30),
        "end_date": today + dt.timedelta(days=30),
    }
    accepted = f.AssignmentFactory(
        need=f.NeedFactory(
            school=world.school_a, specialty=world.ecommerce, status="matched", **window
        ),
        teacher=world.teacher_a,
        status="accepted",
    )
    proposed = f.AssignmentFactory(
        need=f.NeedFactory(
            school=world.school_a2, specialty=world.ecommerce, status="open", **window
        ),
        teacher=world.teacher_a,
        status="proposed",
    )
    others = f.AssignmentFactory(
        need=f.NeedFactory(
            school=world.school_b,
            specialty=world.accounting,
            status="matched",
            **window,
        ),
        teacher=world.teacher_b,
        status="accepted",
    )
    return accepted, proposed, others


def entry(assignment, day, **extra):
    data = {
        "assignment": assignment.pk,
        "date": day.isoformat(),
        "kind": "training",
        "hours": 2.5,
        "local_teachers_reached": 6,
        "students_reached": 0,
        "note": "直播电商实训",
    }
    data.update(extra)
    return data


def test_teacher_logs_an_activity_on_their_accepted_assignment(world, work, api, today):
    accepted, _, _ = work
    response = api.as_user(world.users.teacher_a).post(
        URL, entry(accepted, today), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        "assignment",
        "date",
        "kind",
        "hours",
        "local_teachers_reached",
        "students_reached",
        "note",
    } <= set(body)
    assert body["hours"] == 2.5
    assert body["school"] == world.school_a.pk
    activity = Activity.objects.get()
    assert activity.assignment == accepted and activity.local_teachers_reached == 6


def test_teacher_cannot_log_on_a_proposed_assignment(world, work, api, today):
    _, proposed, _ = work
    response = api.as_user(world.users.teacher_a).post(
        URL, entry(proposed, today), format="json"
    )
    assert response.status_code == 400
    assert "assignment" in response.json()
    assert not Activity.objects.exists()


def test_teacher_cannot_log_on_someone_elses_assignment(world, work, api, today):
    _, _, others = work
    response = api.as_user(world.users.teacher_a).post(
        URL, entry(others, today), format="json"
    )
    assert response.status_code == 400  # not among their assignments
    assert not Activity.objects.exists()


@pytest.mark.parametrize("persona", ["coord_a", "staff_a", "admin"])
def test_only_teachers_log_activities(world, work, api, today, persona):
    accepted, _, _ = work
    response = api.as_user(getattr(world.users, persona)).post(
        URL, entry(accepted, today), format="json"
    )
    assert response.status_code == 403
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hours": 0}, "hours"),
        ({"hours": -1}, "hours"),
        ({"hours": 24.5}, "hours"),
        ({"local_teachers_reached": -1}, "local_teachers_reached"),
        ({"students_reached": -3}, "students_reached"),
        ({"kind": "party"}, "kind"),
        ({"date": "days_ahead:1"}, "date"),  # in the future
        ({"date": "days_ago:31"}, "date"),  # before the need starts
    ],
)
def test_bad_input_is_400_and_nothing_is_stored(world, work, api, today, change, field):
    accepted, _, _ = work
    data = entry(accepted, today)
    for key, value in change.items():
        if isinstance(value, str) and value.startswith("days_ahead:"):
            value = (today + dt.timedelta(days=int(value.split(":")[1]))).isoformat()
        elif isinstance(value, str) and value.startswith("days_ago:"):
            value = (today - dt.timedelta(days=int(value.split(":")[1]))).isoformat()
        data[key] = value
    response = api.as_user(world.users.teacher_a).post(URL, data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Activity.objects.exists()


def test_hours_at_the_bounds_are_accepted(world, work, api, today):
    accepted, _, _ = work
    client = api.as_user(world.users.teacher_a)
    for hours in (0.5, 24):
        response = client.post(URL, entry(accepted, today, hours=hours), format="json")
        assert response.status_code == 201
    start = accepted.need.start_date
    response = client.post(URL, entry(accepted, start), format="json")
    assert response.status_code == 201


def test_visibility_matrix(world, work, api):
    accepted, _, others = work
    mine = f.ActivityFactory(assignment=accepted)
    theirs = f.ActivityFactory(assignment=others)
    expected = {
        "teacher_a": {mine.pk},
        "teacher_b": {theirs.pk},
        "staff_a": {mine.pk},
        "staff_b": {theirs.pk},
        "coord_a": {mine.pk},
        "coord_b": {theirs.pk},
        "coord_ab": {mine.pk, theirs.pk},
        "admin": {mine.pk, theirs.pk},
        "outsider": set(),
    }
    for persona, ids in expected.items():
        client = api.as_user(getattr(world.users, persona))
        seen = {row["id"] for row in client.get(URL).json()["results"]}
        assert seen == ids, persona
        for activity in (mine, theirs):
            status = client.get(f"{URL}{activity.pk}/").status_code
            assert status == (200 if activity.pk in ids else 404), persona


def test_school_staff_dispute_an_activity_with_a_reason(world, work, api):
    accepted, _, _ = work
    activity = f.ActivityFactory(assignment=accepted)
    client = api.as_user(world.users.staff_a)
    path = f"{URL}{activity.pk}/dispute/"
    response = client.post(path, {"reason": ""}, format="json")
    assert response.status_code == 400
    activity.refresh_from_db()
    assert not activity.disputed
    response = client.post(path, {"reason": "当天学校放假"}, format="json")
    assert response.status_code == 200
    assert response.json()["disputed"] is True
    activity.refresh_from_db()
    assert activity.disputed and activity.dispute_reason == "当天学校放假"
    assert world.users.teacher_a.notifications.exists()
    response = client.post(path, {"reason": "再次"}, format="json")
    assert response.status_code == 409
    activity.refresh_from_db()
    assert activity.dispute_reason == "当天学校放假"


def test_only_the_schools_staff_dispute(world, work, api):
    accepted, _, _ = work
    activity = f.ActivityFactory(assignment=accepted)
    path = f"{URL}{activity.pk}/dispute/"
    for persona in ("teacher_a", "coord_a"):
        client = api.as_user(getattr(world.users, persona))
        assert client.post(path, {"reason": "x"}, format="json").status_code == 403
    for persona in ("staff_b", "coord_b", "teacher_b"):
        client = api.as_user(getattr(world.users, persona))
        assert client.post(path, {"reason": "x"}, format="json").status_code == 404
    activity.refresh_from_db()
    assert not activity.disputed


def test_a_coordinator_dismisses_a_dispute(world, work, api):
    accepted, _, _ = work
    activity = f.ActivityFactory(assignment=accepted, disputed=True, dispute_reason="x")
    path = f"{URL}{activity.pk}/dismiss-dispute/"
    assert api.as_user(world.users.staff_a).post(path).status_code == 403
    response = api.as_user(world.users.coord_a).post(path)
    assert response.status_code == 200
    assert response.json()["disputed"] is False
    assert api.as_user(world.users.coord_a).post(path).status_code == 409


def test_the_list_keeps_a_flat_query_count(world, work, api):
    accepted, _, _ = work
    client = api.as_user(world.users.coord_a)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    f.ActivityFactory(assignment=accepted)
    queries()  # the scope's county ids are cached on the user after one request
    small = queries()
    for _ in range(8):
        f.ActivityFactory(
            assignment=f.AssignmentFactory(
                need=f.NeedFactory(school=world.school_a2, specialty=world.ecommerce),
                teacher=f.TeacherFactory(county=world.county_a),
                status="accepted",
            )
        )
    assert queries() == small


# --- the phone-sized pages -----------------------------------------------------------


def test_teacher_logs_from_the_page(world, work, client, today):
    accepted, proposed, _ = work
    client.force_login(world.users.teacher_a)
    page = client.get("/activities/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{accepted.pk}"' in html
    assert f'value="{proposed.pk}"' not in html  # only accepted assignments
    response = client.post(
        "/activities/new/",
        {
            "assignment": accepted.pk,
            "date": (today + dt.timedelta(days=2)).isoformat(),
            "kind": "lesson",
            "hours": "2",
            "local_teachers_reached": "0",
            "students_reached": "35",
        },
    )
    assert response.status_code == 200  # the form again
    assert "field-error" in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post(
        "/activities/new/",
        {
            "assignment": accepted.pk,
            "date": today.isoformat(),
            "kind": "lesson",
            "hours": "2",
            "local_teachers_reached": "0",
            "students_reached": "35",
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get().students_reached == 35
    listing = client.get("/activities/").content.decode()
    assert "35" in listing


def test_staff_dispute_from_the_page(world, work, client):
    accepted, _, _ = work
    activity = f.ActivityFactory(assignment=accepted)
    client.force_login(world.users.staff_a)
    listing = client.get("/activities/").content.decode()
    assert f"/activities/{activity.pk}/dispute/" in listing
    response = client.post(
        f"/activities/{activity.pk}/dispute/", {"reason": "没有来上课"}
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.disputed


def test_coordinators_cannot_open_the_log_form(world, work, client):
    client.force_login(world.users.coord_a)
    assert client.get("/activities/new/").status_code == 403
    assert client.get("/activities/").status_code == 200
