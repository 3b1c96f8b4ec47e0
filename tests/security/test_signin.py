"""Sign-in: throttling per account and per address, session rotation, CSRF."""

import threading

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts import throttling

PASSWORD = "pw-for-tests-123"


@pytest.fixture(autouse=True)
def _fresh_counters(settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 3
    settings.LOGIN_THROTTLE_PER_ADDRESS = 6
    cache.clear()
    yield
    cache.clear()


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_repeated_failures_on_one_account_get_429_with_retry_after(world):
    client = Client()
    for _ in range(3):
        assert attempt(client, "coord_a", "wrong").status_code == 200
    refused = attempt(client, "coord_a", "wrong")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    # even the right password is refused while throttled, and no session is made
    assert attempt(client, "coord_a", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_other_accounts_are_not_throttled_by_one_account(world):
    client = Client()
    for _ in range(4):
        attempt(client, "coord_a", "wrong")
    assert attempt(client, "coord_b", PASSWORD, address="10.0.0.2").status_code == 302


def test_one_address_trying_many_accounts_is_throttled(world):
    client = Client()
    for name in ["a1", "a2", "a3", "a4", "a5", "a6"]:
        assert attempt(client, name, "wrong", address="10.9.9.9").status_code == 200
    assert attempt(client, "coord_a", PASSWORD, address="10.9.9.9").status_code == 429
    assert attempt(client, "coord_a", PASSWORD, address="10.9.9.8").status_code == 302


def test_success_clears_the_account_counter(world):
    client = Client()
    attempt(client, "coord_a", "wrong")
    attempt(client, "coord_a", "wrong")
    assert attempt(client, "coord_a", PASSWORD).status_code == 302
    other = Client()
    for _ in range(3):
        assert attempt(other, "coord_a", "wrong").status_code == 200


def test_two_parallel_bursts_cannot_exceed_the_limit(world):
    allowed = []
    lock = threading.Lock()

    def burst():
        for _ in range(20):
            verdict = throttling.reserve_attempt(username="coord_a", address="10.1.1.1")
            with lock:
                allowed.append(verdict.allowed)

    threads = [threading.Thread(target=burst) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 40
    assert sum(allowed) == 3


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
