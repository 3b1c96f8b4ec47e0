"""Evidence on activities: photos and PDFs checked as on a need's thread, the names
of the local teachers reached (distinct people per assignment), and a plausibility
limit on the count that needs a note and is flagged to the coordinator."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from activities.models import Activity, ActivityAttachment

from .. import factories as f
from .test_activities import entry

URL = "/api/v1/activities/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def work(world, today):
    """张老师 accepted at school A, proposed at A2; 李老师 accepted in county B."""
    window = {
        "start_date": today - dt.timedelta(days=30),
        "end_date": today + dt.timedelta(days=30),
    }

    def assignment(school, specialty, teacher, status, need_status):
        need = f.NeedFactory(
            school=school, specialty=specialty, status=need_status, **window
        )
        return f.AssignmentFactory(need=need, teacher=teacher, status=status)

    return (
        assignment(
            world.school_a, world.ecommerce, world.teacher_a, "accepted", "matched"
        ),
        assignment(
            world.school_a2, world.ecommerce, world.teacher_a, "proposed", "open"
        ),
        assignment(
            world.school_b, world.accounting, world.teacher_b, "accepted", "matched"
        ),
    )


def photo(name="session.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (10, 120, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def test_a_teacher_attaches_a_photo_and_names_the_teachers_reached(
    world, work, api, today
):
    accepted, _, _ = work
    client = api.as_user(world.users.teacher_a)
    data = entry(accepted, today, local_teachers_reached=0)
    data["reached_names"] = ["王芳", " 刘强 ", "王芳", ""]
    data["attachments"] = [photo()]
    response = client.post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reached_names"] == ["王芳", "刘强"]
    assert body["local_teachers_reached"] == 2  # counted from the names
    assert body["reach_flagged"] is False
    [file] = body["attachments"]
    assert file["content_type"] == "image/jpeg"
    served = client.get(file["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    for persona in ("staff_b", "coord_b", "teacher_b"):
        other = api.as_user(getattr(world.users, persona))
        assert other.get(file["url"]).status_code == 404, persona
    assert api.as_user(world.users.staff_a).get(file["url"]).status_code == 200


def test_an_html_file_posing_as_a_photo_refuses_the_activity(world, work, api, today):
    accepted, _, _ = work
    data = entry(accepted, today)
    data["attachments"] = [
        SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script>", "image/jpeg")
    ]
    response = api.as_user(world.users.teacher_a).post(URL, data, format="multipart")
    assert response.status_code == 400
    assert "attachments" in response.json()
    assert not Activity.objects.exists()
    assert not ActivityAttachment.objects.exists()


def test_fewer_teachers_counted_than_named_is_refused(world, work, api, today):
    accepted, _, _ = work
    data = entry(accepted, today, local_teachers_reached=1, reached_names=["甲", "乙"])
    response = api.as_user(world.users.teacher_a).post(URL, data, format="json")
    assert response.status_code == 400
    assert "local_teachers_reached" in response.json()
    assert not Activity.objects.exists()


def test_a_count_above_the_plausible_reach_needs_a_note_and_is_flagged(
    world, work, api, today, settings
):
    settings.ACTIVITY_PLAUSIBLE_REACH = 60
    accepted, _, _ = work
    client = api.as_user(world.users.teacher_a)
    refused = client.post(
        URL, entry(accepted, today, local_teachers_reached=61, note=""), format="json"
    )
    assert refused.status_code == 400
    assert "note" in refused.json()
    assert not Activity.objects.exists()
    at_limit = client.post(
        URL, entry(accepted, today, local_teachers_reached=60, note=""), format="json"
    )
    assert at_limit.status_code == 201 and at_limit.json()["reach_flagged"] is False
    explained = client.post(
        URL,
        entry(accepted, today, local_teachers_reached=61, note="全县教研活动"),
        format="json",
    )
    assert explained.status_code == 201
    assert explained.json()["reach_flagged"] is True
    coordinator = api.as_user(world.users.coord_a)
    flagged = coordinator.get(URL, {"reach_flagged": "true"}).json()["results"]
    assert [a["id"] for a in flagged] == [explained.json()["id"]]


def test_reach_counts_distinct_people_per_assignment(world, work, api, today):
    accepted, _, others = work
    f.ActivityFactory(
        assignment=accepted,
        date=today,
        local_teachers_reached=3,
        reached_names="王芳\n刘强\n陈静",
    )
    f.ActivityFactory(
        assignment=accepted,
        date=today,
        local_teachers_reached=2,
        reached_names="王芳\n赵敏",
    )
    f.ActivityFactory(
        assignment=accepted,
        date=today,
        local_teachers_reached=9,
        reached_names="不算\n也不算",
        disputed=True,
    )
    f.ActivityFactory(assignment=others, date=today, local_teachers_reached=4)
    rows = api.as_user(world.users.coord_a).get(URL + "reach/").json()
    assert rows == [
        {
            "assignment": accepted.pk,
            "teacher": world.teacher_a.pk,
            "teacher_name": world.teacher_a.name,
            "need": accepted.need_id,
            "need_title": accepted.need.title,
            "activities": 2,
            "local_teachers_reached": 5,
            "distinct_local_teachers_named": 4,
            "flagged": 0,
        }
    ]
    assert len(api.as_user(world.users.admin).get(URL + "reach/").json()) == 2


def test_the_activity_page_flags_an_implausible_count_to_the_coordinator(
    world, work, today, settings
):
    settings.ACTIVITY_PLAUSIBLE_REACH = 60
    accepted, _, _ = work
    f.ActivityFactory(
        assignment=accepted, date=today, local_teachers_reached=80, note="全县培训"
    )
    f.ActivityFactory(assignment=accepted, date=today, local_teachers_reached=5)
    client = Client()
    client.force_login(world.users.coord_a)
    html = client.get("/activities/").content.decode()
    assert html.count('data-testid="reach-flag"') == 1
    assert 'data-testid="reach"' in html


def test_a_teacher_logs_an_activity_with_a_photo_and_names_from_the_page(
    world, work, today
):
    accepted, _, _ = work
    client = Client()
    client.force_login(world.users.teacher_a)
    form = client.get("/activities/new/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    response = client.post(
        "/activities/new/",
        {
            "assignment": accepted.pk,
            "date": today.isoformat(),
            "kind": "training",
            "hours": "2",
            "local_teachers_reached": "0",
            "students_reached": "0",
            "reached_names": "王芳\r\n刘强\r\n",
            "note": "",
            "attachments": [photo("a.jpg"), photo("b.jpg")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    activity = Activity.objects.get()
    assert activity.names_reached == ["王芳", "刘强"]
    assert activity.local_teachers_reached == 2
    assert activity.attachments.count() == 2
    html = client.get("/activities/").content.decode()
    first = activity.attachments.first()
    assert f'src="/api/v1/attachments/activities/{first.pk}/"' in html


def test_a_refused_file_on_the_activity_page_is_named_next_to_the_field(
    world, work, today
):
    accepted, _, _ = work
    client = Client()
    client.force_login(world.users.teacher_a)
    response = client.post(
        "/activities/new/",
        {
            "assignment": accepted.pk,
            "date": today.isoformat(),
            "kind": "training",
            "hours": "2",
            "local_teachers_reached": "3",
            "students_reached": "0",
            "attachments": [SimpleUploadedFile("evil.png", b"<svg/onload=1>")],
        },
    )
    assert response.status_code == 200
    assert "evil.png" in response.content.decode()
    assert not Activity.objects.exists()


def test_reach_takes_the_same_queries_however_many_activities(world, work, api, today):
    accepted, _, others = work
    client = api.as_user(world.users.admin)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL + "reach/").status_code == 200
        return len(captured.captured_queries)

    f.ActivityFactory(assignment=accepted, date=today, reached_names="甲")
    few = queries()
    for day in range(5):
        for assignment in (accepted, others):
            f.ActivityFactory(
                assignment=assignment,
                date=today - dt.timedelta(days=day),
                reached_names=f"乙{day}",
            )
    assert queries() == few
