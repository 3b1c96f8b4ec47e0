"""Language: REST clients get their ``Accept-Language`` (English or Chinese); pages
keep the switch's choice and are Chinese by default, whatever the browser asks."""

import json

import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture
def token_client(world):
    from accounts.tokens import token_issue

    client = Client()
    key = token_issue(user=world.users.staff_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def test_the_api_answers_in_the_language_the_client_accepts(token_client):
    english = token_client.post(
        "/api/v1/needs/",
        "{}",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.status_code == 400
    assert english.json()["title"] == ["This field is required."]
    assert english["Content-Language"] == "en"
    assert "Accept-Language" in english["Vary"]
    chinese = token_client.post(
        "/api/v1/needs/",
        "{}",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )
    assert chinese.json()["title"] == ["该字段是必填项。"]
    assert chinese["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, en;q=0.5", "en"),
        ("zh-Hans-CN", "zh-hans"),
        ("de, *;q=0.1", "zh-hans"),
        ("", "zh-hans"),
        ("en;q=0.2, zh-CN;q=0.8", "zh-hans"),
        ("x" * 300, "zh-hans"),
    ],
)
def test_accept_language_choices(world, header, expected):
    anonymous = Client()
    response = anonymous.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 401
    assert response["Content-Language"] == expected


def test_an_api_client_without_the_header_gets_the_cookie_choice_or_chinese(world):
    client = Client()
    assert client.get("/api/v1/me/")["Content-Language"] == "zh-hans"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/api/v1/me/")["Content-Language"] == "en"
    # the header, when sent, wins for the API
    answer = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert answer["Content-Language"] == "zh-hans"
    assert json.loads(answer.content)["detail"] == "身份认证信息未提供。"


def test_pages_ignore_accept_language_and_keep_the_switch(world):
    browser = Client()
    browser.force_login(world.users.staff_a)
    page = browser.get("/needs/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in page.content.decode()
    browser.post("/i18n/setlang/", {"language": "en", "next": "/needs/"})
    page = browser.get("/needs/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en">' in page.content.decode()
