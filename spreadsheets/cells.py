"""A value into a cell and back: what is safe to write, how a report quotes a value,
dates as bureaus write them, and a guess at what a mistyped value meant.

Every text cell that begins with ``= + - @``, a tab or a carriage return is written with
a leading apostrophe so spreadsheet programs show it as text instead of running it
as a formula (CSV/formula injection); the importer strips that apostrophe again.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import from_excel

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ECHO_CHARS = 100  # a value quoted back in a report is cut to this many characters


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


def shown(value: Any) -> str:
    """``value`` as a report quotes it: at most :data:`ECHO_CHARS` characters, so a
    huge cell is never echoed back whole."""
    text = display(value)
    if len(text) > ECHO_CHARS:
        return text[: ECHO_CHARS - 1] + "…"
    return text


def display(value: Any) -> str:
    """A cell value as text: dates in ISO form, whole floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def blank(value: Any) -> Any:
    """``value`` with text stripped; None for a cell that holds nothing."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def squeeze(text: str) -> str:
    """A name as look-ups compare it: without spaces, slashes or middle dots."""
    return re.sub(r"[\s/·・]", "", text or "")


def normalise_header(text: Any) -> str:
    """A header as compared: without spaces, asterisks or colons, lower case."""
    return re.sub(r"[\s*＊:：]", "", str(text or "")).lower()


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return str(gettext_lazy("yes") if value else gettext_lazy("no"))


# --- parsing cells -------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(
        r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
    ),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


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
        value = display(value)
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
