"""pytest-xdist workers (``make test``, TEST_WORKERS) do not share state: each has its
own test database (pytest-django appends ``_gwN``) and its own Redis DB, the DB of
TEST_REDIS_URL minus N (``tests/conftest.py``), for the cache (sign-in throttle
counters) and the Celery broker alike. Single-process runs keep both as given."""

import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from assist_platform.celery import app as celery_app

from .conftest import BASE_REDIS_URL, worker_number, worker_redis_url


def _db_of(url: str) -> int:
    return redis.Redis.from_url(url).connection_pool.connection_kwargs["db"]


def test_worker_n_takes_the_db_n_below_the_given_one():
    assert worker_redis_url("redis://127.0.0.1:6379/15", 0) == (
        "redis://127.0.0.1:6379/15"
    )
    assert worker_redis_url("redis://127.0.0.1:6379/15", 1) == (
        "redis://127.0.0.1:6379/14"
    )
    assert worker_redis_url("rediss://:pw@cache:6380/9?ssl_cert_reqs=none", 3) == (
        "rediss://:pw@cache:6380/6?ssl_cert_reqs=none"
    )
    assert worker_redis_url("unix:///run/redis.sock?db=4", 2) == (
        "unix:///run/redis.sock?db=2"
    )
    # No DB in the URL is DB 0: enough for gw0 only.
    assert _db_of(worker_redis_url("redis://127.0.0.1:6379", 0)) == 0
    with pytest.raises(pytest.UsageError, match="gw1"):
        worker_redis_url("redis://127.0.0.1:6379/0", 1)


def test_the_workers_dbs_are_all_different():
    dbs = [_db_of(worker_redis_url("redis://127.0.0.1/15", n)) for n in range(8)]
    assert len(set(dbs)) == len(dbs) == 8


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL")
def test_this_worker_uses_its_own_redis_db_for_cache_and_broker(request):
    base = request.config.stash[BASE_REDIS_URL]
    number = worker_number(request.config)
    expected = base if number is None else worker_redis_url(base, number)
    assert expected == settings.REDIS_URL
    assert settings.CACHES["default"]["LOCATION"] == expected
    assert celery_app.conf.broker_url == expected

    # What this worker writes to the cache is in its DB, and in no other worker's.
    key = f"parallel-{uuid.uuid4().hex}"
    cache.set(key, "mine", 60)
    try:
        client = cache._cache.get_client(key, write=True)
        assert client.connection_pool.connection_kwargs["db"] == _db_of(expected)
        stored = cache.make_and_validate_key(key)
        assert redis.Redis.from_url(expected).exists(stored) == 1
        workers = getattr(request.config, "workerinput", {}).get("workercount", 1)
        for other in set(range(workers)) - {number or 0}:
            assert (
                redis.Redis.from_url(worker_redis_url(base, other)).exists(stored) == 0
            ), f"gw{other} sees gw{number}'s key"
    finally:
        cache.delete(key)


@pytest.mark.django_db
def test_this_worker_has_its_own_test_database(request):
    number = worker_number(request.config)
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_")
    if number is None:
        assert "_gw" not in name
    else:
        assert name.endswith(f"_gw{number}")
