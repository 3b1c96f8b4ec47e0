from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Assignment, MatchingRun, UnmatchedNeeds


@admin.register(MatchingRun)
class MatchingRunAdmin(admin.ModelAdmin):
    list_display = ("id", "county", "trigger", "status", "progress", "created_at")
    list_filter = ("status", "trigger", "county")
    search_fields = ("id", "county__name")
    raw_id_fields = ("started_by", "parent")
    readonly_fields = ("unmatched_needs",)

    # A national run leaves tens of thousands of needs open: link to their rows
    # (one per part and reason) rather than showing them inline.
    @admin.display(description=_("unmatched needs"))
    def unmatched_needs(self, run: MatchingRun) -> str:
        url = reverse("admin:matching_unmatchedneeds_changelist")
        count = sum(run.unmatched.values_list("count", flat=True))
        return format_html('<a href="{}?run__id__exact={}">{}</a>', url, run.pk, count)


@admin.register(UnmatchedNeeds)
class UnmatchedNeedsAdmin(admin.ModelAdmin):
    list_display = ("run", "reason", "count")
    list_filter = ("reason",)
    raw_id_fields = ("run",)


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("need", "teacher", "status", "score", "run", "decided_at")
    list_filter = ("status", "need__school__county")
    search_fields = ("need__title", "teacher__name", "need__school__name")
    list_select_related = ("need", "teacher", "run")
    raw_id_fields = ("need", "teacher", "run", "decided_by")
