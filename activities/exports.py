"""The activity list as .xlsx: what the page shows, with its filters and scope."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from spreadsheets.workbooks import Column

ACTIVITIES_TITLE = pgettext_lazy("spreadsheet", "Activities")


def _yes(value: bool) -> str:
    return _("yes") if value else ""


ACTIVITY_COLUMNS = (
    Column("date", pgettext_lazy("column", "Date"), width=12),
    Column(
        "teacher",
        pgettext_lazy("column", "Teacher"),
        lambda a: a.assignment.teacher.name,
        width=12,
    ),
    Column(
        "need",
        pgettext_lazy("column", "Need"),
        lambda a: a.assignment.need.title,
        width=30,
    ),
    Column(
        "school",
        pgettext_lazy("column", "School"),
        lambda a: a.assignment.need.school.name,
        width=24,
    ),
    Column(
        "kind",
        pgettext_lazy("column", "Kind"),
        lambda a: a.get_kind_display(),
        width=12,
    ),
    Column("hours", pgettext_lazy("column", "Hours"), width=8),
    Column(
        "local_teachers_reached",
        pgettext_lazy("column", "Local teachers reached"),
        width=10,
    ),
    Column("students_reached", pgettext_lazy("column", "Students reached"), width=10),
    Column(
        "reached_names",
        pgettext_lazy("column", "Names of the local teachers reached"),
        lambda a: ", ".join(
            n.strip() for n in a.reached_names.splitlines() if n.strip()
        ),
        width=30,
    ),
    Column("note", pgettext_lazy("column", "Note"), width=40),
    Column(
        "disputed",
        pgettext_lazy("column", "Disputed"),
        lambda a: _yes(a.disputed),
        width=8,
    ),
    Column("dispute_reason", pgettext_lazy("column", "Dispute reason"), width=30),
)
