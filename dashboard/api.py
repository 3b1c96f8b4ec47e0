"""REST endpoints of this app (DESIGN section 6): ``GET /api/v1/dashboard/``."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assist_platform.openapi import errors

from .selectors import dashboard_read
from .serializers import DashboardSerializer


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
        try:
            view = dashboard_read(user=request.user, params=request.query_params)
        except PermissionDenied:
            raise exceptions.PermissionDenied() from None
        except Http404:
            raise exceptions.NotFound() from None
        if view.figures is None:
            raise exceptions.ValidationError(
                {field: list(msgs) for field, msgs in view.form.errors.items()}
            )
        return Response(view.figures)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    return [path("dashboard/", DashboardAPIView.as_view(), name="api-dashboard")]
