"""A need's thread in real Chromium: the school's contact sends a photo from a phone
(375 px), the teacher coming reads it and answers on a laptop (1366 px); the photo
is shown through the checked download route, and nothing scrolls sideways."""

import io

import pytest
from PIL import Image

from needs.models import NeedComment, NeedStatus

from .. import factories as f
from ..needs.conftest import make_need
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def room_photo() -> bytes:
    image = Image.new("RGB", (320, 240), (230, 225, 210))
    image.paste((60, 120, 200), (40, 60, 200, 160))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    return buffer.getvalue()


def photos_loaded(page) -> list[int]:
    return page.evaluate(
        "[...document.querySelectorAll('[data-testid=thread] img')]"
        ".map(img => img.naturalWidth)"
    )


def test_school_sends_a_photo_from_a_phone_and_the_teacher_answers(
    page, world, sign_in, sign_out, screenshot
):
    need = make_need(world, NeedStatus.MATCHED, title="直播电商实训室建设")
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")

    sign_in(page, world.users.staff_a)
    page.goto(f"/needs/{need.pk}/")
    page.fill("#id_text", "实训室现状，请老师提前看看")
    page.set_input_files(
        "#id_attachments",
        files=[
            {"name": "实训室.jpg", "mimeType": "image/jpeg", "buffer": room_photo()}
        ],
    )
    with page.expect_navigation():
        page.click("[data-testid=post-comment]")
    page.wait_for_selector("[data-testid=thread] img")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=thread] img')]"
        ".every(img => img.complete)"
    )
    assert photos_loaded(page) == [320]
    assert "实训室现状" in page.locator("[data-testid=comment]").first.inner_text()
    assert fits_the_screen(page)
    page.locator("[data-testid=thread]").scroll_into_view_if_needed()
    screenshot(page, "need-thread-1-staff-photo-375")
    sign_out(page)

    page.set_viewport_size(LAPTOP)
    sign_in(page, world.users.teacher_a)
    page.goto(f"/needs/{need.pk}/")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=thread] img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.fill("#id_text", "收到，请准备绿幕和补光灯")
    with page.expect_navigation():
        page.click("[data-testid=post-comment]")
    assert page.locator("[data-testid=comment]").count() == 2
    assert fits_the_screen(page)
    screenshot(page, "need-thread-2-teacher-answers-1366")
    assert list(NeedComment.objects.values_list("author__username", flat=True)) == [
        "staff_a",
        "teacher_a",
    ]
    assert_no_problems(page)


def test_a_file_that_is_not_a_photo_is_refused_next_to_the_field_on_a_phone(
    page, world, sign_in, screenshot
):
    need = make_need(world, NeedStatus.MATCHED, title="直播电商实训室建设")
    sign_in(page, world.users.staff_a)
    page.goto(f"/needs/{need.pk}/")
    page.fill("#id_text", "看看这个")
    page.set_input_files(
        "#id_attachments",
        files=[
            {
                "name": "photo.jpg",
                "mimeType": "image/jpeg",
                "buffer": b"<html><script>alert(1)</script></html>",
            }
        ],
    )
    with page.expect_navigation():
        page.click("[data-testid=post-comment]")
    error = page.locator("[data-field=attachments] .field-error")
    assert error.count() == 1 and "photo.jpg" in error.inner_text()
    assert page.input_value("#id_text") == "看看这个"
    assert fits_the_screen(page)
    page.locator("[data-testid=thread]").scroll_into_view_if_needed()
    screenshot(page, "need-thread-3-refused-file-375")
    assert not NeedComment.objects.exists()
    page.problems.clear()  # the 400 answer of the refused form is expected
