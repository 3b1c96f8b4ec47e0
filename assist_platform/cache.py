"""The cache backend used when ``REDIS_URL`` is set: Django's RedisCache, failing soft.

Redis is the Celery broker and the cache; sessions live in the database. The cache
holds nothing that cannot be lost (today: the sign-in throttle's counters), so a
Redis outage must not take pages or the API down with it. Django's RedisCache
raises on every operation while Redis cannot be reached, which turned every
sign-in into a server error (scripts/faults/redis_outage.py). This backend answers
such an operation from a memory cache of its own process instead: sign-in stays
throttled during the outage, counted per process rather than across processes, and
once Redis answers again every operation goes back to it (what was counted in
memory meanwhile is simply forgotten). One warning per minute is logged while
Redis is unreachable."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# The synchronous operations of RedisCache; the async ones and the helpers of
# BaseCache (get_or_set, decr, incr_version, ...) are built on these.
OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)
WARN_EVERY = 60.0  # seconds


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        import redis

        self._unreachable = (
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
        )
        self._fallback = LocMemCache(
            f"fail-soft-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )
        self._warned_at = 0.0

    def _warn(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            logger.warning(
                "Redis cache unreachable (%s: %s); answering from this process's "
                "memory until it is back",
                operation,
                exc,
            )


def _fail_soft(name: str):
    redis_operation = getattr(RedisCache, name)

    def operation(self, *args, **kwargs):
        try:
            return redis_operation(self, *args, **kwargs)
        except self._unreachable as exc:
            self._warn(name, exc)
            return getattr(self._fallback, name)(*args, **kwargs)

    operation.__name__ = operation.__qualname__ = name
    operation.__doc__ = redis_operation.__doc__
    return operation


for _name in OPERATIONS:
    setattr(FailSoftRedisCache, _name, _fail_soft(_name))
