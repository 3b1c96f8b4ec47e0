"""File downloads answer a client that asks for the type the schema documents for
them, as SDKs generated from the schema do (``Accept: application/pdf``)."""

import pytest

from spreadsheets.workbooks import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "accept",
    [XLSX_CONTENT_TYPE, "application/octet-stream", f"{XLSX_CONTENT_TYPE}, */*"],
)
def test_an_export_answers_a_client_that_asks_for_its_file_type(world, api, accept):
    response = api.as_user(world.users.coord_a).get(
        "/api/v1/teachers/export/", HTTP_ACCEPT=accept
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response.content.startswith(b"PK")


def test_an_import_template_answers_a_client_that_asks_for_bytes(world, api):
    response = api.as_user(world.users.coord_a).get(
        "/api/v1/imports/teachers/template/", HTTP_ACCEPT="application/octet-stream"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE


def test_a_json_endpoint_still_refuses_a_type_it_cannot_give(world, api):
    response = api.as_user(world.users.coord_a).get(
        "/api/v1/teachers/", HTTP_ACCEPT="text/csv"
    )
    assert response.status_code == 406


def test_a_json_endpoint_asked_for_a_file_type_answers_json(world, api):
    response = api.as_user(world.users.coord_a).get(
        "/api/v1/teachers/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
