"""Importing teachers from .xlsx and .csv: all rows or none, a report per problem,
natural keys, encodings, scope."""

import codecs
import datetime as dt
import time

import pytest

from teams.models import Teacher, TeacherSkill

from .. import factories as f
from .conftest import (
    TEACHER_HEADERS,
    csv_bytes,
    read_xlsx,
    teacher_row,
    upload,
    xlsx_bytes,
)


def problems(response):
    return [
        (e["row"], e["column"], e["value"], e["message"])
        for e in response.json()["errors"]
    ]


def test_a_good_xlsx_imports_every_row(coord_a_api, world):
    rows = [
        TEACHER_HEADERS,
        teacher_row("王老师", skills="电子商务:5;计算机应用:3"),
        teacher_row("钱老师", title="高级讲师", skills="会计事务：4，统计事务:2"),
    ]
    response = upload(coord_a_api, "teachers", xlsx_bytes(rows))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["ok"], body["rows"], body["created"]) == (True, 2, 2)
    wang = Teacher.objects.get(name="王老师")
    assert wang.county == world.county_a and wang.home_school == world.home
    assert wang.capacity == 2 and wang.active
    assert {(s.specialty.name, s.level) for s in wang.skills.all()} == {
        ("电子商务", 5),
        ("计算机应用", 3),
    }
    qian = Teacher.objects.get(name="钱老师")
    assert {s.specialty.name for s in qian.skills.all()} == {"会计事务", "统计事务"}


def test_importing_the_same_file_twice_adds_nothing(coord_a_api, world):
    content = xlsx_bytes(
        [TEACHER_HEADERS, teacher_row("王老师"), teacher_row("钱老师")]
    )
    upload(coord_a_api, "teachers", content)
    counts = (Teacher.objects.count(), TeacherSkill.objects.count())
    response = upload(coord_a_api, "teachers", content)
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 2)
    assert (Teacher.objects.count(), TeacherSkill.objects.count()) == counts


def test_a_changed_row_updates_the_teacher(coord_a_api, world):
    upload(coord_a_api, "teachers", xlsx_bytes([TEACHER_HEADERS, teacher_row()]))
    changed = teacher_row(title="高级讲师", skills="电子商务:5", capacity="3")
    response = upload(coord_a_api, "teachers", xlsx_bytes([TEACHER_HEADERS, changed]))
    assert response.json()["updated"] == 1
    teacher = Teacher.objects.get(name="王老师")
    assert (teacher.title, teacher.capacity) == ("高级讲师", 3)
    assert [(s.specialty.name, s.level) for s in teacher.skills.all()] == [
        ("电子商务", 5)
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk(coord_a_api, world, encoding):
    content = csv_bytes([TEACHER_HEADERS, teacher_row("欧阳老师")], encoding)
    if encoding == "utf-8-sig":
        assert content.startswith(codecs.BOM_UTF8)
    response = upload(coord_a_api, "teachers", content, name="roster.csv")
    assert response.status_code == 200, response.json()
    assert Teacher.objects.filter(name="欧阳老师", county=world.county_a).exists()


def test_gbk_csv_from_chinese_excel_reports_the_encoding(coord_a_api, world):
    content = csv_bytes([TEACHER_HEADERS, teacher_row("诸葛老师")], "gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    response = upload(coord_a_api, "teachers", content, name="名单.csv")
    body = response.json()
    assert body["ok"] and body["encoding"] == "gb18030"


# --- every kind of bad row ---------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (
            teacher_row(skills="电商:5"),
            "专业及等级",
            "电商",
            "未知专业「电商」——您是不是要填“电子商务”？",
        ),
        (
            teacher_row(skills="电子商务"),
            "专业及等级",
            "电子商务",
            "请按“专业:等级”填写",
        ),
        (
            teacher_row(skills="电子商务:6"),
            "专业及等级",
            "电子商务:6",
            "等级应为 1 到 5 的整数",
        ),
        (
            teacher_row(skills="电子商务:5;电子商务:3"),
            "专业及等级",
            "电子商务:3",
            "重复填写",
        ),
        (
            teacher_row(start="2026-02-30"),
            "可服务开始日期",
            "2026-02-30",
            "不是有效日期",
        ),
        (teacher_row(end="下学期"), "可服务结束日期", "下学期", "不是有效日期"),
        (
            teacher_row(start="2027-01-01", end="2026-09-01"),
            "可服务结束日期",
            "2026-09-01",
            "不能早于",
        ),
        (teacher_row(capacity="0"), "同时服务需求数", "0", "应在 1 到 5 之间"),
        (teacher_row(capacity="6"), "同时服务需求数", "6", "应在 1 到 5 之间"),
        (teacher_row(capacity="两个"), "同时服务需求数", "两个", "不是整数"),
        (
            teacher_row(school="溧阳中专"),
            "派出学校",
            "溧阳中专",
            "未知学校「溧阳中专」——您是不是要填“溧阳中等专业学校”？",
        ),
        (
            teacher_row(school="白河县职业教育中心"),
            "派出学校",
            "白河县职业教育中心",
            "未知学校",
        ),
        (teacher_row(county="白水县"), "驻点县", "白水县", "未知的县「白水县」"),
        (teacher_row(name=""), "姓名", "", "此列必填"),
        (teacher_row(name="长" * 51), "姓名", "长" * 51, "最多 50 个字"),
    ],
)
def test_each_bad_row_kind_is_reported_and_nothing_is_imported(
    coord_a_api, world, row, column, value, message
):
    before = Teacher.objects.count()
    rows = [TEACHER_HEADERS, teacher_row("好老师"), row]
    response = upload(coord_a_api, "teachers", xlsx_bytes(rows))
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["created"] == 0
    found = [p for p in problems(response) if p[0] == 3 and p[1] == column]
    assert found, problems(response)
    assert found[0][2] == value
    assert message in found[0][3]
    assert Teacher.objects.count() == before


def test_missing_required_column_is_reported_on_the_header_row(coord_a_api, world):
    headers = [h for h in TEACHER_HEADERS if h != "驻点县"]
    row = teacher_row()
    del row[3]
    response = upload(coord_a_api, "teachers", xlsx_bytes([headers, row]))
    assert response.status_code == 400
    assert problems(response) == [(1, "驻点县", "", "缺少必填列「驻点县」。")]


def test_duplicate_rows_in_the_file_are_reported(coord_a_api, world):
    rows = [TEACHER_HEADERS, teacher_row(), teacher_row("钱老师"), teacher_row()]
    response = upload(coord_a_api, "teachers", xlsx_bytes(rows))
    assert response.status_code == 400
    [(row, column, _value, message)] = problems(response)
    assert (row, column) == (4, "姓名")
    assert "第 2 行重复" in message
    assert not Teacher.objects.filter(name="钱老师").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("roster.pdf", b"%PDF-1.4 not a sheet"),
        ("roster.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel"),
        ("roster.xlsx", b"PK\x03\x04 a broken zip"),
        ("roster.docx", b"not even a zip"),
        ("roster.csv", b""),
    ],
)
def test_wrong_file_types_are_refused(coord_a_api, world, name, content):
    response = upload(coord_a_api, "teachers", content, name=name)
    assert response.status_code == 400
    [(row, column, _value, message)] = problems(response)
    assert row is None and column is None
    assert message


def test_old_xls_gets_a_message_on_how_to_save_it(coord_a_api, world):
    response = upload(coord_a_api, "teachers", b"\xd0\xcf\x11\xe0xx", name="a.xls")
    assert ".xlsx" in response.json()["errors"][0]["message"]


def test_a_file_with_no_data_rows_is_refused(coord_a_api, world):
    response = upload(coord_a_api, "teachers", xlsx_bytes([TEACHER_HEADERS]))
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "文件中没有数据行。"


def test_every_problem_of_a_file_is_listed_with_its_row(coord_a_api, world):
    rows = [
        TEACHER_HEADERS,
        teacher_row("甲", skills="电商:5"),
        teacher_row("乙"),
        teacher_row("丙", capacity="9", end="2020-01-01"),
    ]
    response = upload(coord_a_api, "teachers", xlsx_bytes(rows))
    listed = [(p[0], p[1]) for p in problems(response)]
    assert listed == [
        (2, "专业及等级"),
        (4, "可服务结束日期"),
        (4, "同时服务需求数"),
    ]


def test_headers_in_english_and_other_spellings_are_understood(coord_a_api, world):
    headers = [
        "Name",
        "派出单位",
        "Title",
        "驻点县（区）",
        "专业",
        "开始日期",
        "结束日期",
        "容量",
        "备注",
    ]
    row = [*teacher_row("何老师"), "自带笔记本"]
    response = upload(coord_a_api, "teachers", xlsx_bytes([headers, row]))
    assert response.status_code == 200, response.json()
    assert response.json()["ignored_columns"] == ["备注"]


def test_dates_as_excel_dates_and_chinese_text(coord_a_api, world):
    rows = [
        TEACHER_HEADERS,
        teacher_row("甲", start=dt.datetime(2026, 9, 1), end="2027年7月10日"),
        teacher_row("乙", start="2026/9/1", end="2027.7.10"),
    ]
    response = upload(coord_a_api, "teachers", xlsx_bytes(rows))
    assert response.status_code == 200, response.json()
    for name in ("甲", "乙"):
        teacher = Teacher.objects.get(name=name)
        assert str(teacher.available_from) == "2026-09-01"
        assert str(teacher.available_until) == "2027-07-10"


def test_dry_run_checks_without_writing(coord_a_api, world):
    content = xlsx_bytes([TEACHER_HEADERS, teacher_row()])
    response = upload(coord_a_api, "teachers", content, dry_run="true")
    body = response.json()
    assert body["ok"] and body["dry_run"] and body["created"] == 1
    assert not Teacher.objects.filter(name="王老师").exists()


# --- scope and roles ---------------------------------------------------------------


def test_coordinator_cannot_import_teachers_into_another_county(coord_a_api, world):
    rows = [
        TEACHER_HEADERS,
        teacher_row("王老师"),
        teacher_row("钱老师", county="旬阳市"),
    ]
    response = upload(coord_a_api, "teachers", xlsx_bytes(rows))
    assert response.status_code == 400
    [(row, column, _value, message)] = problems(response)
    assert (row, column) == (3, "驻点县")
    assert message == "未知的县「旬阳市」。"  # as for a county that does not exist
    assert not Teacher.objects.filter(name__in=["王老师", "钱老师"]).exists()


def test_coordinator_cannot_take_over_a_teacher_of_another_county(coord_a_api, world):
    row = teacher_row("李老师", county="白河县")  # 李老师 is stationed in county B
    response = upload(coord_a_api, "teachers", xlsx_bytes([TEACHER_HEADERS, row]))
    assert response.status_code == 400
    world.teacher_b.refresh_from_db()
    assert world.teacher_b.county == world.county_b


def test_coordinator_of_both_counties_imports_into_both(api, world):
    rows = [
        TEACHER_HEADERS,
        teacher_row("王老师"),
        teacher_row("钱老师", county="旬阳市"),
    ]
    response = upload(api.as_user(world.users.coord_ab), "teachers", xlsx_bytes(rows))
    assert response.status_code == 200
    assert Teacher.objects.get(name="钱老师").county == world.county_b


@pytest.mark.parametrize("persona", ["staff_a", "teacher_a"])
def test_other_roles_may_not_import_teachers(api, world, persona):
    content = xlsx_bytes([TEACHER_HEADERS, teacher_row()])
    response = upload(api.as_user(getattr(world.users, persona)), "teachers", content)
    assert response.status_code == 403
    assert not Teacher.objects.filter(name="王老师").exists()


def test_template_has_chinese_headers(coord_a_api, world):
    response = coord_a_api.get("/api/v1/imports/teachers/template/")
    assert response.status_code == 200
    headers = read_xlsx(response.content)[0]
    assert headers[:8] == TEACHER_HEADERS
    # the template itself imports as a file with no rows, not as bad columns
    response = upload(coord_a_api, "teachers", response.content)
    assert response.json()["errors"][0]["message"] == "文件中没有数据行。"


def test_unknown_import_kind_is_404(coord_a_api, world):
    assert upload(coord_a_api, "planets", b"x").status_code == 404


# --- size --------------------------------------------------------------------------


def test_a_5000_row_import(coord_a_api, world):
    f.SchoolFactory(
        name="溧阳市天目湖中等专业学校", county=world.liyang, kind="supporting"
    )
    schools = ["溧阳中等专业学校", "溧阳市天目湖中等专业学校"]
    skills = ["电子商务:5;计算机应用:3", "会计事务:4", "幼儿保育:3;旅游服务与管理:2"]
    rows = [TEACHER_HEADERS] + [
        teacher_row(
            f"教师{n:05d}",
            school=schools[n % 2],
            skills=skills[n % 3],
            capacity=str(1 + n % 3),
        )
        for n in range(5000)
    ]
    content = xlsx_bytes(rows)
    started = time.perf_counter()
    response = upload(coord_a_api, "teachers", content)
    elapsed = time.perf_counter() - started
    print(f"\n5,000-row teacher import (.xlsx): {elapsed:.2f} s")
    assert response.status_code == 200, response.json()["errors"][:3]
    assert response.json()["created"] == 5000
    assert Teacher.objects.filter(name__startswith="教师").count() == 5000
    expected_skills = sum(len(skills[n % 3].split(";")) for n in range(5000))
    assert (
        TeacherSkill.objects.filter(teacher__name__startswith="教师").count()
        == expected_skills
    )
    started = time.perf_counter()
    again = upload(coord_a_api, "teachers", content)
    print(
        f"the same file again (nothing changes): {time.perf_counter() - started:.2f} s"
    )
    assert again.json()["unchanged"] == 5000
