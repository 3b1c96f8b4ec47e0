"""Reading uploaded spreadsheets at a cost that follows what a file really holds.

An .xlsx file is a zip of XML parts, and a reader that trusts what they declare can be
made to work for minutes or to fill gigabytes: a sheet that declares ``A1:XFD1048576``
gets every row padded to 16,384 cells, and a 50 MB shared string zips into 52 KB.
This reader streams the XML with expat and never looks at the declared dimension:

- the zip is checked before anything is inflated: at most :data:`MAX_MEMBERS`
  members; the parts read may inflate to ``SPREADSHEET_MAX_UNPACKED_BYTES`` together,
  and a part over 1 MiB to at most ``SPREADSHEET_MAX_COMPRESSION_RATIO`` times its
  compressed size. ``zipfile`` stops at the size a member declares and then checks
  its CRC, so a member cannot inflate to more than was checked;
- the sheet is read up to its header row; the caller maps the headers and names the
  columns it wants; the rows are then read keeping only those cells. A value beyond
  ``SPREADSHEET_MAX_COLUMNS``, a data row beyond ``SPREADSHEET_MAX_ROWS`` or a cell
  longer than ``SPREADSHEET_MAX_CELL_CHARS`` stops the reading at once, and so do
  more row or cell elements, empty ones included, than those limits allow;
- shared strings are looked up after the sheet, only those the kept cells use;
- no DTD and no entity declaration is accepted (a workbook never has one).

CSV gets the same limits on rows, columns and cell length; its size is the upload's.
Rows that hold nothing are skipped; row numbers stay those the spreadsheet shows.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import posixpath
import zipfile
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from .cells import blank, display

MAX_MEMBERS = 1000  # a workbook has a dozen parts; more with pictures
RATIO_CHECKED_ABOVE = 1024 * 1024  # small parts may compress as well as they like
# Row elements a sheet may have, empty ones included, per row the limit allows.
ROW_ELEMENTS_PER_ROW = 5
_CHUNK = 64 * 1024

# Built-in number formats that show dates (14-17, 22; 27-31, 36 and 50-58 are the
# ones Chinese Excel and WPS use, e.g. 31 is yyyy"年"m"月"d"日").
_DATE_FORMAT_IDS = frozenset({14, 15, 16, 17, 22, *range(27, 32), 36, *range(50, 59)})


@dataclass(frozen=True)
class Limits:
    """What an upload may hold; from settings, so an installation may change them."""

    upload_bytes: int
    rows: int
    columns: int
    cell_chars: int
    unpacked_bytes: int
    compression_ratio: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            upload_bytes=settings.SPREADSHEET_MAX_UPLOAD_BYTES,
            rows=settings.SPREADSHEET_MAX_ROWS,
            columns=settings.SPREADSHEET_MAX_COLUMNS,
            cell_chars=settings.SPREADSHEET_MAX_CELL_CHARS,
            unpacked_bytes=settings.SPREADSHEET_MAX_UNPACKED_BYTES,
            compression_ratio=settings.SPREADSHEET_MAX_COMPRESSION_RATIO,
        )


@dataclass
class ReadStats:
    """The work a read did: rows and cells the parser met, bytes inflated."""

    rows: int = 0
    cells: int = 0
    inflated_bytes: int = 0


class SpreadsheetError(Exception):
    """The upload as a whole cannot be read (wrong type, encoding, too large...)."""

    def __init__(self, message: str, *, column: str | None = None):
        self.message = message
        self.column = column
        self.stats: ReadStats | None = None
        super().__init__(message)


@dataclass
class Table:
    headers: list[str]
    # (row number as the spreadsheet shows it, {column index from 0: value}); only
    # the columns the caller selected.
    rows: list[tuple[int, dict[int, Any]]]
    encoding: str = ""  # for CSV: the encoding that was detected
    stats: ReadStats = field(default_factory=ReadStats)


# ``select`` receives the headers and answers the column indexes to keep, or None to
# stop after the header row (its mapping found the file unusable).
Select = Callable[[list[str]], Collection[int] | None]


def read_table(
    upload, select: Select | None = None, *, limits: Limits | None = None
) -> Table:
    """The first sheet of an .xlsx or a .csv upload as headers and rows.

    CSV text may be UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 as
    Chinese Excel writes it; the encoding is detected."""
    limits = limits or Limits.from_settings()
    stats = ReadStats()
    try:
        return _read(upload, select, limits, stats)
    except SpreadsheetError as exc:
        exc.stats = stats
        raise


def _read(upload, select: Select | None, limits: Limits, stats: ReadStats) -> Table:
    name = (getattr(upload, "name", "") or "").lower()
    size = getattr(upload, "size", None)
    if size is not None and size > limits.upload_bytes:
        raise SpreadsheetError(too_large_message(limits))
    data = upload.read(limits.upload_bytes + 1)
    if len(data) > limits.upload_bytes:
        raise SpreadsheetError(too_large_message(limits))
    if not data.strip():
        raise SpreadsheetError(_("The file is empty."))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetError(
            _(
                "Old .xls workbooks cannot be read; save the file as an Excel "
                "workbook (.xlsx) or as CSV and upload it again."
            )
        )
    if data.startswith(b"PK\x03\x04"):
        return _XlsxReader(data, limits, stats).read(select)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        raise SpreadsheetError(wrong_type_message())
    if name and not name.endswith((".csv", ".txt")):
        raise SpreadsheetError(wrong_type_message())
    return _read_csv(data, limits, stats, select)


# --- messages --------------------------------------------------------------------


def too_large_message(limits: Limits) -> str:
    return _("The file is larger than %(mb)d MB; split it into smaller files.") % {
        "mb": limits.upload_bytes // (1024 * 1024)
    }


def wrong_type_message() -> str:
    return _(
        "This is not an .xlsx or .csv file. Download the template, fill it in and "
        "save it as .xlsx or CSV."
    )


def too_many_rows_message(limits: Limits) -> str:
    return _("At most %(rows)d rows can be imported at once.") % {"rows": limits.rows}


def _too_many_columns(limits: Limits, row: int, column: str) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "Row %(row)d has a value in column %(column)s; at most %(columns)d "
            "columns can be read. Delete what lies beyond the table and upload the "
            "file again."
        )
        % {"row": row, "column": column, "columns": limits.columns}
    )


def _too_much_sheet(limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "This sheet holds more rows or cells than an import reads (at most "
            "%(rows)d rows of %(columns)d columns), counting empty ones that carry "
            "formatting. Copy the table alone into a new workbook and upload that."
        )
        % {"rows": limits.rows, "columns": limits.columns}
    )


def _cell_too_long(limits: Limits, row: int | None, column: str) -> SpreadsheetError:
    if row is None:
        return SpreadsheetError(
            _("A cell holds more than %(chars)d characters.")
            % {"chars": limits.cell_chars}
        )
    return SpreadsheetError(
        _("The cell %(column)s%(row)d holds more than %(chars)d characters.")
        % {"column": column, "row": row, "chars": limits.cell_chars}
    )


def _unpacks_too_large(limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "This workbook unpacks to more than %(mb)d MB, more than the import "
            "reads; split it into smaller files."
        )
        % {"mb": limits.unpacked_bytes // (1024 * 1024)}
    )


def _compressed_too_much(limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "A part of this workbook is compressed more than %(ratio)d times, far "
            "more than a spreadsheet is; it was not read."
        )
        % {"ratio": limits.compression_ratio}
    )


_DIGITS = "0123456789"


@functools.lru_cache(maxsize=20_000)
def _column_index(letters: str) -> int:
    """The column of a cell reference's letters, from 1 (A -> 1, XFD -> 16384)."""
    if not 1 <= len(letters) <= 4 or not letters.isascii() or not letters.isalpha():
        raise SpreadsheetError(wrong_type_message())
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return column


def _column_letter(index: int) -> str:
    """The letters of a column from 1 (1 -> A, 16384 -> XFD), for any index."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- .xlsx -------------------------------------------------------------------------


class _Stop(Exception):
    """The reader has what it needs; the rest of the part is not parsed."""


class _Shared:
    """A cell that refers to a shared string, looked up once the sheet is read."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _attribute(attrs: dict[str, str], local_name: str) -> str | None:
    """An attribute by its local name, whatever its namespace (transitional or
    strict OOXML)."""
    for key, value in attrs.items():
        if _local(key) == local_name:
            return value
    return None


class _XlsxReader:
    def __init__(self, data: bytes, limits: Limits, stats: ReadStats):
        self.limits = limits
        self.stats = stats
        self._check_member_count(data)
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
            raise SpreadsheetError(wrong_type_message()) from exc
        self.names = set(self.archive.namelist())
        self.checked: set[str] = set()
        self.budget = limits.unpacked_bytes

    def _check_member_count(self, data: bytes) -> None:
        """Count the members from the end-of-central-directory record before
        ``zipfile`` builds an object for each of them."""
        tail = data[-(22 + 65535) :]
        position = tail.rfind(b"PK\x05\x06")
        if position < 0 or len(tail) < position + 22:
            raise SpreadsheetError(wrong_type_message())
        members = int.from_bytes(tail[position + 10 : position + 12], "little")
        if members > MAX_MEMBERS:  # 0xFFFF (ZIP64) included
            raise SpreadsheetError(wrong_type_message())

    # parts ---------------------------------------------------------------------------
    def _parse(self, name: str, handler: _Handler) -> None:
        """Stream the part ``name`` through ``handler`` (its ``start``, ``end`` and
        ``text`` methods), after checking what it may inflate to."""
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise SpreadsheetError(wrong_type_message()) from None
        if info.flag_bits & 0x1:
            raise SpreadsheetError(
                _(
                    "This workbook is protected by a password; save it without one "
                    "and upload it again."
                )
            )
        if name not in self.checked:
            if info.file_size > self.budget:
                raise _unpacks_too_large(self.limits)
            ratio = info.file_size / max(info.compress_size, 1)
            if (
                info.file_size > RATIO_CHECKED_ABOVE
                and ratio > self.limits.compression_ratio
            ):
                raise _compressed_too_much(self.limits)
            self.budget -= info.file_size
            self.checked.add(name)
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.buffer_size = _CHUNK
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.StartElementHandler = handler.start
        parser.EndElementHandler = handler.end
        parser.CharacterDataHandler = handler.text
        inflated = 0
        try:
            with self.archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    inflated += len(chunk)
                    if inflated > info.file_size:  # zipfile stops there; be sure
                        raise _unpacks_too_large(self.limits)
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Stop:
            pass
        except (
            expat.ExpatError,
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
            ValueError,
        ) as exc:
            raise SpreadsheetError(wrong_type_message()) from exc
        finally:
            self.stats.inflated_bytes += inflated
            self.stats.rows += getattr(handler, "rows_met", 0)
            self.stats.cells += getattr(handler, "cells_met", 0)

    def _relations(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part) of ``part``."""
        folder, base = posixpath.split(part)
        handler = _Relations(folder)
        self._parse(posixpath.join(folder, "_rels", f"{base}.rels"), handler)
        return handler.relations

    # the workbook --------------------------------------------------------------------
    def read(self, select: Select | None) -> Table:
        root = self._relations("") if "_rels/.rels" in self.names else {}
        workbook_part = next(
            (t for kind, t in root.values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        relations = self._relations(workbook_part)
        workbook = _Workbook()
        self._parse(workbook_part, workbook)
        sheet_part = next(
            (
                relations[rid][1]
                for rid in workbook.sheet_ids
                if rid in relations and relations[rid][0].endswith("/worksheet")
            ),
            None,
        )
        if sheet_part is None:
            raise SpreadsheetError(wrong_type_message())
        parts = {kind.rpartition("/")[2]: target for kind, target in relations.values()}
        self.shared_part = parts.get("sharedStrings")
        styles = _Styles()
        if parts.get("styles"):
            self._parse(parts["styles"], styles)
        epoch = CALENDAR_MAC_1904 if workbook.date1904 else CALENDAR_WINDOWS_1900

        # First pass: up to the header row, every column within the limit.
        header_pass = _Sheet(self.limits, styles.date_styles, epoch)
        self._parse(sheet_part, header_pass)
        if header_pass.header is None:
            raise SpreadsheetError(_("The file is empty."))
        header_row, header_cells = header_pass.header
        self._resolve([header_cells])
        width = max(header_cells) + 1 if header_cells else 0
        headers = [display(header_cells.get(i)).strip() for i in range(width)]
        keep = None if select is None else select(headers)
        if keep is not None and not isinstance(keep, set | frozenset):
            keep = set(keep)
        table = Table(headers=headers, rows=[], stats=self.stats)
        if select is not None and keep is None:
            return table

        # Second pass: the rows under it, only the columns kept.
        rows_pass = _Sheet(self.limits, styles.date_styles, epoch, header_row, keep)
        self._parse(sheet_part, rows_pass)
        self._resolve([cells for _n, cells in rows_pass.rows])
        # A row whose kept cells are blank shared strings holds nothing after all.
        table.rows = [
            (number, cells)
            for number, cells in rows_pass.rows
            if number in rows_pass.unkept_values
            or any(blank(v) is not None for v in cells.values())
        ]
        return table

    def _resolve(self, rows: list[dict[int, Any]]) -> None:
        """Replace the shared-string references of ``rows`` by their text, reading
        only the strings they use."""
        wanted = {
            value.index
            for cells in rows
            for value in cells.values()
            if type(value) is _Shared
        }
        if not wanted:
            return
        if not self.shared_part:
            raise SpreadsheetError(wrong_type_message())
        strings = _SharedStrings(wanted, self.limits)
        self._parse(self.shared_part, strings)
        if len(strings.found) < len(wanted):
            raise SpreadsheetError(wrong_type_message())
        for cells in rows:
            for key, value in cells.items():
                if type(value) is _Shared:
                    cells[key] = strings.found[value.index]


def _refuse_dtd(*_args: Any) -> None:
    raise SpreadsheetError(wrong_type_message())


class _Handler:
    """What :meth:`_XlsxReader._parse` calls for a part: ``start`` and ``end`` of each
    element and the ``text`` between; a handler overrides those it needs."""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _Relations(_Handler):
    def __init__(self, folder: str):
        self.folder = folder
        self.relations: dict[str, tuple[str, str]] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if _local(name) != "Relationship" or attrs.get("TargetMode") == "External":
            return
        target = attrs.get("Target", "")
        if target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(self.folder, target))
        self.relations[attrs.get("Id", "")] = (attrs.get("Type", ""), target)


class _Workbook(_Handler):
    def __init__(self):
        self.sheet_ids: list[str] = []
        self.date1904 = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            rid = _attribute(attrs, "id")
            if rid:
                self.sheet_ids.append(rid)
        elif local == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")


class _Styles(_Handler):
    """Which cell styles show numbers as dates."""

    def __init__(self):
        self.formats: dict[int, str] = {}
        self.cell_formats: list[int] = []
        self.in_cell_xfs = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                format_id = int(attrs.get("numFmtId", ""))
                self.formats[format_id] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            self.in_cell_xfs = True
        elif local == "xf" and self.in_cell_xfs:
            try:
                self.cell_formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                self.cell_formats.append(0)

    def end(self, name: str) -> None:
        if _local(name) == "cellXfs":
            self.in_cell_xfs = False

    @property
    def date_styles(self) -> frozenset[str]:
        """The ``s`` attributes of cells that show a date."""
        dates = set()
        for style, format_id in enumerate(self.cell_formats):
            code = self.formats.get(format_id)
            if code is None:
                if format_id in _DATE_FORMAT_IDS:
                    dates.add(str(style))
            elif is_date_format(code) and not is_timedelta_format(code):
                dates.add(str(style))
        return frozenset(dates)


class _Sheet(_Handler):
    """One pass over a worksheet's XML.

    Without ``header_row`` it stops at the first row that holds a value: the header,
    every column within the limit. With it, it keeps the rows below the header and,
    of their cells, those in ``keep`` (all within the limit when ``keep`` is None)."""

    def __init__(
        self,
        limits: Limits,
        date_styles: frozenset[str],
        epoch: dt.datetime,
        header_row: int | None = None,
        keep: Collection[int] | None = None,
    ):
        self.limits = limits
        self.date_styles = date_styles
        self.epoch = epoch
        self.header_row = header_row
        self.keep = keep
        self.header: tuple[int, dict[int, Any]] | None = None
        self.rows: list[tuple[int, dict[int, Any]]] = []
        self.unkept_values: set[int] = set()  # rows with values outside ``keep``
        self.names: dict[str, str] = {}
        self.row_skipped = False
        self.in_data = False
        # Elements met, empty ones included: a sheet may carry formatted empty rows
        # and cells, but not more of them than the limits allow values.
        self.rows_met = 0
        self.cells_met = 0
        self.max_rows_met = ROW_ELEMENTS_PER_ROW * (limits.rows + 1)
        self.max_cells_met = (limits.rows + 1) * limits.columns
        self.row = 0
        self.column = 0
        self.cells: dict[int, Any] = {}
        self.row_has_value = False
        self.row_has_unkept_value = False
        # the cell being read
        self.cell_letters = ""
        self.cell_type = "n"
        self.cell_style: str | None = None
        self.cell_kept = False
        self.cell_beyond = False
        self.cell_has_text = False
        self.parts: list[str] = []
        self.length = 0
        self.capture = False
        self.in_inline = False
        self.in_phonetic = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = self.names.get(name) or self._name(name)
        if local == "c" and self.in_data:
            self._start_cell(attrs)
        elif (local == "v" and self.in_data) or (
            local == "t" and self.in_inline and not self.in_phonetic
        ):
            self.capture = True
        elif local == "is":
            self.in_inline = True
        elif local == "rPh":
            self.in_phonetic = True
        elif local == "row" and self.in_data:
            self.rows_met += 1
            if self.rows_met > self.max_rows_met:
                raise _too_much_sheet(self.limits)
            number = attrs.get("r")
            try:
                self.row = int(number) if number else self.row + 1
            except ValueError:
                raise SpreadsheetError(wrong_type_message()) from None
            self.row_skipped = self.header_row is not None and (
                self.row <= self.header_row
            )
            self.column = 0
            self.cells = {}
            self.row_has_value = self.row_has_unkept_value = False
        elif local == "sheetData":
            self.in_data = True

    def _name(self, name: str) -> str:
        local = self.names[name] = _local(name)
        return local

    def _start_cell(self, attrs: dict[str, str]) -> None:
        # The hot path: a sheet may hold a couple of million cells.
        self.cells_met += 1
        if self.cells_met > self.max_cells_met:
            raise _too_much_sheet(self.limits)
        reference = attrs.get("r")
        if reference:
            letters = reference.rstrip(_DIGITS)
            column = _column_index(letters)
        else:
            column = self.column + 1
            letters = ""
        self.column = column
        self.cell_letters = letters
        self.cell_type = attrs.get("t", "n")
        self.cell_style = attrs.get("s")
        self.cell_beyond = column > self.limits.columns
        self.cell_kept = not (self.cell_beyond or self.row_skipped) and (
            self.keep is None or column - 1 in self.keep
        )
        self.cell_has_text = False
        self.parts = []
        self.length = 0

    def text(self, data: str) -> None:
        if not self.capture:
            return
        if self.cell_kept:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                raise _cell_too_long(self.limits, self.row, self._letters())
            self.parts.append(data)
        if not self.cell_has_text and data.strip():
            self.cell_has_text = True
            if self.cell_beyond:
                raise _too_many_columns(self.limits, self.row, self._letters())

    def _letters(self) -> str:
        return self.cell_letters or _column_letter(self.column)

    def end(self, name: str) -> None:
        local = self.names.get(name) or self._name(name)
        if local in ("v", "t"):
            self.capture = False
        elif local == "c" and self.in_data:
            self._end_cell()
        elif local == "is":
            self.in_inline = False
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "row" and self.in_data:
            self._end_row()
        elif local == "sheetData":
            self.in_data = False
            raise _Stop

    def _end_cell(self) -> None:
        if not self.cell_has_text:
            return
        self.row_has_value = True
        if not self.cell_kept:
            self.row_has_unkept_value = True
            return
        self.cells[self.column - 1] = self._value("".join(self.parts))

    def _value(self, text: str) -> Any:
        kind = self.cell_type
        if kind == "s":
            try:
                return _Shared(int(text))
            except ValueError:
                raise SpreadsheetError(wrong_type_message()) from None
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return dt.datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        try:
            number: int | float = (
                int(text) if text.strip().lstrip("-").isdigit() else float(text)
            )
        except ValueError:
            return text
        if self.cell_style in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number

    def _end_row(self) -> None:
        if not self.row_has_value:
            return
        if self.header_row is None:
            self.header = (self.row, self.cells)
            raise _Stop
        if self.row <= self.header_row:
            return
        self.rows.append((self.row, self.cells))
        if self.row_has_unkept_value:
            self.unkept_values.add(self.row)
        if len(self.rows) > self.limits.rows:
            raise SpreadsheetError(too_many_rows_message(self.limits))


class _SharedStrings(_Handler):
    """The shared strings of the indexes in ``wanted``; it stops after the last."""

    def __init__(self, wanted: set[int], limits: Limits):
        self.wanted = wanted
        self.last = max(wanted)
        self.limits = limits
        self.found: dict[int, str] = {}
        self.index = -1
        self.collecting = False
        self.capture = False
        self.in_phonetic = False
        self.parts: list[str] = []
        self.length = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            self.index += 1
            if self.index > self.last:
                raise _Stop
            self.collecting = self.index in self.wanted
            self.parts = []
            self.length = 0
        elif local == "rPh":
            self.in_phonetic = True
        elif local == "t" and self.collecting and not self.in_phonetic:
            self.capture = True

    def text(self, data: str) -> None:
        if self.capture:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                raise _cell_too_long(self.limits, None, "")
            self.parts.append(data)

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "t":
            self.capture = False
        elif local == "rPh":
            self.in_phonetic = False
        elif local == "si" and self.collecting:
            self.found[self.index] = "".join(self.parts)
            self.collecting = False


# --- CSV ---------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was written in."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(
        _(
            "The text encoding of this CSV file was not recognised; save it as "
            "CSV UTF-8 or as GBK."
        )
    )


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first non-empty line holds most of.
    (``csv.Sniffer`` takes quadratic time on crafted text.)"""
    for line in io.StringIO(text):
        if line.strip():
            counts = {d: line.count(d) for d in (",", "\t", ";")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def _read_csv(
    data: bytes, limits: Limits, stats: ReadStats, select: Select | None
) -> Table:
    try:
        text, encoding = decode_text(data)
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(wrong_type_message()) from exc
    if "\x00" in text:
        raise SpreadsheetError(wrong_type_message())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    table: Table | None = None
    keep: Collection[int] = ()
    keep_all = select is None
    blank = 0
    try:
        for cells in reader:
            number = reader.line_num
            stats.rows += 1
            stats.cells += len(cells)
            if len(cells) > limits.columns:
                for index in range(limits.columns, len(cells)):
                    if cells[index].strip():
                        raise _too_many_columns(
                            limits, number, _column_letter(index + 1)
                        )
                del cells[limits.columns :]
            if not any(c.strip() for c in cells):
                blank += 1
                if blank > limits.rows:
                    raise SpreadsheetError(too_many_rows_message(limits))
                continue
            for index, cell in enumerate(cells):
                if len(cell) > limits.cell_chars:
                    raise _cell_too_long(limits, number, _column_letter(index + 1))
            if table is None:
                headers = [c.strip() for c in cells]
                table = Table(headers=headers, rows=[], encoding=encoding, stats=stats)
                if select is not None:
                    selected = select(headers)
                    if selected is None:
                        return table
                    keep = set(selected)
                continue
            kept = {i: c for i, c in enumerate(cells) if keep_all or i in keep}
            table.rows.append((number, kept))
            if len(table.rows) > limits.rows:
                raise SpreadsheetError(too_many_rows_message(limits))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _cell_too_long(limits, None, "") from exc
        raise SpreadsheetError(wrong_type_message()) from exc
    if table is None:
        raise SpreadsheetError(_("The file is empty."))
    return table
