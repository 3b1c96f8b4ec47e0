"""Column headers and messages of the spreadsheets of schools, needs and assignments,
and of the look-ups every importer shares (counties, schools, specialties).

They live here rather than in ``needs/`` or ``matching/`` so that their translations
sit in the project catalogue (``locale/``) next to ``spreadsheets.py``; the importers
in ``needs/imports.py`` and the assignment export use them."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .spreadsheets import shown

# --- schools ---------------------------------------------------------------------
SCHOOL_NAME = pgettext_lazy("column", "School name")
SCHOOL_COUNTY = pgettext_lazy("column", "County")
SCHOOL_KIND = pgettext_lazy("column", "School type")
SCHOOL_NAME_HELP = gettext_lazy("The full name of the school.")
COUNTY_HELP = gettext_lazy(
    "The county by name (白河县), by province and name (陕西省白河县) or by its "
    "administrative code (610929)."
)
SCHOOL_KIND_HELP = gettext_lazy(
    "受援学校 (assisted) or 支援学校 (supporting, the schools teachers come from)."
)
SCHOOLS_TITLE = pgettext_lazy("spreadsheet", "Schools")

# --- needs -----------------------------------------------------------------------
NEED_SCHOOL = pgettext_lazy("column", "School")
NEED_COUNTY = pgettext_lazy("column", "County")
NEED_TITLE = pgettext_lazy("column", "Need")
NEED_SPECIALTY = pgettext_lazy("column", "Specialty")
NEED_KIND = pgettext_lazy("column", "Kind of need")
NEED_DESCRIPTION = pgettext_lazy("column", "Description")
NEED_HEADCOUNT = pgettext_lazy("column", "Teachers needed")
NEED_START = pgettext_lazy("column", "Start date")
NEED_END = pgettext_lazy("column", "End date")
NEED_URGENCY = pgettext_lazy("column", "Urgency")
NEED_STATUS = pgettext_lazy("column", "Status")
NEED_PRIORITY = pgettext_lazy("column", "Priority score")
NEED_FILLED = pgettext_lazy("column", "Places filled")
NEED_CREATED = pgettext_lazy("column", "Created at")
NEED_SCHOOL_HELP = gettext_lazy("An assisted school you may post needs for.")
NEED_COUNTY_HELP = gettext_lazy(
    "Optional: the school's county, when two schools share a name."
)
NEED_TITLE_HELP = gettext_lazy(
    "A short title. The same school, title and start date is the same need: "
    "importing it again updates the draft instead of adding a copy."
)
SPECIALTY_HELP = gettext_lazy(
    "A name or code from the 2021 specialty catalogue, e.g. 电子商务 or 730701."
)
NEED_KIND_HELP = gettext_lazy(
    "教学, 课程开发, 师资培训, 实训室建设, 学校管理, 校企合作 or 其他; empty: 教学."
)
NEED_HEADCOUNT_HELP = gettext_lazy("How many teachers, 1 to 10.")
DATE_HELP = gettext_lazy("A date such as 2026-09-01.")
NEED_URGENCY_HELP = gettext_lazy("1 (low) to 5 (critical); empty: 3.")
NEEDS_TITLE = pgettext_lazy("spreadsheet", "Needs")
IMPORTED_COMMENT = gettext_lazy("Imported from a spreadsheet.")

# --- assignments -----------------------------------------------------------------
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
ASSIGNMENTS_TITLE = pgettext_lazy("spreadsheet", "Assignments")


# --- messages --------------------------------------------------------------------
def end_before_start() -> str:
    return _("The end date cannot be before the start date.")


def unknown_specialty(value: str, suggestion: str | None) -> str:
    if suggestion:
        return _("Unknown specialty 「%(value)s」 — did you mean %(suggestion)s?") % {
            "value": shown(value),
            "suggestion": suggestion,
        }
    return _(
        "Unknown specialty 「%(value)s」; use a name or code from the specialty "
        "catalogue."
    ) % {"value": shown(value)}


def unknown_county(value: str, suggestion: str | None) -> str:
    if suggestion:
        return _("Unknown county 「%(value)s」 — did you mean %(suggestion)s?") % {
            "value": shown(value),
            "suggestion": suggestion,
        }
    return _("Unknown county 「%(value)s」.") % {"value": shown(value)}


def ambiguous_county(value: str, options: list[str]) -> str:
    return _(
        "「%(value)s」 names more than one county (%(options)s); write the province "
        "too, e.g. %(example)s."
    ) % {"value": shown(value), "options": "、".join(options), "example": options[0]}


def unknown_school(value: str, suggestion: str | None) -> str:
    if suggestion:
        return _("Unknown school 「%(value)s」 — did you mean %(suggestion)s?") % {
            "value": shown(value),
            "suggestion": suggestion,
        }
    return _("Unknown school 「%(value)s」.") % {"value": shown(value)}


def ambiguous_school(value: str) -> str:
    return _(
        "More than one school is called 「%(value)s」; fill in its county as well."
    ) % {"value": shown(value)}


def not_your_county(county: str) -> str:
    return _("You do not coordinate %(county)s.") % {"county": county}


def school_kind_conflict(name: str, kind: str) -> str:
    return _("「%(name)s」 is already registered as a %(kind)s.") % {
        "name": shown(name),
        "kind": kind,
    }


def unknown_choice(value: str, choices: list[str]) -> str:
    return _("「%(value)s」 is not one of: %(choices)s.") % {
        "value": shown(value),
        "choices": "、".join(choices),
    }


def need_not_draft(status: str) -> str:
    return _(
        "This need already exists and is %(status)s; an import can only change drafts."
    ) % {"status": status}
