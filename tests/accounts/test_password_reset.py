"""Forgotten passwords: Django's reset by e-mail, in Chinese, the same answer for a
known and an unknown address, at most three mails an hour to one address, and a
link that works once and ends the account's other sessions and tokens."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.tokens import token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(world, settings):
    cache.delete("password-reset:staff_a@example.cn")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    user = world.users.staff_a
    user.email = "staff_a@example.cn"
    user.save(update_fields=["email"])
    return user


def test_the_sign_in_page_offers_the_reset(owner):
    page = Client().get("/accounts/login/").content.decode()
    assert "忘记密码" in page and 'href="/accounts/password-reset/"' in page


def test_a_reset_link_sets_a_new_password_once(owner, api):
    token = token_issue(user=owner)
    client = Client()
    response = client.post("/accounts/password-reset/", {"email": "staff_a@example.cn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "新密码" in message.subject
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body)
    page = client.get(link.group(1), follow=True)
    assert "设置新密码" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url,
        {"new_password1": "Xin-mima-2026!", "new_password2": "Xin-mima-2026!"},
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Xin-mima-2026!")
    # The old token ended with the password change.
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401
    # The link works once.
    again = client.get(link.group(1), follow=True).content.decode()
    assert "已被使用或已过期" in again


def test_an_unknown_address_gets_the_same_answer_and_no_mail(owner):
    response = Client().post("/accounts/password-reset/", {"email": "nobody@x.cn"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_one_address_gets_at_most_three_mails_an_hour(owner):
    client = Client()
    for _ in range(5):
        response = client.post(
            "/accounts/password-reset/", {"email": "staff_a@example.cn"}
        )
        assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 3
