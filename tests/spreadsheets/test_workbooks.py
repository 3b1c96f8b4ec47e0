"""Writing workbooks: formula-like text neutralised and restored, dates as dates."""

import io

from openpyxl import load_workbook

from needs.imports import NEED_COLUMNS
from spreadsheets.cells import neutralise, restore
from spreadsheets.workbooks import build_workbook

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
