"""API tokens end: after API_TOKEN_TTL, when revoked, and with every token and
every other session of the account when its password changes or it is deactivated
(through the API, the admin, the password page or the command line)."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as global_apps
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import User, UserSession

from ..conftest import PASSWORD

NEW_PASSWORD = "Another-long-pw-42"


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


def token_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def browser_for(user, password=PASSWORD):
    browser = Client()
    response = browser.post(
        "/accounts/login/", {"username": user.username, "password": password}
    )
    assert response.status_code == 302
    return browser


def signed_in(browser):
    return browser.get("/me/").status_code == 200


def get_token(username, password=PASSWORD):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}
    )
    assert response.status_code == 200, response.data
    return response.data["token"]


# -- storage and expiry -------------------------------------------------------------


def test_a_token_is_stored_only_as_a_digest(world):
    key = get_token("coord_a")
    stored = AuthToken.objects.get()
    assert key not in {stored.digest, stored.token_key}
    assert len(stored.token_key) < len(key)


def test_a_token_expires_api_token_ttl_after_it_is_issued(world, settings):
    settings.API_TOKEN_TTL = 3600
    before = timezone.now()
    get_token("coord_a")
    stored = AuthToken.objects.get()
    assert (
        before + dt.timedelta(seconds=3600)
        <= stored.expiry
        <= timezone.now() + dt.timedelta(seconds=3600)
    )


def test_an_expired_token_is_refused_and_removed(world):
    client = token_client(get_token("coord_a"))
    assert client.get("/api/v1/me/").status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.exists()


def test_using_a_token_does_not_extend_it(world):
    client = token_client(get_token("coord_a"))
    expiry = AuthToken.objects.get().expiry
    assert client.get("/api/v1/me/").status_code == 200
    assert AuthToken.objects.get().expiry == expiry


def test_a_token_key_that_is_not_utf8_is_401_not_an_error(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token \xff\xfe")
    assert client.get("/api/v1/me/").status_code == 401


# -- revoke ---------------------------------------------------------------------------


def test_revoking_ends_this_token_and_no_other(world):
    first = token_client(get_token("coord_a"))
    second = token_client(get_token("coord_a"))
    response = first.post("/api/v1/auth/token/revoke/")
    assert response.status_code == 204
    assert first.get("/api/v1/me/").status_code == 401
    assert second.get("/api/v1/me/").status_code == 200
    assert AuthToken.objects.count() == 1


def test_revoke_needs_a_token(world):
    assert APIClient().post("/api/v1/auth/token/revoke/").status_code == 401
    browser = browser_for(world.users.coord_a)
    assert browser.post("/api/v1/auth/token/revoke/").status_code == 401


def test_the_schema_documents_token_expiry_and_revocation(world):
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    revoke = schema["paths"]["/api/v1/auth/token/revoke/"]["post"]
    assert "204" in revoke["responses"] and "401" in revoke["responses"]
    assert "API_TOKEN_TTL" in revoke["description"]
    issue = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "API_TOKEN_TTL" in issue["description"]
    assert {"200", "400"} <= set(issue["responses"])


# -- credentials change ---------------------------------------------------------------


@pytest.fixture
def signed_in_everywhere(world):
    """coord_a with two tokens and two browser sessions."""
    user = world.users.coord_a
    tokens = [token_client(get_token("coord_a")) for _ in range(2)]
    browsers = [browser_for(user), browser_for(user)]
    other = token_client(get_token("coord_b"))
    assert all(c.get("/api/v1/me/").status_code == 200 for c in tokens)
    assert all(signed_in(b) for b in browsers)
    return user, tokens, browsers, other


@pytest.fixture
def admin_site(world):
    """A browser signed in to the Django admin as the programme admin."""
    User.objects.filter(pk=world.users.admin.pk).update(
        is_staff=True, is_superuser=True
    )
    return browser_for(world.users.admin)


def assert_all_ended(user, tokens, browsers, other):
    assert [c.get("/api/v1/me/").status_code for c in tokens] == [401, 401]
    assert [signed_in(b) for b in browsers] == [False, False]
    assert not AuthToken.objects.filter(user=user).exists()
    assert not UserSession.objects.filter(user_id=user.pk).exists()
    # another account is untouched
    assert other.get("/api/v1/me/").status_code == 200


def test_an_admin_changing_the_password_through_the_api_ends_tokens_and_sessions(
    world, api, signed_in_everywhere
):
    user = signed_in_everywhere[0]
    response = api.as_user(world.users.admin).patch(
        f"/api/v1/users/{user.pk}/", {"password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert_all_ended(*signed_in_everywhere)
    get_token("coord_a", NEW_PASSWORD)


def test_deactivation_through_the_api_ends_tokens_and_sessions_for_good(
    world, api, signed_in_everywhere
):
    user = signed_in_everywhere[0]
    admin = api.as_user(world.users.admin)
    url = f"/api/v1/users/{user.pk}/"
    assert admin.patch(url, {"is_active": False}, format="json").status_code == 200
    assert_all_ended(*signed_in_everywhere)
    # reactivating the account does not bring the old ones back
    assert admin.patch(url, {"is_active": True}, format="json").status_code == 200
    tokens, browsers = signed_in_everywhere[1], signed_in_everywhere[2]
    assert [c.get("/api/v1/me/").status_code for c in tokens] == [401, 401]
    assert [signed_in(b) for b in browsers] == [False, False]


def test_a_change_of_scope_ends_nothing(world, api, signed_in_everywhere):
    user, tokens, browsers, _other = signed_in_everywhere
    response = api.as_user(world.users.admin).patch(
        f"/api/v1/users/{user.pk}/", {"first_name": "新名"}, format="json"
    )
    assert response.status_code == 200
    assert all(c.get("/api/v1/me/").status_code == 200 for c in tokens)
    assert all(signed_in(b) for b in browsers)


def test_an_admin_changing_the_password_in_the_admin_ends_tokens_and_sessions(
    admin_site, signed_in_everywhere
):
    user = signed_in_everywhere[0]
    admin = admin_site
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert_all_ended(*signed_in_everywhere)
    assert signed_in(admin)


def test_deactivation_in_the_admin_ends_tokens_and_sessions(
    admin_site, signed_in_everywhere
):
    user = signed_in_everywhere[0]
    admin = admin_site
    page = admin.get(f"/admin/accounts/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "is_active"}
    }
    data["counties"] = [c.pk for c in user.counties.all()]
    data["groups"] = data["user_permissions"] = []
    data["date_joined_0"], data["date_joined_1"] = (
        timezone.localtime(user.date_joined).strftime("%Y-%m-%d %H:%M:%S").split()
    )
    data["last_login_0"] = data["last_login_1"] = ""
    response = admin.post(f"/admin/accounts/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=user.pk).is_active
    assert_all_ended(*signed_in_everywhere)


def test_changing_ones_own_password_on_the_page_keeps_this_session_only(
    world, signed_in_everywhere
):
    user, tokens, browsers, other = signed_in_everywhere
    here = browsers[0]
    page = here.get("/me/password/")
    assert page.status_code == 200
    response = here.post(
        "/me/password/",
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert signed_in(here)
    assert not signed_in(browsers[1])
    assert [c.get("/api/v1/me/").status_code for c in tokens] == [401, 401]
    assert not AuthToken.objects.filter(user=user).exists()
    assert UserSession.objects.filter(user_id=user.pk).count() == 1
    assert other.get("/api/v1/me/").status_code == 200


def test_a_wrong_old_password_on_the_page_changes_nothing(world, signed_in_everywhere):
    _user, tokens, browsers, _other = signed_in_everywhere
    response = browsers[0].post(
        "/me/password/",
        {
            "old_password": "not-it",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert all(c.get("/api/v1/me/").status_code == 200 for c in tokens)
    assert all(signed_in(b) for b in browsers)


def test_a_password_set_on_the_command_line_ends_tokens_and_sessions(
    signed_in_everywhere,
):
    user = signed_in_everywhere[0]
    # what ``manage.py changepassword`` does once it has read the new password
    fresh = User.objects.get(pk=user.pk)
    fresh.set_password(NEW_PASSWORD)
    fresh.save()
    assert_all_ended(*signed_in_everywhere)


# -- tokens issued before this change ----------------------------------------------


def test_tokens_of_the_old_table_carry_over_hashed_and_keep_working(world):
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamptz NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, now(), %s)",
            [key, world.users.coord_a.pk],
        )
    migration = importlib.import_module("accounts.migrations.0004_api_tokens_hashed")
    with connection.schema_editor() as editor:
        migration.carry_over_tokens(global_apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    stored = AuthToken.objects.get()
    assert stored.expiry is not None and key not in stored.digest
    me = token_client(key).get("/api/v1/me/")
    assert me.status_code == 200 and me.data["username"] == "coord_a"
