"""Importing schools and needs; exporting needs and importing them back."""

import pytest
from simple_history.utils import get_history_manager_for_model

from needs.imports import NEED_COLUMNS, SCHOOL_COLUMNS
from needs.models import Need, NeedStatus, NeedTransition
from places.models import School
from spreadsheets.workbooks import build_workbook

from .. import factories as f
from .conftest import csv_bytes, upload, xlsx_bytes

SCHOOL_HEADERS = ["学校名称", "所在县", "学校类型"]
NEED_HEADERS = [
    "学校",
    "需求名称",
    "专业",
    "需求类型",
    "需求描述",
    "需求人数",
    "开始日期",
    "结束日期",
    "紧迫程度",
]


def need_row(
    title="电商直播实训",
    school="白河县职业教育中心",
    specialty="电子商务",
    kind="教学",
    headcount="2",
    start="2027-03-01",
    end="2027-06-30",
    urgency="4",
):
    return [school, title, specialty, kind, "每周6课时", headcount, start, end, urgency]


def messages(response):
    return [(e["row"], e["column"], e["message"]) for e in response.json()["errors"]]


# --- schools -------------------------------------------------------------------------


def test_admin_imports_schools_once(api, world):
    rows = [
        SCHOOL_HEADERS,
        ["白河县第三职业中学", "白河县", "受援学校"],
        ["溧阳市天目湖中等专业学校", "320481", "支援学校"],
        ["白河县职业教育中心", "陕西省白河县", "受援学校"],  # already there
    ]
    client = api.as_user(world.users.admin)
    response = upload(client, "schools", csv_bytes(rows, "gbk"), name="学校.csv")
    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["unchanged"]) == (2, 1)
    assert School.objects.get(name="溧阳市天目湖中等专业学校").kind == "supporting"
    again = upload(client, "schools", csv_bytes(rows, "gbk"), name="学校.csv")
    assert again.json()["created"] == 0
    assert School.objects.filter(name="白河县第三职业中学").count() == 1


def test_school_rows_with_problems(api, world):
    rows = [
        SCHOOL_HEADERS,
        ["甲校", "白河", "受援学校"],
        ["乙校", "白河县", "民办学校"],
        ["白河县职业教育中心", "白河县", "支援学校"],
    ]
    response = upload(api.as_user(world.users.admin), "schools", xlsx_bytes(rows))
    assert response.status_code == 400
    found = messages(response)
    assert found[0][:2] == (2, "所在县")
    assert "您是不是要填“白河县”" in found[0][2]
    assert found[1][:2] == (3, "学校类型")
    assert found[2][:2] == (4, "学校类型")
    assert "已登记为" in found[2][2]
    assert not School.objects.filter(name="甲校").exists()


@pytest.mark.parametrize("persona", ["coord_a", "staff_a", "teacher_a"])
def test_only_admins_import_schools(api, world, persona):
    rows = [SCHOOL_HEADERS, ["甲校", "白河县", "受援学校"]]
    client = api.as_user(getattr(world.users, persona))
    assert upload(client, "schools", xlsx_bytes(rows)).status_code == 403


def test_schools_round_trip(api, world):
    content = build_workbook(SCHOOL_COLUMNS, School.objects.all(), title="学校")
    response = upload(api.as_user(world.users.admin), "schools", content)
    body = response.json()
    assert body["ok"] and body["created"] == 0
    assert body["unchanged"] == School.objects.count()


# --- needs ---------------------------------------------------------------------------


def test_school_staff_import_needs_as_drafts_with_history(api, world):
    rows = [NEED_HEADERS, need_row(), need_row("会计实训", specialty="730301")]
    response = upload(api.as_user(world.users.staff_a), "needs", xlsx_bytes(rows))
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    need = Need.objects.get(title="电商直播实训")
    assert need.status == NeedStatus.DRAFT
    assert need.school == world.school_a
    assert need.created_by == world.users.staff_a
    assert (need.headcount, need.urgency, need.kind) == (2, 4, "teaching")
    transition = NeedTransition.objects.get(need=need)
    assert (transition.from_status, transition.to_status) == ("", "draft")
    history = get_history_manager_for_model(Need).filter(id=need.pk)
    assert history.count() == 1
    assert history.get().history_user == world.users.staff_a


def test_reimporting_needs_updates_drafts_only(api, world):
    client = api.as_user(world.users.staff_a)
    upload(client, "needs", xlsx_bytes([NEED_HEADERS, need_row()]))
    changed = need_row(headcount="3")
    response = upload(client, "needs", xlsx_bytes([NEED_HEADERS, changed]))
    assert response.json()["updated"] == 1
    need = Need.objects.get(title="电商直播实训")
    assert need.headcount == 3
    Need.objects.filter(pk=need.pk).update(status=NeedStatus.SUBMITTED)
    unchanged = upload(client, "needs", xlsx_bytes([NEED_HEADERS, changed]))
    assert unchanged.json()["unchanged"] == 1
    refused = upload(client, "needs", xlsx_bytes([NEED_HEADERS, need_row()]))
    assert refused.status_code == 400
    [(row, column, message)] = messages(refused)
    assert (row, column) == (2, "需求名称")
    assert "只能修改草稿" in message
    need.refresh_from_db()
    assert need.headcount == 3


def test_need_rows_with_problems(api, world):
    rows = [
        NEED_HEADERS,
        need_row("甲", specialty="电商"),
        need_row("乙", headcount="11"),
        need_row("丙", start="2027-06-30", end="2027-03-01"),
        need_row("丁", kind="捐款"),
        need_row("戊", urgency="9"),
        need_row("己", school="旬阳市职业教育中心"),  # another school
    ]
    response = upload(api.as_user(world.users.staff_a), "needs", xlsx_bytes(rows))
    assert response.status_code == 400
    found = {(row, column) for row, column, _m in messages(response)}
    assert found == {
        (2, "专业"),
        (3, "需求人数"),
        (4, "结束日期"),
        (5, "需求类型"),
        (6, "紧迫程度"),
        (7, "学校"),
    }
    assert not Need.objects.exists()


@pytest.mark.parametrize("persona", ["teacher_a", "coord_a"])
def test_roles_that_may_not_create_needs_may_not_import_them(api, world, persona):
    rows = [NEED_HEADERS, need_row()]
    response = upload(
        api.as_user(getattr(world.users, persona)), "needs", xlsx_bytes(rows)
    )
    assert response.status_code == 403


def test_needs_round_trip(api, world):
    for n, status in enumerate(["draft", "submitted", "open", "matched"]):
        f.NeedFactory(
            school=world.school_a,
            specialty=world.ecommerce,
            title=f"需求{n}",
            status=status,
            created_by=world.users.staff_a,
        )
    f.NeedFactory(school=world.school_b, specialty=world.accounting, title="旬阳")
    client = api.as_user(world.users.staff_a)
    needs = Need.objects.filter(school=world.school_a).select_related(
        "school__county", "specialty"
    )
    before = list(Need.objects.order_by("pk").values())
    content = build_workbook(NEED_COLUMNS, needs, title="需求")
    response = upload(client, "needs", content)
    body = response.json()
    assert body["ok"], body["errors"]
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 4)
    assert list(Need.objects.order_by("pk").values()) == before
