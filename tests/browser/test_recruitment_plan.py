"""The recruitment plan in a browser, on a phone (375 px) and a laptop (1366 px):
the curve is drawn, the table reads, nothing scrolls sideways, the .xlsx downloads."""

import datetime as dt

import pytest

from ..matching.helpers import TODAY, open_need
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1366])
def test_a_coordinator_reads_the_plan_and_downloads_it(
    world, page, sign_in, screenshot, width
):
    open_need(world.school_a, world.ecommerce, headcount=3, priority=80)
    open_need(world.school_a2, world.accounting, priority=60)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, world.users.coord_a)
    to = (TODAY + dt.timedelta(days=200)).isoformat()
    page.goto(f"/planning/recruitment/?from={TODAY.isoformat()}&to={to}")
    page.wait_for_selector("#plan-curve[data-drawn='1']")
    rows = page.locator("[data-testid=plan-steps] tbody tr")
    assert rows.count() == 2
    assert "730701" in rows.nth(0).inner_text()
    assert "730301" in rows.nth(1).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"recruitment-plan-{width}")
    assert_no_problems(page)
    with page.expect_download() as download:
        page.click("[data-testid=plan-xlsx]")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert "下一轮选派需求建议" in download.value.suggested_filename
    # Chromium reports the navigation a download replaces as a failed request.
    assert [p for p in page.problems if "format=xlsx" not in p] == []
