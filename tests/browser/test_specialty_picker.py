"""The specialty picker in a real browser: typing pinyin initials, a code or a former
name narrows the options and picks the first match."""

from .test_needs_journey import fits_the_screen


def test_typing_pinyin_initials_picks_the_specialty(world, page, sign_in, screenshot):
    sign_in(page, world.users.staff_a)
    page.goto("/needs/new/")
    page.wait_for_selector("[data-testid=need-form]")
    search = page.locator("[data-specialty-search=id_specialty]")

    search.fill("dzsw")
    assert (
        page.locator("#id_specialty option:checked").inner_text() == "730701 电子商务"
    )
    visible = page.locator("#id_specialty option:not([hidden])").all_inner_texts()
    assert "730701 电子商务" in visible
    assert "710201 计算机应用" not in visible
    assert fits_the_screen(page)
    screenshot(page, "specialty-picker-375")

    search.fill("学前教育")
    assert (
        page.locator("#id_specialty option:checked").inner_text() == "770101 幼儿保育"
    )

    search.fill("710210")
    assert (
        page.locator("#id_specialty option:checked").inner_text()
        == "710210 计算机平面设计"
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    screenshot(page, "specialty-picker-1366")
