"""The season's needs have the history their states imply (built by demo.world),
so that the figures worked out from them are figures the platform could show."""

from needs.models import Need

from ..histories import histories_problems
from .conftest import serve


def test_every_need_of_the_season_could_have_come_from_the_actions(world, season):
    serve(world, season.mate)
    assert Need.objects.count() == 7
    assert histories_problems(Need.objects.all()) == {}
