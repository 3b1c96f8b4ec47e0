"""Each role's main journey in real Chromium: sign in, land where the work is, (for
coordinators and admins) see the dashboard's charts drawn, switch to English and
see it stick on the next page and after signing out and in, sign out. No console
errors, no failed requests. Screenshots go to ``test-artifacts/screenshots/``
(``journey-<role>-*.png``), at 375 px wide and, for the dashboard, 1280 px."""

import pytest
from django.urls import reverse

from assist_platform.views import LANDING

from ..dashboard.conftest import scenario  # noqa: F401 - the dashboard's data
from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

# ``page`` comes before the data fixtures in every test: the database must be set up
# for serialized rollback (the catalogue of migrations put back) before they run.

DESKTOP = {"width": 1280, "height": 900}


CANVASES = ["chart-status", "chart-coverage", "chart-backlog", "chart-supply"]

# Counts the painted pixels of every chart canvas.
PAINTED = """
() => Array.from(document.querySelectorAll('canvas')).map((canvas) => {
  const data = canvas.getContext('2d')
    .getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted += 1; }
  return [canvas.id, canvas.width, canvas.height, painted];
})
"""


def language(page) -> str:
    return page.locator("html").get_attribute("lang")


def path_of(page) -> str:
    return "/" + page.url.split("/", 3)[3].split("?", 1)[0]


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def assert_charts_drawn(page, expected=CANVASES):
    page.wait_for_function(
        "(n) => document.querySelectorAll('canvas[data-drawn]').length >= n",
        arg=len(expected),
    )
    page.wait_for_timeout(600)  # let the short animation finish
    drawn = {name: (w, h, painted) for name, w, h, painted in page.evaluate(PAINTED)}
    for name in expected:
        width, height, painted = drawn[name]
        assert width > 0 and height > 0, (name, drawn)
        assert painted > 500, (name, drawn)


def switch_to_english(page):
    with page.expect_navigation():
        page.click("[data-testid=lang-en]")
    assert language(page) == "en"


def journey(page, user, role, sign_in, sign_out, screenshot, *, dashboard):
    # Sign in: Chinese by default (the browser asks for zh-CN, but even an English
    # browser would get Chinese), landing where the role's work is.
    sign_in(page, user)
    assert path_of(page) == reverse(LANDING[role])
    assert language(page) == "zh-hans"
    assert page.locator("[data-testid=logout]").inner_text() == "退出登录"
    if dashboard:
        assert page.locator("h1").inner_text() == "数据看板"
        assert_charts_drawn(page)
    assert fits_the_screen(page)
    screenshot(page, f"journey-{role}-1-landing-375")

    # English sticks: on this page, the next one, and after signing out and in.
    switch_to_english(page)
    assert page.locator("[data-testid=logout]").inner_text() == "Sign out"
    if dashboard:
        assert page.locator("h1").inner_text() == "Dashboard"
        assert_charts_drawn(page)
    screenshot(page, f"journey-{role}-2-english-375")
    page.goto(reverse("profile"))
    assert language(page) == "en"
    assert page.locator("h1").count() == 1
    sign_out(page)
    assert path_of(page) == reverse("login")
    assert language(page) == "en"
    assert page.locator("main h1").inner_text() == "Sign in"
    sign_in(page, user)
    assert path_of(page) == reverse(LANDING[role])
    assert language(page) == "en"

    # And back to Chinese, for the next person at this browser.
    with page.expect_navigation():
        page.click("[data-testid=lang-zh-hans]")
    assert language(page) == "zh-hans"
    sign_out(page)
    assert path_of(page) == reverse("login")
    assert_no_problems(page)


def test_coordinator_journey(
    page,
    scenario,  # noqa: F811
    sign_in,
    sign_out,
    screenshot,
):
    coordinator = scenario.world.users.coord_a
    sign_in(page, coordinator)
    # The whole dashboard at 375 px, then on a desktop screen.
    assert_charts_drawn(page, [*CANVASES, "chart-grades"])
    assert page.locator("[data-testid=county-switcher]").count() == 0
    assert "白河县第三职业中学" in page.locator("[data-testid=unserved]").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "journey-coordinator-0-dashboard-375")
    page.set_viewport_size(DESKTOP)
    page.reload()
    assert_charts_drawn(page, [*CANVASES, "chart-grades"])
    screenshot(page, "journey-coordinator-0-dashboard-1280")

    # A bar of the needs-by-state chart leads to the list behind it.
    link = page.locator("#status .legend a").first
    with page.expect_navigation():
        link.click()
    assert path_of(page) == reverse("needs:list")
    assert "status=" in page.url
    page.set_viewport_size({"width": 375, "height": 812})
    with page.expect_navigation():
        page.click("[data-testid=logout]")
    assert_no_problems(page)

    journey(
        page, coordinator, "coordinator", sign_in, sign_out, screenshot, dashboard=True
    )


def test_admin_journey_with_the_county_switcher(
    page,
    scenario,  # noqa: F811
    sign_in,
    sign_out,
    screenshot,
):
    w = scenario.world
    sign_in(page, w.users.admin)
    assert path_of(page) == reverse("dashboard")
    assert_charts_drawn(page)
    switcher = page.locator("[data-testid=county-switcher]")
    values = switcher.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
    assert {str(w.county_a.pk), str(w.county_b.pk)} <= set(values)
    # Choosing a county reloads the dashboard for it.
    with page.expect_navigation():
        switcher.select_option(str(w.county_b.pk))
    assert f"county={w.county_b.pk}" in page.url
    assert str(w.county_b) in page.locator("[data-testid=dash-scope]").inner_text()
    assert_charts_drawn(page)
    screenshot(page, "journey-admin-0-county-b-375")
    with page.expect_navigation():
        page.click("[data-testid=logout]")
    assert_no_problems(page)

    journey(page, w.users.admin, "admin", sign_in, sign_out, screenshot, dashboard=True)


def test_school_staff_journey(
    page,
    scenario,  # noqa: F811
    sign_in,
    sign_out,
    screenshot,
):
    journey(
        page,
        scenario.world.users.staff_a,
        "school_staff",
        sign_in,
        sign_out,
        screenshot,
        dashboard=False,
    )


def test_teacher_journey(
    page,
    scenario,  # noqa: F811
    sign_in,
    sign_out,
    screenshot,
):
    journey(
        page,
        scenario.world.users.teacher_a,
        "teacher",
        sign_in,
        sign_out,
        screenshot,
        dashboard=False,
    )
