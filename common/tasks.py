"""Handing work to Celery by task name, so that a service need not import the
module that defines its task (which imports the service: a cycle)."""

from __future__ import annotations

from celery import current_app


def task(name: str):
    """The registered task ``name``. A worker has imported every app's ``tasks``
    module when it started; a web process imports them on first use here (the
    Celery app's autodiscovery)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]
