"""A temporary password issued by a coordinator: shown once, ends the account's
sessions and tokens, and must be replaced at the next sign-in: until then every
page leads to the password page and the API answers 403 with a clear code, except
signing out and changing the password."""

import pytest
from django.test import Client

from accounts.models import User
from accounts.tokens import token_issue

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

CHOSEN = "Lantern-field-2718"


def issue(world, persona="coord_a", account="staff_a"):
    client = Client()
    client.force_login(getattr(world.users, persona))
    return client.post(
        f"/accounts/people/{getattr(world.users, account).pk}/temporary-password/"
    )


def shown_password(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="temporary-password">') + len(
        'data-testid="temporary-password">'
    )
    return html[start : html.index("<", start)]


@pytest.mark.parametrize(
    ("persona", "account", "expected"),
    [
        ("coord_a", "staff_a", 200),
        ("coord_a", "teacher_a", 200),
        ("admin", "staff_b", 200),
        ("coord_b", "staff_a", 404),
        ("coord_a", "teacher_b", 404),
        ("coord_a", "coord_b", 404),
        ("admin", "coord_a", 404),
        ("staff_a", "staff_a", 403),
        ("teacher_a", "teacher_a", 403),
    ],
)
def test_who_may_issue_a_temporary_password(world, persona, account, expected):
    response = issue(world, persona, account)
    assert response.status_code == expected
    user = User.objects.get(pk=getattr(world.users, account).pk)
    assert user.must_change_password is (expected == 200)
    assert user.check_password(PASSWORD) is (expected != 200)


def test_it_is_shown_once_and_ends_sessions_and_tokens(world, api):
    staff = world.users.staff_a
    signed_in = Client()
    signed_in.force_login(staff)
    token = token_issue(user=staff)
    response = issue(world)
    assert response.status_code == 200
    assert (
        "no-store" in response["Cache-Control"]
        or "max-age=0" in response["Cache-Control"]
    )
    password = shown_password(response)
    assert len(password) == 14
    assert User.objects.get(pk=staff.pk).check_password(password)
    assert signed_in.get("/needs/").status_code == 302  # the session has ended
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401


def test_every_page_leads_to_the_password_page_until_it_is_changed(world):
    password = shown_password(issue(world))
    client = Client()
    assert client.login(username="staff_a", password=password)
    for path in ("/", "/needs/", "/me/", "/inbox/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/me/password/", path
    page = client.get("/me/password/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "临时密码" in html
    assert 'class="mainnav"' not in html
    same = client.post(
        "/me/password/",
        {
            "old_password": password,
            "new_password1": password,
            "new_password2": password,
        },
    )
    assert "请设置一个与当前登录密码不同的新密码。" in same.content.decode()
    changed = client.post(
        "/me/password/",
        {"old_password": password, "new_password1": CHOSEN, "new_password2": CHOSEN},
    )
    assert changed.status_code == 302
    assert client.get("/needs/").status_code == 200
    assert not User.objects.get(pk=world.users.staff_a.pk).must_change_password


def test_signing_out_is_allowed(world):
    password = shown_password(issue(world))
    client = Client()
    client.login(username="staff_a", password=password)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_api_answers_403_with_a_code_until_it_is_changed(world):
    password = shown_password(issue(world))
    client = Client()
    token = client.post(
        "/api/v1/auth/token/", {"username": "staff_a", "password": password}
    ).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    for path in ("/api/v1/me/", "/api/v1/needs/"):
        refused = client.get(path, **auth)
        assert refused.status_code == 403, path
        assert refused.json()["code"] == "password_change_required"
    wrong = client.post(
        "/api/v1/me/password/",
        {"old_password": "nope", "new_password": CHOSEN},
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()
    changed = client.post(
        "/api/v1/me/password/",
        {"old_password": password, "new_password": CHOSEN},
        content_type="application/json",
        **auth,
    )
    assert changed.status_code == 200
    new_token = changed.json()["token"]
    assert client.get("/api/v1/me/", **auth).status_code == 401  # the old token ended
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {new_token}")
    assert me.status_code == 200


def test_the_browsers_own_api_calls_are_refused_too(world):
    password = shown_password(issue(world))
    client = Client()
    client.login(username="staff_a", password=password)
    refused = client.get("/api/v1/needs/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"


def test_revoking_the_token_is_allowed(world):
    password = shown_password(issue(world))
    client = Client()
    token = client.post(
        "/api/v1/auth/token/", {"username": "staff_a", "password": password}
    ).json()["token"]
    revoked = client.post(
        "/api/v1/auth/token/revoke/", HTTP_AUTHORIZATION=f"Token {token}"
    )
    assert revoked.status_code == 204


def test_the_api_issues_it_too(world, api):
    response = api.as_user(world.users.coord_a).post(
        f"/api/v1/people/{world.users.teacher_a.pk}/temporary-password/"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    user = User.objects.get(pk=world.users.teacher_a.pk)
    assert user.check_password(response.json()["temporary_password"])
    assert user.must_change_password
    listed = api.get(f"/api/v1/people/{user.pk}/").json()
    assert listed["state"] == "temporary_password"


def test_a_deactivated_account_gets_none(world, api):
    User.objects.filter(pk=world.users.staff_a.pk).update(is_active=False)
    response = api.as_user(world.users.coord_a).post(
        f"/api/v1/people/{world.users.staff_a.pk}/temporary-password/"
    )
    assert response.status_code == 409
    assert not User.objects.get(pk=world.users.staff_a.pk).must_change_password
