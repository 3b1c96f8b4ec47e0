"""Hostile spreadsheets: the cost of reading an upload follows what it really holds,
never what it declares.

Each file is built byte by byte in ``bombs``. No test times anything:
the work is asserted through what the reader counted (rows and cells met, bytes
inflated) and memory through tracemalloc's peak. ``scripts/bench_spreadsheets.py``
prints the seconds."""

import csv
import datetime as dt
import io
import json
import random
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from needs.models import Need
from spreadsheets.reader import SpreadsheetError, read_table
from teams.models import Teacher

from . import bombs

GOOD_TEACHER = [
    "王老师",
    "溧阳中等专业学校",
    "讲师",
    "白河县",
    "电子商务:4",
    "2026-09-01",
    "2027-07-10",
    "2",
]


def upload(client, kind, content, name="file.xlsx"):
    return client.post(
        f"/api/v1/imports/{kind}/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def refusal(content, name="file.xlsx", select=None):
    with pytest.raises(SpreadsheetError) as caught:
        read_table(SimpleUploadedFile(name, content), select)
    return caught.value


def only_message(response):
    [error] = response.json()["errors"]
    return error["message"]


def csv_file(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture
def coordinator(api, world):
    return api.as_user(world.users.coord_a)


# --- a declared size is not read -----------------------------------------------------


def test_a_sheet_declaring_a_million_rows_by_every_column_is_refused_at_its_2_rows(
    coordinator, world
):
    content = bombs.declared_dimension(1_048_576)
    assert b'ref="A1:XFD1048576"' in bombs.sheet_part(content)
    error = refusal(content)
    # the header row, then again with the last row: 3 rows and 17 cells in all
    assert (error.stats.rows, error.stats.cells) == (3, 17)
    response = upload(coordinator, "teachers", content)
    assert response.status_code == 400
    assert "第 1048576 行的 XFD 列有内容" in only_message(response)
    assert not Teacher.objects.filter(name="王老师").exists()


def test_a_declared_million_rows_with_one_real_row_reads_that_row_only(world):
    content = bombs.declared_dimension(1_048_576, last_column="A")
    table = read_table(SimpleUploadedFile("f.xlsx", content))
    assert [number for number, _cells in table.rows] == [1_048_576]
    assert (table.stats.rows, table.stats.cells) == (3, 17)


def test_six_thousand_one_cell_rows_cost_one_cell_each(coordinator, world):
    content = bombs.one_cell_rows(6000)
    assert len(content) < 40_000
    tracemalloc.start()
    try:
        table = read_table(SimpleUploadedFile("f.xlsx", content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table.rows) == 6000
    assert all(len(cells) == 1 for _number, cells in table.rows)
    assert table.stats.cells == 8 + 8 + 6000  # the header twice, then each row once
    assert peak < 20 * 1024 * 1024, peak
    response = upload(coordinator, "teachers", content)
    assert response.status_code == 400
    assert response.json()["rows"] == 6000 and response.json()["error_count"] > 6000
    assert len(response.content) < 512 * 1024  # at most 500 problems are listed


# --- zip bombs ---------------------------------------------------------------------


def test_the_shared_string_bomb_is_refused_with_a_small_answer(api, world):
    content = bombs.shared_string_bomb(50 * 1024 * 1024)
    assert len(content) < 60_000
    error = refusal(content)
    assert error.stats.inflated_bytes < 10_000  # the strings were never inflated
    response = upload(api.as_user(world.users.staff_a), "needs", content)
    assert response.status_code == 400
    assert len(response.content) < 64 * 1024
    assert "压缩比超过 100 倍" in only_message(response)
    assert not Need.objects.filter(title="A").exists()


def test_a_header_longer_than_a_cell_may_be_is_refused(world):
    content = bombs.shared_string_bomb(1_000_000)  # under 1 MiB: no ratio check
    error = refusal(content)
    assert "超过 32767 个字符" in error.message


def test_long_headers_and_values_are_echoed_cut_to_100_characters(coordinator, world):
    long_header = "备注" + "长" * 30_000
    long_value = "九" * 30_000
    row = [*GOOD_TEACHER[:7], long_value, "x" * 30_000]
    content = bombs.rows_file([[*bombs.TEACHER_HEADERS, long_header], row])
    response = upload(coordinator, "teachers", content)
    body = response.json()
    assert response.status_code == 400
    assert [len(c) for c in body["ignored_columns"]] == [100]
    [error] = body["errors"]
    assert error["column"] == "同时服务需求数"
    assert error["value"] == "九" * 99 + "…"
    assert len(error["message"]) < 200
    assert len(response.content) < 8 * 1024


@pytest.mark.parametrize(
    ("column", "value"),
    [(3, "县" * 30_000), (4, "专业" * 15_000 + ":3"), (4, "电子商务:" + "5" * 30_000)],
)
def test_look_up_messages_quote_a_long_value_cut(coordinator, world, column, value):
    row = list(GOOD_TEACHER)
    row[column] = value
    response = upload(
        coordinator, "teachers", bombs.rows_file([bombs.TEACHER_HEADERS, row])
    )
    assert response.status_code == 400
    for error in response.json()["errors"]:
        assert len(error["value"]) <= 100
        assert len(error["message"]) < 300, error["message"]
    assert len(response.content) < 4096


def test_a_member_larger_than_the_unpacked_limit_is_refused_unread(settings, world):
    settings.SPREADSHEET_MAX_UNPACKED_BYTES = 64 * 1024
    rows = [bombs.TEACHER_HEADERS] + [GOOD_TEACHER] * 400
    error = refusal(bombs.rows_file(rows))
    assert "解压后超过" in error.message
    assert error.stats.inflated_bytes < 4 * 1024  # the sheet itself never inflated


def test_a_member_compressed_more_than_the_ratio_is_refused_unread(world):
    sheet = bombs.sheet_xml([bombs.row_xml(1, bombs.TEACHER_HEADERS)])
    padded = sheet.replace("<sheetData>", "<sheetData>" + " " * 2_000_000)
    error = refusal(bombs.xlsx(padded))
    assert "压缩比超过 100 倍" in error.message
    assert error.stats.inflated_bytes < 4 * 1024


def test_a_member_that_inflates_beyond_its_declared_size_is_refused(world):
    rows = [bombs.TEACHER_HEADERS] + [GOOD_TEACHER] * 50
    content = bombs.lying_size(
        bombs.rows_file(rows), "xl/worksheets/sheet1.xml", declared=1000
    )
    error = refusal(content)
    assert "不是 .xlsx 或 .csv 文件" in error.message
    assert error.stats.inflated_bytes <= 1000 + 4 * 1024


def test_a_zip_of_many_members_is_refused_before_it_is_listed(world):
    assert "不是 .xlsx 或 .csv 文件" in refusal(bombs.many_members(1001)).message
    table = read_table(SimpleUploadedFile("f.xlsx", bombs.many_members(900)))
    assert table.headers == bombs.TEACHER_HEADERS


def test_an_entity_expansion_is_refused(world):
    error = refusal(bombs.entity_expansion())
    assert "不是 .xlsx 或 .csv 文件" in error.message


# --- rows, columns and cells -----------------------------------------------------


def test_the_row_limit_stops_the_reading_at_the_first_row_too_many(settings, world):
    settings.SPREADSHEET_MAX_ROWS = 50
    rows = [bombs.TEACHER_HEADERS] + [GOOD_TEACHER] * 1000
    error = refusal(bombs.rows_file(rows))
    assert error.message == "一次最多导入 50 行。"
    assert error.stats.rows == 1 + 1 + 51  # the header twice, then 51 rows
    table = read_table(SimpleUploadedFile("f.xlsx", bombs.rows_file(rows[:51])))
    assert len(table.rows) == 50


def test_empty_rows_and_cells_count_against_the_work_allowed(settings, world):
    settings.SPREADSHEET_MAX_ROWS = 50  # so 5 x 51 row elements, 51 x 50 cells
    header = bombs.row_xml(1, bombs.TEACHER_HEADERS)
    empty_rows = "".join(f'<row r="{n}"/>' for n in range(2, 2000))
    error = refusal(bombs.xlsx(bombs.sheet_xml([header, empty_rows])))
    assert "超出导入可读取的范围（最多 50 行、50 列）" in error.message
    assert error.stats.rows == 1 + 5 * 51 + 1
    columns = [get_column_letter(n) for n in range(1, 101)]
    styled = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{c}{n}" s="1"/>' for c in columns) + "</row>"
        for n in range(2, 62)
    )
    error = refusal(bombs.xlsx(bombs.sheet_xml([header, styled])))
    assert "超出导入可读取的范围" in error.message
    assert error.stats.cells == 8 + 51 * 50 + 1  # the header pass, then one too many
    fits = bombs.sheet_xml([header, empty_rows[: empty_rows.index('<row r="200"/>')]])
    assert read_table(SimpleUploadedFile("f.xlsx", bombs.xlsx(fits))).rows == []


def test_a_header_wider_than_the_column_limit_is_refused(world):
    headers = [f"列{n}" for n in range(1, 52)]
    error = refusal(bombs.rows_file([headers, GOOD_TEACHER]))
    assert "第 1 行的 AY 列有内容" in error.message
    assert error.stats.rows == 1
    assert read_table(SimpleUploadedFile("f.xlsx", bombs.rows_file([headers[:50]])))


def test_empty_cells_beyond_the_column_limit_are_harmless(world):
    sheet = bombs.sheet_xml(
        [
            bombs.row_xml(1, bombs.TEACHER_HEADERS),
            bombs.row_xml(2, GOOD_TEACHER)[: -len("</row>")]
            + '<c r="XFD2" s="1"/><c r="XFC2"><v></v></c></row>',
        ]
    )
    table = read_table(SimpleUploadedFile("f.xlsx", bombs.xlsx(sheet)))
    assert table.rows == [(2, dict(enumerate(GOOD_TEACHER)))]


def test_only_the_columns_that_map_to_fields_are_kept(coordinator, world):
    # 300 notes of 5,000 characters that do not compress much (so the ratio check,
    # tested below, does not refuse the file)
    digits = random.Random(11)
    notes = ["".join(digits.choices("0123456789", k=5000)) for _n in range(300)]
    rows = [[*bombs.TEACHER_HEADERS, "备注"]] + [[*GOOD_TEACHER, n] for n in notes]
    rows = [rows[0]] + [[f"教师{n}", *row[1:]] for n, row in enumerate(rows[1:])]
    content = bombs.rows_file(rows)

    def select(headers):
        assert headers[-1] == "备注"
        return {0, 3}

    table = read_table(SimpleUploadedFile("f.xlsx", content), select)
    assert {tuple(cells) for _n, cells in table.rows} == {(0, 3)}
    response = upload(coordinator, "teachers", content)
    assert response.status_code == 200, response.json()["errors"][:2]
    assert response.json()["ignored_columns"] == ["备注"]


def test_shared_strings_are_read_only_for_the_cells_kept(world):
    strings = "".join(f"<si><t>{text}</t></si>" for text in [*bombs.TEACHER_HEADERS])
    strings += "<si><t>" + "长" * 40_000 + "</t></si>"  # too long, in column I only
    sheet = bombs.sheet_xml(
        [
            "<row r='1'>"
            + "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(8))
            + "</row>",
            "<row r='2'><c r='A2' t='s'><v>0</v></c><c r='I2' t='s'><v>8</v></c></row>",
        ]
    )
    content = bombs.xlsx(
        sheet,
        shared_strings=f'<sst xmlns="{bombs.MAIN}">{strings}</sst>',
    )
    table = read_table(SimpleUploadedFile("f.xlsx", content), lambda headers: {0})
    assert table.rows == [(2, {0: "姓名"})]
    assert "超过 32767 个字符" in refusal(content).message  # every column kept


# --- CSV gets the same limits --------------------------------------------------------


def test_csv_rows_beyond_the_limit_are_refused_at_once(settings, world):
    settings.SPREADSHEET_MAX_ROWS = 50
    content = csv_file([bombs.TEACHER_HEADERS] + [GOOD_TEACHER] * 1000)
    error = refusal(content, "f.csv")
    assert error.message == "一次最多导入 50 行。"
    assert error.stats.rows == 52


def test_csv_blank_lines_count_against_the_row_limit(settings, world):
    settings.SPREADSHEET_MAX_ROWS = 50
    content = csv_file([bombs.TEACHER_HEADERS]) + b",,,\r\n" * 1000
    error = refusal(content, "f.csv")
    assert error.message == "一次最多导入 50 行。"
    assert error.stats.rows == 52


def test_csv_columns_beyond_the_limit_are_refused(world):
    wide = [*GOOD_TEACHER, *[""] * 42, "x"]  # "x" in column 51
    error = refusal(csv_file([bombs.TEACHER_HEADERS, wide]), "f.csv")
    assert "第 2 行的 AY 列有内容" in error.message
    padded = [*GOOD_TEACHER, *[""] * 200]
    table = read_table(
        SimpleUploadedFile("f.csv", csv_file([bombs.TEACHER_HEADERS, padded]))
    )
    assert len(table.rows) == 1


@pytest.mark.parametrize("length", [40_000, 200_000])
def test_csv_fields_longer_than_a_cell_are_refused(coordinator, world, length):
    row = [*GOOD_TEACHER[:2], "长" * length, *GOOD_TEACHER[3:]]
    content = csv_file([bombs.TEACHER_HEADERS, row])
    assert "超过 32767 个字符" in refusal(content, "f.csv").message
    response = upload(coordinator, "teachers", content, "f.csv")
    assert response.status_code == 400
    assert len(response.content) < 4096


def test_csv_larger_than_the_upload_limit_is_refused_unread(settings, world):
    settings.SPREADSHEET_MAX_UPLOAD_BYTES = 1024 * 1024
    content = csv_file([bombs.TEACHER_HEADERS] + [GOOD_TEACHER] * 12_000)
    assert len(content) > 1024 * 1024
    error = refusal(content, "f.csv")
    assert error.message == "文件超过 1 MB，请拆分后分别上传。"
    assert error.stats.rows == 0


# --- memory of an accepted import -------------------------------------------------


def test_a_5000_row_import_stays_far_under_300_mb(coordinator, world):
    rows = [bombs.TEACHER_HEADERS] + [
        [f"教师{n:05d}", *GOOD_TEACHER[1:4], "电子商务:5;会计事务:3", *GOOD_TEACHER[5:]]
        for n in range(5000)
    ]
    content = bombs.rows_file(rows)
    tracemalloc.start()
    try:
        response = upload(coordinator, "teachers", content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, json.dumps(response.json()["errors"][:2])
    assert response.json()["created"] == 5000
    print(f"\n5,000-row teacher import: peak {peak / 1024 / 1024:.1f} MB (tracemalloc)")
    assert peak < 300 * 1024 * 1024


# --- what the reader still understands ---------------------------------------------


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_cell_types_styles_and_rich_text_read_as_openpyxl_read_them(world):
    styles = (
        f'<styleSheet xmlns="{bombs.MAIN}"><numFmts count="1">'
        '<numFmt numFmtId="176" '
        'formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '</numFmts><cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/>'
        '<xf numFmtId="2"/></cellXfs></styleSheet>'
    )
    strings = (
        f'<sst xmlns="{bombs.MAIN}"><si><t>姓名</t></si>'
        "<si><r><t>张</t></r><r><rPr><b/></rPr><t>老师</t></r>"
        "<rPh sb='0' eb='1'><t>ZHANG</t></rPh></si></sst>"
    )
    sheet = bombs.sheet_xml(
        [
            '<row r="1"><c r="A1" t="s"><v>0</v></c>'
            + "".join(
                f'<c r="{c}1" t="inlineStr"><is><t>{c}</t></is></c>' for c in "BCDEFGH"
            )
            + "</row>",
            '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" s="1"><v>46266</v></c>'
            '<c r="C3" s="2"><v>46266</v></c><c r="D3" s="3"><v>2.5</v></c>'
            '<c r="E3"><v>13800000000</v></c><c r="F3" t="b"><v>1</v></c>'
            '<c r="G3" t="str"><f>A3&amp;"!"</f><v>张老师!</v></c>'
            '<c r="H3" t="inlineStr"><is><r><t xml:space="preserve"> 讲 </t></r>'
            "<r><t>师</t></r></is></c></row>",
        ]
    )
    content = bombs.xlsx(sheet, shared_strings=strings, styles=styles)
    table = read_table(SimpleUploadedFile("f.xlsx", content))
    assert table.headers == ["姓名", *"BCDEFGH"]
    [(number, cells)] = table.rows
    assert number == 3
    assert cells == {
        0: "张老师",
        1: dt.datetime(2026, 9, 1),
        2: dt.datetime(2026, 9, 1),
        3: 2.5,
        4: 13800000000,
        5: True,
        6: "张老师!",
        7: " 讲 师",
    }
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    by_openpyxl = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert by_openpyxl == [tuple(cells.values())]
