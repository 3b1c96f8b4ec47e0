from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .catalogue import specialty_initials
from .models import (
    Diagnosis,
    GoalMark,
    GoalMarkAttachment,
    Need,
    NeedTransition,
    PlanGoal,
    Specialty,
    SpecialtyClass,
    SpecialtyFamily,
)


@admin.register(SpecialtyFamily)
class SpecialtyFamilyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en")
    search_fields = ("code", "name", "name_en")


@admin.register(SpecialtyClass)
class SpecialtyClassAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "family")
    list_filter = ("family",)
    search_fields = ("code", "name")
    list_select_related = ("family",)


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "specialty_class", "family", "retired")
    list_filter = ("retired", "family")
    search_fields = ("code", "name", "aliases", "initials")
    list_select_related = ("family", "specialty_class")
    readonly_fields = ("initials",)

    def save_model(self, request, obj, form, change):
        # The picker searches the stored initials; keep them in step with the names.
        obj.initials = specialty_initials(obj)
        super().save_model(request, obj, form, change)


class PlanGoalInline(admin.TabularInline):
    """Goals are written by the review; their marks come from the need's page (the
    school, the teachers, then the coordinator's confirmation), so here they are
    read only."""

    model = PlanGoal
    extra = 0
    fields = (
        "position",
        "text",
        "outcome",
        "awaiting_confirmation",
        "confirmed_outcome",
        "confirmed_by",
        "confirmed_at",
    )
    readonly_fields = (
        "outcome",
        "awaiting_confirmation",
        "confirmed_outcome",
        "confirmed_by",
        "confirmed_at",
    )


class GoalMarkAttachmentInline(admin.TabularInline):
    model = GoalMarkAttachment
    extra = 0
    fields = ("name", "content_type", "size", "created_at")
    readonly_fields = fields
    can_delete = False


@admin.register(GoalMark)
class GoalMarkAdmin(admin.ModelAdmin):
    """The history of goal marks: kept as recorded, never edited."""

    list_display = ("goal", "action", "outcome", "author", "author_role", "created_at")
    list_filter = ("action", "outcome", "author_role")
    search_fields = ("goal__text", "goal__need__title", "note")
    list_select_related = ("goal", "author")
    readonly_fields = (
        "goal",
        "action",
        "outcome",
        "note",
        "author",
        "author_role",
        "created_at",
    )
    inlines = [GoalMarkAttachmentInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NeedTransitionInline(admin.TabularInline):
    model = NeedTransition
    extra = 0
    readonly_fields = ("from_status", "to_status", "actor", "comment", "created_at")
    can_delete = False


@admin.register(Need)
class NeedAdmin(SimpleHistoryAdmin):
    list_display = (
        "title",
        "school",
        "specialty",
        "status",
        "headcount",
        "filled",
        "priority_score",
        "start_date",
    )
    list_filter = ("status", "kind", "school__county", "specialty__family")
    search_fields = ("title", "description", "school__name", "specialty__name")
    list_select_related = ("school", "specialty")
    raw_id_fields = ("created_by",)
    autocomplete_fields = ("school", "specialty")
    date_hierarchy = "created_at"
    inlines = [PlanGoalInline, NeedTransitionInline]


@admin.register(Diagnosis)
class DiagnosisAdmin(SimpleHistoryAdmin):
    list_display = ("need", "priority_score", "diagnosed_by", "diagnosed_at")
    search_fields = ("need__title",)
    raw_id_fields = ("need", "diagnosed_by")
