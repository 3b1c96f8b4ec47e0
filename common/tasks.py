"""Handing work to Celery by task name, so that a service need not import the
module that defines its task (which imports the service: a cycle)."""

from __future__ import annotations

from celery import current_app


def task(name: str):
    """The registered task ``name`` (the app loads every app's ``tasks`` module)."""
    return current_app.tasks[name]
