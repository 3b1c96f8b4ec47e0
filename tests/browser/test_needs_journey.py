"""A need's journey in real Chromium, on a 375 px wide screen: school staff post and
submit it; the coordinator diagnoses and approves it."""

import pytest

from needs.models import Need, NeedStatus

from .conftest import assert_no_problems

pytestmark = pytest.mark.browser


def fits_the_screen(page) -> bool:
    """No sideways scrolling of the page itself (tables scroll in their box)."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_school_staff_post_and_submit_then_coordinator_approves(
    world, page, sign_in, sign_out, screenshot
):
    # School staff land on their need list and post a need.
    sign_in(page, world.users.staff_a)
    assert page.url.endswith("/needs/")
    assert page.locator("h1").inner_text() == "本校需求"
    page.click("[data-testid=new-need]")
    page.wait_for_selector("[data-testid=need-form]")
    assert fits_the_screen(page)

    # The specialty is chosen by family first; htmx narrows the specialties.
    page.select_option("#id_family", value=str(world.family.pk))
    # A function, not an expression: Playwright evaluates a bare expression with
    # eval(), which the Content-Security-Policy refuses.
    page.wait_for_function(
        "() => document.querySelectorAll('#id_specialty option').length <= 40"
    )
    options = page.locator("#id_specialty option").all_inner_texts()
    assert any("电子商务" in option for option in options)
    assert not any("计算机应用" in option for option in options)
    page.select_option("#id_specialty", value=str(world.ecommerce.pk))
    page.select_option("#id_kind", value="teacher_training")
    page.fill("#id_title", "直播电商师资培训")
    page.fill("#id_description", "培训本地教师开展直播带货教学，需要实训室建设指导。")
    page.fill("#id_headcount", "2")
    page.fill("#id_start_date", "2026-09-01")
    page.fill("#id_end_date", "2027-01-15")
    page.select_option("#id_urgency", value="4")
    screenshot(page, "needs-01-staff-form")

    # A mistake is shown next to its field, in Chinese, and nothing is stored.
    page.fill("#id_end_date", "2026-08-01")
    with page.expect_navigation():
        page.click("[data-testid=save-draft]")
    error = page.locator("[data-field=end_date] .field-error")
    assert error.inner_text() == "结束日期不能早于开始日期。"
    assert not Need.objects.exists()
    page.problems.clear()  # the 400 answer of the refused form is expected
    page.select_option("#id_specialty", value=str(world.ecommerce.pk))
    page.fill("#id_end_date", "2027-01-15")

    # Save as a draft, then submit it from the need's page.
    with page.expect_navigation():
        page.click("[data-testid=save-draft]")
    assert page.locator("[data-testid=need-status]").inner_text() == "草稿"
    need = Need.objects.get()
    assert (need.status, need.school, need.headcount) == (
        NeedStatus.DRAFT,
        world.school_a,
        2,
    )
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    assert page.locator("[data-testid=need-status]").inner_text() == "已提交"
    assert "草稿 → 已提交" in page.locator("[data-testid=timeline]").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "needs-02-staff-submitted")
    need.refresh_from_db()
    assert need.status == NeedStatus.SUBMITTED
    assert_no_problems(page)
    sign_out(page)

    # The coordinator finds it in the review queue and diagnoses it.
    sign_in(page, world.users.coord_a)
    page.goto("/needs/review/")
    row = page.locator(f"tr[data-need='{need.pk}']")
    assert "直播电商师资培训" in row.inner_text()
    with page.expect_navigation():
        row.locator(f"[data-testid=review-{need.pk}]").click()
    assert page.locator("[data-testid=priority-output]").inner_text() == "—"
    for name, score in (
        ("urgency", 5),
        ("students_affected", 3),
        ("industry_fit", 4),
        ("readiness", 2),
    ):
        page.check(f"input[name={name}][value='{score}']")
    # The priority is computed as the scores are picked: 280 / 400 -> 70.
    assert page.locator("[data-testid=priority-output]").inner_text() == "70"
    page.fill("#id_goals", "培训4名本地教师掌握直播电商教学\n建成1间直播实训室")
    assert fits_the_screen(page)
    screenshot(page, "needs-03-coordinator-diagnosis")
    with page.expect_navigation():
        page.click("[data-testid=approve]")

    # The need is open, on the page and in the database.
    assert page.locator("[data-testid=need-status]").inner_text() == "待匹配"
    assert page.locator("[data-testid=priority-score]").inner_text() == "70"
    assert page.locator("[data-testid=goals] li").count() == 2
    assert "已提交 → 待匹配" in page.locator("[data-testid=timeline]").inner_text()
    screenshot(page, "needs-04-coordinator-approved")
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert need.priority_score == 70
    assert need.diagnosis.diagnosed_by == world.users.coord_a
    assert list(need.goals.values_list("text", flat=True)) == [
        "培训4名本地教师掌握直播电商教学",
        "建成1间直播实训室",
    ]
    assert [
        (t.from_status, t.to_status, t.actor.username)
        for t in need.transitions.select_related("actor")
    ] == [
        ("", "draft", "staff_a"),
        ("draft", "submitted", "staff_a"),
        ("submitted", "open", "coord_a"),
    ]
    assert_no_problems(page)


def test_api_docs_load_from_our_own_static_files(page, live_server, screenshot):
    """Swagger UI comes from drf-spectacular-sidecar's static files, not a CDN."""
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=30_000)
    assert page.locator(".swagger-ui").count() == 1
    screenshot(page, "api-docs")
    assert_no_problems(page)
