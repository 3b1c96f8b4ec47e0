"""The shape of ``GET /api/v1/dashboard/`` (DESIGN section 6), for the OpenAPI
schema; the figures themselves come from :mod:`dashboard.queries`."""

from rest_framework import serializers

from needs.models import NeedStatus


class DashboardQuerySerializer(serializers.Serializer):
    county = serializers.IntegerField(
        required=False,
        help_text="A county in the caller's scope (404 otherwise); "
        "omitted: every county in the scope.",
    )
    # "from" is a keyword: declared below through the fields mapping.

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False,
            help_text="First day of the period (inclusive), YYYY-MM-DD.",
        )
        fields["to"] = serializers.DateField(
            required=False,
            help_text="Last day of the period (inclusive), YYYY-MM-DD; "
            "not before `from`.",
        )
        return fields


def _figure_or_null(help_text: str) -> serializers.FloatField:
    """A figure computed from others: null when there is nothing to compute it
    from."""
    return serializers.FloatField(allow_null=True, help_text=help_text)


class _CountySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    province = serializers.CharField()


class _PeriodSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": serializers.DateField(allow_null=True),
            "to": serializers.DateField(allow_null=True),
        }


class _NeedsByStatusSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            status: serializers.IntegerField(help_text=str(label))
            for status, label in NeedStatus.choices
        }


class _SchoolRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    county = serializers.IntegerField()


class _BacklogSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(choices=["lt_7", "7_30", "30_90", "ge_90"])
    min_days = serializers.IntegerField()
    max_days = serializers.IntegerField(allow_null=True)
    submitted = serializers.IntegerField(help_text="Submitted, awaiting review.")
    open = serializers.IntegerField(help_text="Approved, with unfilled headcount.")


class _SupplyDemandSerializer(serializers.Serializer):
    family = serializers.IntegerField(help_text="Specialty family id.")
    family_code = serializers.CharField()
    family_name = serializers.CharField()
    demand = serializers.IntegerField(
        help_text="Open headcount (headcount - filled) of the open needs."
    )
    supply = serializers.IntegerField(
        help_text="Free capacity of the active teachers with a skill in the family."
    )
    gap = serializers.IntegerField(help_text="demand - supply")


class _CycleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    county = serializers.IntegerField()
    end_date = serializers.DateField()


class _GradeRowSerializer(serializers.Serializer):
    grade = serializers.CharField()
    teacher = serializers.IntegerField()
    team = serializers.IntegerField()
    school = serializers.IntegerField()
    total = serializers.IntegerField()


class _GradeDistributionSerializer(serializers.Serializer):
    cycles = _CycleRefSerializer(many=True)
    grades = _GradeRowSerializer(many=True)


class _EngagementSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    school = serializers.IntegerField()
    name = serializers.CharField()
    county = serializers.IntegerField()
    score = _figure_or_null(
        "0-100: the weighted share of its chances the school took; "
        "null when it had none yet (no figure, not 100)."
    )
    previous_score = _figure_or_null(
        "The same figure for the period of equal length before "
        "(`engagement_previous_period`); null without one."
    )
    trend = _figure_or_null("score - previous_score; null unless both exist.")
    complete_share = _figure_or_null("Needs posted complete / needs posted, 0-1.")
    on_time_share = _figure_or_null(
        "Confirmations made on time / confirmations due, 0-1."
    )
    goals_marked_share = _figure_or_null(
        "Goals marked by the school's staff / goals it could mark, 0-1."
    )
    ratings_share = _figure_or_null(
        "Rating tasks submitted / tasks submitted or in closed cycles."
    )
    confirmed_share = _figure_or_null(
        "Fulfilled / (fulfilled + matched needs past their end); "
        "shown, not part of the score."
    )
    chances = serializers.IntegerField(help_text="Chances of every kind.")
    chances_taken = serializers.IntegerField()
    needs_posted = serializers.IntegerField()
    needs_posted_complete = serializers.IntegerField()
    confirmations_due = serializers.IntegerField()
    confirmations_on_time = serializers.IntegerField()
    goals_to_mark = serializers.IntegerField()
    goals_marked = serializers.IntegerField()
    rating_chances = serializers.IntegerField()
    needs_fulfilled = serializers.IntegerField()
    needs_awaiting_confirmation = serializers.IntegerField()
    rating_tasks = serializers.IntegerField()
    rating_tasks_done = serializers.IntegerField()
    evaluation_score = _figure_or_null("Score in the last closed evaluation cycle.")


class DashboardSerializer(serializers.Serializer):
    county = _CountySerializer(allow_null=True, help_text="Null: every county.")
    counties = serializers.ListField(
        child=serializers.IntegerField(), help_text="The counties the figures cover."
    )
    period = _PeriodSerializer()
    needs_by_status = _NeedsByStatusSerializer()
    needs_total = serializers.IntegerField()
    schools_total = serializers.IntegerField(help_text="Assisted schools.")
    schools_served = serializers.IntegerField(
        help_text="Assisted schools with an accepted or completed assignment."
    )
    coverage = _figure_or_null("served / total")
    schools_unserved = _SchoolRefSerializer(many=True)
    headcount_approved = serializers.IntegerField()
    headcount_filled = serializers.IntegerField()
    fill_rate = _figure_or_null("filled / headcount of the approved needs, 0-1.")
    median_days_to_match = _figure_or_null("Median days from submission to match.")
    backlog = _BacklogSerializer(many=True)
    supply_demand = _SupplyDemandSerializer(many=True)
    local_teachers_reached = serializers.IntegerField()
    students_reached = serializers.IntegerField()
    activity_hours = serializers.FloatField()
    activities = serializers.IntegerField()
    grade_distribution = _GradeDistributionSerializer()
    engagement = _EngagementSerializer(many=True)
    engagement_previous_period = _PeriodSerializer(
        allow_null=True,
        help_text="The period the engagement trend compares with; null without "
        "a start date.",
    )
    as_of = serializers.DateTimeField()
    today = serializers.DateField()
