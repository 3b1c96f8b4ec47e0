"""Helpers for the supply-side tests: spreadsheets built in memory and uploads."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

TEACHER_HEADERS = [
    "姓名",
    "派出学校",
    "职称",
    "驻点县",
    "专业及等级",
    "可服务开始日期",
    "可服务结束日期",
    "同时服务需求数",
]


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_xlsx(content: bytes) -> list[list]:
    """Every row of the first sheet, as values."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def upload(client, kind: str, content: bytes, name: str = "file.xlsx", **extra):
    return client.post(
        f"/api/v1/imports/{kind}/",
        {"file": SimpleUploadedFile(name, content), **extra},
        format="multipart",
    )


def teacher_row(
    name="王老师",
    school="溧阳中等专业学校",
    title="讲师",
    county="白河县",
    skills="电子商务:4",
    start="2026-09-01",
    end="2027-07-10",
    capacity="2",
):
    return [name, school, title, county, skills, start, end, capacity]


@pytest.fixture
def coord_a_api(api, world):
    return api.as_user(world.users.coord_a)
