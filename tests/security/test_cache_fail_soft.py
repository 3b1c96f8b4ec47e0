"""The Redis cache fails soft (assist_platform/cache.py): while Redis cannot be
reached, cache operations are answered from the process's memory and requests go
on -- sign-in included, still throttled. scripts/faults/redis_outage.py shows it
with Redis really stopped; here Redis is "down" because nothing listens on the
port."""

import pytest
from django.conf import settings
from django.core.cache import caches

from accounts.throttling import attempt_begin
from assist_platform.cache import FailSoftRedisCache

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def backend(location=NOWHERE):
    return FailSoftRedisCache(
        location,
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )


def test_every_operation_answers_while_redis_is_unreachable():
    down = backend()
    down.set("a", 1)
    assert down.get("a") == 1
    assert down.add("b", 5) and not down.add("b", 6)
    assert down.incr("b") == 6
    assert down.get_many(["a", "b"]) == {"a": 1, "b": 6}
    assert down.has_key("a")
    down.set_many({"c": 3})
    assert down.get_or_set("d", 4) == 4
    assert down.touch("c")
    down.delete("a")
    down.delete_many(["b"])
    assert down.get("a") is None and down.get("b", "gone") == "gone"
    down.clear()
    assert down.get("c") is None
    with pytest.raises(ValueError):
        down.incr("never-set")


def test_sign_in_stays_throttled_while_redis_is_unreachable(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "assist_platform.cache.FailSoftRedisCache",
            "LOCATION": NOWHERE,
        }
    }
    settings.LOGIN_THROTTLE_PAIR_FAILURES = 3
    verdicts = [
        attempt_begin(username="zhang", address="10.0.0.1").allowed for _ in range(4)
    ]
    assert verdicts == [True, True, True, False]


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_with_redis_up_the_values_are_shared_through_redis():
    assert isinstance(caches["default"], FailSoftRedisCache)
    one, other = backend(settings.REDIS_URL), backend(settings.REDIS_URL)
    one.set("shared-key", "from one", timeout=30)
    assert other.get("shared-key") == "from one"  # not from this object's memory
    other.delete("shared-key")
