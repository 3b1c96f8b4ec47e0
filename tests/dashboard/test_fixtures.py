"""The hand-built and the random worlds' needs have the history their states
imply (built by demo.world): the figures are counted over needs the platform
could hold."""

import pytest

from needs.models import Need, NeedStatus

from ..histories import histories_problems

pytestmark = pytest.mark.django_db


def test_every_need_of_the_scenario_could_have_come_from_the_actions(scenario):
    assert histories_problems(Need.objects.all()) == {}


def test_every_random_need_could_have_come_from_the_actions(random_world):
    needs = Need.objects.all()
    assert needs.count() == 60 + 12 + 22
    assert histories_problems(needs) == {}
    # Every state is there, and needs returned once on their way.
    assert set(needs.values_list("status", flat=True)) == set(NeedStatus.values)
    returned = needs.filter(
        transitions__from_status=NeedStatus.SUBMITTED,
        transitions__to_status=NeedStatus.DRAFT,
    )
    assert returned.exclude(status=NeedStatus.DRAFT).exists()
