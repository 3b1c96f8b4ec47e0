"""Writing .xlsx files: :class:`Column` describes one column once, for the template,
the export and the import, so an exported sheet imports back unchanged;
:func:`build_workbook` / :func:`xlsx_response` export any list of objects and
:func:`template_workbook` writes a blank import template. Every text cell is
neutralised (``cells.neutralise``)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .cells import neutralise, normalise_header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def _plain(value: Any) -> Any:
    """A Python value openpyxl can write."""
    if value is None or isinstance(value, bool | int | float | str | dt.date):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            # Excel has no time zones: write the local wall-clock time.
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


# --- columns and export ------------------------------------------------------------


# Column.value when none is given: replaced by a reader of the attribute its key
# names.
_BY_KEY: Any = object()


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header (translated, Chinese by default), how to
    read the value from an object for export, and how the importer finds it."""

    key: str
    header: Any  # a lazily translated string
    # Export: the object's attribute named ``key`` unless told; None: import-only.
    value: Callable[[Any], Any] | None = _BY_KEY
    required: bool = False
    importable: bool = True
    help: Any = ""
    example: str = ""
    aliases: tuple[str, ...] = ()  # other headers bureaus use for the same column
    width: int = 16

    def __post_init__(self):
        if self.value is _BY_KEY:
            object.__setattr__(self, "value", attrgetter(self.key))

    def header_names(self) -> set[str]:
        """Every header text that names this column: the Chinese and English
        headers and the aliases, compared without spaces."""
        names = {normalise_header(a) for a in self.aliases}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(normalise_header(str(self.header)))
        names.add(normalise_header(self.key))
        return names


def build_workbook(
    columns: Sequence[Column], objects: Iterable[Any], *, title: str
) -> bytes:
    """An .xlsx file of ``objects`` under ``columns``; every text cell neutralised."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=neutralise(str(column.header)))
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for obj in objects:
        row = []
        for column in columns:
            value = _plain(column.value(obj)) if column.value else None
            value = neutralise(value)
            if isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                is_datetime = isinstance(value, dt.datetime)
                cell.number_format = DATETIME_FORMAT if is_datetime else DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    return workbook_bytes(workbook)


def _sheet_title(title: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", " ", str(title))[:31] or "Sheet1"


def xlsx_response(
    columns: Sequence[Column], objects: Iterable[Any], *, filename: str
) -> HttpResponse:
    """An attachment response carrying the workbook of ``objects``."""
    return xlsx_attachment(build_workbook(columns, objects, title=filename), filename)


def xlsx_attachment(content: bytes, filename: str) -> HttpResponse:
    """A download of the .xlsx ``content`` as ``filename``.xlsx."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{filename}.xlsx"
    )
    return response


def workbook_bytes(workbook: Workbook) -> bytes:
    """The .xlsx file of ``workbook``."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(columns: Sequence[Column], *, title: str) -> bytes:
    """A blank import template: the headers (required ones shaded), a comment with an
    example on each, and a second sheet that explains every column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    importable = [c for c in columns if c.importable]
    for index, column in enumerate(importable, start=1):
        cell = sheet.cell(row=1, column=index, value=neutralise(str(column.header)))
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        if column.example:
            cell.comment = Comment(
                _("Example: %(example)s") % {"example": column.example}, "platform"
            )
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(title=_sheet_title(_("Instructions")))
    notes.append([_("Column"), _("Required"), _("What to write"), _("Example")])
    for cell in notes[1]:
        cell.font = _HEADER_FONT
    for column in importable:
        notes.append(
            [
                neutralise(str(column.header)),
                _("yes") if column.required else _("no"),
                neutralise(str(column.help)),
                neutralise(column.example),
            ]
        )
    notes.append([])
    notes.append(
        [
            _(
                "Fill in the first sheet from row 2. Save as .xlsx, or as CSV "
                "(UTF-8 or GBK). A file with any bad row imports nothing; fix the "
                "rows the report lists and upload it again."
            )
        ]
    )
    for letter, width in zip("ABCD", (18, 8, 60, 30), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(workbook)
