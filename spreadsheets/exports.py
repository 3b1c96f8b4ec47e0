"""``GET <list>/export/`` for a DRF viewset: the list the caller sees, with the same
filters, search, ordering and scope (its ``get_queryset``), as .xlsx."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action

from .workbooks import XLSX_CONTENT_TYPE, Column, xlsx_response

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
