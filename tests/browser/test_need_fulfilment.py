"""The end of a need's journey in real Chromium, on a phone and on a laptop: the
school sees who is coming, confirms fulfilment on a page that asks first (and asks
why when nothing is logged yet), and the coordinator reopens it with a reason."""

import datetime as dt

import pytest
from django.utils import timezone

from needs.models import Need, NeedStatus

from .. import factories as f
from ..needs.conftest import make_need
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_school_confirms_after_being_asked_and_coordinator_reopens(
    page, world, sign_in, sign_out, screenshot
):
    today = timezone.localdate()
    need = make_need(
        world,
        NeedStatus.MATCHED,
        title="直播电商师资培训",
        start_date=today + dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=150),
    )
    f.AssignmentFactory(need=need, teacher=world.teacher_a, status="accepted")

    sign_in(page, world.users.staff_a)
    page.goto(f"/needs/{need.pk}/")
    people = page.locator("[data-testid=person]")
    assert people.count() == 1
    assert "张老师" in people.first.inner_text()
    assert "溧阳中等专业学校" in people.first.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "need-fulfilment-1-staff-need-375")

    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=confirm-facts]")
    assert "尚未开始" in page.locator("[data-testid=confirm-facts]").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "need-fulfilment-2-confirm-page-375")
    with page.expect_navigation():
        page.click("[data-testid=confirm-yes]")
    assert page.locator("[data-field=reason] .field-error").count() == 1
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MATCHED
    page.problems.clear()  # the 400 answer of the refused form is expected
    page.fill("#id_reason", "线上培训已提前完成")
    with page.expect_navigation():
        page.click("[data-testid=confirm-yes]")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.FULFILLED
    sign_out(page)

    page.set_viewport_size(LAPTOP)
    sign_in(page, world.users.coord_a)
    page.goto(f"/needs/{need.pk}/")
    page.click("details.cancel summary >> text=重新开启此需求")
    page.fill("form[action$='/reopen/'] textarea", "学校误点了确认")
    screenshot(page, "need-fulfilment-3-coordinator-reopen-1366")
    with page.expect_navigation():
        page.click("[data-testid=reopen]")
    assert Need.objects.get(pk=need.pk).status == NeedStatus.MATCHED
    assert "学校误点了确认" in page.locator("[data-testid=timeline]").inner_text()
    assert_no_problems(page)


def test_a_missing_need_is_a_page_with_a_way_back_on_a_phone(
    page, world, sign_in, screenshot
):
    sign_in(page, world.users.staff_a)
    page.goto("/needs/")
    page.goto("/needs/999999/", referer=page.url)
    card = page.locator("[data-testid=error-page]")
    assert card.get_attribute("data-status") == "404"
    assert "页面不存在" in card.inner_text()
    assert fits_the_screen(page)
    screenshot(page, "error-404-375")
    with page.expect_navigation():
        page.click("[data-testid=error-home]")
    assert page.url.endswith("/needs/")
    # The 404 answer itself (and Chromium's console line about it) is expected.
    assert [p for p in page.problems if "999999" not in p and "404" not in p] == []


# On a phone a card is a column of its cells (flex, so that the title can lead).
ROW_DISPLAY = """
(selector) => getComputedStyle(document.querySelector(selector + ' tbody tr')).display
"""


def test_lists_are_cards_on_a_phone_and_tables_on_a_laptop(page, world, sign_in):
    for n in range(2):  # teacher_a's capacity
        need = make_need(world, NeedStatus.OPEN, title=f"电子商务专业课程建设第{n}期")
        f.AssignmentFactory(need=need, teacher=world.teacher_a, status="proposed")
    sign_in(page, world.users.staff_a)
    page.goto("/needs/")
    assert page.evaluate(ROW_DISPLAY, "table.cards") == "flex"
    assert fits_the_screen(page)
    page.set_viewport_size(LAPTOP)
    assert page.evaluate(ROW_DISPLAY, "table.cards") == "table-row"
    page.set_viewport_size({"width": 375, "height": 800})
    with page.expect_navigation():
        page.click("[data-testid=logout]")
    sign_in(page, world.users.coord_a)
    page.goto("/matching/proposals/")
    assert page.evaluate(ROW_DISPLAY, "table.cards") == "flex"
    assert fits_the_screen(page)
    assert_no_problems(page)
