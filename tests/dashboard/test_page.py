"""The dashboard page, where each role lands, and the language that sticks."""

import json

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from assist_platform.views import LANDING
from needs.models import NeedStatus

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/"


def signed_in(user, language=None):
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def chart_data(response):
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_coordinator_with_one_county_sees_it_with_charts_and_links(scenario):
    w = scenario.world
    response = signed_in(w.users.coord_a).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="county-switcher"' not in html  # one county: no switcher
    assert str(w.county_a) in html
    for canvas in ("status", "coverage", "backlog", "supply", "grades"):
        assert f'id="chart-{canvas}"' in html
    assert "dashboard/dashboard.js" in html
    data = chart_data(response)
    assert sum(data["status"]["values"]) == 11
    assert data["coverage"]["values"] == [2, 1]
    open_link = reverse("needs:list") + f"?county={w.county_a.pk}&status=open"
    assert open_link in data["status"]["links"]
    assert open_link.replace("&", "&amp;") in html
    # supply against demand: the largest shortfall (family 73) first
    assert (
        data["supply_demand"]["series"][0]["values"][0] == 4
    )  # 5 open places, 1 of them proposed
    # the school with nobody, linked to its needs
    assert "白河县第三职业中学" in html
    assert f"?school={scenario.school_a3.pk}" in html


def test_coordinator_of_two_counties_switches_between_them(scenario):
    w = scenario.world
    client = signed_in(w.users.coord_ab)
    html = client.get(PAGE).content.decode()
    assert 'data-testid="county-switcher"' in html
    assert f'value="{w.county_a.pk}"' in html and f'value="{w.county_b.pk}"' in html
    only_b = client.get(PAGE, {"county": w.county_b.pk})
    assert sum(chart_data(only_b)["status"]["values"]) == 1


def test_admin_sees_all_assisted_counties_in_the_switcher(scenario):
    w = scenario.world
    html = signed_in(w.users.admin).get(PAGE).content.decode()
    for county in (w.county_a, w.county_b):
        assert f'<option value="{county.pk}"' in html
    assert f'<option value="{w.liyang.pk}"' not in html


def test_county_outside_scope_is_not_found_on_the_page(scenario):
    w = scenario.world
    response = signed_in(w.users.coord_b).get(PAGE, {"county": w.county_a.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_other_roles_are_refused_the_page(world, persona):
    response = signed_in(getattr(world.users, persona)).get(PAGE)
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(world):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_bad_period_is_explained_next_to_the_field(world):
    response = signed_in(world.users.coord_a, "en").get(
        PAGE, {"from": "2026-09-10", "to": "2026-09-01"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('<label for="id_to">') :]
    field = field[: field.index("</div>")]
    assert "The end of the period cannot be before its start." in field
    assert 'class="field-error"' in field


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("admin", "dashboard"),
        ("coord_a", "dashboard"),
        ("staff_a", LANDING["school_staff"]),
        ("teacher_a", LANDING["teacher"]),
    ],
)
def test_each_role_lands_where_its_work_is(world, persona, landing):
    response = signed_in(getattr(world.users, persona)).get("/")
    assert response.status_code == 302
    assert response.url == reverse(landing)


def test_pages_are_chinese_by_default_whatever_the_browser_asks(world):
    client = signed_in(world.users.coord_a)
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "数据看板" in html
    assert "Dashboard</h1>" not in html


def test_english_sticks_across_pages_and_signing_out_and_in(world):
    user = world.users.coord_a
    client = signed_in(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": PAGE})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 30 * 24 * 3600  # outlives the browser session
    assert "Dashboard</h1>" in client.get(PAGE).content.decode()
    assert "My account" in client.get(reverse("profile")).content.decode()

    client.post(reverse("logout"))
    assert "Sign in" in client.get(reverse("login")).content.decode()
    client.force_login(user)
    assert "Dashboard</h1>" in client.get(PAGE).content.decode()

    client.post(reverse("set_language"), {"language": "zh-hans", "next": PAGE})
    assert "数据看板" in client.get(PAGE).content.decode()


def test_dates_are_shown_in_the_local_format(world):
    html = (
        signed_in(world.users.coord_a)
        .get(PAGE, {"from": "2026-03-05", "to": "2026-09-01"})
        .content.decode()
    )
    assert "2026年3月5日" in html
    html = (
        signed_in(world.users.coord_a, "en")
        .get(PAGE, {"from": "2026-03-05", "to": "2026-09-01"})
        .content.decode()
    )
    assert "March 5, 2026" in html


def test_every_state_is_listed_with_a_link_to_its_needs(scenario):
    w = scenario.world
    html = signed_in(w.users.coord_a, "en").get(PAGE).content.decode()
    for status, label in NeedStatus.choices:
        assert f"status={status}" in html
        assert str(label) in html


def test_the_engagement_table_shows_the_trend_against_the_period_before(scenario):
    w = scenario.world
    response = signed_in(w.users.coord_a).get(
        PAGE, {"from": "2026-06-23", "to": "2026-07-28"}
    )
    html = response.content.decode()
    assert "与上一时段（2026-05-18 – 2026-06-22）相比" in html

    def row(school):
        return html.split(f'data-school="{school.pk}"', 1)[1].split("</tr>", 1)[0]

    # School A: 43.8 now, 25.0 before; school A2: 100 both times.
    assert "↑ 18.8" in row(w.school_a) and "trend-up" in row(w.school_a)
    assert "上一时段：25.0" in row(w.school_a)
    assert "→ 0.0" in row(w.school_a2)
    assert "100% <span" in row(w.school_a) and "(2/2)" in row(w.school_a)
