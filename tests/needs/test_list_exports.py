"""Each list page exports what it shows: the same scope, filters and search, as
.xlsx, from a link on the page."""

import io

import pytest
from openpyxl import load_workbook

from needs.models import NeedStatus

from .. import factories as f
from .conftest import make_need


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return list(sheet.iter_rows(min_row=2, values_only=True))


@pytest.fixture
def pages(world, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    return world


def test_the_needs_export_follows_the_pages_filters_and_search(pages, client):
    make_need(pages, NeedStatus.OPEN, title="直播电商实训")
    make_need(pages, NeedStatus.OPEN, title="会计实务课程")
    make_need(pages, NeedStatus.DRAFT, title="直播电商草稿")
    make_need(pages, NeedStatus.OPEN, title="直播电商（旬阳）", school=pages.school_b)
    client.force_login(pages.users.coord_a)
    page = client.get("/needs/?status=open&q=直播").content.decode()
    link = page.split('data-testid="export"', 1)[0].rsplit('href="', 1)[1]
    link = link.split('"', 1)[0].replace("&amp;", "&")
    assert link.startswith("/needs/export/?")
    titles = [row[2] for row in rows_of(client.get(link))]
    assert "直播电商实训" in titles
    assert "直播电商草稿" not in titles  # filtered out by status
    assert "会计实务课程" not in titles  # filtered out by the search
    assert "直播电商（旬阳）" not in titles  # another county


def test_school_staff_export_only_their_schools_needs(pages, client):
    make_need(pages, NeedStatus.OPEN, title="本校需求")
    make_need(pages, NeedStatus.OPEN, title="外校需求", school=pages.school_b)
    client.force_login(pages.users.staff_a)
    titles = [row[2] for row in rows_of(client.get("/needs/export/"))]
    assert titles == ["本校需求"]


def test_the_proposals_export_is_the_tab_shown(pages, client):
    proposed = make_need(pages, NeedStatus.OPEN, title="待确认的需求")
    declined = make_need(pages, NeedStatus.OPEN, title="已拒绝的需求")
    f.AssignmentFactory(need=proposed, teacher=pages.teacher_a, status="proposed")
    f.AssignmentFactory(need=declined, teacher=pages.teacher_a, status="declined")
    client.force_login(pages.users.coord_a)
    proposed_rows = rows_of(client.get("/matching/proposals/export/?status=proposed"))
    decided_rows = rows_of(client.get("/matching/proposals/export/?status=decided"))
    assert [r[0] for r in proposed_rows] == ["待确认的需求"]
    assert [r[0] for r in decided_rows] == ["已拒绝的需求"]
    client.force_login(pages.users.staff_a)
    assert client.get("/matching/proposals/export/").status_code == 403
