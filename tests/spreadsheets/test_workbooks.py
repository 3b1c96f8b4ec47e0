"""Writing workbooks: formula-like text neutralised and restored, dates as dates."""

import datetime as dt
import io

from openpyxl import load_workbook

from needs.imports import NEED_COLUMNS
from spreadsheets.cells import neutralise, restore
from spreadsheets.workbooks import Column, build_workbook

from .. import factories as f


def test_neutralise_leaves_ordinary_values_alone():
    assert neutralise("张老师") == "张老师"
    assert neutralise(-3) == -3
    assert neutralise("=1") == "'=1"
    assert restore(neutralise("=1")) == "=1"
    assert restore("'quoted") == "'quoted"


def test_workbook_writes_dates_as_dates(world):
    need = f.NeedFactory(school=world.school_a, specialty=world.ecommerce)
    sheet = load_workbook(
        io.BytesIO(build_workbook(NEED_COLUMNS, [need], title="需求"))
    ).worksheets[0]
    start = sheet.cell(row=2, column=8)
    assert start.is_date and start.number_format == "yyyy-mm-dd"


def test_a_moment_is_written_as_the_local_wall_clock_time(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = dt.datetime(2026, 9, 1, 1, 30, tzinfo=dt.UTC)
    columns = [Column("at", "At", lambda value: value)]
    sheet = load_workbook(
        io.BytesIO(build_workbook(columns, [moment, None], title="t"))
    ).worksheets[0]
    cell = sheet.cell(row=2, column=1)
    assert cell.value == dt.datetime(2026, 9, 1, 9, 30)
    assert cell.number_format == "yyyy-mm-dd hh:mm"
    assert sheet.cell(row=3, column=1).value is None
