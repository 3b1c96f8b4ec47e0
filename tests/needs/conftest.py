"""Fixtures of the needs tests: needs in every state, in both counties."""

import datetime as dt

import pytest
from django.utils import timezone

from needs.models import NeedStatus, NeedTransition

from .. import factories as f


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
    """A need of ``school`` (default school A) already in ``status``."""
    school = school or world.school_a
    staff = world.users.staff_a if school.county_id == world.county_a.id else None
    values = {
        "school": school,
        "specialty": world.ecommerce,
        "created_by": staff or world.users.staff_b,
        "status": status,
    }
    now = timezone.now()
    if status != NeedStatus.DRAFT:
        values["submitted_at"] = now - dt.timedelta(days=3)
    if status in (NeedStatus.MATCHED, NeedStatus.FULFILLED):
        values["filled"] = fields.get("headcount", 1)
        values["matched_at"] = now - dt.timedelta(days=1)
    if status == NeedStatus.FULFILLED:
        values["fulfilled_at"] = now
    values.update(fields)
    need = f.NeedFactory(**values)
    NeedTransition.objects.create(
        need=need,
        from_status="",
        to_status=NeedStatus.DRAFT,
        actor=values["created_by"],
    )
    return need


@pytest.fixture
def need_in(world):
    """``need_in("open")``: a need of school A in that state."""

    def build(status, **fields):
        return make_need(world, status, **fields)

    return build
