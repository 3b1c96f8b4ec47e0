"""Serializers of the matching API: shapes and types only; rules live in services."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from needs.serializers import ScopedPrimaryKeyRelatedField
from places.models import County

from .models import Assignment, MatchingRun, UnmatchedNeeds, UnmatchedReason


class BreakdownSerializer(serializers.Serializer):
    """How a proposal's score adds up (DESIGN section 5; weights in settings)."""

    specialty = serializers.FloatField(help_text=_("Specialty fit times level."))
    overlap = serializers.FloatField(help_text=_("Share of the need's window covered."))
    place = serializers.FloatField(help_text=_("Same or neighbouring county."))
    priority = serializers.FloatField(help_text=_("The need's diagnosed priority."))
    coverage = serializers.FloatField(
        help_text=_("Bonus for the first teacher a school receives.")
    )


@extend_schema_field(BreakdownSerializer)
class BreakdownField(serializers.JSONField):
    pass


class RunStatsSerializer(serializers.Serializer):
    needs_considered = serializers.IntegerField()
    teachers_considered = serializers.IntegerField(
        help_text=_("Teachers with free capacity.")
    )
    proposed = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    total_score = serializers.FloatField()
    pairs = serializers.IntegerField(help_text=_("Feasible (need, teacher) pairs."))
    reasons = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Unmatched needs per reason.")
    )
    timings = serializers.DictField(
        child=serializers.FloatField(), help_text=_("Seconds per stage.")
    )


@extend_schema_field(RunStatsSerializer)
class RunStatsField(serializers.JSONField):
    pass


class UnmatchedSerializer(serializers.Serializer):
    need = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=UnmatchedReason.choices)


class MatchingRunSerializer(serializers.ModelSerializer):
    stats = RunStatsField(
        read_only=True,
        help_text=_(
            "Empty until the run succeeds; a run of every county sums its county runs."
        ),
    )

    class Meta:
        model = MatchingRun
        fields = [
            "id",
            "county",
            "parent",
            "trigger",
            "started_by",
            "status",
            "progress",
            "stage",
            "stats",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class MatchingRunDetailSerializer(MatchingRunSerializer):
    unmatched = serializers.SerializerMethodField(
        help_text=_("Every need the run left open, with its reason.")
    )

    class Meta(MatchingRunSerializer.Meta):
        fields = [*MatchingRunSerializer.Meta.fields, "unmatched"]
        read_only_fields = fields

    @extend_schema_field(UnmatchedSerializer(many=True))
    def get_unmatched(self, run: MatchingRun) -> list[dict]:
        # A run of every county shows the reasons its county runs recorded.
        reasons = UnmatchedNeeds.objects.filter(
            Q(run=run) | Q(run__parent=run)
        ).by_need()
        return [{"need": need, "reason": reasons[need]} for need in sorted(reasons)]


class MatchingRunStartSerializer(serializers.Serializer):
    county = ScopedPrimaryKeyRelatedField(
        queryset=County.objects.all(),
        required=False,
        allow_null=True,
        help_text=_(
            "One of your counties; an admin may omit it to match every "
            "county (one run per county)."
        ),
    )


class AssignmentSerializer(serializers.ModelSerializer):
    breakdown = BreakdownField(read_only=True)
    need_title = serializers.CharField(source="need.title", read_only=True)
    school = serializers.IntegerField(source="need.school_id", read_only=True)
    school_name = serializers.CharField(source="need.school.name", read_only=True)
    county = serializers.IntegerField(source="need.school.county_id", read_only=True)
    teacher_name = serializers.CharField(source="teacher.name", read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "need",
            "need_title",
            "school",
            "school_name",
            "county",
            "teacher",
            "teacher_name",
            "status",
            "score",
            "breakdown",
            "run",
            "decided_by",
            "decided_at",
            "decision_reason",
            "decline_cleared_at",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Why a named teacher declined or was cancelled is between the teacher and
        # the coordinators: school staff see the decision, not its reason.
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or getattr(user, "is_school_staff", False):
            data["decision_reason"] = ""
        return data


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=1000, help_text=_("Why: required to decline or cancel.")
    )
