"""``activities/``: teachers log their work on accepted assignments; the school's
staff see and dispute; coordinators see their counties' (DESIGN section 6)."""

from django.conf import settings
from django.db.models import Q
from django.urls import path
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.policies import PolicyViewSetMixin
from accounts.scopes import visible
from common.openapi import created, read_one, transition
from common.serializers import optional_text
from common.viewsets import ListCreateViewSet
from matching.models import Assignment
from needs.attachments import evidence_download
from needs.serializers import AttachmentSerializer

from .models import Activity, ActivityAttachment
from .policies import ACTIVITY, activity_rows
from .services import (
    activity_dismiss_dispute,
    activity_dispute,
    activity_log,
    reach_by_assignment,
)


class NamesField(serializers.ListField):
    """Names of the local teachers reached: a list in JSON, the field repeated in a
    multipart form; stored one per line."""

    child = serializers.CharField(max_length=50, allow_blank=True)

    def to_representation(self, data):
        if isinstance(data, str):
            return data.splitlines()
        return super().to_representation(data)


class ActivityAttachmentSerializer(AttachmentSerializer):
    url_name = "activity-attachment"


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
    reached_names = NamesField(required=False, default=list)
    attachments = ActivityAttachmentSerializer(many=True, read_only=True)
    reach_flagged = serializers.BooleanField(
        read_only=True,
        help_text=gettext_lazy(
            "More local teachers than ACTIVITY_PLAUSIBLE_REACH: a coordinator "
            "should check it."
        ),
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
            "reached_names",
            "reach_flagged",
            "note",
            "attachments",
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


class ActivityLogSerializer(ActivitySerializer):
    """What a teacher posts: JSON, or multipart with ``attachments`` once per file
    (JPEG, PNG, WebP or PDF, as on a need's thread)."""

    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        default=list,
        write_only=True,
    )


class ReachSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    teacher = serializers.IntegerField()
    teacher_name = serializers.CharField()
    need = serializers.IntegerField()
    need_title = serializers.CharField()
    activities = serializers.IntegerField()
    local_teachers_reached = serializers.IntegerField(
        help_text=gettext_lazy("The sum of the counts given.")
    )
    distinct_local_teachers_named = serializers.IntegerField(
        help_text=gettext_lazy("Distinct people among the names given.")
    )
    flagged = serializers.IntegerField(
        help_text=gettext_lazy("Activities above the plausible reach.")
    )


class DisputeSerializer(serializers.Serializer):
    reason = optional_text()


class ActivityFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")
    teacher = filters.NumberFilter(field_name="assignment__teacher")
    school = filters.NumberFilter(field_name="assignment__need__school")
    need = filters.NumberFilter(field_name="assignment__need")
    reach_flagged = filters.BooleanFilter(method="filter_reach_flagged")

    def filter_reach_flagged(self, queryset, name, value):
        above = Q(local_teachers_reached__gt=settings.ACTIVITY_PLAUSIBLE_REACH)
        return queryset.filter(above) if value else queryset.exclude(above)

    class Meta:
        model = Activity
        fields = ["assignment", "kind", "disputed", "date"]


@extend_schema_view(
    list=extend_schema(summary="Activities in the caller's scope"),
    retrieve=read_one("An activity", ActivitySerializer),
    create=created(
        "Log an activity (the teacher, on their own accepted assignment)",
        ActivitySerializer,
        description="The date lies within the need's period and not in the future; "
        "0 < hours <= 24; counts are 0 or more. `reached_names` (optional) "
        "lists the local teachers reached, each once; the count is at least "
        "their number. A count above `ACTIVITY_PLAUSIBLE_REACH` (60) needs a "
        "`note` and is flagged (`reach_flagged`). Evidence files: multipart "
        "with `attachments` once per file.",
        request={
            "application/json": ActivityLogSerializer,
            "multipart/form-data": ActivityLogSerializer,
        },
    ),
)
class ActivityViewSet(PolicyViewSetMixin, ListCreateViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["note", "assignment__teacher__name", "assignment__need__title"]
    ordering_fields = ["date", "hours", "created_at", "id"]
    ordering = ["-date", "-id"]

    policy = ACTIVITY

    def base_queryset(self):
        return activity_rows()

    @extend_schema(
        summary="Reach per assignment: local teachers counted and distinct named",
        description="Over the undisputed activities the caller sees (the list's "
        "filters apply): per assignment, the activities, the sum of "
        "`local_teachers_reached`, the distinct people among `reached_names` and "
        "how many activities are flagged above the plausible reach.",
        responses={200: ReachSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def reach(self, request):
        rows = reach_by_assignment(self.filter_queryset(self.get_queryset()))
        return Response(ReachSerializer(rows, many=True).data)

    def create(self, request, *args, **kwargs):
        ACTIVITY.check(request.user, "log")
        serializer = ActivityLogSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        activity = activity_log(
            actor=request.user, files=data.pop("attachments"), **data
        )
        activity = self.get_queryset().get(pk=activity.pk)
        return Response(
            self.get_serializer(activity).data, status=status.HTTP_201_CREATED
        )

    @transition(
        "Dispute an activity (staff of the assisted school)",
        ActivitySerializer,
        request=DisputeSerializer,
    )
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        activity = self.get_object()
        serializer = DisputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity_dispute(
            actor=request.user,
            activity=activity,
            reason=serializer.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @transition(
        "Dismiss the dispute of an activity (coordinator of the county)",
        ActivitySerializer,
        codes=(403, 404, 409),
        request=None,
    )
    @action(detail=True, methods=["post"], url_path="dismiss-dispute")
    def dismiss_dispute(self, request, pk=None):
        activity = self.get_object()
        activity_dismiss_dispute(actor=request.user, activity=activity)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


activity_attachment = evidence_download(
    of="an activity",
    readers="see the activity",
    attachments=lambda user: visible(user, ActivityAttachment.objects.all()),
)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return its extra URL patterns."""
    router.register("activities", ActivityViewSet, basename="activity")
    return [
        path(
            "attachments/activities/<int:pk>/",
            activity_attachment,
            name="activity-attachment",
        )
    ]
