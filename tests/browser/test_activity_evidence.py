"""Activity evidence in real Chromium: a teacher logs an activity with a photo and
the names of the teachers reached from a phone; the coordinator sees the reach per
assignment and the flag on an implausible count, on a phone and on a laptop."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from activities.models import Activity

from .. import factories as f
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 150), (90, 160, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_teacher_logs_evidence_and_coordinator_sees_reach_and_flag(
    page, world, sign_in, sign_out, screenshot, settings
):
    settings.ACTIVITY_PLAUSIBLE_REACH = 60
    today = timezone.localdate()
    need = f.NeedFactory(
        school=world.school_a,
        specialty=world.ecommerce,
        status="matched",
        title="直播电商师资培训",
        start_date=today - dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=40),
    )
    assignment = f.AssignmentFactory(
        need=need, teacher=world.teacher_a, status="accepted"
    )
    f.ActivityFactory(
        assignment=assignment,
        date=today - dt.timedelta(days=5),
        local_teachers_reached=85,
        note="全县职教教师集中培训",
    )

    sign_in(page, world.users.teacher_a)
    page.goto("/activities/new/")
    page.select_option("#id_kind", "training")
    page.fill("#id_hours", "3")
    page.fill("#id_local_teachers_reached", "0")
    page.fill("#id_reached_names", "王芳\n刘强\n王芳")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "培训.png", "mimeType": "image/png", "buffer": photo()}],
    )
    assert fits_the_screen(page)
    screenshot(page, "activity-evidence-1-teacher-form-375")
    with page.expect_navigation():
        page.click("[data-testid=activity-form] button[type=submit]")
    logged = Activity.objects.exclude(local_teachers_reached=85).get()
    assert logged.names_reached == ["王芳", "刘强"]
    assert logged.local_teachers_reached == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('.evidence img')]"
        ".every(img => img.complete && img.naturalWidth === 200)"
    )
    sign_out(page)

    sign_in(page, world.users.coord_a)
    page.goto("/activities/")
    assert page.locator("[data-testid=reach-flag]").count() == 1
    page.click("[data-testid=reach] summary")
    reach = page.locator("[data-testid=reach]").inner_text()
    assert "直播电商师资培训" in reach
    assert fits_the_screen(page)
    screenshot(page, "activity-evidence-2-coordinator-list-375")
    page.set_viewport_size(LAPTOP)
    page.goto("/activities/?flagged=1")
    assert page.locator("[data-testid^=activity-]").count() == 1
    screenshot(page, "activity-evidence-3-coordinator-flagged-1366")
    assert_no_problems(page)
