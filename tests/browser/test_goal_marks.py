"""Plan goals in real Chromium: the school's contact marks a goal from a phone
(375 px) with a photo of the sign-in sheet; the coordinator finds it under "waiting
for you" on the dashboard and confirms it, on a phone too; then on a laptop
(1366 px) the goal shows as confirmed. Nothing scrolls sideways."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from needs.models import NeedStatus, PlanGoal

from .. import factories as f
from ..needs.conftest import make_need
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def sheet_photo() -> bytes:
    image = Image.new("RGB", (240, 320), (250, 250, 246))
    image.paste((60, 90, 140), (20, 20, 220, 44))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_staff_mark_a_goal_on_a_phone_and_the_coordinator_confirms_it(
    page, world, sign_in, sign_out, screenshot
):
    today = timezone.localdate()
    need = make_need(
        world,
        NeedStatus.MATCHED,
        title="电商直播带货实训教学",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=60),
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")
    goal = PlanGoal.objects.create(
        need=need, text="培训本校电商专业教师4名掌握直播带货全流程", position=1
    )
    PlanGoal.objects.create(
        need=need, text="指导学生完成农产品直播带货实训不少于20场", position=2
    )
    prefix = f"goal{goal.pk}"

    # The school's contact, on a phone.
    sign_in(page, world.users.staff_a)
    page.goto(f"/needs/{need.pk}/#goals")
    first = page.locator(f"#goal-{goal.pk}")
    first.locator("[data-testid=mark-goal-open]").click()
    first.locator(f"#id_{prefix}-outcome_0").check()  # 达成
    first.locator(f"#id_{prefix}-note").fill("4名教师均已独立完成直播带货全流程。")
    first.locator(f"#id_{prefix}-attachments").set_input_files(
        files=[{"name": "签到表.png", "mimeType": "image/png", "buffer": sheet_photo()}]
    )
    screenshot(page, "goal-marks-1-staff-form-375")
    with page.expect_navigation():
        first.locator("[data-testid=mark-goal]").click()
    state = page.locator(f"#goal-{goal.pk} [data-testid=goal-state]")
    assert state.inner_text() == "待确认（达成）"
    page.locator(f"#goal-{goal.pk} .goal-history summary").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=goal-evidence] img')]"
        ".every(img => img.complete && img.naturalWidth === 240)"
    )
    assert fits_the_screen(page)
    page.locator("#goals").scroll_into_view_if_needed()
    screenshot(page, "goal-marks-2-staff-marked-375")
    assert_no_problems(page)
    sign_out(page)

    # The coordinator, on a phone: "waiting for you" leads to the mark.
    sign_in(page, world.users.coord_a)
    page.goto("/dashboard/")
    waiting = page.locator("[data-testid=waiting-goals]")
    assert waiting.locator(".waiting-count").inner_text() == "1"
    with page.expect_navigation():
        waiting.locator("a").click()
    assert fits_the_screen(page)
    screenshot(page, "goal-marks-3-to-confirm-375")
    with page.expect_navigation():
        page.click(f"[data-testid=confirm-{goal.pk}]")
    confirm = page.locator(f"#goal-{goal.pk} [data-testid=goal-confirm-form]")
    assert "标记为“达成”" in confirm.inner_text()
    latest = page.locator(f"#goal-{goal.pk} [data-testid=goal-latest]").inner_text()
    assert "staff_a（受援学校联络员）标记：" in latest and "独立完成" in latest
    assert fits_the_screen(page)
    confirm.scroll_into_view_if_needed()
    screenshot(page, "goal-marks-4-coordinator-confirm-375")
    with page.expect_navigation():
        confirm.locator("[data-testid=confirm-goal]").click()
    assert page.locator(f"#goal-{goal.pk} [data-testid=goal-state]").inner_text() == (
        "达成"
    )
    assert page.locator(f"#goal-{goal.pk} [data-testid=goal-confirm-form]").count() == 0
    # The dashboard on the phone: nothing waits; the schools' engagement as cards.
    page.goto("/dashboard/")
    assert (
        page.locator("[data-testid=waiting-goals] .waiting-count").inner_text() == "0"
    )
    assert fits_the_screen(page)
    page.locator("#engagement").scroll_into_view_if_needed()
    screenshot(page, "goal-marks-5-dashboard-engagement-375")
    assert_no_problems(page)

    # On a laptop, the goals with their states.
    page.set_viewport_size(LAPTOP)
    page.goto(f"/needs/{need.pk}/")
    page.locator(f"#goal-{goal.pk} .goal-history summary").click()
    assert fits_the_screen(page)
    page.locator("#goals").scroll_into_view_if_needed()
    screenshot(page, "goal-marks-6-confirmed-1366")
    page.goto("/dashboard/")
    assert fits_the_screen(page)
    page.locator("#engagement").scroll_into_view_if_needed()
    screenshot(page, "goal-marks-7-dashboard-1366")
    assert_no_problems(page)
    goal.refresh_from_db()
    assert (goal.confirmed_outcome, goal.confirmed_by) == ("met", world.users.coord_a)
