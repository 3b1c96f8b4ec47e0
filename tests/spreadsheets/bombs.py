"""Hostile spreadsheets built byte by byte with ``zipfile``: what an attacker sends,
not what a spreadsheet program would write. Shared by the reader's limit tests, the
import-scope tests and ``scripts/bench_spreadsheets.py`` (which times them)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
OFFICE_DOC = REL + "/officeDocument"

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


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row_xml(number: int, cells: Sequence[str | None], *, first_column: int = 1) -> str:
    parts = [
        inline(f"{get_column_letter(first_column + index)}{number}", value)
        for index, value in enumerate(cells)
        if value is not None
    ]
    return f'<row r="{number}">{"".join(parts)}</row>'


def sheet_xml(rows: Iterable[str], *, dimension: str | None = None) -> str:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{head}'
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def xlsx(
    sheet: str | bytes,
    *,
    shared_strings: str | bytes | None = None,
    styles: str | None = None,
    extra: dict[str, bytes] | None = None,
    level: int = 9,
) -> bytes:
    """A workbook of one sheet around ``sheet`` (the worksheet XML)."""
    overrides = [
        ("/xl/workbook.xml", "sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", "worksheet+xml"),
    ]
    relations = [
        ("rId1", "worksheet", "worksheets/sheet1.xml"),
    ]
    if shared_strings is not None:
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings+xml"))
        relations.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        overrides.append(("/xl/styles.xml", "styles+xml"))
        relations.append(("rId3", "styles", "styles.xml"))
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{TYPES}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(
            f'<Override PartName="{part}" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.{kind}"/>'
            for part, kind in overrides
        )
        + "</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOC}" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
        f'xmlns:r="{REL}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}">'
        + "".join(
            f'<Relationship Id="{rid}" Type="{REL}/{kind}" Target="{target}"/>'
            for rid, kind, target in relations
        )
        + "</Relationships>"
    )
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": root_rels,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels,
        "xl/worksheets/sheet1.xml": sheet,
    }
    if shared_strings is not None:
        members["xl/sharedStrings.xml"] = shared_strings
    if styles is not None:
        members["xl/styles.xml"] = styles
    members.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(
        buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level
    ) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def declared_dimension(rows: int = 1_048_576, *, last_column: str = "XFD") -> bytes:
    """A sheet that declares ``A1:XFD<rows>`` but holds the headers in row 1 and one
    more cell in its last row, in ``last_column``."""
    last = f"{last_column}{rows}"
    return xlsx(
        sheet_xml(
            [
                row_xml(1, TEACHER_HEADERS),
                f'<row r="{rows}">{inline(last, "x")}</row>',
            ],
            dimension=f"A1:XFD{rows}",
        )
    )


def one_cell_rows(rows: int = 6000) -> bytes:
    """The headers, then ``rows`` rows of one cell each under a dimension that claims
    every column (A1:XFD<rows>): 32 KB that padded readers turn into 16,384 cells a
    row."""
    body = [row_xml(1, TEACHER_HEADERS)]
    body += [row_xml(n, ["王"]) for n in range(2, rows + 2)]
    return xlsx(sheet_xml(body, dimension=f"A1:XFD{rows + 1}"))


def shared_string_bomb(size: int = 50 * 1024 * 1024) -> bytes:
    """One header that is a ``size``-character shared string (about 52 KB zipped)."""
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
        f'uniqueCount="1"><si><t>{"A" * size}</t></si></sst>'
    )
    sheet = sheet_xml(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'])
    return xlsx(sheet, shared_strings=strings.encode())


def rows_file(rows: Sequence[Sequence[str | None]]) -> bytes:
    """A plain workbook of inline-string rows from row 1."""
    return xlsx(sheet_xml(row_xml(n, row) for n, row in enumerate(rows, start=1)))


def lying_size(content: bytes, member: str, declared: int) -> bytes:
    """``content`` with the uncompressed size of ``member`` rewritten to
    ``declared`` in its local header and its central directory entry: a member that
    claims to be small and inflates to more."""
    data = bytearray(content)
    name = member.encode()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        local = archive.getinfo(member).header_offset
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + length] == name:
            data[central + 24 : central + 28] = declared.to_bytes(4, "little")
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def many_members(count: int) -> bytes:
    """A valid small workbook with ``count`` extra (empty) parts."""
    extra = {f"xl/media/pad{n}.bin": b"" for n in range(count)}
    return xlsx(sheet_xml([row_xml(1, TEACHER_HEADERS)]), extra=extra)


def entity_expansion() -> bytes:
    """The headers under a DTD whose entity expands a billion times."""
    laughs = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    sheet = sheet_xml([row_xml(1, ["&lol9;", *TEACHER_HEADERS[1:]])])
    sheet = sheet.replace(
        "?><worksheet", f"?><!DOCTYPE worksheet [{laughs}]><worksheet", 1
    ).replace("&amp;lol9;", "&lol9;")
    return xlsx(sheet)


def sheet_part(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")
