"""The dashboard's figure cache (see :mod:`dashboard.queries`, "Cache"): figures
computed once are kept in the Django cache with the database snapshot they were
computed under, and served again while no write has committed since.

Validity comes from the change log of migration ``dashboard/0004``: every statement
that writes a table a figure reads adds a row to ``dashboard_change`` carrying its
transaction id. Before computing, the reader takes ``pg_current_snapshot()``; the
figures are valid for as long as every change row the database shows was already
visible in that snapshot. A writer that began before the snapshot and commits after
it has its transaction listed as running in the snapshot (``xip``), so its rows are
"not visible in the snapshot" once committed, whatever the order of the ids or the
commits: the figures are recomputed. PostgreSQL only; elsewhere nothing is cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection

# How long a cached entry lives at most (it is usually replaced long before). The
# change log keeps its rows for longer than that (see :func:`prune`).
TIMEOUT_SECONDS = 600
# Entries written by other code are not read: a deployment that changes how the
# figures are computed starts afresh (code elsewhere that they depend on, such as
# the policies' states, is covered by the timeout only).
CODE = hashlib.sha256(
    b"".join(
        (Path(__file__).parent / name).read_bytes()
        for name in ("queries.py", "figure_cache.py", "tallies.py")
    )
).hexdigest()[:16]


def available() -> bool:
    """True where the change log exists (PostgreSQL, migration 0004)."""
    return connection.vendor == "postgresql"


def _key(params: dict) -> str:
    database = settings.DATABASES["default"]
    scope = {
        "code": CODE,
        "db": [database.get("HOST"), database.get("PORT"), database["NAME"]],
        "zone": settings.TIME_ZONE,
        "grades": settings.EVALUATION_GRADES,
        **params,
    }
    digest = hashlib.sha256(
        json.dumps(scope, sort_keys=True, default=str).encode()
    ).hexdigest()
    return f"dashboard:figures:{digest}"


def _still_valid(snapshot: str) -> bool:
    """No change committed (nor made by this transaction) that the snapshot did
    not see. Rows older than the snapshot's oldest running transaction were all
    seen; only the few newer ones are looked at (index on ``txid``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM dashboard_change"
            " WHERE txid >= pg_snapshot_xmin(%s::pg_snapshot)"
            " AND NOT pg_visible_in_snapshot(txid, %s::pg_snapshot))",
            [snapshot, snapshot],
        )
        return cursor.fetchone()[0]


def _snapshot() -> tuple[str, bool]:
    """The current snapshot, and whether this transaction has written anything
    (its figures would then show writes that may yet be rolled back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text,"
            " pg_current_xact_id_if_assigned() IS NOT NULL"
        )
        snapshot, wrote = cursor.fetchone()
    return snapshot, wrote


def figures(
    params: dict,
    compute: Callable[[], tuple[dict, dt.datetime | None]],
    *,
    now: dt.datetime,
) -> dict:
    """The figures for ``params`` (counties, period, day, language...: everything
    the figures depend on besides the data), from the cache when still valid, else
    from ``compute()``, which returns the figures and the moment until which they
    hold as far as the clock goes (None: the whole day of ``params``).

    An entry is stored only when this transaction has written nothing; one that no
    longer holds (a write, or the clock passed its moment) is replaced."""
    if not available():
        return compute()[0]
    key = _key(params)
    entry = cache.get(key)
    if (
        entry is not None
        and (entry["until"] is None or now < entry["until"])
        and _still_valid(entry["snapshot"])
    ):
        return entry["figures"]
    snapshot, wrote = _snapshot()
    computed, until = compute()
    if not wrote:
        cache.set(
            key,
            {"snapshot": snapshot, "until": until, "figures": computed},
            TIMEOUT_SECONDS,
        )
    return computed


def log_change(table_name: str) -> None:
    """Record a write the triggers do not see (a rebuild of the tallies): every
    cached figure is computed again."""
    if available():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO dashboard_change (table_name) VALUES (%s)", [table_name]
            )


def prune() -> None:
    """Delete the change rows that no cached entry can need any more. Each call
    records the oldest transaction still running (the snapshot's ``xmin``); the
    rows of transactions older than a mark recorded more than an hour
    ago had ended before any entry still in the cache (at most
    ``TIMEOUT_SECONDS`` old) was computed, so every entry's snapshot saw them."""
    if not available():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dashboard_change_horizon (oldest)"
            " VALUES (pg_snapshot_xmin(pg_current_snapshot()))"
        )
        cursor.execute(
            "DELETE FROM dashboard_change WHERE txid < ("
            " SELECT max(oldest) FROM dashboard_change_horizon"
            " WHERE at < now() - interval '1 hour')"
        )
        cursor.execute(
            "DELETE FROM dashboard_change_horizon WHERE id < ("
            " SELECT max(id) FROM dashboard_change_horizon"
            " WHERE at < now() - interval '1 hour')"
        )
