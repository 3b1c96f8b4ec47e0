from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity, Assignment, MatchingRun, UnmatchedNeed


class UnmatchedNeedInline(admin.TabularInline):
    model = UnmatchedNeed
    extra = 0
    raw_id_fields = ("need",)


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "county", "trigger", "status", "progress", "created_at")
    list_filter = ("status", "trigger", "county")
    search_fields = ("id", "county__name")
    raw_id_fields = ("started_by", "parent")
    inlines = [UnmatchedNeedInline]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("need", "teacher", "status", "score", "run", "decided_at")
    list_filter = ("status", "need__school__county")
    search_fields = ("need__title", "teacher__name", "need__school__name")
    list_select_related = ("need", "teacher", "run")
    raw_id_fields = ("need", "teacher", "run", "decided_by")


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = (
        "date",
        "kind",
        "assignment",
        "hours",
        "local_teachers_reached",
        "students_reached",
        "disputed",
    )
    list_filter = ("kind", "disputed")
    search_fields = ("note", "assignment__teacher__name", "assignment__need__title")
    raw_id_fields = ("assignment",)
    date_hierarchy = "date"
