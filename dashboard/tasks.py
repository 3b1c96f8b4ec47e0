"""Upkeep of the dashboard's tallies (migration 0003 schedules it every ten
minutes, editable in the admin under "Periodic tasks")."""

from celery import shared_task

from . import tallies


@shared_task(name="dashboard.compact_tallies", acks_late=True)
def compact_tallies() -> None:
    """Fold the rows the triggers added since the last time (see
    :func:`dashboard.tallies.compact`)."""
    tallies.compact()
