"""A message in a need's thread is news for the others around the need: the staff
of its school, the coordinators of its county and the teachers proposed on, serving
or having served it, never its author nor anyone else. The notice leads to the
thread under a label naming the action; its e-mail waits for the daily digest."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.models import Notification, Role
from accounts.notifications import send_digests
from needs.models import NeedComment

from .. import factories as f

# Everyone around the need of the ``around`` fixture, by persona.
AROUND = {"staff_a", "coord_a", "coord_ab", "teacher_a", "teacher_b", "served"}


@pytest.fixture
def around(world):
    """A need of school A for three: 张老师 accepted, 李老师 proposed, 周老师 served
    (completed); 吴老师 declined and 郑老师 was cancelled on it; school A2 (same county)
    has its own staff; school A has a deactivated account."""
    need = f.NeedFactory(
        school=world.school_a, specialty=world.ecommerce, status="open", headcount=3
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    f.AssignmentFactory(need=need, teacher=world.teacher_b, status="proposed")
    extra = {}
    for username, name, status in [
        ("served", "周老师", "completed"),
        ("declined", "吴老师", "declined"),
        ("cancelled", "郑老师", "cancelled"),
    ]:
        user = f.UserFactory(username=username, role=Role.TEACHER)
        teacher = f.TeacherFactory(
            name=name, home_school=world.home, county=world.county_a, user=user
        )
        f.AssignmentFactory(need=need, teacher=teacher, status=status)
        extra[username] = user
    extra["staff_a2"] = f.UserFactory(
        username="staff_a2", role=Role.SCHOOL_STAFF, school=world.school_a2
    )
    extra["gone"] = f.UserFactory(
        username="gone", role=Role.SCHOOL_STAFF, school=world.school_a, is_active=False
    )
    for name, user in extra.items():
        setattr(world.users, name, user)
    for user in vars(world.users).values():
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])
    return need


def _told(need):
    notes = Notification.objects.filter(kind="thread_message")
    return {n.user.username for n in notes}


@pytest.mark.parametrize(
    "author", ["staff_a", "coord_a", "teacher_a", "teacher_b", "served", "admin"]
)
def test_a_message_posted_through_the_api_tells_the_others_around_the_need(
    world, api, around, author, django_capture_on_commit_callbacks
):
    user = getattr(world.users, author)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(user).post(
            f"/api/v1/needs/{around.pk}/comments/",
            {"text": "下周二到校，请准备实训室"},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert _told(around) == AROUND - {author}
    note = Notification.objects.filter(kind="thread_message").first()
    assert note.url == f"/needs/{around.pk}/#thread"
    assert note.action_label == "查看留言" and not note.urgent
    assert around.title in note.title
    assert note.body == "下周二到校，请准备实训室"
    assert mail.outbox == []  # not urgent: the daily digest carries it


def test_a_message_posted_on_the_page_tells_the_same_people(
    world, around, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.users.coord_ab)
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    png = buffer.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/needs/{around.pk}/comments/",
            {
                "text": "",
                "attachments": [SimpleUploadedFile("现场.png", png, "image/png")],
            },
        )
    assert response.status_code == 302
    assert _told(around) == AROUND - {"coord_ab"}
    note = Notification.objects.get(kind="thread_message", user=world.users.staff_a)
    assert note.body == "（附 1 个文件）"
    # The inbox shows the label, linking to the thread.
    client.force_login(world.users.staff_a)
    inbox = client.get("/inbox/").content.decode()
    assert "查看留言" in inbox


def test_the_notice_reaches_each_one_in_their_daily_digest(
    world, api, around, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.as_user(world.users.staff_a).post(
            f"/api/v1/needs/{around.pk}/comments/", {"text": "教材已到"}, format="json"
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests() == len(AROUND) - 1
    mailed = {m.to[0].split("@")[0] for m in mail.outbox}
    assert mailed == AROUND - {"staff_a"}
    assert all("教材已到" in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "outsider", ["coord_b", "staff_b", "staff_a2", "declined", "cancelled", "outsider"]
)
def test_an_outsider_cannot_post_and_nobody_is_told(
    world, api, around, outsider, django_capture_on_commit_callbacks
):
    user = getattr(world.users, outsider)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(user).post(
            f"/api/v1/needs/{around.pk}/comments/", {"text": "x"}, format="json"
        )
        page = Client()
        page.force_login(user)
        on_page = page.post(f"/needs/{around.pk}/comments/", {"text": "x"})
    assert response.status_code == 404 and on_page.status_code == 404
    assert not NeedComment.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_refused_message_tells_nobody(world, api, around):
    response = api.as_user(world.users.staff_a).post(
        f"/api/v1/needs/{around.pk}/comments/",
        {"attachments": [SimpleUploadedFile("x.png", b"<svg>", "image/png")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert not NeedComment.objects.exists()
    assert not Notification.objects.exists()
