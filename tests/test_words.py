"""Words a person reads: counties that receive help (never the supporting city),
who started a matching run, the account page in Chinese."""

import pytest

from matching.models import MatchingRun, RunTrigger
from places.models import County


@pytest.fixture
def pages(world, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    return world


def test_the_supporting_city_is_never_among_the_assisted_counties(pages, client):
    assert pages.liyang not in County.objects.assisted()
    assert pages.county_a in County.objects.assisted()
    new = County.objects.create(name="新县", province="陕西省", code="610999")
    assert new in County.objects.assisted()  # no school yet: being set up
    client.force_login(pages.users.admin)
    for path in ("/dashboard/", "/needs/", "/matching/proposals/"):
        page = client.get(path).content.decode()
        assert "白河县" in page, path
        assert "溧阳市" not in page, path


def test_a_run_says_who_started_it(pages, client):
    by_hand = MatchingRun.objects.create(
        county=pages.county_a, started_by=pages.users.coord_a, status="succeeded"
    )
    nightly = MatchingRun.objects.create(
        county=pages.county_a, trigger=RunTrigger.SCHEDULE, status="succeeded"
    )
    client.force_login(pages.users.coord_a)
    assert (
        "由 coord_a 发起"
        in client.get(f"/matching/runs/{by_hand.pk}/").content.decode()
    )
    assert (
        "每晚定时任务" in client.get(f"/matching/runs/{nightly.pk}/").content.decode()
    )


def test_the_account_page_is_chinese(pages, client):
    client.force_login(pages.users.coord_a)
    page = client.get("/me/").content.decode()
    for label in ("用户名", "角色", "管辖县（市、区）"):
        assert label in page
    for english in ("Role", "Counties"):
        assert f">{english}<" not in page
