"""``GET assignments/export/``: the assignments the caller may see as .xlsx.

A read-only endpoint with the list filters of DESIGN section 6 (``status``, ``need``,
``teacher``), ``search`` and ``ordering``. When the assignments viewset exists it can
take over with one line: add ``AssignmentExportMixin`` to its bases (the route
``assignments/export/`` then comes from the router)."""

from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters
from rest_framework.generics import GenericAPIView

from accounts.scopes import visible
from needs.filters import in_scope
from needs.models import Need
from spreadsheets.exports import XlsxExportMixin, export_schema
from spreadsheets.workbooks import Column
from teams.models import Teacher

from .models import Assignment, AssignmentStatus

ASSIGNMENTS_TITLE = pgettext_lazy("spreadsheet", "Assignments")
ASSIGNMENT_NEED = pgettext_lazy("column", "Need")
ASSIGNMENT_SCHOOL = pgettext_lazy("column", "School")
ASSIGNMENT_COUNTY = pgettext_lazy("column", "County")
ASSIGNMENT_SPECIALTY = pgettext_lazy("column", "Specialty")
ASSIGNMENT_TEACHER = pgettext_lazy("column", "Teacher")
ASSIGNMENT_HOME_SCHOOL = pgettext_lazy("column", "Home school")
ASSIGNMENT_STATUS = pgettext_lazy("column", "Status")
ASSIGNMENT_SCORE = pgettext_lazy("column", "Score")
ASSIGNMENT_START = pgettext_lazy("column", "Start date")
ASSIGNMENT_END = pgettext_lazy("column", "End date")
ASSIGNMENT_DECIDED = pgettext_lazy("column", "Decided at")

ASSIGNMENT_COLUMNS = (
    Column("need", ASSIGNMENT_NEED, lambda a: a.need.title, width=30),
    Column("school", ASSIGNMENT_SCHOOL, lambda a: a.need.school.name, width=24),
    Column("county", ASSIGNMENT_COUNTY, lambda a: str(a.need.school.county), width=14),
    Column(
        "specialty", ASSIGNMENT_SPECIALTY, lambda a: a.need.specialty.name, width=16
    ),
    Column("teacher", ASSIGNMENT_TEACHER, lambda a: a.teacher.name, width=12),
    Column(
        "home_school",
        ASSIGNMENT_HOME_SCHOOL,
        lambda a: a.teacher.home_school.name,
        width=24,
    ),
    Column("status", ASSIGNMENT_STATUS, lambda a: a.get_status_display(), width=10),
    Column("score", ASSIGNMENT_SCORE, lambda a: round(a.score, 1), width=8),
    Column("start_date", ASSIGNMENT_START, lambda a: a.need.start_date, width=12),
    Column("end_date", ASSIGNMENT_END, lambda a: a.need.end_date, width=12),
    Column("decided_at", ASSIGNMENT_DECIDED, width=18),
)


class AssignmentExportMixin(XlsxExportMixin):
    export_columns = ASSIGNMENT_COLUMNS
    export_filename = ASSIGNMENTS_TITLE
    export_select_related = (
        "need__school__county",
        "need__specialty",
        "teacher__home_school",
    )


class AssignmentExportFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=AssignmentStatus.choices)
    need = filters.ModelChoiceFilter(queryset=in_scope(Need))
    teacher = filters.ModelChoiceFilter(queryset=in_scope(Teacher))

    class Meta:
        model = Assignment
        fields = ["status", "need", "teacher"]


class AssignmentOrdering:
    # How assignments are searched and sorted, in the API's list and its export.
    # (A comment, not a docstring: the schema takes a view's docstring.)
    search_fields = ["need__title", "teacher__name", "need__school__name"]
    ordering_fields = ["created_at", "score", "status", "id"]
    ordering = ["-created_at", "-id"]


class AssignmentExportView(AssignmentOrdering, AssignmentExportMixin, GenericAPIView):
    """The assignments the caller may see, as an Excel workbook."""

    filterset_class = AssignmentExportFilter
    pagination_class = None

    def get_queryset(self):
        return visible(self.request.user, Assignment.objects.all())

    @export_schema
    def get(self, request, *args, **kwargs):
        return self.export_xlsx()
