"""Fixtures of the needs tests: needs in every state, in both counties."""

import datetime as dt

import pytest
from django.utils import timezone

from demo.world import history, need_fields, need_steps
from needs.models import NeedStatus, NeedTransition

from .. import factories as f
from ..conftest import people


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Pages render ``{% static %}`` without a collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def make_need(world, status=NeedStatus.DRAFT, *, school=None, **fields):
    """A need of ``school`` (default school A) already in ``status``, with the
    fields and the history the steps to it imply (demo.world)."""
    school = school or world.school_a
    actors = people(world, school)
    now = timezone.now()
    steps = need_steps(status)
    values = {
        "school": school,
        "specialty": world.ecommerce,
        "created_by": actors["staff"],
        **need_fields(
            steps,
            headcount=fields.get("headcount", 1),
            at={
                "submit": now - dt.timedelta(days=3),
                "accept": now - dt.timedelta(days=1),
                "confirm": now,
            },
        ),
    }
    values.update(fields)
    need = f.NeedFactory(**values)
    actors = {**actors, "staff": values["created_by"]}
    NeedTransition.objects.bulk_create(history(steps, actors=actors, need=need))
    return need


@pytest.fixture
def need_in(world):
    """``need_in("open")``: a need of school A in that state."""

    def build(status, **fields):
        return make_need(world, status, **fields)

    return build
