"""``GET assignments/export/``: the assignments the caller may see as .xlsx.

A read-only endpoint with the list filters of DESIGN section 6 (``status``, ``need``,
``teacher``), ``search`` and ``ordering``. When the assignments viewset exists it can
take over with one line: add ``AssignmentExportMixin`` to its bases (the route
``assignments/export/`` then comes from the router)."""

from django.utils import timezone
from django_filters import rest_framework as filters
from rest_framework.generics import GenericAPIView

from accounts.scopes import visible
from assist_platform import spreadsheet_labels as L
from assist_platform.spreadsheets import Column, XlsxExportMixin, export_schema
from needs.models import Need
from teams.models import Teacher

from .models import Assignment, AssignmentStatus


def _local(value):
    return timezone.localtime(value) if value else None


ASSIGNMENT_COLUMNS = (
    Column("need", L.ASSIGNMENT_NEED, lambda a: a.need.title, width=30),
    Column("school", L.ASSIGNMENT_SCHOOL, lambda a: a.need.school.name, width=24),
    Column(
        "county", L.ASSIGNMENT_COUNTY, lambda a: str(a.need.school.county), width=14
    ),
    Column(
        "specialty", L.ASSIGNMENT_SPECIALTY, lambda a: a.need.specialty.name, width=16
    ),
    Column("teacher", L.ASSIGNMENT_TEACHER, lambda a: a.teacher.name, width=12),
    Column(
        "home_school",
        L.ASSIGNMENT_HOME_SCHOOL,
        lambda a: a.teacher.home_school.name,
        width=24,
    ),
    Column("status", L.ASSIGNMENT_STATUS, lambda a: a.get_status_display(), width=10),
    Column("score", L.ASSIGNMENT_SCORE, lambda a: round(a.score, 1), width=8),
    Column("start_date", L.ASSIGNMENT_START, lambda a: a.need.start_date, width=12),
    Column("end_date", L.ASSIGNMENT_END, lambda a: a.need.end_date, width=12),
    Column(
        "decided_at", L.ASSIGNMENT_DECIDED, lambda a: _local(a.decided_at), width=18
    ),
)


class AssignmentExportMixin(XlsxExportMixin):
    export_columns = ASSIGNMENT_COLUMNS
    export_filename = L.ASSIGNMENTS_TITLE
    export_select_related = (
        "need__school__county",
        "need__specialty",
        "teacher__home_school",
    )


def _scoped(model):
    return lambda request: visible(getattr(request, "user", None), model.objects.all())


class AssignmentExportFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=AssignmentStatus.choices)
    need = filters.ModelChoiceFilter(queryset=_scoped(Need))
    teacher = filters.ModelChoiceFilter(queryset=_scoped(Teacher))

    class Meta:
        model = Assignment
        fields = ["status", "need", "teacher"]


class AssignmentExportView(AssignmentExportMixin, GenericAPIView):
    """The assignments the caller may see, as an Excel workbook."""

    filterset_class = AssignmentExportFilter
    search_fields = ["need__title", "teacher__name", "need__school__name"]
    ordering_fields = ["created_at", "score", "status", "id"]
    ordering = ["-created_at", "-id"]
    pagination_class = None

    def get_queryset(self):
        return visible(self.request.user, Assignment.objects.all())

    @export_schema
    def get(self, request, *args, **kwargs):
        return self.export_xlsx()
