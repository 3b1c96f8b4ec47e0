from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Activity


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
