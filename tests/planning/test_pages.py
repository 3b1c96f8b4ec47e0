"""The recruitment plan page and its exports, and the scenario pages, role by role."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from planning.models import Scenario

from ..matching.helpers import TODAY, open_need
from ..pdf import assert_cjk_font_embedded, pdf_text

pytestmark = pytest.mark.django_db

PAGE = "/planning/recruitment/"


@pytest.fixture
def query(world):
    open_need(world.school_a, world.ecommerce, headcount=3, priority=80)
    open_need(world.school_a2, world.accounting, priority=60)
    return {
        "county": world.county_a.pk,
        "from": TODAY.isoformat(),
        "to": (TODAY + dt.timedelta(days=200)).isoformat(),
    }


def test_the_page_shows_the_plan_and_its_curve(world, query, client):
    client.force_login(world.users.coord_a)
    page = client.get(PAGE, query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="plan-curve"' in html and 'id="plan-data"' in html
    assert "730301" in html and "730701" in html
    assert page.context["plan"]["projected"]["places_met"] == 4


def test_the_exports_are_titled_for_the_sending_bureau(world, query, client, tmp_path):
    client.force_login(world.users.coord_a)
    xlsx = client.get(PAGE, {**query, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert "attachment" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "下一轮选派需求建议"
    assert {r[1] for r in rows[4:]} == {"730301", "730701"}

    pdf = client.get(PAGE, {**query, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf.content)
    text = pdf_text(path)
    assert "下一轮选派需求建议" in text and "白河县" in text and "会计事务" in text
    assert_cjk_font_embedded(path)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coord_b", 404), ("staff_a", 403), ("teacher_a", 403), ("admin", 200)],
)
def test_the_page_is_for_the_countys_coordinators(
    world, query, client, persona, status
):
    client.force_login(getattr(world.users, persona))
    assert client.get(PAGE, query).status_code == status


def test_bad_input_is_shown_on_the_form(world, query, client):
    client.force_login(world.users.coord_a)
    page = client.get(PAGE, {**query, "to": "2020-01-01", "budget": "x"})
    assert page.status_code == 200
    assert page.context["plan"] is None
    assert set(page.context["errors"]) == {"to", "budget"}


def test_scenario_pages_are_scoped(world, client):
    scenario = Scenario.objects.create(
        name="多两名教师",
        county=world.county_a,
        changes=[{"kind": "allow_neighbours"}],
        status="succeeded",
        result={
            "baseline": {
                "places_met": 1,
                "needs_met": 1,
                "schools_covered": 1,
                "score": 80.0,
            },
            "projected": {
                "places_met": 2,
                "needs_met": 2,
                "schools_covered": 2,
                "score": 160.0,
            },
            "by_school": [],
            "by_specialty": [],
        },
    )
    client.force_login(world.users.coord_a)
    assert "多两名教师" in client.get("/planning/scenarios/").content.decode()
    assert client.get(f"/planning/scenarios/{scenario.pk}/").status_code == 200
    client.force_login(world.users.coord_b)
    assert "多两名教师" not in client.get("/planning/scenarios/").content.decode()
    assert client.get(f"/planning/scenarios/{scenario.pk}/").status_code == 404
