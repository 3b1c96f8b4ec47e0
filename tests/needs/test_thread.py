"""A need's thread: who reads and posts, evidence files checked from their bytes,
stored through the storage API and served only after the need's access check."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from needs.models import NeedComment, NeedCommentAttachment

from .. import factories as f


def image_bytes(fmt="PNG", size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def thread(world):
    """A matched need of school A with 张老师 accepted; a need of school A2 where
    张老师 declined; a need of school B with 李老师 proposed."""
    need = f.NeedFactory(
        school=world.school_a, specialty=world.ecommerce, status="matched"
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    declined = f.NeedFactory(
        school=world.school_a2, specialty=world.ecommerce, status="open"
    )
    f.AssignmentFactory(need=declined, teacher=world.teacher_a, status="declined")
    need_b = f.NeedFactory(
        school=world.school_b, specialty=world.accounting, status="open"
    )
    f.AssignmentFactory(need=need_b, teacher=world.teacher_b, status="proposed")
    return need, declined, need_b


def url(need):
    return f"/api/v1/needs/{need.pk}/comments/"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", 201),
        ("coord_a", 201),
        ("coord_ab", 201),
        ("staff_a", 201),
        ("teacher_a", 201),
        ("coord_b", 404),
        ("staff_b", 404),
        ("teacher_b", 404),
        ("outsider", 404),
    ],
)
def test_the_school_the_county_and_the_serving_teacher_post_and_others_get_404(
    world, api, thread, persona, expected
):
    need, _declined, _need_b = thread
    client = api.as_user(getattr(world.users, persona))
    response = client.post(url(need), {"text": "明天到校"}, format="json")
    assert response.status_code == expected, response.content
    listed = client.get(url(need))
    assert listed.status_code == (200 if expected == 201 else 404)
    if expected == 201:
        assert response.json()["text"] == "明天到校"
        assert [c["text"] for c in listed.json()["results"]] == ["明天到校"]
    else:
        assert not NeedComment.objects.exists()


def test_a_proposed_teacher_may_ask_before_accepting(world, api, thread):
    _need, _declined, need_b = thread
    client = api.as_user(world.users.teacher_b)
    response = client.post(url(need_b), {"text": "需要带教材吗?"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"author", "text", "attachments", "created_at"}
    assert body["author"] == world.users.teacher_b.pk


def test_a_teacher_who_declined_sees_the_need_but_not_its_thread(world, api, thread):
    _need, declined, _need_b = thread
    client = api.as_user(world.users.teacher_a)
    assert client.get(f"/api/v1/needs/{declined.pk}/").status_code == 200
    assert client.get(url(declined)).status_code == 404
    assert client.post(url(declined), {"text": "x"}).status_code == 404


def test_a_photo_and_a_pdf_are_stored_and_served_only_within_scope(world, api, thread):
    need, _declined, _need_b = thread
    client = api.as_user(world.users.staff_a)
    response = client.post(
        url(need),
        {
            "text": "实训室现状",
            "attachments": [
                upload("实训室 照片.png", image_bytes()),
                upload("plan.pdf", PDF, "application/pdf"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    files = response.json()["attachments"]
    assert [(a["name"], a["content_type"]) for a in files] == [
        ("实训室_照片.png", "image/png"),
        ("plan.pdf", "application/pdf"),
    ]
    photo = client.get(files[0]["url"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"
    assert photo["X-Content-Type-Options"] == "nosniff"
    assert photo["Content-Disposition"].startswith("inline")
    assert b"".join(photo.streaming_content) == image_bytes()
    pdf = client.get(files[1]["url"])
    assert pdf["Content-Disposition"].startswith("attachment")
    for persona in ("staff_b", "coord_b", "teacher_b", "outsider"):
        other = api.as_user(getattr(world.users, persona))
        assert other.get(files[0]["url"]).status_code == 404, persona
    api.force_authenticate(user=None)
    assert api.get(files[0]["url"]).status_code == 401


def test_files_are_stored_under_a_random_name_not_the_clients(world, api, thread):
    need, _declined, _need_b = thread
    api.as_user(world.users.staff_a).post(
        url(need),
        {"attachments": [upload("../../etc/passwd.png", image_bytes("JPEG"))]},
        format="multipart",
    )
    stored = NeedCommentAttachment.objects.get()
    assert stored.content_type == "image/jpeg"
    assert stored.name == "passwd.jpg"
    assert "passwd" not in stored.file.name
    assert stored.file.name.startswith("evidence/")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("x.png", b"<html><script>alert(1)</script></html>", "image/png"),
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
        ),
        ("x.jpg", b"\xff\xd8\xff<script>alert(1)</script>", "image/jpeg"),
        ("x.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script>", "image/png"),
        ("x.js", b"alert(1)", "image/png"),
        ("x.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
        ("x.pdf", b"not a pdf", "application/pdf"),
    ],
)
def test_anything_but_a_real_image_or_pdf_is_refused_and_nothing_stored(
    world, api, thread, name, content, content_type
):
    need, _declined, _need_b = thread
    response = api.as_user(world.users.staff_a).post(
        url(need),
        {"text": "看图", "attachments": [upload(name, content, content_type)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "attachments" in response.json()
    assert not NeedComment.objects.exists()
    assert not NeedCommentAttachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(world, api, thread, settings):
    settings.ATTACHMENT_MAX_BYTES = 2048
    need, _declined, _need_b = thread
    big = PDF + b"%" * 3000
    response = api.as_user(world.users.staff_a).post(
        url(need),
        {"attachments": [upload("big.pdf", big, "application/pdf")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert "MB" in response.json()["attachments"][0]
    assert not NeedCommentAttachment.objects.exists()


def test_too_many_files_in_one_message_are_refused(world, api, thread, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    need, _declined, _need_b = thread
    files = [upload(f"{i}.png", image_bytes()) for i in range(3)]
    response = api.as_user(world.users.staff_a).post(
        url(need), {"attachments": files}, format="multipart"
    )
    assert response.status_code == 400
    assert not NeedComment.objects.exists()


def test_an_empty_message_is_refused(world, api, thread):
    need, _declined, _need_b = thread
    response = api.as_user(world.users.staff_a).post(url(need), {"text": "  "})
    assert response.status_code == 400
    assert "text" in response.json()


def test_the_thread_lists_in_flat_queries(world, api, thread):
    need, _declined, _need_b = thread
    client = api.as_user(world.users.coord_a)

    def post(text):
        client.post(
            url(need),
            {"text": text, "attachments": [upload("p.png", image_bytes())]},
            format="multipart",
        )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            client.get(url(need))
        return len(captured.captured_queries)

    post("m0")
    few = queries()
    for i in range(6):
        post(f"n{i}")
    assert queries() == few
    assert client.get(url(need)).json()["count"] == 7


# -- the thread section of the need's page ------------------------------------------


@pytest.fixture
def signed_in():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_the_need_page_shows_the_thread_and_posts_a_message_with_a_photo(
    world, thread, signed_in
):
    need, _declined, _need_b = thread
    client = signed_in(world.users.teacher_a)
    page = client.get(f"/needs/{need.pk}/")
    assert 'data-testid="thread"' in page.content.decode()
    response = client.post(
        f"/needs/{need.pk}/comments/",
        {
            "text": "实训室照片",
            "attachments": [upload("room.jpg", image_bytes("JPEG"))],
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/needs/{need.pk}/#thread")
    html = signed_in(world.users.staff_a).get(f"/needs/{need.pk}/").content.decode()
    photo = NeedCommentAttachment.objects.get()
    assert "实训室照片" in html
    assert f'src="/api/v1/attachments/comments/{photo.pk}/"' in html


def test_a_refused_file_on_the_page_says_why_next_to_the_field_and_stores_nothing(
    world, thread, signed_in
):
    need, _declined, _need_b = thread
    response = signed_in(world.users.staff_a).post(
        f"/needs/{need.pk}/comments/",
        {"text": "看图", "attachments": [upload("x.png", b"<svg onload=alert(1)>")]},
    )
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index('data-field="attachments"') :]
    assert "x.png" in block[: block.index("</div>")]
    assert "看图" in html  # the message typed is kept
    assert not NeedComment.objects.exists()


def test_the_thread_is_absent_for_a_teacher_who_declined_and_posting_is_404(
    world, thread, signed_in
):
    _need, declined, _need_b = thread
    client = signed_in(world.users.teacher_a)
    page = client.get(f"/needs/{declined.pk}/")
    assert page.status_code == 200
    assert 'data-testid="thread"' not in page.content.decode()
    response = client.post(f"/needs/{declined.pk}/comments/", {"text": "x"})
    assert response.status_code == 404
    assert not NeedComment.objects.exists()


def test_staff_of_another_county_cannot_post_on_the_page(world, thread, signed_in):
    need, _declined, _need_b = thread
    response = signed_in(world.users.staff_b).post(
        f"/needs/{need.pk}/comments/", {"text": "x"}
    )
    assert response.status_code == 404
    assert not NeedComment.objects.exists()


def test_a_file_name_carrying_markup_is_reduced_to_a_safe_name(world, api, thread):
    need, _declined, _need_b = thread
    client = api.as_user(world.users.staff_a)
    response = client.post(
        url(need),
        {"attachments": [upload('"><img src=x onerror=alert(1)>.png', image_bytes())]},
        format="multipart",
    )
    assert response.status_code == 201
    [file] = response.json()["attachments"]
    assert not set('<>"/ ') & set(file["name"])
    served = client.get(file["url"])
    disposition = served["Content-Disposition"]
    assert "<" not in disposition and disposition.count('"') == 2
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_the_demo_world_has_a_thread_with_a_photo(db, signed_in):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # again: nothing is added
    [first, answer] = NeedComment.objects.order_by("id")
    photo = first.attachments.get()
    assert photo.content_type == "image/jpeg"
    assert first.author.role == "school_staff" and answer.author.role == "teacher"
    page = signed_in(first.author).get(f"/needs/{first.need_id}/")
    assert f'src="/api/v1/attachments/comments/{photo.pk}/"' in page.content.decode()
    served = signed_in(answer.author).get(f"/api/v1/attachments/comments/{photo.pk}/")
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (480, 320)


def test_a_thread_of_a_need_id_that_is_not_a_number_is_404(world, api):
    assert (
        api.as_user(world.users.admin).get("/api/v1/needs/D/comments/").status_code
        == 404
    )
