"""OpenAPI 3 at schema/ describes the needs endpoints and their error answers; the
browsable docs at docs/ load their code from our own static files, not a CDN."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_has_the_contract_paths(schema):
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/users/",
        "/api/v1/users/{id}/",
        "/api/v1/counties/",
        "/api/v1/schools/",
        "/api/v1/specialties/",
        "/api/v1/needs/",
        "/api/v1/needs/{id}/",
        "/api/v1/needs/{id}/submit/",
        "/api/v1/needs/{id}/review/",
        "/api/v1/needs/{id}/cancel/",
        "/api/v1/needs/{id}/confirm/",
    ):
        assert path in paths, path
    assert schema["openapi"].startswith("3.")


def test_actions_document_their_bodies_and_errors(schema):
    review = schema["paths"]["/api/v1/needs/{id}/review/"]["post"]
    assert set(review["responses"]) >= {"200", "400", "403", "404", "409"}
    body = review["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(component["properties"]) >= {"decision", "comment", "diagnosis", "goals"}
    patch = schema["paths"]["/api/v1/needs/{id}/"]["patch"]
    assert "409" in patch["responses"]
    listing = schema["paths"]["/api/v1/needs/"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert names >= {
        "page",
        "page_size",
        "search",
        "ordering",
        "school",
        "specialty",
        "family",
        "kind",
        "status",
        "urgency",
        "county",
        "start_date_after",
        "end_date_before",
    }


def test_docs_page_loads_only_our_static_files(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|png))"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://(?!localhost|testserver)", html.split("<script")[0])
    assert "cdn" not in html.lower()


def test_schema_generates_without_warnings(tmp_path):
    """Our views describe themselves fully (``spectacular --fail-on-warn``)."""
    call_command(
        "spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
