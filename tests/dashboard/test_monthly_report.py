"""The monthly report for a county's education bureau: the month's figures are
the month's (not the one before or after, not another county's), the .xlsx and the
PDF (with the CJK font embedded) carry them, and only the county's coordinators and
admins may have it."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dashboard.reports import monthly_report
from matching.models import MatchingRun
from needs.models import NeedStatus

from .. import factories as f
from ..pdf import assert_cjk_font_embedded, pdf_text

NOV = dt.date(2026, 11, 1)


def aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


@pytest.fixture
def november(world):
    """County A in November 2026: two teachers on site, activities inside and
    outside the month, one need submitted and one fulfilled in it; county B has
    activity too (it must not show)."""
    a1, a2 = world.school_a, world.school_a2
    need_1 = f.NeedFactory(
        school=a1,
        specialty=world.ecommerce,
        status=NeedStatus.MATCHED,
        headcount=1,
        filled=1,
        start_date=dt.date(2026, 10, 1),
        end_date=dt.date(2027, 1, 15),
        submitted_at=aware(dt.date(2026, 9, 20)),
    )
    need_2 = f.NeedFactory(
        school=a2,
        specialty=world.ecommerce,
        status=NeedStatus.FULFILLED,
        headcount=1,
        filled=1,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2026, 11, 20),
        submitted_at=aware(dt.date(2026, 11, 3)),
        fulfilled_at=aware(dt.date(2026, 11, 25)),
    )
    f.NeedFactory(
        school=a1,
        specialty=world.ecommerce,
        status=NeedStatus.SUBMITTED,
        title="等待审核的需求",
        submitted_at=aware(dt.date(2026, 11, 28)),
    )
    # A need whose window is over before November: its teacher was not on site.
    gone = f.NeedFactory(
        school=a1,
        specialty=world.ecommerce,
        status=NeedStatus.FULFILLED,
        start_date=dt.date(2026, 3, 1),
        end_date=dt.date(2026, 6, 30),
    )
    other_teacher = f.TeacherFactory(name="王老师", county=world.county_a)
    serving_1 = f.AssignmentFactory(
        need=need_1, teacher=world.teacher_a, status="accepted"
    )
    serving_2 = f.AssignmentFactory(
        need=need_2, teacher=other_teacher, status="completed"
    )
    f.AssignmentFactory(
        need=gone, teacher=f.TeacherFactory(name="赵老师"), status="completed"
    )
    f.ActivityFactory(
        assignment=serving_1,
        date=dt.date(2026, 11, 5),
        hours=Decimal("3.5"),
        local_teachers_reached=4,
        students_reached=40,
    )
    f.ActivityFactory(
        assignment=serving_2,
        date=dt.date(2026, 11, 30),
        kind="training",
        hours=2,
        local_teachers_reached=6,
        students_reached=0,
    )
    f.ActivityFactory(assignment=serving_1, date=dt.date(2026, 10, 31), hours=8)
    f.ActivityFactory(assignment=serving_1, date=dt.date(2026, 12, 1), hours=8)
    f.ActivityFactory(
        assignment=serving_1,
        date=dt.date(2026, 11, 12),
        hours=5,
        disputed=True,
        dispute_reason="当天学校放假",
    )
    need_b = f.NeedFactory(school=world.school_b, specialty=world.accounting)
    f.ActivityFactory(
        assignment=f.AssignmentFactory(
            need=need_b, teacher=world.teacher_b, status="accepted"
        ),
        date=dt.date(2026, 11, 10),
        hours=7,
    )
    run = MatchingRun.objects.create(
        county=world.county_a,
        status="succeeded",
        stats={"proposed": 3, "unmatched": 1},
        started_by=world.users.coord_a,
    )
    MatchingRun.objects.filter(pk=run.pk).update(created_at=aware(dt.date(2026, 11, 2)))
    return world


def test_the_figures_are_the_months_and_the_countys(november):
    report = monthly_report(november.county_a, NOV)
    assert (report.first, report.last) == (NOV, dt.date(2026, 11, 30))
    assert report.needs_new == 2  # submitted on 3 and 28 November
    assert report.needs_fulfilled == 1
    assert report.needs_by_status["matched"] == 1
    assert report.needs_by_status["fulfilled"] == 2
    assert {t["name"] for t in report.teachers} == {"张老师", "王老师"}
    assert report.activities == 2  # not October's, December's, nor the disputed one
    assert report.hours == Decimal("5.5")
    assert report.local_teachers_reached == 10
    assert report.students_reached == 40
    assert report.activities_disputed == 1
    assert report.schools_total == 2
    assert report.schools_covered == sorted(
        [november.school_a.name, november.school_a2.name]
    )
    assert [(r["proposed"], r["unmatched"]) for r in report.runs] == [(3, 1)]
    kinds = {str(i["kind"]) for i in report.issues}
    assert "等待审核" in kinds
    assert any("当天学校放假" in str(i["what"]) for i in report.issues)


def test_the_coordinator_downloads_the_xlsx(november, api):
    response = api.as_user(november.users.coord_a).get(
        f"/api/v1/reports/monthly/?county={november.county_a.pk}&month=2026-11"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    workbook = load_workbook(io.BytesIO(response.content))
    overview = {
        row[0]: row[1] for row in workbook.worksheets[0].iter_rows(values_only=True)
    }
    assert overview["在岗帮扶教师"] == 2
    assert overview["小时"] == 5.5
    teachers = [row[0] for row in workbook["在岗帮扶教师"].iter_rows(values_only=True)]
    assert teachers[1:] == ["张老师", "王老师"]


def test_the_pdf_embeds_the_chinese_font(november, api, tmp_path):
    response = api.as_user(november.users.admin).get(
        f"/api/v1/reports/monthly/?county={november.county_a.pk}&month=2026-11"
        "&format=pdf"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = pdf_text(pdf)
    assert "工作月报" in text and "张老师" in text and "白河县" in text
    assert_cjk_font_embedded(pdf)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coord_b", 404),
        ("outsider", 404),
        ("staff_a", 403),
        ("teacher_a", 403),
    ],
)
def test_others_may_not_have_the_report(november, api, persona, status):
    response = api.as_user(getattr(november.users, persona)).get(
        f"/api/v1/reports/monthly/?county={november.county_a.pk}&month=2026-11"
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("month=2026-13", "month"),
        ("month=", "month"),
        ("month=2026-11&county=x", "county"),
    ],
)
def test_bad_parameters_are_400_with_the_field(november, api, query, field):
    if "county=" not in query:
        query += f"&county={november.county_a.pk}"
    response = api.as_user(november.users.coord_a).get(
        f"/api/v1/reports/monthly/?{query}"
    )
    assert response.status_code == 400
    assert field in response.json()


def test_the_dashboard_offers_the_report(november, client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    client.force_login(november.users.coord_a)
    page = client.get("/dashboard/").content.decode()
    assert 'data-testid="monthly-report"' in page
    response = client.get(
        f"/dashboard/report/?county={november.county_a.pk}&month=2026-11&format=xlsx"
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]


def test_waiting_for_you_counts_what_the_lists_show(november, client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    f.AssignmentFactory(
        need=f.NeedFactory(school=november.school_a, status=NeedStatus.OPEN),
        teacher=november.teacher_a,
        status="proposed",
    )
    f.AssignmentFactory(  # county B: not coord_a's
        need=f.NeedFactory(school=november.school_b, status=NeedStatus.OPEN),
        teacher=november.teacher_b,
        status="proposed",
    )
    client.force_login(november.users.coord_a)
    page = client.get("/dashboard/").content.decode()

    def count(key):
        block = page.split(f'data-testid="waiting-{key}"', 1)[1]
        return int(re.search(r"waiting-count[^>]*>(\d+)<", block).group(1))

    assert count("review") == 1  # the one submitted need of county A
    assert count("proposals") == 1
    assert count("cycles") == 0
    queue = client.get("/needs/review/").content.decode()
    assert queue.count("等待审核的需求") == 1
