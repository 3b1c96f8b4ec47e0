"""The own-password page and the teachers' contact column in real Chromium, at
375 px and 1366 px (screenshots ``account-*.png`` in test-artifacts/screenshots/)."""

import pytest

from accounts.models import User

from .conftest import assert_no_problems

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
MOBILE = {"width": 375, "height": 812}
NEW_PASSWORD = "Another-long-pw-42"


def test_a_teacher_changes_their_password_and_stays_signed_in(
    page, world, sign_in, screenshot
):
    teacher = world.users.teacher_a
    sign_in(page, teacher)
    page.goto("/me/")
    with page.expect_navigation():
        page.click("text=修改密码")
    assert page.url.endswith("/me/password/")
    for name, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        screenshot(page, f"account-password-{name}")
    page.fill("#id_old_password", "pw-for-tests-123")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.url.endswith("/me/")
    assert "密码已修改" in page.content()
    screenshot(page, "account-password-changed")
    assert User.objects.get(pk=teacher.pk).check_password(NEW_PASSWORD)
    assert_no_problems(page)


def test_a_coordinator_sees_the_contact_column(page, world, sign_in, screenshot):
    world.teacher_a.phone = "13800000001"
    world.teacher_a.save(update_fields=["phone"])
    sign_in(page, world.users.coord_a)
    page.goto("/teams/teachers/")
    assert "13800000001" in page.locator("[data-testid=contact]").first.inner_text()
    for name, size in (("mobile", MOBILE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        screenshot(page, f"account-teacher-contacts-{name}")
    assert_no_problems(page)
