"""The dashboard's running tallies (:mod:`dashboard.models`; kept by the triggers
of migration 0002, PostgreSQL only): whether they are there, and their upkeep."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from . import figure_cache
from .models import TallyZone


def available() -> bool:
    """True where the triggers keep the tallies (PostgreSQL)."""
    return connection.vendor == "postgresql"


def compact() -> None:
    """Fold the tally rows of each key into one (the triggers only add rows).
    Safe at any time, beside any writer or reader: one statement per table. The
    figure cache's change log is pruned at the same time."""
    if available():
        with connection.cursor() as cursor:
            cursor.execute("SELECT dashboard_tally_compact()")
        figure_cache.prune()


def rebuild(county_ids: list[int] | None = None) -> None:
    """Count the tallies of ``county_ids`` (None: all) afresh from the rows; a
    full rebuild also takes the dates of confirmations in today's
    ``settings.TIME_ZONE``."""
    if not available():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if county_ids is None:
            TallyZone.objects.all().delete()
            TallyZone.objects.create(zone=settings.TIME_ZONE)
        cursor.execute(
            "SELECT dashboard_tally_rebuild(%s::bigint[])",
            [list(county_ids) if county_ids is not None else None],
        )
        # Counted afresh, a tally may differ from the one the cached figures read.
        figure_cache.log_change("dashboard_tally_rebuild")
