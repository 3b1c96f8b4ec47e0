"""Serializers of the needs API: shapes and types only; rules live in services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.scopes import mark_teacher_contact, sees_teacher_contact, visible
from common.serializers import optional_text
from places.models import County, School

from .goals import NOTE_MAX_CHARS
from .models import (
    Diagnosis,
    GoalMark,
    GoalOutcome,
    GoalState,
    Need,
    NeedComment,
    NeedTransition,
    PlanGoal,
    Specialty,
    SpecialtyFamily,
)
from .policies import GOAL, NEED
from .services import ReviewDecision


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Accepts only ids the requesting user may see; any other id is answered like
    one that does not exist."""

    def get_queryset(self):
        request = self.context.get("request")
        return visible(getattr(request, "user", None), super().get_queryset())


class CountySerializer(serializers.ModelSerializer):
    class Meta:
        model = County
        fields = ["id", "name", "province", "code"]


class SchoolSerializer(serializers.ModelSerializer):
    county_name = serializers.CharField(source="county.name", read_only=True)

    class Meta:
        model = School
        fields = ["id", "name", "county", "county_name", "kind"]


class SpecialtyFamilySerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialtyFamily
        fields = ["id", "code", "name", "name_en"]


class SpecialtySerializer(serializers.ModelSerializer):
    family_code = serializers.CharField(source="family.code", read_only=True)
    family_name = serializers.CharField(source="family.name", read_only=True)
    class_code = serializers.CharField(
        source="specialty_class.code",
        read_only=True,
        allow_null=True,
        help_text="The class (专业类, 4 digits); null only for some retired entries.",
    )
    class_name = serializers.CharField(
        source="specialty_class.name", read_only=True, allow_null=True
    )

    class Meta:
        model = Specialty
        fields = [
            "id",
            "code",
            "name",
            "family",
            "family_code",
            "family_name",
            "class_code",
            "class_name",
            "aliases",
            "retired",
        ]


class DiagnosisSerializer(serializers.ModelSerializer):
    class Meta:
        model = Diagnosis
        fields = [
            "urgency",
            "students_affected",
            "industry_fit",
            "readiness",
            "priority_score",
            "diagnosed_by",
            "diagnosed_at",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.Serializer):
    """An evidence file as the API lists it; ``url`` is the only way to fetch it."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    url_name = "comment-attachment"

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj) -> str:
        path = reverse(self.url_name, kwargs={"pk": obj.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PlanGoalSerializer(serializers.ModelSerializer):
    """A plan goal and where its marking stands: ``outcome`` is the latest mark,
    ``confirmed_outcome`` what the evaluation counts."""

    state = serializers.ChoiceField(
        choices=GoalState.choices,
        read_only=True,
        help_text=_(
            "not_marked; waiting (a mark waits for the coordinator: 待确认); confirmed."
        ),
    )
    met = serializers.SerializerMethodField(
        help_text=_(
            "Older field: true when the confirmed outcome is met, false when it is "
            "partly met or not met, null without a confirmed outcome."
        )
    )

    class Meta:
        model = PlanGoal
        fields = [
            "id",
            "text",
            "position",
            "state",
            "outcome",
            "confirmed_outcome",
            "marked_at",
            "confirmed_at",
            "met",
        ]
        read_only_fields = fields

    def get_met(self, obj) -> bool | None:
        if not obj.confirmed_outcome:
            return None
        return obj.confirmed_outcome == GoalOutcome.MET


class GoalMarkAttachmentSerializer(AttachmentSerializer):
    url_name = "goal-mark-attachment"


class GoalMarkSerializer(serializers.ModelSerializer):
    """One step of a goal's history: a mark, a confirmation or a correction."""

    author_name = serializers.SerializerMethodField()
    attachments = GoalMarkAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = GoalMark
        fields = [
            "id",
            "action",
            "outcome",
            "note",
            "author",
            "author_name",
            "author_role",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, obj) -> str:
        if obj.author is None:
            return ""
        return obj.author.get_full_name() or obj.author.username


class PlanGoalDetailSerializer(PlanGoalSerializer):
    """A goal with its history of marks and what the caller may do with it now."""

    marks = GoalMarkSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(PlanGoalSerializer.Meta):
        fields = [*PlanGoalSerializer.Meta.fields, "marks", "actions"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(
            child=serializers.CharField(), help_text="`mark`, `confirm`."
        )
    )
    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        return GOAL.allowed_actions(request.user if request else None, obj)


class GoalMarkInputSerializer(serializers.Serializer):
    """A mark: JSON, or ``multipart/form-data`` with ``attachments`` once per file."""

    outcome = serializers.ChoiceField(choices=GoalOutcome.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_CHARS,
        help_text=_("What was done, or what is missing, and how you know."),
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        default=list,
        help_text=_("Evidence: images (JPEG, PNG, WebP) or PDF; once per file."),
    )


class GoalConfirmInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=GoalOutcome.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Omitted: the marked outcome is confirmed. Another outcome corrects the "
            "mark and needs a `note`."
        ),
    )
    note = optional_text(
        max_length=NOTE_MAX_CHARS,
        help_text=_("Required when correcting."),
    )


class NeedTransitionSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = NeedTransition
        fields = [
            "id",
            "from_status",
            "to_status",
            "actor",
            "actor_name",
            "comment",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, obj) -> str:
        if obj.actor is None:
            return ""
        return obj.actor.get_full_name() or obj.actor.username


class NeedSerializer(serializers.ModelSerializer):
    """A need. ``school`` may be omitted by school staff (their own school); fields
    the caller may not set (``status``, ``priority_score``, ``created_by``...) are
    read-only and ignored when sent."""

    school = ScopedPrimaryKeyRelatedField(
        queryset=School.objects.all(),
        required=False,
        help_text=_("Omitted by school staff: their own school."),
    )
    specialty = serializers.PrimaryKeyRelatedField(
        queryset=Specialty.objects.current(),
        help_text=_("A specialty of the current catalogue (retired ones are refused)."),
    )
    school_name = serializers.CharField(source="school.name", read_only=True)
    county = serializers.IntegerField(source="school.county_id", read_only=True)
    specialty_name = serializers.CharField(source="specialty.name", read_only=True)
    family = serializers.IntegerField(source="specialty.family_id", read_only=True)
    family_name = serializers.CharField(source="specialty.family.name", read_only=True)
    diagnosis = DiagnosisSerializer(read_only=True, allow_null=True)
    goals = PlanGoalSerializer(many=True, read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "school",
            "school_name",
            "county",
            "specialty",
            "specialty_name",
            "family",
            "family_name",
            "kind",
            "title",
            "description",
            "headcount",
            "start_date",
            "end_date",
            "urgency",
            "status",
            "priority_score",
            "filled",
            "cancel_reason",
            "diagnosis",
            "goals",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "matched_at",
            "fulfilled_at",
        ]
        read_only_fields = [
            "status",
            "priority_score",
            "filled",
            "cancel_reason",
            "created_by",
            "created_at",
            "updated_at",
            "submitted_at",
            "matched_at",
            "fulfilled_at",
        ]


class NeedTeacherSerializer(serializers.Serializer):
    """A teacher proposed for, serving or having served a need (its assignment)."""

    id = serializers.IntegerField(read_only=True, help_text=_("The assignment."))
    teacher = serializers.IntegerField(source="teacher_id", read_only=True)
    teacher_name = serializers.CharField(source="teacher.name", read_only=True)
    home_school = serializers.CharField(
        source="teacher.home_school.name", read_only=True
    )
    status = serializers.CharField(read_only=True)
    phone = serializers.SerializerMethodField(
        help_text=_("Under the contact policy: null for those who may not see it.")
    )
    email = serializers.SerializerMethodField(
        help_text=_("Under the contact policy: null for those who may not see it.")
    )

    def _visible(self, assignment) -> bool:
        request = self.context.get("request")
        return request is not None and sees_teacher_contact(
            request.user, assignment.teacher
        )

    def get_phone(self, assignment) -> str | None:
        return assignment.teacher.phone if self._visible(assignment) else None

    def get_email(self, assignment) -> str | None:
        if not self._visible(assignment):
            return None
        user = assignment.teacher.user
        return user.email if user is not None else ""


class NeedDetailSerializer(NeedSerializer):
    """A need with its history, who is proposed or coming (``assignments``: the
    proposed, accepted and completed ones) and what the caller may do now."""

    goals = PlanGoalDetailSerializer(many=True, read_only=True)
    transitions = NeedTransitionSerializer(many=True, read_only=True)
    assignments = NeedTeacherSerializer(
        source="people", many=True, read_only=True, default=()
    )
    actions = serializers.SerializerMethodField()

    class Meta(NeedSerializer.Meta):
        fields = [*NeedSerializer.Meta.fields, "transitions", "assignments", "actions"]

    def to_representation(self, instance):
        request = self.context.get("request")
        if request is not None:
            # Whose contact the caller may see, for every teacher at once.
            mark_teacher_contact(
                request.user, [a.teacher for a in getattr(instance, "people", ())]
            )
        return super().to_representation(instance)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        user = request.user if request is not None else None
        return sorted(NEED.allowed_actions(user, obj))


class DiagnosisInputSerializer(serializers.Serializer):
    urgency = serializers.IntegerField(min_value=1, max_value=5)
    students_affected = serializers.IntegerField(min_value=1, max_value=5)
    industry_fit = serializers.IntegerField(min_value=1, max_value=5)
    readiness = serializers.IntegerField(min_value=1, max_value=5)


class NeedReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=list(ReviewDecision.values))
    comment = optional_text()
    diagnosis = DiagnosisInputSerializer(
        required=False,
        allow_null=True,
        help_text=_("The four scores, 1-5 each; required to approve."),
    )
    goals = serializers.ListField(
        child=serializers.CharField(max_length=300, allow_blank=True),
        required=False,
        help_text=_("Measurable goals of the assistance plan; they replace any."),
    )


class NeedCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()


class NeedCommentSerializer(serializers.Serializer):
    comment = optional_text()


class NeedConfirmSerializer(serializers.Serializer):
    reason = optional_text(
        help_text=_(
            "Required before the window starts or while no activity is logged."
        ),
    )
    comment = optional_text(
        help_text=_("Older name of `reason`, still accepted."),
    )


class NeedReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ThreadCommentSerializer(serializers.ModelSerializer):
    """A message of a need's thread as it is read."""

    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.SerializerMethodField()
    author_role = serializers.CharField(source="author.role", read_only=True)
    text = optional_text()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = NeedComment
        fields = [
            "id",
            "author",
            "author_name",
            "author_role",
            "text",
            "attachments",
            "created_at",
        ]

    def get_author_name(self, obj) -> str:
        return obj.author.get_full_name() or obj.author.username


class ThreadCommentPostSerializer(serializers.Serializer):
    """A new message: JSON with ``text``, or ``multipart/form-data`` with ``text``
    and ``attachments`` repeated once per file."""

    text = optional_text(trim_whitespace=True)
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        default=list,
        help_text=_("Images (JPEG, PNG, WebP) or PDF; the field once per file."),
    )
