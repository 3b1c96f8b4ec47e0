"""REST API of planning: scenarios, recruitment plans and team proposals.

``planning/scenarios/``: a coordinator's (or admin's) what-ifs, 202 on creation and
solved by a worker; outside the caller's counties a scenario does not exist (404).
``planning/recruitment/``: the recruitment plan, computed on request."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.policies import PolicyViewSetMixin
from common.openapi import errors, read_one
from common.viewsets import SerializerPerActionMixin

from . import recruitment, scenarios
from .models import Scenario, ScenarioStatus
from .policies import SCENARIO
from .proposal_api import register_proposals
from .serializers import (
    ScenarioCreateSerializer,
    ScenarioDetailSerializer,
    ScenarioSerializer,
)


class ScenarioFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ScenarioStatus.choices)
    county = filters.NumberFilter(field_name="county_id")

    class Meta:
        model = Scenario
        fields = ["status", "county"]


@extend_schema_view(
    list=extend_schema(summary="What-if scenarios of the caller's counties"),
    retrieve=read_one(
        "A scenario: baseline and projection side by side",
        ScenarioDetailSerializer,
    ),
    create=extend_schema(
        summary="Describe a what-if (coordinator of the county, or admin)",
        description="Answers 202 with the scenario's `id`; a worker solves it. "
        "`changes`: a list of `{kind: add_teachers, count, specialty, county, "
        "start_date, end_date, capacity, level}`, `{kind: remove_teachers, "
        "teachers: [ids]}`, `{kind: set_capacity, teacher, capacity}`, `{kind: "
        "allow_neighbours}`. No assignment is ever written.",
        request=ScenarioCreateSerializer,
        responses={202: ScenarioSerializer, **errors(400, 403, 404)},
    ),
)
class ScenarioViewSet(
    SerializerPerActionMixin,
    PolicyViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    policy = SCENARIO
    filterset_class = ScenarioFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "id", "name"]
    ordering = ["-created_at", "-id"]

    def base_queryset(self):
        return Scenario.objects.select_related("county")

    serializer_class = ScenarioSerializer
    serializer_classes = {
        "retrieve": ScenarioDetailSerializer,
        "create": ScenarioCreateSerializer,
    }

    def create(self, request, *args, **kwargs):
        SCENARIO.check(request.user, "create")
        serializer = ScenarioCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        county = get_object_or_404(
            recruitment.planning_counties(request.user),
            pk=serializer.validated_data["county"].pk,
        )
        scenario = scenarios.scenario_create(
            actor=request.user,
            county=county,
            name=serializer.validated_data.get("name", ""),
            changes=serializer.validated_data["changes"],
        )
        scenario.refresh_from_db()
        data = ScenarioSerializer(scenario, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


class RecruitmentPlanView(APIView):
    @read_one(
        "The recruitment plan (下一轮选派需求建议) of a county or of all the "
        "caller's counties",
        dict,
        codes=(400, 403, 404),
        parameters=[
            OpenApiParameter("county", int),
            OpenApiParameter("from", str, description="YYYY-MM-DD (default today)"),
            OpenApiParameter("to", str, description="YYYY-MM-DD (default a year on)"),
            OpenApiParameter("budget", int, description="At most this many recruits"),
            OpenApiParameter("min_gain", float, description="Stop below this gain"),
        ],
    )
    def get(self, request):
        plan = recruitment.compute(
            recruitment.read_request(user=request.user, params=request.query_params)
        )
        return Response(plan)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return its extra URL patterns."""
    router.register("planning/scenarios", ScenarioViewSet, basename="scenario")
    register_proposals(router)  # team-proposals/
    return [
        path(
            "planning/recruitment/",
            RecruitmentPlanView.as_view(),
            name="recruitment-plan-api",
        )
    ]
