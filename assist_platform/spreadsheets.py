"""Spreadsheets in and out, the way county bureaus work: .xlsx exports with Chinese
headers, and imports from .xlsx or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030).

- :class:`Column` describes one column once, for the template, the export and the
  import, so an exported sheet imports back unchanged.
- :func:`xlsx_response` / :class:`XlsxExportMixin` export any queryset a user can see;
  the mixin adds ``GET <list>/export/`` to a DRF viewset, honouring its filters,
  search, ordering and scope (its ``get_queryset``).
- :class:`Importer` reads an upload, checks every row and writes all rows in one
  transaction or none: a file with any bad row imports nothing and gets a report of
  (row, column, value, message). Apps subclass it (``teams.imports``,
  ``needs.imports``).

Every text cell that begins with ``= + - @``, a tab or a carriage return is written with
a leading apostrophe so spreadsheet programs show it as text instead of running it
as a formula (CSV/formula injection); the importer strips that apostrophe again.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from rest_framework.decorators import action

from .spreadsheet_reader import (  # noqa: F401 - the importers' API
    Limits,
    ReadStats,
    SpreadsheetError,
    Table,
    decode_text,
    read_table,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_REPORTED_ERRORS = 500
MAX_MESSAGE_CHARS = 500  # a message quotes at most a few clipped values
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


# --- cells ---------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A cell value safe to open in Excel or WPS: text that a spreadsheet would read as
    a formula gets a leading apostrophe; characters XML cannot hold are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def restore(value: str) -> str:
    """Undo :func:`neutralise` on text read back from one of our own exports."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


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


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header (translated, Chinese by default), how to
    read the value from an object for export, and how the importer finds it."""

    key: str
    header: Any  # a lazily translated string
    value: Callable[[Any], Any] | None = None  # export; None: import-only
    required: bool = False
    importable: bool = True
    help: Any = ""
    example: str = ""
    aliases: tuple[str, ...] = ()  # other headers bureaus use for the same column
    width: int = 16

    def header_names(self) -> set[str]:
        """Every header text that names this column: the Chinese and English
        headers and the aliases, compared without spaces."""
        names = {_normalise_header(a) for a in self.aliases}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(_normalise_header(str(self.header)))
        names.add(_normalise_header(self.key))
        return names


def _normalise_header(text: Any) -> str:
    return re.sub(r"[\s*＊:：]", "", str(text or "")).lower()


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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    return re.sub(r"[\\/*?:\[\]]", " ", str(title))[:31] or "Sheet1"


def xlsx_response(
    columns: Sequence[Column], objects: Iterable[Any], *, filename: str
) -> HttpResponse:
    """An attachment response carrying the workbook of ``objects``."""
    content = build_workbook(columns, objects, title=filename)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{filename}.xlsx"
    )
    return response


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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


export_schema = extend_schema(
    summary="Export the list as .xlsx",
    filters=True,
    description=(
        "The same rows the list returns for these filters, search and ordering "
        "(unpaginated), as an Excel workbook with Chinese headers."
    ),
    responses={
        (200, XLSX_CONTENT_TYPE): OpenApiResponse(
            response=OpenApiTypes.BINARY, description="An .xlsx workbook."
        )
    },
)


class XlsxExportMixin:
    """Adds ``GET <list>/export/`` to a DRF viewset: the list the caller sees, with
    the same filters, search and ordering, as an .xlsx file with Chinese headers.

    Set ``export_columns`` (a sequence of :class:`Column`), ``export_filename`` and,
    to keep the query count flat, ``export_select_related`` /
    ``export_prefetch_related``."""

    export_columns: ClassVar[Sequence[Column]] = ()
    export_filename: ClassVar[Any] = "export"
    export_select_related: ClassVar[Sequence[str]] = ()
    export_prefetch_related: ClassVar[Sequence[Any]] = ()

    def get_export_columns(self) -> Sequence[Column]:
        return [c for c in self.export_columns if c.value is not None]

    def get_export_queryset(self):
        queryset = self.filter_queryset(self.get_queryset())  # type: ignore[attr-defined]
        if self.export_select_related:
            queryset = queryset.select_related(*self.export_select_related)
        if self.export_prefetch_related:
            queryset = queryset.prefetch_related(*self.export_prefetch_related)
        return queryset

    def export_xlsx(self) -> HttpResponse:
        queryset = self.get_export_queryset()
        return xlsx_response(
            self.get_export_columns(),
            queryset.iterator(chunk_size=2000),
            filename=str(self.export_filename),
        )

    @export_schema
    @action(detail=False, methods=["get"], url_path="export", url_name="export")
    def export(self, request, *args, **kwargs):
        return self.export_xlsx()


# --- reading uploads -----------------------------------------------------------------
# The bounded readers live in ``spreadsheet_reader``; what follows turns their cells
# into typed values and reports.

ECHO_CHARS = 100  # a value quoted back in a report is cut to this many characters


def shown(value: Any) -> str:
    """``value`` as a report quotes it: at most :data:`ECHO_CHARS` characters, so a
    huge cell is never echoed back whole."""
    text = _display(value)
    if len(text) > ECHO_CHARS:
        return text[: ECHO_CHARS - 1] + "…"
    return text


def _blank(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --- parsing cells -------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(
        r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
    ),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_TRUE = {"1", "true", "yes", "y", "是", "在岗", "有效", "启用", "√", "✓"}
_FALSE = {"0", "false", "no", "n", "否", "停用", "离岗", "无效", "×", "✗"}


def suggest(value: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``value``, if any is close (difflib)."""
    value = value.strip()
    pool = [c for c in candidates if c]
    matches = difflib.get_close_matches(value, pool, n=1, cutoff=0.5)
    if matches:
        return matches[0]
    # Short abbreviations (电商 for 电子商务) score low; a candidate containing
    # every character of the value in order is a fair guess.
    for candidate in sorted(pool, key=len):
        if len(value) >= 2 and _is_subsequence(value, candidate):
            return candidate
    return None


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


@dataclass
class ImportProblem:
    row: int | None
    column: str | None
    value: str
    message: str
    position: int = -1  # the column's place in the file, to list problems in order

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Restored(str):
    """Text that :func:`restore` gave back: kept exactly, not stripped again."""


class Row:
    """One data row of an upload, with typed getters that record what is wrong."""

    def __init__(self, number: int, cells: dict[str, Any], importer: Importer):
        self.number = number
        self.cells = cells
        self.importer = importer
        self.ok = True

    def has(self, key: str) -> bool:
        """Whether the file has this column at all (a missing optional column keeps
        the stored value; an empty cell in a present column clears it)."""
        return key in self.cells

    def raw(self, key: str) -> Any:
        """The cell's value: text stripped of surrounding spaces, then of the
        apostrophe an export put before a formula-like value (which is returned
        exactly as it was stored, spaces and all)."""
        value = _blank(self.cells.get(key))
        if isinstance(value, str) and restore(value) != value:
            return _Restored(restore(value))
        return value

    def error(self, key: str | None, message: str, value: Any = ...) -> None:
        if value is ...:
            value = self.cells.get(key) if key else ""
        self.ok = False
        self.importer.add_error(self.number, key, value, message)

    def text(self, key: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, _("This column is required."))
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, dt.datetime):
            value = value.date() if value.time() == dt.time() else value
        text = value if isinstance(value, _Restored) else _display(value).strip()
        text = str(text)
        if max_length and len(text) > max_length:
            self.error(
                key,
                _("At most %(count)d characters (this has %(actual)d).")
                % {"count": max_length, "actual": len(text)},
            )
        return text

    def integer(
        self,
        key: str,
        *,
        low: int,
        high: int,
        required: bool = False,
        default: int | None = None,
    ) -> int | None:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, _("This column is required."))
            return default
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str):
            cleaned = value.strip().removesuffix("人").removesuffix("个").strip()
            try:
                number = int(cleaned)
            except ValueError:
                try:
                    as_float = float(cleaned)
                except ValueError:
                    as_float = None
                if as_float is not None and as_float.is_integer():
                    number = int(as_float)
        if number is None:
            self.error(
                key,
                _("「%(value)s」 is not a whole number.") % {"value": shown(value)},
            )
            return None
        if not low <= number <= high:
            self.error(
                key,
                _("Must be between %(low)d and %(high)d.") % {"low": low, "high": high},
            )
            return None
        return number

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self.raw(key)
        if value is None:
            if required:
                self.error(key, _("This column is required."))
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(
                key,
                _("「%(value)s」 is not a date; write it like 2026-09-01.")
                % {"value": shown(value)},
            )
        return parsed

    def boolean(self, key: str, *, default: bool | None = None) -> bool | None:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = _display(value).strip().lower()
        if text in _TRUE or text == str(_("yes")).lower():
            return True
        if text in _FALSE or text == str(_("no")).lower():
            return False
        self.error(
            key,
            _("「%(value)s」 is neither 是 (yes) nor 否 (no).")
            % {"value": shown(value)},
        )
        return default


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a real date, an Excel serial number, or text such as
    2026-09-01, 2026/9/1, 2026.9.1, 2026年9月1日 or 20260901."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # Excel serial days (1954-2119)
            return from_excel(value).date()
        value = _display(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_date(float(text))
    return None


# --- the importer --------------------------------------------------------------------


@dataclass
class ImportReport:
    kind: str
    ok: bool = False
    dry_run: bool = False
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "encoding": self.encoding,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "errors": [e.as_dict() for e in self.errors],
            "ignored_columns": self.ignored_columns,
        }


class _Rollback(Exception):
    pass


class Importer:
    """Reads an upload, checks it all, then writes every row or none.

    Subclasses set ``kind``, ``columns`` and ``key_label`` and implement
    ``allowed`` (may this user import this kind at all: else 403), ``load``
    (preload lookups), ``parse`` (one row to an item, or ``None``), ``key`` (the
    natural key of an item), ``check`` (rules that look at stored rows) and
    ``save`` (write the items, returning created/updated/unchanged)."""

    kind: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    columns: ClassVar[Sequence[Column]] = ()
    key_label: ClassVar[Any] = ""

    def __init__(self, user):
        self.user = user
        self.report = ImportReport(kind=self.kind)
        self.headers: dict[str, str] = {}  # column key -> header as in the file
        self.positions: dict[str, int] = {}  # column key -> index in the file

    # hooks -------------------------------------------------------------------------
    @classmethod
    def allowed(cls, user) -> bool:
        raise NotImplementedError

    def load(self) -> None:
        """Preload what parsing needs (catalogue, schools, counties...)."""

    def parse(self, row: Row) -> Any:
        raise NotImplementedError

    def key(self, item: Any) -> Hashable:
        raise NotImplementedError

    def key_column(self) -> str:
        return next(c.key for c in self.columns if c.required)

    def check(self, items: list[tuple[Row, Any]]) -> None:
        """Rules that need the stored rows; report through ``row.error``."""

    def save(self, items: list[Any]) -> tuple[int, int, int]:
        raise NotImplementedError

    # machinery ---------------------------------------------------------------------
    def add_error(self, row: int | None, key: str | None, value: Any, message: str):
        self.report.error_count += 1
        if len(self.report.errors) >= MAX_REPORTED_ERRORS:
            return
        column = self.column_label(key) if key else None
        problem = ImportProblem(
            row=row,
            column=column,
            value=shown(value),
            message=message[:MAX_MESSAGE_CHARS],
            position=self.positions.get(key, -1) if key else -1,
        )
        self.report.errors.append(problem)

    def column_label(self, key: str) -> str:
        if key in self.headers:
            return self.headers[key]
        for column in self.columns:
            if column.key == key:
                return str(column.header)
        return key

    def template(self) -> bytes:
        return template_workbook(self.columns, title=str(self.title))

    def run(self, upload, *, dry_run: bool = False) -> ImportReport:
        """Import ``upload``; the report says what happened. Nothing is written when
        any row is bad or ``dry_run`` is set."""
        if not self.allowed(self.user):
            raise PermissionDenied
        report = self.report
        report.dry_run = dry_run
        try:
            table = read_table(upload, self._select_columns)
        except SpreadsheetError as exc:
            self.add_error(None, None, getattr(upload, "name", ""), exc.message)
            return report
        report.encoding = table.encoding
        positions = self.positions
        if report.error_count:
            return report
        if not table.rows:
            self.add_error(None, None, "", _("The file has no data rows."))
            return report
        report.rows = len(table.rows)
        self.load()
        items: list[tuple[Row, Any]] = []
        first_seen: dict[Hashable, int] = {}
        for number, cells in table.rows:
            values = {key: cells.get(index) for key, index in positions.items()}
            row = Row(number, values, self)
            item = self.parse(row)
            if item is None or not row.ok:
                continue
            key = self.key(item)
            if key in first_seen:
                row.error(
                    self.key_column(),
                    _("This row repeats row %(row)d (the same %(key)s).")
                    % {"row": first_seen[key], "key": self.key_label},
                )
                continue
            first_seen[key] = number
            items.append((row, item))
        self.check(items)
        if report.error_count:
            report.errors.sort(key=lambda e: (e.row or 0, e.position))
            return report
        try:
            with transaction.atomic():
                counts = self.save([item for _row, item in items])
                report.created, report.updated, report.unchanged = counts
                if dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        except IntegrityError:
            self.add_error(
                None,
                None,
                "",
                _(
                    "The stored data changed while this file was being imported; "
                    "nothing was imported. Please upload it again."
                ),
            )
            report.created = report.updated = report.unchanged = 0
            return report
        report.ok = True
        return report

    def _select_columns(self, headers: list[str]) -> set[int] | None:
        """The columns of the file to read: those that map to a field; none at all
        (None) when the headers already make the file unusable."""
        self.positions = self._map_headers(headers)
        if self.report.error_count:
            return None
        return set(self.positions.values())

    def _map_headers(self, headers: list[str]) -> dict[str, int]:
        lookup: dict[str, Column] = {}
        for column in self.columns:
            for name in column.header_names():
                lookup.setdefault(name, column)
        positions: dict[str, int] = {}
        for index, header in enumerate(headers):
            normalised = _normalise_header(header)
            if not normalised:
                continue
            column = lookup.get(normalised)
            if column is None or not column.importable:
                if column is None:
                    self.report.ignored_columns.append(shown(header))
                continue
            if column.key in positions:
                self.add_error(
                    1,
                    None,
                    header,
                    _("The column 「%(column)s」 appears twice.")
                    % {"column": shown(header)},
                )
                continue
            positions[column.key] = index
            self.headers[column.key] = shown(header)
        for column in self.columns:
            if column.required and column.importable and column.key not in positions:
                self.add_error(
                    1,
                    column.key,
                    "",
                    _("The required column 「%(column)s」 is missing.")
                    % {"column": column.header},
                )
        return positions


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return str(gettext_lazy("yes") if value else gettext_lazy("no"))
