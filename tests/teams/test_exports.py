"""Exports to .xlsx: Chinese headers, the caller's scope and filters, round trips,
and formula injection neutralised."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework import viewsets

from accounts.scopes import visible
from needs.imports import NeedExportMixin
from needs.models import Need
from teams.models import Teacher, TeacherSkill

from .. import factories as f
from .conftest import read_xlsx, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def snapshot():
    """Everything an import could change about teachers, for before/after."""
    teachers = list(
        Teacher.objects.order_by("pk").values_list(
            "pk",
            "name",
            "home_school",
            "title",
            "county",
            "phone",
            "available_from",
            "available_until",
            "capacity",
            "active",
            "updated_at",
        )
    )
    skills = sorted(TeacherSkill.objects.values_list("teacher", "specialty", "level"))
    return teachers, skills


def test_teacher_export_has_chinese_headers_and_the_callers_scope(api, world):
    response = api.as_user(world.users.coord_a).get("/api/v1/teachers/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    assert rows[0][:5] == ["姓名", "派出学校", "职称", "驻点县", "专业及等级"]
    assert [row[0] for row in rows[1:]] == ["张老师"]
    assert rows[1][4] == "电子商务:5"
    assert rows[1][3] == "陕西省白河县"


def test_teacher_export_honours_the_filters_of_the_list(api, world):
    f.TeacherFactory(name="孙老师", home_school=world.home, county=world.county_a)
    client = api.as_user(world.users.coord_ab)
    everyone = read_xlsx(client.get("/api/v1/teachers/export/").content)
    assert {row[0] for row in everyone[1:]} == {"张老师", "李老师", "孙老师"}
    filtered = client.get(
        "/api/v1/teachers/export/",
        {"specialty": world.ecommerce.pk, "ordering": "-name"},
    )
    assert [row[0] for row in read_xlsx(filtered.content)[1:]] == ["张老师"]
    searched = client.get("/api/v1/teachers/export/", {"search": "孙"})
    assert [row[0] for row in read_xlsx(searched.content)[1:]] == ["孙老师"]


@pytest.mark.parametrize("persona", ["staff_a", "outsider"])
def test_export_of_an_empty_scope_has_only_headers(api, world, persona):
    response = api.as_user(getattr(world.users, persona)).get(
        "/api/v1/teachers/export/"
    )
    assert len(read_xlsx(response.content)) == 1


def test_export_query_count_is_flat(api, world):
    client = api.as_user(world.users.admin)
    client.get("/api/v1/teachers/export/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/teachers/export/")
    for n in range(10):
        teacher = f.TeacherFactory(
            name=f"教师{n}", home_school=world.home, county=world.county_a
        )
        f.TeacherSkillFactory(teacher=teacher, specialty=world.ecommerce)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/teachers/export/")
    assert len(many) == len(few)


def test_round_trip_export_then_import_changes_nothing(api, world):
    for n, title in enumerate(["讲师", "", "正高级讲师"]):
        teacher = f.TeacherFactory(
            name=f"教师{n}",
            home_school=world.home,
            county=world.county_a,
            title=title,
            phone="" if n else "13800000000",
            active=n != 2,
        )
        f.TeacherSkillFactory(teacher=teacher, specialty=world.ecommerce, level=n + 1)
        f.TeacherSkillFactory(teacher=teacher, specialty=world.accounting, level=5 - n)
    client = api.as_user(world.users.coord_a)
    before = snapshot()
    exported = client.get("/api/v1/teachers/export/").content
    response = upload(client, "teachers", exported)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 4)
    assert snapshot() == before


def test_formulas_are_neutralised_and_restored_on_import(api, world):
    dangerous = {
        '=HYPERLINK("http://evil","x")': "=",
        "+1+1": "+",
        "-2+3": "-",
        "@SUM(A1)": "@",
        "\tTAB": "\t",
    }
    for name in dangerous:
        f.TeacherFactory(
            name=name, home_school=world.home, county=world.county_a, title="=1+2"
        )
    client = api.as_user(world.users.coord_a)
    content = client.get("/api/v1/teachers/export/").content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = [row for row in sheet.iter_rows(min_row=2) if row[0].value != "张老师"]
    assert len(cells) == len(dangerous)
    for row in cells:
        for cell in (row[0], row[2]):
            assert cell.data_type == "s"  # text, never a formula
            assert cell.value.startswith("'")
            assert cell.value[1] in "=+-@\t"
    before = snapshot()
    response = upload(client, "teachers", content)
    assert response.json()["unchanged"] == len(dangerous) + 1
    assert snapshot() == before


def test_team_export(api, world):
    team = f.TeamFactory(name="=CMD|' /C calc'!A0", county=world.county_a)
    team.members.set([world.teacher_a])
    f.TeamFactory(name="旬阳团队", county=world.county_b)
    rows = read_xlsx(
        api.as_user(world.users.coord_a).get("/api/v1/teams/export/").content
    )
    assert rows[0][:3] == ["团队名称", "所在县", "开始日期"]
    assert [row[0] for row in rows[1:]] == ["'=CMD|' /C calc'!A0"]
    assert rows[1][5] == "张老师"


def test_assignment_export_respects_scope_and_filters(api, world):
    need_a = f.NeedFactory(
        school=world.school_a, specialty=world.ecommerce, title="电商教学"
    )
    need_b = f.NeedFactory(
        school=world.school_b, specialty=world.accounting, title="会计教学"
    )
    f.AssignmentFactory(need=need_a, teacher=world.teacher_a, status="accepted")
    f.AssignmentFactory(need=need_b, teacher=world.teacher_b, status="proposed")
    url = "/api/v1/assignments/export/"
    rows = read_xlsx(api.as_user(world.users.coord_a).get(url).content)
    assert rows[0][:5] == ["需求名称", "学校", "所在县", "专业", "帮扶教师"]
    assert [row[0] for row in rows[1:]] == ["电商教学"]
    both = api.as_user(world.users.coord_ab)
    rows = read_xlsx(both.get(url, {"status": "proposed"}).content)
    assert [row[0] for row in rows[1:]] == ["会计教学"]
    rows = read_xlsx(api.as_user(world.users.teacher_b).get(url).content)
    assert [row[0] for row in rows[1:]] == ["会计教学"]
    assert len(read_xlsx(api.as_user(world.users.outsider).get(url).content)) == 1


class _Needs(NeedExportMixin, viewsets.GenericViewSet):
    """Stands in for the needs viewset: the mixin is all an export needs."""

    search_fields = ["title"]
    ordering_fields = ["title"]

    def get_queryset(self):
        return visible(self.request.user, Need.objects.all())


def test_need_export_mixin_exports_the_visible_filtered_needs(world):
    from rest_framework.test import APIRequestFactory, force_authenticate

    f.NeedFactory(school=world.school_a, specialty=world.ecommerce, title="=电商")
    f.NeedFactory(school=world.school_a2, specialty=world.ecommerce, title="第二所")
    f.NeedFactory(school=world.school_b, specialty=world.accounting, title="旬阳")
    view = _Needs.as_view({"get": "export"})
    request = APIRequestFactory().get("/needs/export/", {"ordering": "title"})
    force_authenticate(request, user=world.users.coord_a)
    rows = read_xlsx(view(request).content)
    assert rows[0][:4] == ["学校", "所在县", "需求名称", "专业"]
    assert [row[2] for row in rows[1:]] == ["'=电商", "第二所"]
    request = APIRequestFactory().get("/needs/export/", {"search": "第二"})
    force_authenticate(request, user=world.users.staff_a)
    assert len(read_xlsx(view(request).content)) == 1  # staff_a: school A1 only
