"""base.html links the stylesheet of the app a page belongs to, so that no page
has to: ``<app>/<app>.css`` for a page whose template lives in ``<app>/``."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

NEEDS_CSS = '<link rel="stylesheet" href="/static/needs/needs.css">'


def render(template_name, context=None):
    return render_to_string(template_name, context, request=RequestFactory().get("/"))


def test_a_page_links_its_apps_stylesheet_after_the_sites(world, client):
    client.force_login(world.users.coord_a)
    html = client.get("/needs/review/").content.decode()
    assert html.count(NEEDS_CSS) == 1
    assert html.index("/static/css/app.css") < html.index(NEEDS_CSS)


def test_a_page_of_an_app_without_a_stylesheet_links_none():
    html = render("evaluations/honour_roll.html", {"cycles": []})
    assert "/static/evaluations/" not in html


def test_a_page_of_no_app_links_no_app_stylesheet():
    html = render("error.html", {"status": 404, "title": "x", "text": "y"})
    assert html.count('rel="stylesheet"') == 1  # css/app.css alone


def test_a_page_keeps_its_own_stylesheets_after_its_apps(world, client):
    client.force_login(world.users.coord_a)
    html = client.get("/needs/goals/to-confirm/").content.decode()
    assert html.index(NEEDS_CSS) < html.index("/static/needs/goals.css")
