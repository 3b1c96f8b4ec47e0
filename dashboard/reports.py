"""The monthly report for a county's education bureau (月度工作报告): what happened in
one calendar month, as an .xlsx workbook or a PDF with the CJK font.

What each figure counts (all for one county, the month's first to last day):

- needs by status: every need of the county's schools, in its state today, with the
  month's new ones (submitted for review in the month) and fulfilled ones
  (confirmed in the month);
- teachers on site: teachers with an accepted or completed assignment whose need's
  window overlaps the month, with the schools they served;
- activities: logged with a date in the month (disputed ones counted apart), their
  hours, and the local teachers and students they reached;
- schools covered: assisted schools with a teacher on site, of all assisted schools;
- matching runs: started in the month for the county, with what they proposed;
- open issues: today's loose ends (needs waiting for review, open places no teacher
  fills, proposals waiting for a decision, disputed activities of the month)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Sum
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from activities.models import Activity, ActivityKind
from common.downloads import pdf_attachment
from common.pdf import render_pdf
from matching.models import Assignment, AssignmentStatus, MatchingRun
from needs.models import Need, NeedStatus
from places.models import County, School, SchoolKind
from spreadsheets.cells import neutralise
from spreadsheets.workbooks import workbook_bytes, xlsx_attachment

from .queries import dashboard_counties, may_view_dashboard

SERVING = (AssignmentStatus.ACCEPTED, AssignmentStatus.COMPLETED)


def parse_month(text: str | None) -> dt.date | None:
    """``YYYY-MM`` to the month's first day; None when it is not one."""
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return None


@dataclass
class MonthlyReport:
    county: County
    first: dt.date
    last: dt.date
    generated_at: dt.datetime
    needs_by_status: dict[str, int] = field(default_factory=dict)
    needs_new: int = 0
    needs_fulfilled: int = 0
    teachers: list[dict] = field(default_factory=list)
    activities: int = 0
    activities_disputed: int = 0
    hours: Decimal = Decimal(0)
    hours_by_kind: dict[str, Decimal] = field(default_factory=dict)
    local_teachers_reached: int = 0
    students_reached: int = 0
    schools_total: int = 0
    schools_covered: list[str] = field(default_factory=list)
    runs: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)

    @property
    def month(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def filename(self) -> str:
        return f"{self.county.name}-{self.month}-月度报告"


def monthly_report(county: County, first: dt.date) -> MonthlyReport:
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    report = MonthlyReport(
        county=county, first=first, last=last, generated_at=timezone.now()
    )
    needs = Need.objects.filter(school__county=county)
    counts = dict(needs.order_by().values_list("status").annotate(n=Count("id")))
    report.needs_by_status = {s: counts.get(s, 0) for s in NeedStatus.values}
    report.needs_new = needs.filter(submitted_at__date__range=(first, last)).count()
    report.needs_fulfilled = needs.filter(
        fulfilled_at__date__range=(first, last)
    ).count()

    serving = Assignment.objects.filter(
        need__school__county=county,
        status__in=SERVING,
        need__start_date__lte=last,
        need__end_date__gte=first,
    ).select_related("teacher__home_school", "need__school")
    by_teacher: dict[int, dict] = {}
    for assignment in serving.order_by("teacher__name", "teacher_id"):
        row = by_teacher.setdefault(
            assignment.teacher_id,
            {
                "name": assignment.teacher.name,
                "home_school": assignment.teacher.home_school.name,
                "schools": [],
            },
        )
        if assignment.need.school.name not in row["schools"]:
            row["schools"].append(assignment.need.school.name)
    report.teachers = list(by_teacher.values())
    report.schools_total = School.objects.filter(
        county=county, kind=SchoolKind.ASSISTED
    ).count()
    report.schools_covered = sorted(
        {school for row in report.teachers for school in row["schools"]}
    )

    activities = Activity.objects.filter(
        assignment__need__school__county=county, date__range=(first, last)
    )
    totals = activities.filter(disputed=False).aggregate(
        n=Count("id"),
        hours=Sum("hours"),
        teachers=Sum("local_teachers_reached"),
        students=Sum("students_reached"),
    )
    report.activities = totals["n"] or 0
    report.hours = totals["hours"] or Decimal(0)
    report.local_teachers_reached = totals["teachers"] or 0
    report.students_reached = totals["students"] or 0
    report.activities_disputed = activities.filter(disputed=True).count()
    report.hours_by_kind = dict(
        activities.filter(disputed=False)
        .values_list("kind")
        .annotate(h=Sum("hours"))
        .order_by("kind")
    )

    for run in MatchingRun.objects.filter(
        county=county, created_at__date__range=(first, last)
    ).order_by("created_at", "id"):
        report.runs.append(
            {
                "started": timezone.localtime(run.created_at),
                "origin": run.get_trigger_display(),
                "status": run.get_status_display(),
                "proposed": (run.stats or {}).get("proposed", 0),
                "unmatched": (run.stats or {}).get("unmatched", 0),
            }
        )
    report.issues = _open_issues(county, activities)
    return report


def _open_issues(county: County, activities) -> list[dict]:
    issues = []
    for need in Need.objects.filter(
        school__county=county, status=NeedStatus.SUBMITTED
    ).select_related("school"):
        issues.append(
            {
                "kind": _("Waiting for review"),
                "school": need.school.name,
                "what": need.title,
            }
        )
    for need in Need.objects.filter(
        school__county=county, status=NeedStatus.OPEN, filled__lt=F("headcount")
    ).select_related("school"):
        issues.append(
            {
                "kind": _("Places not filled"),
                "school": need.school.name,
                "what": _("%(title)s: %(filled)d of %(headcount)d places filled")
                % {
                    "title": need.title,
                    "filled": need.filled,
                    "headcount": need.headcount,
                },
            }
        )
    waiting = Counter(
        Assignment.objects.filter(
            need__school__county=county, status=AssignmentStatus.PROPOSED
        ).values_list("need__school__name", flat=True)
    )
    for school, count in sorted(waiting.items()):
        issues.append(
            {
                "kind": _("Proposals waiting for a decision"),
                "school": school,
                "what": str(count),
            }
        )
    for activity in activities.filter(disputed=True).select_related(
        "assignment__teacher", "assignment__need__school"
    ):
        issues.append(
            {
                "kind": _("Disputed activity"),
                "school": activity.assignment.need.school.name,
                "what": f"{activity.date:%Y-%m-%d} {activity.assignment.teacher.name}"
                f": {activity.dispute_reason}",
            }
        )
    return issues


def status_label(status: str) -> str:
    return str(NeedStatus(status).label)


def kind_label(kind: str) -> str:
    return str(ActivityKind(kind).label) if kind in ActivityKind.values else kind


def needs_rows(report: MonthlyReport) -> list[tuple[str, int]]:
    return [(status_label(s), n) for s, n in report.needs_by_status.items()]


def hours_rows(report: MonthlyReport) -> list[tuple[str, Decimal]]:
    return [(kind_label(k), h) for k, h in report.hours_by_kind.items()]


def overview_rows(report: MonthlyReport) -> list[tuple[str, object]]:
    covered = len(report.schools_covered)
    return [
        (_("County"), f"{report.county.province}{report.county.name}"),
        (_("Month"), report.month),
        (_("New needs (submitted this month)"), report.needs_new),
        (_("Needs fulfilled this month"), report.needs_fulfilled),
        (_("Teachers on site"), len(report.teachers)),
        (
            _("Assisted schools covered"),
            f"{covered} / {report.schools_total}",
        ),
        (_("Activities"), report.activities),
        (_("Hours"), report.hours),
        (_("Local teachers reached"), report.local_teachers_reached),
        (_("Students reached"), report.students_reached),
        (_("Disputed activities (not counted)"), report.activities_disputed),
        (_("Matching runs"), len(report.runs)),
        (_("Open issues"), len(report.issues)),
    ]


# --- .xlsx ---------------------------------------------------------------------------

_BOLD = Font(bold=True)


def _sheet(workbook: Workbook, title: str, header: list[str], rows, widths=()):
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([neutralise(h) for h in header])
    for cell in sheet[1]:
        cell.font = _BOLD
    for row in rows:
        sheet.append([neutralise(value) for value in row])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def report_xlsx(report: MonthlyReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(
        workbook,
        _("Overview"),
        [_("Figure"), _("Value")],
        [(str(k), v) for k, v in overview_rows(report)],
        widths=(36, 24),
    )
    _sheet(
        workbook,
        _("Needs"),
        [_("Status"), _("Needs")],
        needs_rows(report),
        widths=(20, 12),
    )
    _sheet(
        workbook,
        _("Teachers on site"),
        [_("Teacher"), _("Home school"), _("Schools served")],
        [
            (t["name"], t["home_school"], "、".join(t["schools"]))
            for t in report.teachers
        ],
        widths=(16, 28, 40),
    )
    _sheet(
        workbook,
        _("Activities"),
        [_("Kind"), _("Hours")],
        hours_rows(report),
        widths=(20, 12),
    )
    _sheet(
        workbook,
        _("Matching runs"),
        [_("Started"), _("Started by"), _("Status"), _("Proposed"), _("Unmatched")],
        [
            (
                r["started"].replace(tzinfo=None),
                str(r["origin"]),
                str(r["status"]),
                r["proposed"],
                r["unmatched"],
            )
            for r in report.runs
        ],
        widths=(20, 16, 12, 10, 10),
    )
    _sheet(
        workbook,
        _("Open issues"),
        [_("Issue"), _("School"), _("Details")],
        [(str(i["kind"]), i["school"], str(i["what"])) for i in report.issues],
        widths=(24, 28, 60),
    )
    return workbook_bytes(workbook)


# --- PDF -----------------------------------------------------------------------------


def report_pdf(report: MonthlyReport) -> bytes:
    return render_pdf(
        "dashboard/monthly_report.html",
        {
            "report": report,
            "overview": overview_rows(report),
            "needs": needs_rows(report),
            "hours_by_kind": hours_rows(report),
        },
    )


# --- who may read which report -----------------------------------------------------


def report_read(*, user, params) -> MonthlyReport:
    """The report a request asks for: admins and coordinators only
    (``PermissionDenied``), a county in their scope (``Http404`` otherwise, as if it
    did not exist), a month ``YYYY-MM`` (``ValidationError`` per field)."""
    if not may_view_dashboard(user):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    county_id = str(params.get("county") or "")
    if not county_id.isdigit():
        errors["county"] = [_("Choose a county.")]
    first = parse_month(params.get("month"))
    if first is None:
        errors["month"] = [_("Give the month as YYYY-MM, e.g. 2026-11.")]
    if errors:
        raise ValidationError(errors)
    county = dashboard_counties(user).filter(pk=int(county_id)).first()
    if county is None:
        raise Http404
    return monthly_report(county, first)


def report_response(report: MonthlyReport, fmt: str) -> HttpResponse:
    if fmt == "pdf":
        return pdf_attachment(report_pdf(report), report.filename)
    return xlsx_attachment(report_xlsx(report), report.filename)
