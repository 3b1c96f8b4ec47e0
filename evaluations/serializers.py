from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.scopes import manages_county, visible
from common.serializers import optional_text
from places.models import County

from .completion import completion_of, subject_completion, summary
from .disclosure import breakdown_for, redact
from .facts import not_evaluated
from .models import (
    Appeal,
    CycleStatus,
    Evaluation,
    EvaluationCycle,
    Framework,
    Indicator,
    IndicatorKind,
    Metric,
    RaterRole,
    Rating,
    SubjectType,
)


def _decimal(**kwargs) -> serializers.DecimalField:
    """A weight or score up to 999.99 with two decimals, answered as a number."""
    return serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, **kwargs
    )


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.SerializerMethodField()
    weight = _decimal()

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "name_en",
            "weight",
            "kind",
            "metric",
            "target",
            "parent",
            "position",
            "anchors",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_parent(self, obj) -> str | None:
        codes = self.context.get("codes_by_id")
        if codes is not None:
            return codes.get(obj.parent_id)
        return obj.parent.code if obj.parent_id else None


class IndicatorInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=150, required=False, allow_blank=True)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    kind = serializers.ChoiceField(
        choices=IndicatorKind.choices, default=IndicatorKind.SUBJECTIVE
    )
    metric = serializers.ChoiceField(
        choices=Metric.choices, required=False, allow_blank=True, default=""
    )
    target = serializers.FloatField(required=False, allow_null=True, default=None)
    parent = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True, default=None
    )
    position = serializers.IntegerField(min_value=0, required=False)
    anchors = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        help_text='What the scores mean for raters: {"90": ..., "75": ..., "60": ...}.',
    )


class FrameworkSerializer(serializers.ModelSerializer):
    """A framework with its indicator tree as a flat list (``parent`` names the
    parent's code) and its rater weights as ``{role: weight}``."""

    indicators = serializers.SerializerMethodField()
    rater_weights = serializers.SerializerMethodField()
    county = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The county that owns it; null: the programme's (admins keep it).",
    )

    class Meta:
        model = Framework
        fields = [
            "id",
            "name",
            "description",
            "subject_type",
            "county",
            "is_default",
            "indicators",
            "rater_weights",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_indicators(self, obj):
        indicators = list(obj.indicators.all())
        codes = {i.pk: i.code for i in indicators}
        return IndicatorSerializer(
            indicators, many=True, context={"codes_by_id": codes}
        ).data

    @extend_schema_field(
        serializers.DictField(child=serializers.FloatField(), help_text="role: weight")
    )
    def get_rater_weights(self, obj) -> dict:
        return {w.role: float(w.weight) for w in obj.rater_weights.all()}


class FrameworkWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    county = serializers.PrimaryKeyRelatedField(
        queryset=County.objects.none(),
        required=False,
        allow_null=True,
        help_text=(
            "The owner: a county the caller coordinates (a coordinator of one "
            "county may leave it out); null or absent for an admin: the programme. "
            "Set at creation only."
        ),
    )
    description = serializers.CharField(required=False, allow_blank=True)
    subject_type = serializers.ChoiceField(
        choices=SubjectType.choices, default=SubjectType.TEACHER
    )
    is_default = serializers.BooleanField(required=False)
    indicators = IndicatorInputSerializer(many=True)
    rater_weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["county"].queryset = visible(request.user, County.objects.all())

    def validate_rater_weights(self, value):
        unknown = [role for role in value if role not in RaterRole.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown rater roles: %(roles)s.") % {"roles": ", ".join(unknown)}
            )
        return value


class RoleCountSerializer(serializers.Serializer):
    submitted = serializers.IntegerField()
    total = serializers.IntegerField()


class CompletionSerializer(serializers.Serializer):
    overall = serializers.FloatField()
    minimum = serializers.FloatField()
    threshold = serializers.FloatField()
    below = serializers.IntegerField()
    ready = serializers.BooleanField()
    by_role = serializers.DictField(child=RoleCountSerializer())


class EvaluationCycleSerializer(serializers.ModelSerializer):
    county = serializers.PrimaryKeyRelatedField(queryset=County.objects.none())
    framework = serializers.PrimaryKeyRelatedField(
        queryset=Framework.objects.all(), required=False
    )
    team_framework = serializers.PrimaryKeyRelatedField(
        queryset=Framework.objects.all(), required=False, allow_null=True
    )
    school_framework = serializers.PrimaryKeyRelatedField(
        queryset=Framework.objects.all(), required=False, allow_null=True
    )
    county_name = serializers.CharField(source="county.name", read_only=True)
    completion = serializers.SerializerMethodField(
        help_text=(
            "Once open: the share of each subject's rater weight submitted "
            "(`overall` mean, `minimum`), the `threshold` to close "
            "(EVALUATION_MIN_COMPLETION), how many subjects are `below` it, whether "
            "it is `ready` to close, and tasks per rater role; null for a draft."
        )
    )

    class Meta:
        model = EvaluationCycle
        fields = [
            "id",
            "name",
            "county",
            "county_name",
            "framework",
            "team_framework",
            "school_framework",
            "start_date",
            "end_date",
            "status",
            "completion",
            "provisional",
            "close_reason",
            "created_at",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = [
            "status",
            "provisional",
            "close_reason",
            "created_at",
            "opened_at",
            "closed_at",
        ]

    def _figures(self, obj) -> dict | None:
        if obj.status == CycleStatus.DRAFT:
            return None
        known = self.context.get("completion")
        if known is not None and obj.pk in known:
            return known[obj.pk]
        return completion_of([obj])[obj.pk]

    @extend_schema_field(CompletionSerializer(allow_null=True))
    def get_completion(self, obj) -> dict | None:
        figures = self._figures(obj)
        return summary(figures) if figures is not None else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["county"].queryset = visible(request.user, County.objects.all())
            frameworks = visible(request.user, Framework.objects.all())
            for name in ("framework", "team_framework", "school_framework"):
                self.fields[name].queryset = frameworks

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": _("The end date cannot be before the start date.")}
            )
        return attrs


class SubjectCompletionSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    subject_id = serializers.IntegerField()
    name = serializers.CharField()
    ratio = serializers.FloatField()
    by_role = serializers.DictField(child=RoleCountSerializer())


class NotEvaluatedSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    subject_id = serializers.IntegerField()
    name = serializers.CharField()
    reason = serializers.CharField()


class EvaluationCycleDetailSerializer(EvaluationCycleSerializer):
    not_evaluated = serializers.SerializerMethodField(
        help_text=(
            "For the county's coordinators and admins: the county's teachers, "
            "teams of the period and assisted schools that the cycle does not "
            "evaluate (they did not serve in its period); null for others."
        )
    )

    completion_by_subject = serializers.SerializerMethodField(
        help_text=(
            "For the county's coordinators and admins, once open: each subject's "
            "completion, lowest first; null for others."
        )
    )

    class Meta(EvaluationCycleSerializer.Meta):
        fields = [
            *EvaluationCycleSerializer.Meta.fields,
            "completion_by_subject",
            "not_evaluated",
        ]

    @extend_schema_field(SubjectCompletionSerializer(many=True, allow_null=True))
    def get_completion_by_subject(self, obj):
        request = self.context.get("request")
        figures = self._figures(obj)
        if (
            figures is None
            or request is None
            or not manages_county(request.user, obj.county_id)
        ):
            return None
        return subject_completion(obj, figures)

    @extend_schema_field(NotEvaluatedSerializer(many=True, allow_null=True))
    def get_not_evaluated(self, obj):
        request = self.context.get("request")
        if request is None or not manages_county(request.user, obj.county_id):
            return None
        reason = str(_("did not serve in this period"))
        return [
            {"subject_type": kind, "subject_id": pk, "name": name, "reason": reason}
            for kind, rows in not_evaluated(obj).items()
            for pk, name in rows
        ]


class EvaluationSerializer(serializers.ModelSerializer):
    provisional = serializers.BooleanField(source="cycle.provisional", read_only=True)
    subject_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="subject_name", read_only=True)
    score = _decimal(read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "cycle",
            "subject_type",
            "subject_id",
            "name",
            "status",
            "score",
            "grade",
            "rank",
            "provisional",
            "flags",
        ]


class EvaluationDetailSerializer(EvaluationSerializer):
    breakdown = serializers.SerializerMethodField(
        help_text=(
            "Score per indicator and per rater role. A rater role's figures are "
            "shown to the person evaluated only where at least "
            "EVALUATION_MIN_RATERS_SHOWN of its raters submitted (`hidden`); "
            "coordinators and admins see all."
        )
    )

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "breakdown"]

    @extend_schema_field(serializers.DictField())
    def get_breakdown(self, obj) -> dict:
        request = self.context.get("request")
        user = request.user if request is not None else None
        if user is None:
            return redact(obj.breakdown or {})
        return breakdown_for(user, obj)


class ResultSerializer(EvaluationSerializer):
    # An evaluation as a cycle's results list it: without the cycle and status.
    # (A comment, not a docstring: the schema takes it as the description.)
    provisional = serializers.BooleanField(
        source="cycle.provisional",
        read_only=True,
        help_text="The cycle closed below the minimum completion: not final.",
    )

    class Meta(EvaluationSerializer.Meta):
        fields = [
            name
            for name in EvaluationSerializer.Meta.fields
            if name not in ("cycle", "status")
        ]


class RatingSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="evaluation.cycle_id", read_only=True)
    cycle_name = serializers.CharField(source="evaluation.cycle.name", read_only=True)
    cycle_status = serializers.CharField(
        source="evaluation.cycle.status", read_only=True
    )
    subject_type = serializers.CharField(
        source="evaluation.subject_type", read_only=True
    )
    subject_id = serializers.IntegerField(
        source="evaluation.subject_id", read_only=True
    )
    subject_name = serializers.CharField(
        source="evaluation.subject_name", read_only=True
    )
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = [
            "id",
            "evaluation",
            "cycle",
            "cycle_name",
            "cycle_status",
            "subject_type",
            "subject_id",
            "subject_name",
            "rater_role",
            "status",
            "scores",
            "comment",
            "submitted_at",
        ]

    @extend_schema_field(serializers.DictField(child=serializers.FloatField()))
    def get_scores(self, obj) -> dict:
        return {s.indicator.code: float(s.score) for s in obj.scores.all()}


class RatingSubmitSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    scores = serializers.DictField(
        child=serializers.JSONField(), help_text="{indicator code: 0-100}"
    )
    comment = optional_text()


class AppealSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="evaluation.cycle_id", read_only=True)
    subject_type = serializers.CharField(
        source="evaluation.subject_type", read_only=True
    )
    subject_name = serializers.CharField(
        source="evaluation.subject_name", read_only=True
    )
    appellant = serializers.CharField(source="appellant.username", read_only=True)
    previous_score = _decimal(read_only=True)
    revised_score = _decimal(read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "evaluation",
            "cycle",
            "subject_type",
            "subject_name",
            "appellant",
            "reason",
            "status",
            "answer",
            "answered_at",
            "previous_score",
            "revised_score",
            "created_at",
        ]
        read_only_fields = fields


class AppealCreateSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    reason = serializers.CharField(max_length=4000, allow_blank=True)


class AppealAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=4000, allow_blank=True)
    score = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text="A revised score (0-100); absent or null: the score stands.",
    )
