"""Error pages are pages of the site: in the base layout, Chinese first (English
when chosen), saying what happened and offering a way back; under /api/ they stay
JSON. Rendered as in production (DEBUG off)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    return settings


def page_of(response) -> str:
    return response.content.decode()


def test_404_is_a_chinese_page_with_a_way_back(production, world, client):
    client.force_login(world.users.staff_a)
    response = client.get("/needs/999999/", HTTP_REFERER="http://testserver/needs/")
    assert response.status_code == 404
    html = page_of(response)
    assert 'data-testid="error-page"' in html and 'data-status="404"' in html
    assert "页面不存在" in html
    assert 'href="http://testserver/needs/"' in html  # back where they came from
    assert 'data-testid="error-home"' in html and 'href="/"' in html
    assert 'class="topbar"' in html  # the base layout, with its navigation


def test_the_way_back_never_leads_off_site(production, world, client):
    client.force_login(world.users.staff_a)
    response = client.get("/needs/999999/", HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 404
    assert "evil.example" not in page_of(response)


def test_403_says_to_ask_the_coordinator(production, world, client):
    client.force_login(world.users.staff_a)
    response = client.get("/needs/review/")
    assert response.status_code == 403
    html = page_of(response)
    assert "您无权执行此操作" in html and "协调员" in html


def test_english_when_chosen(production, world, client):
    client.force_login(world.users.staff_a)
    client.cookies["django_language"] = "en"
    html = page_of(client.get("/needs/999999/"))
    assert "Page not found" in html and "页面不存在" not in html


def test_an_anonymous_visitor_is_offered_the_sign_in(production, db):
    html = page_of(Client().get("/no-such-page/"))
    assert "页面不存在" in html
    assert 'href="/accounts/login/"' in html


def test_400_page_for_a_bad_request(production, world, client):
    client.force_login(world.users.staff_a)
    response = client.get("/needs/", HTTP_HOST="bad host name")
    assert response.status_code == 400
    assert "无法处理该请求" in page_of(response)


@pytest.mark.urls("tests.error_urls")
def test_500_page_in_the_layout(production, world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users.staff_a)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = page_of(response)
    assert "系统出现错误" in html and 'data-status="500"' in html


@pytest.mark.urls("tests.error_urls")
def test_429_page_in_the_layout_with_retry_after(production, world, client):
    client.force_login(world.users.staff_a)
    response = client.get("/too-often/", HTTP_REFERER="http://testserver/needs/")
    assert response.status_code == 429
    assert response["Retry-After"] == "120"
    html = page_of(response)
    assert 'data-status="429"' in html and 'class="topbar"' in html
    assert "尝试次数过多" in html and "同一操作过于频繁。" in html
    assert 'href="http://testserver/needs/"' in html
    client.cookies["django_language"] = "en"
    assert "Too many attempts" in page_of(client.get("/too-often/"))


def test_a_real_429_page_past_the_limit_of_new_links(production, world, settings):
    from accounts import services
    from teams.models import Teacher

    settings.ACCOUNT_INVITATIONS_PER_HOUR = 1
    newcomer = Teacher.objects.create(
        name="新来",
        home_school=world.home,
        county=world.county_a,
        available_from="2026-09-01",
        available_until="2027-07-01",
    )
    user = services.account_invite(
        actor=world.users.coord_a,
        role="teacher",
        teacher=newcomer,
        email="new@example.com",
        link_base="http://testserver",
    )
    client = Client()
    client.force_login(world.users.coord_a)
    url = f"/accounts/people/{user.pk}/resend/"
    assert client.post(url).status_code == 302
    refused = client.post(url)
    assert refused.status_code == 429
    assert 'data-status="429"' in page_of(refused)


def test_api_paths_keep_json(production, world, api):
    response = api.as_user(world.users.staff_a).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
