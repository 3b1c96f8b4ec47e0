from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Evaluation,
    EvaluationCycle,
    Framework,
    Indicator,
    RaterWeight,
    Rating,
    RatingScore,
)


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("code", "name", "name_en", "parent", "weight", "kind", "metric", "target")


class RaterWeightInline(admin.TabularInline):
    model = RaterWeight
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "created_at")
    search_fields = ("name",)
    inlines = [IndicatorInline, RaterWeightInline]


@admin.register(EvaluationCycle)
class EvaluationCycleAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "status", "start_date", "end_date")
    list_filter = ("status", "county")
    search_fields = ("name",)


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = (
        "cycle",
        "subject_type",
        "teacher",
        "team",
        "school",
        "score",
        "grade",
    )
    list_filter = ("subject_type", "grade", "cycle")
    search_fields = ("teacher__name", "team__name", "school__name")
    raw_id_fields = ("teacher", "team", "school")


class RatingScoreInline(admin.TabularInline):
    model = RatingScore
    extra = 0


@admin.register(Rating)
class RatingAdmin(SimpleHistoryAdmin):
    list_display = ("evaluation", "rater", "rater_role", "status", "submitted_at")
    list_filter = ("status", "rater_role")
    search_fields = ("rater__username", "comment")
    raw_id_fields = ("evaluation", "rater")
    inlines = [RatingScoreInline]
