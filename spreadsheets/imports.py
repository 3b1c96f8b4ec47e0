"""Imports: an :class:`Importer` reads an upload, checks every row and writes all
rows in one transaction or none: a file with any bad row imports nothing and gets a
report of (row, column, value, message). Apps subclass it (``teams.imports``,
``needs.imports``) and describe their columns with ``workbooks.Column``; reading the
file is ``reader.read_table``'s."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .cells import (
    blank,
    display,
    normalise_header,
    parse_date,
    restore,
    shown,
    squeeze,
)
from .reader import SpreadsheetError, read_table
from .workbooks import Column, template_workbook

MAX_REPORTED_ERRORS = 500
MAX_MESSAGE_CHARS = 500  # a message quotes at most a few clipped values

_TRUE = {"1", "true", "yes", "y", "是", "在岗", "有效", "启用", "√", "✓"}
_FALSE = {"0", "false", "no", "n", "否", "停用", "离岗", "无效", "×", "✗"}


@dataclass
class ImportProblem:
    row: int | None
    column: str | None
    value: str
    message: str
    position: int = -1  # the column's place in the file, to list problems in order

    def as_dict(self) -> dict[str, Any]:
        """The problem as the report lists it: without ``position``."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if f.name != "position"
        }


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

    def raw(self, key: str, *, required: bool = False) -> Any:
        """The cell's value: text stripped of surrounding spaces, then of the
        apostrophe an export put before a formula-like value (which is returned
        exactly as it was stored, spaces and all). None for an empty cell, which
        is reported when the column is ``required``."""
        value = blank(self.cells.get(key))
        if value is None and required:
            self.error(key, _("This column is required."))
        if isinstance(value, str) and restore(value) != value:
            return _Restored(restore(value))
        return value

    def error(self, key: str | None, message: str, value: Any = ...) -> None:
        if value is ...:
            value = self.cells.get(key) if key else ""
        self.ok = False
        self.importer.add_error(self.number, key, value, message)

    def text(self, key: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.raw(key, required=required)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, dt.datetime):
            value = value.date() if value.time() == dt.time() else value
        text = value if isinstance(value, _Restored) else display(value).strip()
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
        value = self.raw(key, required=required)
        if value is None:
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
        value = self.raw(key, required=required)
        if value is None:
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
        text = display(value).strip().lower()
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
    error_count: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        answer = {f.name: getattr(self, f.name) for f in fields(self)}
        answer["errors"] = [e.as_dict() for e in self.errors]
        return answer


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
            normalised = normalise_header(header)
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


def changed_fields(stored: Any, values: dict[str, Any]) -> list[str]:
    """The names in ``values`` whose value differs from ``stored``'s."""
    return [name for name, value in values.items() if getattr(stored, name) != value]


class Updates:
    """The stored objects an import changes, gathered for one bulk update: each
    takes its changed values and the same ``updated_at``."""

    def __init__(self):
        self.objects: list[Any] = []
        self.names: set[str] = set()
        self.now = timezone.now()

    def add(self, stored: Any, values: dict[str, Any], names: list[str]) -> None:
        for name in names:
            setattr(stored, name, values[name])
        stored.updated_at = self.now
        self.names.update(names)
        self.objects.append(stored)

    @property
    def fields(self) -> list[str]:
        """The fields to write: those changed on any object, and ``updated_at``."""
        return [*sorted(self.names), "updated_at"]


class Choices:
    """The spellings an import accepts for a ``TextChoices``: its values, its labels
    in Chinese and in English and ``synonyms`` (spelling -> value), compared
    without spaces and in lower case. A value that is none of them is reported
    with ``listed``, the labels unless told."""

    def __init__(
        self,
        choices,
        synonyms: dict[str, str] | None = None,
        *,
        listed: Sequence[str] | None = None,
    ):
        self.lookup: dict[str, str] = {}
        for value, label in choices.choices:
            self.lookup[value.lower()] = value
            for language in ("en", "zh-hans"):
                with translation.override(language):
                    self.lookup[squeeze(str(label)).lower()] = value
        for synonym, value in (synonyms or {}).items():
            self.lookup[squeeze(synonym).lower()] = value
        if listed is None:
            listed = [str(label) for _value, label in choices.choices]
        self.listed = list(listed)

    def find(self, row: Row, key: str, text: str) -> str | None:
        value = self.lookup.get(squeeze(text).lower())
        if value is None:
            row.error(key, unknown_choice(text, self.listed))
        return value


def unknown_choice(value: str, choices: list[str]) -> str:
    """The message for a value that is none of a column's choices."""
    return _("「%(value)s」 is not one of: %(choices)s.") % {
        "value": shown(value),
        "choices": "、".join(choices),
    }
