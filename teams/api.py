"""REST endpoints of the supply side (DESIGN section 6): ``teachers/``, ``teams/``,
their ``export/`` actions, and spreadsheet imports of teachers, schools and needs.

Every queryset goes through ``accounts.scopes.visible``: an object outside the caller's
scope is 404 on every verb. Only programme admins and the coordinators of the county
write (403 for other roles); a county outside a coordinator's scope is refused like an
id that does not exist (400), and nothing is stored."""

from dataclasses import replace

from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.policies import PolicyPermission, PolicyViewSetMixin
from accounts.scopes import visible, with_teacher_contact
from common.viewsets import ListCreatePatchViewSet, ServiceWritesMixin
from needs.imports import NeedImporter, SchoolImporter
from spreadsheets.exports import XlsxExportMixin
from spreadsheets.workbooks import XLSX_CONTENT_TYPE, Column, xlsx_attachment

from . import services
from .filters import TeacherFilter, TeamFilter
from .imports import (
    TEACHER_COLUMNS,
    TEACHERS_TITLE,
    TEAM_COLUMNS,
    TEAMS_TITLE,
    TeacherImporter,
)
from .models import Teacher, TeacherSkill, Team
from .policies import TEACHER, TEAM
from .serializers import (
    ImportReportSerializer,
    ImportUploadSerializer,
    TeacherSerializer,
    TeamSerializer,
)

IMPORTERS = {
    "teachers": TeacherImporter,
    "schools": SchoolImporter,
    "needs": NeedImporter,
}


def teacher_queryset():
    return Teacher.objects.select_related(
        "home_school", "county", "user"
    ).prefetch_related(
        Prefetch("skills", queryset=TeacherSkill.objects.select_related("specialty"))
    )


def teachers_for(user):
    """The teachers ``user`` may see, each marked with whether ``user`` may see its
    contact details (``contact_visible``, accounts/scopes.py)."""
    return with_teacher_contact(user, visible(user, teacher_queryset()))


# Columns that carry contact details; an export shows them only on the rows whose
# teacher's contact the caller may see.
CONTACT_COLUMNS = {"phone", "email"}


def _contact_only(read):
    return lambda teacher: read(teacher) if teacher.contact_visible else ""


def teacher_export_columns() -> list[Column]:
    """The teacher export's columns, the contact ones under the contact policy.
    The rows must come from ``teachers_for`` (a row without ``contact_visible``
    fails rather than show a phone)."""
    return [
        replace(column, value=_contact_only(column.value))
        if column.key in CONTACT_COLUMNS
        else column
        for column in TEACHER_COLUMNS
        if column.value is not None
    ]


def team_queryset():
    return Team.objects.select_related("county", "leader").prefetch_related(
        Prefetch("members", queryset=Teacher.objects.only("id", "name"))
    )


_WRITE_ERRORS = {
    400: OpenApiResponse(description="Bad input: messages per field."),
    403: OpenApiResponse(description="The role may not do this."),
}
_NOT_FOUND = {404: OpenApiResponse(description="Not found in the caller's scope.")}


@extend_schema_view(
    list=extend_schema(summary="Dispatched teachers in the caller's scope"),
    retrieve=extend_schema(
        summary="A dispatched teacher", responses={200: TeacherSerializer, **_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Register a teacher (admin, coordinator of the county)",
        responses={201: TeacherSerializer, **_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change or deactivate a teacher (admin, coordinator of the county)",
        description="`skills`, when given, replaces the teacher's skills. "
        'Deactivate with `{"active": false}`.',
        responses={200: TeacherSerializer, **_WRITE_ERRORS, **_NOT_FOUND},
    ),
)
class TeacherViewSet(
    ServiceWritesMixin,
    PolicyViewSetMixin,
    XlsxExportMixin,
    ListCreatePatchViewSet,
):
    """Dispatched teachers with their skills, windows and capacity."""

    serializer_class = TeacherSerializer
    permission_classes = [PolicyPermission]
    filterset_class = TeacherFilter
    search_fields = ["name", "title", "home_school__name", "skills__specialty__name"]
    ordering_fields = [
        "name",
        "title",
        "available_from",
        "available_until",
        "capacity",
        "id",
    ]
    ordering = ["name", "id"]
    export_filename = TEACHERS_TITLE

    policy = TEACHER
    create_service = services.teacher_create
    update_service = services.teacher_update
    subject = "teacher"

    def base_queryset(self):
        return with_teacher_contact(self.request.user, teacher_queryset())

    def get_export_columns(self):
        return teacher_export_columns()


@extend_schema_view(
    list=extend_schema(summary="Teams in the caller's scope"),
    retrieve=extend_schema(
        summary="A team", responses={200: TeamSerializer, **_NOT_FOUND}
    ),
    create=extend_schema(
        summary="Form a team (admin, coordinator of the county)",
        description="The leader must be one of the members; members are teachers "
        "stationed in the team's county.",
        responses={201: TeamSerializer, **_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a team (admin, coordinator of the county)",
        description="`members`, when given, replaces the member list.",
        responses={200: TeamSerializer, **_WRITE_ERRORS, **_NOT_FOUND},
    ),
)
class TeamViewSet(
    ServiceWritesMixin,
    PolicyViewSetMixin,
    XlsxExportMixin,
    ListCreatePatchViewSet,
):
    """Teams of dispatched teachers serving a county for a period."""

    serializer_class = TeamSerializer
    permission_classes = [PolicyPermission]
    filterset_class = TeamFilter
    search_fields = ["name", "members__name"]
    ordering_fields = ["name", "start_date", "end_date", "id"]
    ordering = ["-start_date", "name"]
    export_columns = TEAM_COLUMNS
    export_filename = TEAMS_TITLE

    policy = TEAM
    create_service = services.team_create
    update_service = services.team_update
    subject = "team"

    def base_queryset(self):
        return team_queryset()


_KIND_PARAMETER = OpenApiParameter(
    "kind",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=list(IMPORTERS),
    description="What the file holds.",
)


def _importer_for(request, kind: str, **options):
    importer_class = IMPORTERS[kind]
    if not importer_class.allowed(request.user):
        raise PermissionDenied(_("Your role may not import this."))
    return make_importer(kind, request, **options)


def make_importer(kind: str, request, *, create_accounts: bool = False):
    """The importer of ``kind`` for the request's user. A teacher import may also
    create the teachers' accounts, e-mailing links to this site."""
    if kind == TeacherImporter.kind:
        return TeacherImporter(
            request.user,
            create_accounts=create_accounts,
            link_base=request.build_absolute_uri("/"),
        )
    return IMPORTERS[kind](request.user)


def import_report(importer, report) -> dict:
    """The report of an import as the API answers it."""
    extras = getattr(importer, "report_extras", None)
    return {**report.as_dict(), **(extras() if extras else {})}


class ImportView(APIView):
    """``POST imports/{kind}/``: import a spreadsheet of teachers, schools or needs."""

    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportUploadSerializer

    @extend_schema(
        summary="Import teachers, schools or needs from .xlsx or .csv",
        description=(
            "Multipart upload of `file` (.xlsx, or .csv in UTF-8, UTF-8 with BOM or "
            "GBK; the encoding is detected). Every row is checked first: a file "
            "with any bad row imports nothing and the answer (400) lists each "
            "problem by row, column, value and message. A good file imports all "
            "rows in one transaction (200). Rows are matched on a natural key, so "
            "importing the same file twice adds nothing. `dry_run` checks only. "
            "Teachers only: `create_accounts` also creates an account for every "
            "teacher of the file with an address in the e-mail column (电子邮箱) "
            "and no account yet, and e-mails each a one-time link to choose a "
            "password (`accounts_created`); an address another account or row uses "
            "is a bad row. Without it, `accounts_missing` counts the teachers it "
            "would cover. Importing the same file again creates no account."
        ),
        parameters=[_KIND_PARAMETER],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                ImportReportSerializer,
                description="Bad rows: nothing was imported; each problem by row "
                "and column.",
            ),
            403: OpenApiResponse(description="The role may not import this."),
        },
    )
    def post(self, request, kind: str):
        _importer_for(request, kind)  # 403 before reading the upload
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        importer = _importer_for(
            request, kind, create_accounts=upload.validated_data["create_accounts"]
        )
        report = importer.run(
            upload.validated_data["file"], dry_run=upload.validated_data["dry_run"]
        )
        return Response(
            import_report(importer, report),
            status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST,
        )


class ImportTemplateView(APIView):
    """``GET imports/{kind}/template/``: the blank .xlsx template to fill in."""

    @extend_schema(
        summary="Download the import template (.xlsx, Chinese headers)",
        parameters=[_KIND_PARAMETER],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="An .xlsx workbook."
            ),
            403: OpenApiResponse(description="The role may not import this."),
        },
    )
    def get(self, request, kind: str):
        return template_response(_importer_for(request, kind))


def template_response(importer) -> HttpResponse:
    filename = _("%(what)s import template") % {"what": importer.title}
    return xlsx_attachment(importer.template(), filename)


_KINDS = "|".join(IMPORTERS)


def register(router) -> list:
    """Add this app's viewsets to the v1 router; return any extra URL patterns."""
    router.register("teachers", TeacherViewSet, basename="teacher")
    router.register("teams", TeamViewSet, basename="team")
    return [
        re_path(rf"^imports/(?P<kind>{_KINDS})/$", ImportView.as_view(), name="import"),
        re_path(
            rf"^imports/(?P<kind>{_KINDS})/template/$",
            ImportTemplateView.as_view(),
            name="import-template",
        ),
    ]
