"""The activity list's export: what the page shows, with its filters and the
caller's scope, as .xlsx, with formulas neutralised."""

import datetime as dt
from io import BytesIO

import pytest
from django.test import Client
from openpyxl import load_workbook

from activities.models import Activity
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(world):
    today = dt.date.today()
    window = {
        "start_date": today - dt.timedelta(days=30),
        "end_date": today + dt.timedelta(days=30),
    }

    def activity(school, specialty, teacher, note, disputed=False):
        need = f.NeedFactory(
            school=school, specialty=specialty, status="matched", **window
        )
        assignment = f.AssignmentFactory(need=need, teacher=teacher, status="accepted")
        return Activity.objects.create(
            assignment=assignment,
            date=today - dt.timedelta(days=1),
            kind="lesson",
            hours=2,
            local_teachers_reached=3,
            note=note,
            disputed=disputed,
            dispute_reason="没有来" if disputed else "",
        )

    return (
        activity(world.school_a, world.ecommerce, world.teacher_a, "=1+1 公开课"),
        activity(world.school_a, world.ecommerce, world.teacher_a, "示范课", True),
        activity(world.school_b, world.accounting, world.teacher_b, "旬阳的课"),
    )


def rows(user, query=""):
    client = Client()
    client.force_login(user)
    response = client.get(f"/activities/export/{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_each_role_exports_only_what_its_page_shows(world, logged):
    note = "说明"
    assert {r[note] for r in rows(world.users.staff_a)} == {"'=1+1 公开课", "示范课"}
    assert {r[note] for r in rows(world.users.coord_b)} == {"旬阳的课"}
    assert {r[note] for r in rows(world.users.teacher_b)} == {"旬阳的课"}
    assert len(rows(world.users.admin)) == 3
    assert rows(world.users.outsider) == []


def test_the_export_keeps_the_page_filter(world, logged):
    disputed = rows(world.users.coord_a, "?disputed=1")
    assert [(r["说明"], r["有异议"], r["异议理由"]) for r in disputed] == [
        ("示范课", "是", "没有来")
    ]


def test_the_page_links_to_the_export_with_its_filter(world, logged):
    client = Client()
    client.force_login(world.users.coord_a)
    page = client.get("/activities/?disputed=1").content.decode()
    assert 'href="/activities/export/?disputed=1"' in page
