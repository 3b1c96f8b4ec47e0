"""Sign-in throttling: failed attempts are counted, successful ones are not.

Three counters, each over a fixed window of ``LOGIN_THROTTLE_WINDOW`` seconds
(aligned to the clock, which makes Retry-After exact without reading a key's time
to live):

- the pair (account, address): locked after ``LOGIN_THROTTLE_PAIR_FAILURES``, so a
  mistyped password locks that account from that address only; its owner signing in
  from elsewhere, and colleagues behind the same address, are not stopped;
- the account, across addresses: a much higher ``LOGIN_THROTTLE_ACCOUNT_FAILURES``,
  against guessing one password from many addresses;
- the address, across accounts: ``LOGIN_THROTTLE_ADDRESS_FAILURES``, against
  spraying one password over many accounts. Only failures count, so an office behind
  one shared address can sign everyone in.

Every attempt first *reserves* one failure on each counter with an atomic increment
in the cache (Redis INCR when REDIS_URL is set) and only then checks the counts; a
successful sign-in gives its reservation back and clears the pair. So parallel bursts
cannot test more passwords than the limits allow, however they interleave, and a
refused attempt gives its reservation back too (it tested no password).

The address is the client's as the trusted proxies saw it (``client_address``)."""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext

PAIR = "pair"
ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: whether it may go on, and the counters it reserved."""

    allowed: bool
    keys: tuple[str, ...] = ()
    refused_by: str = ""
    retry_after: int = 0

    def message(self) -> str:
        """What happened, in the active language, for a refused attempt."""
        minutes = max(1, math.ceil(self.retry_after / 60))
        if self.refused_by == PAIR:
            text = ngettext(
                "Too many failed sign-in attempts for this account from your "
                "address. Try again in %(minutes)d minute, or sign in from another "
                "network.",
                "Too many failed sign-in attempts for this account from your "
                "address. Try again in %(minutes)d minutes, or sign in from another "
                "network.",
                minutes,
            )
        elif self.refused_by == ACCOUNT:
            text = ngettext(
                "This account is locked for now: too many failed sign-in attempts "
                "from several addresses. Try again in %(minutes)d minute.",
                "This account is locked for now: too many failed sign-in attempts "
                "from several addresses. Try again in %(minutes)d minutes.",
                minutes,
            )
        else:
            text = ngettext(
                "Too many failed sign-in attempts from your address, for several "
                "accounts. Try again in %(minutes)d minute.",
                "Too many failed sign-in attempts from your address, for several "
                "accounts. Try again in %(minutes)d minutes.",
                minutes,
            )
        return text % {"minutes": minutes}


def _window() -> int:
    return settings.LOGIN_THROTTLE_WINDOW


def _limits() -> dict[str, int]:
    return {
        PAIR: settings.LOGIN_THROTTLE_PAIR_FAILURES,
        ACCOUNT: settings.LOGIN_THROTTLE_ACCOUNT_FAILURES,
        ADDRESS: settings.LOGIN_THROTTLE_ADDRESS_FAILURES,
    }


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _keys(username: str, address: str, window_no: int) -> dict[str, str]:
    account = username.strip().lower() or "-"
    return {
        PAIR: f"signin:pair:{_digest(account + chr(0) + address)}:{window_no}",
        ACCOUNT: f"signin:user:{_digest(account)}:{window_no}",
        ADDRESS: f"signin:addr:{_digest(address)}:{window_no}",
    }


def _reserve(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def _release(key: str) -> None:
    # ValueError: the window ended meanwhile, nothing is left to give back.
    with contextlib.suppress(ValueError):
        cache.decr(key)


def attempt_begin(*, username: str, address: str) -> Attempt:
    """Reserve one failure on each counter; refuse when any is over its limit."""
    window = _window()
    now = time.time()
    window_no = int(now // window)
    keys = _keys(username, address, window_no)
    counts = {kind: _reserve(key, window + 5) for kind, key in keys.items()}
    limits = _limits()
    for kind in (PAIR, ACCOUNT, ADDRESS):
        if counts[kind] > limits[kind]:
            for key in keys.values():
                _release(key)
            retry_after = max(1, math.ceil((window_no + 1) * window - now))
            return Attempt(False, refused_by=kind, retry_after=retry_after)
    return Attempt(True, keys=(keys[PAIR], keys[ACCOUNT], keys[ADDRESS]))


def attempt_succeeded(attempt: Attempt) -> None:
    """The password was right: this attempt was no failure, and the pair's earlier
    failures are forgiven."""
    pair, account, address = attempt.keys
    cache.delete(pair)
    _release(account)
    _release(address)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's address. Behind ``TRUSTED_PROXY_COUNT`` proxies, each of which
    appends the address it received the request from to X-Forwarded-For, the
    client is the entry that many places from the right; whatever a client wrote
    further left is its own claim and is never used. Without trusted proxies (the
    default), only REMOTE_ADDR counts."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [
        hop
        for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hop.strip()
    ]
    if len(hops) < proxies:
        # The request did not come through every proxy: it reached an inner one
        # directly, so the header is nobody's word but the client's.
        return remote
    return _valid_ip(hops[-proxies]) or remote
