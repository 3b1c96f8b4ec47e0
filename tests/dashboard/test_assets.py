"""Chart.js comes from npm at set-up time and is served by our own static files:
only the files the page uses, and never from another host."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from dashboard import views
from dashboard.finders import NodeAssetsFinder

CHART = "vendor/chartjs/chart.umd.min.js"
INSTALLED = (Path(settings.BASE_DIR) / "node_modules/chart.js/dist").is_dir()


@pytest.mark.skipif(not INSTALLED, reason="npm packages not installed (make install)")
def test_the_chart_library_is_found_from_node_modules():
    assert finders.find(CHART).endswith("node_modules/chart.js/dist/chart.umd.min.js")
    listed = {path for path, _storage in NodeAssetsFinder().list([])}
    assert listed == {"chart.umd.min.js", "chart.umd.min.js.map"}


def test_nothing_else_of_node_modules_is_served():
    finder = NodeAssetsFinder()
    assert finder.find("vendor/chartjs/chart.js") == []
    assert finder.find("vendor/chartjs/../package.json") == []
    assert finder.find("chart.js/dist/chart.umd.min.js", find_all=True) == []


@pytest.mark.django_db
def test_the_page_loads_scripts_only_from_this_site(world):
    client = Client()
    client.force_login(world.users.coord_a)
    html = client.get("/dashboard/").content.decode()
    sources = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert sources, html
    assert all(
        src.startswith(settings.STATIC_URL) or src.startswith("/") for src in sources
    )
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)


@pytest.mark.django_db
def test_without_the_chart_library_the_page_still_shows_the_figures(world, monkeypatch):
    monkeypatch.setattr(views, "_charts_available", lambda: False)
    client = Client()
    client.force_login(world.users.coord_a)
    html = client.get("/dashboard/").content.decode()
    assert CHART not in html
    assert 'data-testid="no-charts"' in html
    assert 'data-testid="kpi-fill"' in html
