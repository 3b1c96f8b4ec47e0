"""Sign-in: only failures count, per (account, address), per account and per
address; the client address as the trusted proxies saw it; session rotation, CSRF."""

import threading

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import throttling
from accounts.models import Role

from .. import factories as f

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password, address="10.0.0.1", **headers):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


# -- what counts ----------------------------------------------------------------------


def test_sixty_accounts_sign_in_from_one_address_and_all_succeed(world):
    """A training morning: an office behind one shared address (default limits)."""
    users = [
        f.UserFactory(username=f"trainee{n:02d}", role=Role.TEACHER) for n in range(60)
    ]
    answers = [attempt(Client(), u.username, PASSWORD).status_code for u in users]
    assert answers == [302] * 60


def test_five_failures_from_one_address_do_not_stop_the_owner_elsewhere(world):
    client_x = Client()
    for _ in range(5):
        assert attempt(client_x, "coord_a", "wrong", "10.0.0.1").status_code == 200
    assert attempt(client_x, "coord_a", PASSWORD, "10.0.0.1").status_code == 429
    client_y = Client()
    assert attempt(client_y, "coord_a", PASSWORD, "10.0.0.2").status_code == 302
    assert signed_in_as(client_y, world.users.coord_a)


def test_the_pair_is_locked_after_five_failures_with_a_message_and_retry_after(world):
    client = Client()
    for _ in range(5):
        assert attempt(client, "coord_a", "wrong").status_code == 200
    refused = attempt(client, "coord_a", "wrong")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "此账号从您的地址登录失败次数过多" in refused.content.decode()
    # even the right password is refused while locked, and no session is made
    assert attempt(client, "coord_a", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # colleagues behind the same address are not stopped
    assert attempt(Client(), "coord_b", PASSWORD).status_code == 302


def test_successful_sign_ins_never_count(world, settings):
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 2
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 2
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 2
    for _ in range(10):
        assert attempt(Client(), "coord_a", PASSWORD).status_code == 302
    client = Client()
    assert attempt(client, "coord_a", "wrong").status_code == 200
    assert attempt(client, "coord_a", "wrong").status_code == 200
    assert attempt(client, "coord_a", "wrong").status_code == 429


def test_a_successful_sign_in_clears_that_pairs_failures(world):
    client = Client()
    for _ in range(4):
        attempt(client, "coord_a", "wrong")
    assert attempt(client, "coord_a", PASSWORD).status_code == 302
    other = Client()
    for _ in range(5):
        assert attempt(other, "coord_a", "wrong").status_code == 200
    assert attempt(other, "coord_a", "wrong").status_code == 429


def test_the_account_is_locked_across_addresses_at_its_higher_limit(world, settings):
    settings.LOGIN_THROTTLE_ACCOUNT_FAILURES = 8
    for n in range(8):
        assert attempt(Client(), "coord_a", "wrong", f"10.0.1.{n}").status_code == 200
    refused = attempt(Client(), "coord_a", PASSWORD, "10.0.2.1")
    assert refused.status_code == 429
    assert "此账号暂时锁定" in refused.content.decode()
    # other accounts from those addresses go on
    assert attempt(Client(), "coord_b", PASSWORD, "10.0.1.0").status_code == 302


def test_one_address_spraying_many_accounts_is_stopped(world, settings):
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 6
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        assert attempt(Client(), name, "wrong", "10.9.9.9").status_code == 200
    refused = attempt(Client(), "coord_a", PASSWORD, "10.9.9.9")
    assert refused.status_code == 429
    assert "您的地址" in refused.content.decode()
    assert attempt(Client(), "coord_a", PASSWORD, "10.9.9.8").status_code == 302


def test_the_refusal_speaks_the_clients_language(world, settings):
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 1
    client = APIClient()
    body = {"username": "coord_a", "password": "wrong"}
    assert client.post("/api/v1/auth/token/", body).status_code == 400
    chinese = client.post("/api/v1/auth/token/", body)
    english = client.post("/api/v1/auth/token/", body, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 429
    assert "此账号从您的地址登录失败次数过多" in chinese.data["detail"]
    assert english.data["detail"].startswith(
        "Too many failed sign-in attempts for this account from your address."
    )


# -- bursts ---------------------------------------------------------------------------


def test_two_parallel_bursts_cannot_test_more_passwords_than_the_limit(world, settings):
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 3
    allowed = []
    lock = threading.Lock()

    def burst():
        for _ in range(20):
            verdict = throttling.attempt_begin(username="coord_a", address="10.1.1.1")
            with lock:
                allowed.append(verdict.allowed)

    threads = [threading.Thread(target=burst) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 40
    assert sum(allowed) == 3


def test_parallel_successes_from_one_address_give_their_reservations_back(settings):
    settings.LOGIN_THROTTLE_ADDRESS_FAILURES = 3
    allowed = []
    lock = threading.Lock()

    def burst(prefix):
        for n in range(20):
            verdict = throttling.attempt_begin(
                username=f"{prefix}{n}", address="10.1.1.2"
            )
            if verdict.allowed:
                throttling.attempt_succeeded(verdict)
            with lock:
                allowed.append(verdict.allowed)

    threads = [threading.Thread(target=burst, args=(p,)) for p in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed == [True] * 40
    # and the address still has its whole allowance of failures
    for n in range(3):
        assert throttling.attempt_begin(username=f"x{n}", address="10.1.1.2").allowed
    assert not throttling.attempt_begin(username="x9", address="10.1.1.2").allowed


# -- the client address -------------------------------------------------------------


def address_of(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return throttling.client_address(RequestFactory().post("/", **meta))


def test_without_trusted_proxies_x_forwarded_for_is_ignored():
    assert address_of("198.51.100.7", "203.0.113.9") == "198.51.100.7"


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        # one proxy: it appended the client's address last
        (1, "10.0.0.254", "203.0.113.5", "203.0.113.5"),
        (1, "10.0.0.254", "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        # two proxies: the outer one's entry, second from the right
        (2, "10.0.0.254", "6.6.6.6, 203.0.113.5, 10.0.0.253", "203.0.113.5"),
        # fewer entries than proxies: an inner proxy was reached directly
        (2, "10.0.0.254", "203.0.113.5", "10.0.0.254"),
        (1, "10.0.0.254", None, "10.0.0.254"),
        # not an address at all
        (1, "10.0.0.254", "6.6.6.6, not-an-ip", "10.0.0.254"),
    ],
)
def test_behind_trusted_proxies_the_address_is_read_from_the_right(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert address_of(remote, forwarded) == expected


def test_a_forged_x_forwarded_for_never_escapes_the_lock(world):
    client = Client()
    for n in range(5):
        response = attempt(
            client, "coord_a", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        )
        assert response.status_code == 200
    forged = attempt(client, "coord_a", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert forged.status_code == 429


def test_behind_a_proxy_a_forged_entry_never_escapes_the_lock(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.254"
    for n in range(5):
        response = attempt(
            Client(),
            "coord_a",
            "wrong",
            proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5",
        )
        assert response.status_code == 200
    forged = attempt(
        Client(),
        "coord_a",
        PASSWORD,
        proxy,
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5",
    )
    assert forged.status_code == 429
    # another client behind the same proxy is someone else
    other = attempt(
        Client(), "coord_a", PASSWORD, proxy, HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert other.status_code == 302


# -- the session ---------------------------------------------------------------------


def test_the_session_key_is_rotated_at_sign_in(world):
    client = Client()
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    assert attempt(client, "coord_a", PASSWORD).status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(world.users.coord_a.pk)


def test_csrf_is_enforced_for_session_form_posts(world):
    client = Client(enforce_csrf_checks=True)
    response = attempt(client, "coord_a", PASSWORD)
    assert response.status_code == 403


# -- the admin ------------------------------------------------------------------------


@pytest.fixture
def staff_admin(world):
    user = world.users.admin
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_the_admins_own_form_checks_no_password(staff_admin):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_staff_reach_the_admin_through_the_throttled_sign_in_page(staff_admin):
    client = Client()
    to_admin = client.get("/admin/")
    assert to_admin.status_code == 302
    to_sign_in = client.get(to_admin["Location"])
    assert to_sign_in.status_code == 302
    assert to_sign_in["Location"].startswith("/accounts/login/?next=")
    signed_in = client.post(
        to_sign_in["Location"], {"username": "admin", "password": PASSWORD}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_the_admin_sign_in_shares_the_throttle(staff_admin):
    client = Client()
    for _ in range(5):
        attempt(client, "admin", "wrong")
    refused = client.post(
        "/accounts/login/?next=/admin/",
        {"username": "admin", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert refused.status_code == 429


def test_a_signed_in_user_who_is_not_staff_gets_403_from_the_admin_login(world):
    client = Client()
    client.force_login(world.users.coord_a)
    assert client.get("/admin/login/").status_code == 403
