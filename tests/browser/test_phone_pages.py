"""Each role's main pages on a phone (375 px) and a laptop (1366 px), in the demo
world (``load_demo`` and a matching run: a closed evaluation cycle with results and
an open one with rating tasks, proposals, activities, notices).

On every page, at both widths: nothing scrolls sideways
(``document.documentElement.scrollWidth`` is at most the width); no cell of a table
or fact of a list is squeezed to a character or two per line; below 640 px every
``table.cards`` is shown as cards; buttons are big enough for a thumb; no console
error and no failed request. Each state is photographed as
``test-artifacts/screenshots/phone-<role>-<page>-<width>.png``.

One world for the module, so one test walks the four roles in turn: the demo takes
ten seconds to build, a page a fraction of one. Every check names the role and page
it was made on."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from demo.management.commands.load_demo import DEMO_PASSWORD
from evaluations.models import (
    Appeal,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    Rating,
    RatingStatus,
)
from needs.models import Need, NeedStatus
from places.models import County

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 900}

# Cells and facts whose text wraps at two characters a line or fewer: the "one
# character per line" of a table squeezed into a phone. Cells holding controls,
# lists or tables of their own are judged by those.
SQUEEZED = """
() => {
  const out = [];
  const skip = 'table, input, select, textarea, details, ul, ol, button, .button';
  for (const cell of document.querySelectorAll('main td, main th, main dd')) {
    if (cell.querySelector(skip)) continue;
    if (!cell.getBoundingClientRect().width) continue;
    const text = cell.innerText.trim();
    const chars = [...text.replace(/\\s+/g, '')].length;
    if (chars < 2) continue;
    // The height of the text itself: a cell is as high as its row.
    const range = document.createRange();
    range.selectNodeContents(cell);
    const style = getComputedStyle(cell);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const lines = Math.round(range.getBoundingClientRect().height / line);
    if (lines >= 2 && chars / lines < 2.5) {
      out.push(`${text.slice(0, 24)} (${lines} lines)`);
    }
  }
  return out;
}
"""

# Tables meant to be cards that are still drawn as tables.
NOT_CARDS = """
() => Array.from(document.querySelectorAll('main table.cards'))
  .filter((t) => t.getBoundingClientRect().width > 0)
  .filter((t) => getComputedStyle(t).display === 'table'
    || (t.tHead && t.tHead.getBoundingClientRect().height > 1))
  .map((t) => t.dataset.testid || t.className)
"""

# Buttons lower than 32 px (a comfortable tap target is 40-48 px; 32 is the floor).
TINY_BUTTONS = """
() => Array.from(document.querySelectorAll(
    'main button, main .button, main input[type=submit]'))
  .filter((b) => {
    const box = b.getBoundingClientRect();
    return box.width > 0 && box.height < 32;
  })
  .map((b) => `${b.innerText.trim() || b.outerHTML.slice(0, 60)}`)
"""


@pytest.fixture
def demo(page):
    """The demo world with its nightly matching run (``page`` first: the database
    is set up for serialized rollback before the world is built)."""
    call_command("load_demo", stdout=io.StringIO())
    call_command("run_matching", stdout=io.StringIO())
    baihe = County.objects.get(name="白河县")
    return {
        "county": baihe,
        "closed": EvaluationCycle.objects.get(county=baihe, status=CycleStatus.CLOSED),
        "open": EvaluationCycle.objects.get(county=baihe, status=CycleStatus.OPEN),
    }


def user(username: str) -> User:
    return User.objects.get(username=username)


def open_page(page, url: str):
    response = page.goto(url)
    assert response.status == 200, (url, response.status)


def look(page, screenshot, name: str, *, cards: bool = True):
    """Checks the page as it is at 375 px, then at 1366 px, photographing both, and
    leaves it at 375 px."""
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        width = viewport["width"]
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (name, width, scroll_width)
        assert page.evaluate(SQUEEZED) == [], (name, width)
        if width == PHONE["width"]:
            assert page.evaluate(TINY_BUTTONS) == [], name
            if cards:
                assert page.evaluate(NOT_CARDS) == [], name
        screenshot(page, f"phone-{name}-{width}")
    page.set_viewport_size(PHONE)
    assert page.problems == [], (name, page.problems)


def open_all_details(page, selector: str = "main details"):
    page.evaluate(
        "(s) => document.querySelectorAll(s).forEach((d) => { d.open = true; })",
        selector,
    )


def test_each_roles_main_pages_fit_a_phone_and_a_laptop(
    page, demo, sign_in, sign_out, screenshot, tmp_path
):
    for role, pages in [
        ("coord_baihe", coordinator_pages),
        ("staff_bhzj", school_staff_pages),
        ("chenxiaofeng", teacher_pages),
        ("admin", admin_pages),
    ]:
        sign_in(page, user(role), DEMO_PASSWORD)
        pages(page, demo, screenshot, tmp_path)
        sign_out(page)


def coordinator_pages(page, demo, screenshot, tmp_path):
    county, closed, opened = demo["county"], demo["closed"], demo["open"]

    open_page(page, "/dashboard/")
    page.wait_for_selector("canvas[data-drawn]")
    assert page.locator("[data-testid=engagement] tbody tr").count() >= 3
    look(page, screenshot, "coordinator-dashboard")

    # The monthly report is asked for on the dashboard; a wrong month comes back
    # there with the reason.
    with page.expect_navigation():
        page.goto(f"/dashboard/report/?county={county.pk}&month=2026-13")
    assert page.locator(".msg-error").count() == 1
    page.locator("[data-testid=monthly-report]").scroll_into_view_if_needed()
    look(page, screenshot, "coordinator-monthly-report")

    for name, url, rows in [
        ("needs", "/needs/", "main table.cards tbody tr"),
        ("review-queue", "/needs/review/", "main table.cards tbody tr"),
        ("proposals", "/matching/proposals/", "main table.cards tbody tr"),
        ("runs", "/matching/runs/", "main table.cards tbody tr"),
        ("teachers", "/teams/teachers/", "main table.cards tbody tr"),
        ("teams", "/teams/", "main table.cards tbody tr"),
        ("who-is-free", "/teams/free/", "[data-testid=who-is-free] tbody tr"),
        (
            "recruitment-plan",
            "/planning/recruitment/",
            "[data-testid=plan-steps] tbody tr",
        ),
        ("cycles", "/evaluations/cycles/", "[data-testid=cycles] tbody tr"),
        ("honour-roll", "/evaluations/honour-roll/", "[data-testid=honour-roll] tr"),
        ("activities", "/activities/", "[data-testid=activities] > li"),
        ("inbox", "/inbox/", "[data-testid=notifications] > li"),
    ]:
        open_page(page, url)
        assert page.locator(rows).count() >= 1, name
        look(page, screenshot, f"coordinator-{name}")

    # A planning scenario described on its form: first with a mistake, shown beside
    # the field, then as it should be; the scenario's page follows.
    open_page(page, "/planning/scenarios/")
    with page.expect_navigation():
        page.click("[data-testid=new-scenario]")
    assert page.locator("[data-testid=add-row]").count() == 3
    look(page, screenshot, "coordinator-scenario-form")
    page.select_option("#id_county", str(county.pk))
    page.fill("#id_add-0-count", "2")
    page.select_option("#id_add-0-specialty", index=1)
    page.fill("#id_add-0-start_date", "2026-09-01")
    page.fill("#id_add-0-end_date", "2026-03-01")
    with page.expect_navigation():
        page.click("[data-testid=create-scenario]")
    assert page.locator("[data-field=end_date] .field-error").count() == 1
    page.problems.clear()  # the refused form answers 400, as it should
    look(page, screenshot, "coordinator-scenario-form-errors")
    page.fill("#id_add-0-end_date", "2027-03-01")
    page.check("#id_allow_neighbours")
    with page.expect_navigation():
        page.click("[data-testid=create-scenario]")
    assert "/planning/scenarios/new/" not in page.url
    look(page, screenshot, "coordinator-scenario-created")

    # The open cycle's completion per subject, before closing.
    open_page(page, f"/evaluations/cycles/{opened.pk}/")
    open_all_details(page)
    assert page.locator("[data-testid=completion-by-subject] tbody tr").count() >= 5
    assert page.locator("[data-testid=close-form]").is_visible()
    look(page, screenshot, "coordinator-open-cycle")

    # The closed cycle's results, the first of them opened to its breakdown.
    open_page(page, f"/evaluations/cycles/{closed.pk}/results/")
    assert page.locator("[data-testid=results] tbody.card-group").count() >= 9
    first = "[data-testid=results] tbody.card-group:first-of-type details"
    open_all_details(page, first)
    assert page.locator("[data-testid=indicator-scores]").first.is_visible()
    look(page, screenshot, "coordinator-results")

    # An import with mistakes lists them, one card each.
    sheet = tmp_path / "teachers.csv"
    sheet.write_text(
        "姓名,派出学校,职称,驻点县,可服务开始日期,可服务结束日期\n"
        "王老师,不存在的学校,讲师,白河县,2026-13-01,2027-01-01\n",
        encoding="utf-8",
    )
    open_page(page, "/teams/import/")
    page.select_option("#id_kind", "teachers")
    page.set_input_files("#id_file", str(sheet))
    with page.expect_navigation():
        page.click("[data-testid=upload]")
    assert page.locator("[data-testid=import-errors] tbody tr").count() >= 2
    page.problems.clear()  # the refused import answers 400, as it should
    look(page, screenshot, "coordinator-import-report")


def school_staff_pages(page, demo, screenshot, tmp_path):
    staff = user("staff_bhzj")
    need = (
        Need.objects.filter(school=staff.school, status=NeedStatus.MATCHED)
        .order_by("pk")
        .first()
    )

    open_page(page, "/needs/")
    assert page.locator("main table.cards tbody tr").count() >= 5
    look(page, screenshot, "staff-needs")

    open_page(page, f"/needs/{need.pk}/")
    assert page.locator("[data-testid=person]").count() >= 1
    look(page, screenshot, "staff-need")

    open_page(page, f"/needs/{need.pk}/confirm/")
    assert page.locator("[data-testid=confirm-facts]").is_visible()
    look(page, screenshot, "staff-confirm")

    # The new-need form sent empty: every error beside its field, readable.
    open_page(page, "/needs/new/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert page.locator(".field-error").count() >= 3
    page.problems.clear()  # the refused form answers 400, as it should
    look(page, screenshot, "staff-need-form-errors")

    open_page(page, "/evaluations/tasks/")
    assert page.locator("[data-testid=open-tasks] tbody tr").count() >= 3
    assert page.locator("[data-testid=my-results] tbody tr").count() == 1
    look(page, screenshot, "staff-tasks")

    # The rating form with its evidence and anchors, and a score out of range.
    task = Rating.objects.filter(
        rater=staff, evaluation__cycle=demo["open"], status=RatingStatus.PENDING
    ).first()
    open_page(page, f"/evaluations/tasks/{task.pk}/")
    assert page.locator("[data-testid=evidence]").is_visible()
    first = page.locator("[data-testid=rating-form] input[type=number]").first
    first.fill("150")
    with page.expect_navigation():
        page.click("[data-testid=rating-form] button[type=submit]")
    assert page.locator("[data-testid=rating-errors]").is_visible()
    error = page.locator(".rate-field.has-error .field-error").first
    # The error sits right under its input, above the anchors.
    field = page.locator(".rate-field.has-error").first
    below = field.locator("input").bounding_box()
    assert 0 <= error.bounding_box()["y"] - (below["y"] + below["height"]) < 24
    assert field.locator(".anchors li").count() == 3
    page.problems.clear()  # the refused rating answers 400, as it should
    look(page, screenshot, "staff-rate-form-errors")

    open_page(page, f"/evaluations/cycles/{demo['closed'].pk}/results/")
    open_all_details(page)
    assert page.locator("[data-testid=results] tbody.card-group").count() == 1
    look(page, screenshot, "staff-own-results")

    open_page(page, "/inbox/")
    look(page, screenshot, "staff-inbox")


def teacher_pages(page, demo, screenshot, tmp_path):
    teacher = user("chenxiaofeng")

    open_page(page, "/matching/my-assignments/")
    assert page.locator("[data-testid=my-assignments] > li").count() >= 2
    look(page, screenshot, "teacher-assignments", cards=False)

    open_page(page, "/activities/")
    assert page.locator("[data-testid=activities] > li").count() >= 5
    look(page, screenshot, "teacher-activities")

    # The activity form sent empty: its errors stay readable.
    open_page(page, "/activities/new/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator(".field-error, .errors").count() >= 1
    page.problems.clear()  # the refused form answers 400, as it should
    look(page, screenshot, "teacher-activity-form-errors")

    open_page(page, "/evaluations/tasks/")
    assert page.locator("[data-testid=open-tasks] tbody tr").count() >= 3
    look(page, screenshot, "teacher-tasks")

    task = Rating.objects.filter(
        rater=teacher, evaluation__cycle=demo["open"], status=RatingStatus.PENDING
    ).first()
    open_page(page, f"/evaluations/tasks/{task.pk}/")
    assert page.locator("[data-testid=evidence]").is_visible()
    assert page.locator(".anchors").count() >= 3
    look(page, screenshot, "teacher-rate-form")

    # The teacher's own result explains itself and can be appealed.
    result = Evaluation.objects.get(cycle=demo["closed"], teacher__user=teacher)
    open_page(page, f"/evaluations/cycles/{demo['closed'].pk}/results/")
    open_all_details(page)
    own = page.locator(f"[data-testid=result-{result.pk}]")
    assert own.locator("[data-testid=lowered-by]").is_visible()
    assert own.locator("[data-testid=indicator-scores]").is_visible()
    assert own.locator("[data-testid=appeal-form] textarea").is_visible()
    look(page, screenshot, "teacher-own-result")
    own.locator("[data-testid=appeal-form] textarea").fill(
        "11月另有两次培训漏记，请核实培训人次。"
    )
    with page.expect_navigation():
        own.locator("[data-testid=appeal-form] button[type=submit]").click()
    assert result.appeals.count() == 1

    open_page(page, "/inbox/")
    assert page.locator("[data-testid=notifications] > li").count() >= 1
    look(page, screenshot, "teacher-inbox", cards=False)

    open_page(page, "/me/")
    look(page, screenshot, "teacher-profile", cards=False)


def admin_pages(page, demo, screenshot, tmp_path):
    open_page(page, "/dashboard/")
    page.wait_for_selector("canvas[data-drawn]")
    look(page, screenshot, "admin-dashboard")

    open_page(page, "/evaluations/frameworks/")
    frameworks = page.locator("[data-testid=frameworks] tbody tr")
    assert frameworks.count() >= 3
    look(page, screenshot, "admin-frameworks")

    with page.expect_navigation():
        frameworks.first.locator("a").first.click()
    assert page.locator("[data-testid=indicators] tbody tr").count() >= 3
    look(page, screenshot, "admin-framework")

    # The teacher's appeal (sent above), with the form that answers it.
    appeal = Appeal.objects.get()
    open_page(page, f"/evaluations/cycles/{demo['closed'].pk}/results/")
    open_all_details(page, f"[data-testid=result-{appeal.evaluation_id}] details")
    assert page.locator(f"[data-testid=appeal-{appeal.pk}]").is_visible()
    assert page.locator("[data-testid=answer-form] textarea").is_visible()
    look(page, screenshot, "admin-appeal")
