"""``activities/``: teachers log their work on accepted assignments; the school's
staff see and dispute; coordinators see their counties' (DESIGN section 6)."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.scopes import visible
from assist_platform.openapi import errors

from .activities import (
    activity_dismiss_dispute,
    activity_dispute,
    activity_log,
    can_log_activities,
)
from .models import Activity, Assignment


class ActivitySerializer(serializers.ModelSerializer):
    assignment = serializers.PrimaryKeyRelatedField(queryset=Assignment.objects.none())
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, coerce_to_string=False
    )
    teacher = serializers.IntegerField(source="assignment.teacher_id", read_only=True)
    teacher_name = serializers.CharField(
        source="assignment.teacher.name", read_only=True
    )
    need = serializers.IntegerField(source="assignment.need_id", read_only=True)
    need_title = serializers.CharField(source="assignment.need.title", read_only=True)
    school = serializers.IntegerField(
        source="assignment.need.school_id", read_only=True
    )
    school_name = serializers.CharField(
        source="assignment.need.school.name", read_only=True
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "assignment",
            "date",
            "kind",
            "hours",
            "local_teachers_reached",
            "students_reached",
            "note",
            "disputed",
            "dispute_reason",
            "teacher",
            "teacher_name",
            "need",
            "need_title",
            "school",
            "school_name",
            "created_at",
        ]
        read_only_fields = ["disputed", "dispute_reason", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["assignment"].queryset = visible(
                request.user, Assignment.objects.all()
            )


class DisputeSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class ActivityFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    teacher = filters.NumberFilter(field_name="assignment__teacher")
    school = filters.NumberFilter(field_name="assignment__need__school")
    need = filters.NumberFilter(field_name="assignment__need")

    class Meta:
        model = Activity
        fields = ["assignment", "kind", "disputed", "date"]


@extend_schema_view(
    list=extend_schema(summary="Activities in the caller's scope"),
    retrieve=extend_schema(
        summary="An activity", responses={200: ActivitySerializer, **errors(404)}
    ),
    create=extend_schema(
        summary="Log an activity (the teacher, on their own accepted assignment)",
        description=(
            "The date lies within the need's period and not in the future; "
            "0 < hours <= 24; counts are 0 or more."
        ),
        responses={201: ActivitySerializer, **errors(400, 403)},
    ),
)
class ActivityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["note", "assignment__teacher__name", "assignment__need__title"]
    ordering_fields = ["date", "hours", "created_at", "id"]
    ordering = ["-date", "-id"]

    def get_queryset(self):
        return visible(
            self.request.user,
            Activity.objects.select_related(
                "assignment__teacher", "assignment__need__school"
            ),
        )

    def create(self, request, *args, **kwargs):
        if not can_log_activities(request.user):
            raise PermissionDenied(
                _("Only dispatched teachers log activities, on their assignments.")
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = activity_log(user=request.user, **serializer.validated_data)
        activity = self.get_queryset().get(pk=activity.pk)
        return Response(
            self.get_serializer(activity).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Dispute an activity (staff of the assisted school)",
        request=DisputeSerializer,
        responses={200: ActivitySerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        activity = self.get_object()
        serializer = DisputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity_dispute(
            user=request.user,
            activity=activity,
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Dismiss the dispute of an activity (coordinator of the county)",
        request=None,
        responses={200: ActivitySerializer, **errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="dismiss-dispute")
    def dismiss_dispute(self, request, pk=None):
        activity = self.get_object()
        activity_dismiss_dispute(user=request.user, activity=activity)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


def register_activities(router) -> None:
    router.register("activities", ActivityViewSet, basename="activity")
