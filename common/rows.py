"""Plain records read from the rows of ``QuerySet.values()``: the record's fields
and the columns they come from are named once, for the query and for the record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ValueFields:
    """Fields of a record read from ``values()`` rows: ``same`` from the column of
    their own name, each of ``renamed`` from the column it names.

    ``SERVED = ValueFields("id", school_id="need__school_id")`` reads
    ``rows = queryset.values(*SERVED.columns)`` and builds
    ``Record(**SERVED.of(row), more=...)``; fields that need more than a column's
    value are written beside."""

    def __init__(self, *same: str, **renamed: str):
        self.sources: dict[str, str] = {name: name for name in same} | renamed

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns to ask ``values()`` for."""
        return tuple(dict.fromkeys(self.sources.values()))

    def of(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The record's fields taken from ``row``."""
        return {name: row[column] for name, column in self.sources.items()}
