"""Import reports describe nothing outside the caller's scope: an object of another
county is answered exactly like one that does not exist, and a "did you mean" only
ever names a county or school the caller may see.

County A is 白河县 (coordinator ``coord_a``, school staff ``staff_a``), county B is
旬阳市 (``coord_b``, ``staff_b``)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from needs.models import Need
from teams.models import Teacher

from ..spreadsheets import bombs

A_NAMES = ("白河", "610929")  # what would give county A away


def teacher_row(name="王老师", county="旬阳市", school="溧阳中等专业学校"):
    return [name, school, "讲师", county, "会计事务:3", "2026-09-01", "2027-07-10", "1"]


NEED_HEADERS = [
    "学校",
    "所在县",
    "需求名称",
    "专业",
    "需求人数",
    "开始日期",
    "结束日期",
]


def need_row(school="旬阳市职业教育中心", county="旬阳市", title="会计实训"):
    return [school, county, title, "会计事务", "1", "2027-03-01", "2027-06-30"]


def import_file(client, kind, headers, *rows):
    content = bombs.rows_file([headers, *rows])
    response = client.post(
        f"/api/v1/imports/{kind}/",
        {"file": SimpleUploadedFile("f.xlsx", content)},
        format="multipart",
    )
    assert response.status_code == 400, response.json()
    return response


def messages(response):
    return [(e["row"], e["column"], e["message"]) for e in response.json()["errors"]]


def assert_says_nothing_of_a(response):
    text = response.content.decode()
    for name in A_NAMES:
        assert name not in text, text


def nothing_of_a(message, *typed):
    """No trace of county A in ``message`` besides the echo of what was typed."""
    for text in sorted(typed, key=len, reverse=True):
        message = message.replace(f"「{text}」", "")
    return not any(name in message for name in A_NAMES)


@pytest.fixture
def coord_b(api, world):
    return api.as_user(world.users.coord_b)


# --- teachers ----------------------------------------------------------------------


def test_a_teacher_of_another_county_is_answered_as_the_api_answers_it(
    api, world, coord_b
):
    # 张老师 of 溧阳中等专业学校 is stationed in county A.
    response = import_file(
        coord_b, "teachers", bombs.TEACHER_HEADERS, teacher_row("张老师")
    )
    assert_says_nothing_of_a(response)
    [(row, column, message)] = messages(response)
    by_api = coord_b.post(
        "/api/v1/teachers/",
        {
            "name": "张老师",
            "home_school": world.home.pk,
            "county": world.county_b.pk,
            "available_from": "2026-09-01",
            "available_until": "2027-07-10",
        },
        format="json",
    )
    assert by_api.status_code == 400
    assert (row, column, [message]) == (2, "姓名", by_api.json()["name"])
    world.teacher_a.refresh_from_db()
    assert world.teacher_a.county == world.county_a


def test_a_county_outside_the_scope_is_answered_like_one_that_does_not_exist(
    coord_b, world
):
    response = import_file(
        coord_b,
        "teachers",
        bombs.TEACHER_HEADERS,
        teacher_row("王老师", county="白河县"),
        teacher_row("钱老师", county="黑水县"),
    )
    [(row_a, column, in_a), (row_missing, _column, missing)] = messages(response)
    assert (row_a, row_missing, column) == (2, 3, "驻点县")
    assert in_a == missing.replace("黑水县", "白河县") == "未知的县「白河县」。"
    assert not Teacher.objects.filter(name__in=["王老师", "钱老师"]).exists()


@pytest.mark.parametrize("typed", ["白河", "陕西白河县", "白河区"])
def test_did_you_mean_names_no_county_outside_the_scope(coord_b, world, typed):
    response = import_file(
        coord_b, "teachers", bombs.TEACHER_HEADERS, teacher_row(county=typed)
    )
    [(_row, _column, message)] = messages(response)
    assert message == f"未知的县「{typed}」。"


def test_did_you_mean_still_names_the_callers_own_counties(api, world):
    coord_a = api.as_user(world.users.coord_a)
    response = import_file(
        coord_a, "teachers", bombs.TEACHER_HEADERS, teacher_row(county="白河")
    )
    [(_row, _column, message)] = messages(response)
    assert "您是不是要填“" in message and "白河县" in message


# --- needs -------------------------------------------------------------------------


def test_a_need_naming_a_school_and_county_of_a_is_answered_as_unknown(api, world):
    client = api.as_user(world.users.staff_b)
    response = import_file(
        client,
        "needs",
        NEED_HEADERS,
        need_row("白河县职业教育中心", county="白河县", title="甲"),
        need_row("白河县职业教育中心", county="", title="乙"),
        need_row("白河县职业教育中", county="", title="丙"),
        need_row(county="白河", title="丁"),
    )
    found = messages(response)
    assert [(row, column) for row, column, _m in found] == [
        (2, "所在县"),
        (3, "学校"),
        (4, "学校"),
        (5, "所在县"),
    ]
    assert found[0][2] == "未知的县「白河县」。"
    assert found[3][2] == "未知的县「白河」。"
    assert nothing_of_a(found[1][2], "白河县职业教育中心")
    assert nothing_of_a(found[2][2], "白河县职业教育中")
    assert not Need.objects.filter(title__in=["甲", "乙", "丙", "丁"]).exists()


def test_the_same_rows_are_fine_for_the_other_countys_staff(api, world):
    client = api.as_user(world.users.staff_a)
    response = import_file(
        client,
        "needs",
        NEED_HEADERS,
        need_row("白河县职业教育中", county="", title="丙"),
        need_row(county="白河", title="丁"),
    )
    [school, county] = [message for _r, _c, message in messages(response)]
    assert "您是不是要填“白河县职业教育中心”" in school
    assert "您是不是要填“" in county and "白河县" in county.replace("「白河」", "")
