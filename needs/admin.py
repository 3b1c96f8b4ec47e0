from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .catalogue import specialty_initials
from .models import (
    County,
    Diagnosis,
    Need,
    NeedTransition,
    PlanGoal,
    School,
    Specialty,
    SpecialtyClass,
    SpecialtyFamily,
)


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ("name", "province", "code")
    list_filter = ("province",)
    search_fields = ("name", "province", "code")
    filter_horizontal = ("neighbours",)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "kind")
    list_filter = ("kind", "county")
    search_fields = ("name", "county__name")
    list_select_related = ("county",)


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
    model = PlanGoal
    extra = 0
    raw_id_fields = ("met_recorded_by",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The model field has no translated name (and its app is changing in
        # parallel); the admin is in one language.
        if db_field.name == "met_recorded_by":
            kwargs["label"] = _("met recorded by")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
