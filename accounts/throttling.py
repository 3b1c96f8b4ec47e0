"""Sign-in throttling, per account and per address.

Each attempt first *reserves* a slot with an atomic increment in the cache (Redis INCR
when REDIS_URL is set), and only then checks the count; so two parallel bursts cannot
get more attempts through than the limit, however they interleave. A successful
sign-in clears the account's counter. Windows are fixed (aligned to the clock), which
makes Retry-After exact without reading a key's time to live.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


def _limits() -> tuple[int, int, int]:
    window = getattr(settings, "LOGIN_THROTTLE_WINDOW", 900)
    per_account = getattr(settings, "LOGIN_THROTTLE_PER_ACCOUNT", 5)
    per_address = getattr(settings, "LOGIN_THROTTLE_PER_ADDRESS", 20)
    return window, per_account, per_address


def _key(kind: str, value: str, window_no: int) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"signin:{kind}:{digest}:{window_no}"


def _reserve(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def reserve_attempt(*, username: str, address: str) -> Verdict:
    """Count one sign-in attempt; refuse it when either counter is over its limit."""
    window, per_account, per_address = _limits()
    now = time.time()
    window_no = int(now // window)
    retry_after = max(1, int((window_no + 1) * window - now))
    address_count = _reserve(_key("addr", address, window_no), window + 5)
    account_count = _reserve(_key("user", username or "-", window_no), window + 5)
    if account_count > per_account or address_count > per_address:
        return Verdict(False, retry_after)
    return Verdict(True)


def clear_account(username: str) -> None:
    window, _, _ = _limits()
    cache.delete(_key("user", username or "-", int(time.time() // window)))
