"""A coordinator creates a teacher's account from the teacher list, and the teacher
chooses a password through the e-mailed link, in real Chromium at 375 px (and the
list at 1366 px). Screenshots ``people-*.png`` in test-artifacts/screenshots/."""

import re

import pytest
from django.core import mail

from accounts.models import User
from tests import factories as f

from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
MOBILE = {"width": 375, "height": 812}
CHOSEN = "Harbour-light-3141"


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_coordinator_creates_an_account_and_the_teacher_sets_a_password(
    page, world, sign_in, sign_out, screenshot, live_server
):
    newcomer = f.TeacherFactory(
        name="王新来", home_school=world.home, county=world.county_a
    )
    sign_in(page, world.users.coord_a)
    page.goto("/teams/teachers/")
    with page.expect_navigation():
        page.click(f"a[href='/accounts/people/new/?teacher={newcomer.pk}']")
    no_sideways_scroll(page)
    page.fill("#id_email", "wang@example.com")
    screenshot(page, "people-new-account-mobile")
    with page.expect_navigation():
        page.click("[data-testid=create-account]")
    assert "设置密码的链接已发送至 wang@example.com" in page.content()
    no_sideways_scroll(page)
    screenshot(page, "people-list-mobile")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "people-list-desktop")
    page.set_viewport_size(MOBILE)
    sign_out(page)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[0].body)[0]
    page.goto(link)
    assert "wang@example.com" in page.content()
    no_sideways_scroll(page)
    screenshot(page, "people-choose-password-mobile")
    page.fill("#id_new_password1", CHOSEN)
    page.fill("#id_new_password2", CHOSEN)
    with page.expect_navigation():
        page.click("[data-testid=set-password]")
    assert "密码已设置" in page.content()
    screenshot(page, "people-welcome-mobile")
    assert User.objects.get(username="wang@example.com").check_password(CHOSEN)
    page.goto(link)
    assert page.locator("[data-testid=link-dead]").is_visible()
    assert_no_problems(page)


def test_a_temporary_password_is_shown_once_and_must_be_changed(
    page, world, sign_in, sign_out, screenshot
):
    sign_in(page, world.users.coord_a)
    page.goto("/accounts/people/?search=staff_a")
    with page.expect_navigation():
        page.click("[data-testid=temporary-password]")
    password = page.locator("[data-testid=temporary-password]").inner_text().strip()
    no_sideways_scroll(page)
    screenshot(page, "people-temporary-password-mobile")
    sign_out(page)
    page.goto("/accounts/login/")
    page.fill("#id_username", "staff_a")
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/me/password/")
    assert page.locator("[data-testid=temporary-notice]").is_visible()
    screenshot(page, "people-must-change-mobile")
    page.goto("/needs/")
    assert page.url.endswith("/me/password/")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", CHOSEN)
    page.fill("#id_new_password2", CHOSEN)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto("/needs/")
    assert page.url.endswith("/needs/")
    assert_no_problems(page)
