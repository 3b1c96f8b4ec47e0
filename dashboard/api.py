"""REST endpoints of this app (DESIGN section 6): ``GET /api/v1/dashboard/`` and
``GET /api/v1/reports/monthly/``."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.openapi import errors
from spreadsheets.workbooks import XLSX_CONTENT_TYPE

from .reports import report_read, report_response
from .selectors import dashboard_read
from .serializers import DashboardSerializer


def _read(reader, request: Request):
    """What ``reader``, the selector the pages share, reads for the request; its
    refusals become the API's 403 and 404, with DRF's own messages."""
    try:
        return reader(user=request.user, params=request.query_params)
    except PermissionDenied:
        raise exceptions.PermissionDenied() from None
    except Http404:
        raise exceptions.NotFound() from None


class DashboardAPIView(APIView):
    """The coordinator dashboard's figures for a county (or every county in the
    caller's scope) and a period. Admins and coordinators only."""

    @extend_schema(
        operation_id="dashboard_retrieve",
        summary="Dashboard figures for a county and period",
        description=(
            "Computed in the database with a fixed number of queries. Without "
            "`county`: every county in the caller's scope (admins: all; "
            "coordinators: theirs). A need belongs to the period when its window "
            "overlaps it; activities by their date. School staff and teachers: 403; "
            "a county outside the scope: 404."
        ),
        parameters=[
            OpenApiParameter("county", int, description="County id (optional)."),
            OpenApiParameter(
                "from", str, description="First day, YYYY-MM-DD (optional)."
            ),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (optional)."),
        ],
        responses={200: DashboardSerializer, **errors(400, 401, 403, 404)},
        tags=["dashboard"],
    )
    def get(self, request: Request) -> Response:
        view = _read(dashboard_read, request)
        if view.figures is None:
            raise exceptions.ValidationError(
                {field: list(msgs) for field, msgs in view.form.errors.items()}
            )
        return Response(view.figures)


class _JSONForErrors(DefaultContentNegotiation):
    """The report answers with its file; anything it refuses is JSON. ``?format=`` is
    the report's own parameter here, not DRF's renderer override."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MonthlyReportAPIView(APIView):
    """The monthly report for a county's education bureau."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = _JSONForErrors

    @extend_schema(
        operation_id="reports_monthly_retrieve",
        summary="Monthly report for a county's education bureau (.xlsx or PDF)",
        description=(
            "Needs by status with the month's new and fulfilled ones, teachers on "
            "site, activities and hours, local teachers and students reached, "
            "schools covered, matching runs and open issues. Admins and the "
            "county's coordinators; other roles 403; a county outside the scope "
            "404."
        ),
        parameters=[
            OpenApiParameter("county", int, required=True, description="County id."),
            OpenApiParameter(
                "month", str, required=True, description="The month, YYYY-MM."
            ),
            OpenApiParameter(
                "format",
                str,
                enum=["xlsx", "pdf"],
                description="xlsx (default) or pdf.",
            ),
        ],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **errors(400, 401, 403, 404),
        },
        tags=["dashboard"],
    )
    def get(self, request: Request) -> HttpResponse:
        report = _read(report_read, request)
        fmt = request.query_params.get("format") or "xlsx"
        if fmt not in ("xlsx", "pdf"):
            raise exceptions.ValidationError({"format": [_("Choose xlsx or pdf.")]})
        return report_response(report, fmt)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    return [
        path("dashboard/", DashboardAPIView.as_view(), name="api-dashboard"),
        path(
            "reports/monthly/",
            MonthlyReportAPIView.as_view(),
            name="api-monthly-report",
        ),
    ]
