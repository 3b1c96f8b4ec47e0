"""Spreadsheet import and export of schools and needs, and the look-ups every
importer shares (counties, schools, specialties by name with suggestions).

The machinery is the ``spreadsheets`` app; the headers and messages of these
sheets are here (translated in this app's catalogue), the machinery's own in its
catalogue.

Who may import follows the needs services: schools are reference data that only
admins write; needs are created by whoever ``needs.policies.NEED.may(user,
"create")`` allows, for the schools in their scope. Natural keys: a school is
(county, name); a need is (school, title, start date). Importing the same file
twice changes nothing; a need that is no longer a draft is never changed."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.scopes import visible
from places.models import County, School, SchoolKind
from spreadsheets.cells import shown, squeeze, suggest
from spreadsheets.exports import XlsxExportMixin
from spreadsheets.imports import Choices, Importer, Row, Updates, changed_fields
from spreadsheets.workbooks import Column

from .models import Need, NeedKind, NeedStatus, NeedTransition, Specialty
from .policies import NEED

SCHOOLS_TITLE = pgettext_lazy("spreadsheet", "Schools")
NEEDS_TITLE = pgettext_lazy("spreadsheet", "Needs")
IMPORTED_COMMENT = gettext_lazy("Imported from a spreadsheet.")
DATE_HELP = gettext_lazy("A date such as 2026-09-01.")


# --- messages ----------------------------------------------------------------------


def end_before_start() -> str:
    return _("The end date cannot be before the start date.")


def _unknown(value: str, suggestion: str | None, *, guess: str, plain: str) -> str:
    """``guess`` when a look-up has a suggestion for ``value``, else ``plain``."""
    if suggestion:
        return guess % {"value": shown(value), "suggestion": suggestion}
    return plain % {"value": shown(value)}


def unknown_specialty(value: str, suggestion: str | None) -> str:
    return _unknown(
        value,
        suggestion,
        guess=_("Unknown specialty 「%(value)s」 — did you mean %(suggestion)s?"),
        plain=_(
            "Unknown specialty 「%(value)s」; use a name or code from the specialty "
            "catalogue."
        ),
    )


def unknown_county(value: str, suggestion: str | None) -> str:
    return _unknown(
        value,
        suggestion,
        guess=_("Unknown county 「%(value)s」 — did you mean %(suggestion)s?"),
        plain=_("Unknown county 「%(value)s」."),
    )


def ambiguous_county(value: str, options: list[str]) -> str:
    return _(
        "「%(value)s」 names more than one county (%(options)s); write the province "
        "too, e.g. %(example)s."
    ) % {"value": shown(value), "options": "、".join(options), "example": options[0]}


def unknown_school(value: str, suggestion: str | None) -> str:
    return _unknown(
        value,
        suggestion,
        guess=_("Unknown school 「%(value)s」 — did you mean %(suggestion)s?"),
        plain=_("Unknown school 「%(value)s」."),
    )


def ambiguous_school(value: str) -> str:
    return _(
        "More than one school is called 「%(value)s」; fill in its county as well."
    ) % {"value": shown(value)}


def school_kind_conflict(name: str, kind: str) -> str:
    return _("「%(name)s」 is already registered as a %(kind)s.") % {
        "name": shown(name),
        "kind": kind,
    }


def need_not_draft(status: str) -> str:
    return _(
        "This need already exists and is %(status)s; an import can only change drafts."
    ) % {"status": status}


# --- look-ups ----------------------------------------------------------------------


class CountyLookup:
    """Counties by code (610929), by name (白河县) or by province and name
    (陕西省白河县, which is how exports write them)."""

    def __init__(self, queryset=None):
        counties = list(queryset if queryset is not None else County.objects.all())
        self.by_code = {c.code: c for c in counties}
        self.by_full = {squeeze(f"{c.province}{c.name}"): c for c in counties}
        self.by_name: dict[str, list[County]] = defaultdict(list)
        for county in counties:
            self.by_name[squeeze(county.name)].append(county)
        self.names = [c.name for c in counties] + [str(c) for c in counties]

    def find(self, row: Row, key: str, value: str) -> County | None:
        text = squeeze(value)
        county = self.by_code.get(text) or self.by_full.get(text)
        if county is not None:
            return county
        matches = self.by_name.get(text, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            row.error(key, ambiguous_county(value, [str(c) for c in matches]))
            return None
        row.error(key, unknown_county(value, suggest(value, self.names)))
        return None


class SpecialtyLookup:
    """Specialties of the current catalogue by exact name or code. A former or short
    name (the ``aliases`` field), a near miss or a mistyped code is refused with a
    suggestion drawn from names, aliases and codes, so what is stored is always the
    catalogue's own name. Retired entries are not offered."""

    def __init__(self):
        specialties = list(Specialty.objects.current())
        self.by_name = {squeeze(s.name): s for s in specialties}
        self.by_code = {s.code: s for s in specialties}
        self.alias_of: dict[str, Specialty] = {}
        for specialty in specialties:
            for alias in re.split(r"[、,，;；]", specialty.aliases or ""):
                if alias.strip():
                    self.alias_of[squeeze(alias)] = specialty
        self.names = [s.name for s in specialties]

    def get(self, value: str) -> Specialty | None:
        text = squeeze(value)
        return self.by_name.get(text) or self.by_code.get(text)

    def suggestion(self, value: str) -> str | None:
        text = squeeze(value)
        if text in self.alias_of:
            return self.alias_of[text].name
        if text.isdigit():
            code = suggest(text, list(self.by_code))
            return f"{code} {self.by_code[code].name}" if code else None
        guess = suggest(text, self.names + list(self.alias_of))
        if guess in self.alias_of:
            return self.alias_of[guess].name
        return guess

    def find(self, row: Row, key: str, value: str) -> Specialty | None:
        specialty = self.get(value)
        if specialty is None:
            row.error(key, unknown_specialty(value, self.suggestion(value)), value)
        return specialty


class SchoolLookup:
    """Schools of a queryset by name, or by county and name when names repeat."""

    def __init__(self, queryset):
        schools = list(queryset.select_related("county"))
        self.by_name: dict[str, list[School]] = defaultdict(list)
        for school in schools:
            self.by_name[squeeze(school.name)].append(school)
        self.names = sorted({s.name for s in schools})

    def find(
        self, row: Row, key: str, value: str, county: County | None = None
    ) -> School | None:
        matches = self.by_name.get(squeeze(value), [])
        if county is not None:
            matches = [s for s in matches if s.county_id == county.pk]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            row.error(key, ambiguous_school(value))
            return None
        row.error(key, unknown_school(value, suggest(value, self.names)))
        return None


# --- schools -----------------------------------------------------------------------

SCHOOL_KIND_SYNONYMS = {
    "受援学校": SchoolKind.ASSISTED,
    "受援": SchoolKind.ASSISTED,
    "受援校": SchoolKind.ASSISTED,
    "支援学校": SchoolKind.SUPPORTING,
    "支援": SchoolKind.SUPPORTING,
    "支援校": SchoolKind.SUPPORTING,
    "帮扶学校": SchoolKind.SUPPORTING,
    "派出学校": SchoolKind.SUPPORTING,
}

SCHOOL_COLUMNS = (
    Column(
        "name",
        pgettext_lazy("column", "School name"),
        required=True,
        help=gettext_lazy("The full name of the school."),
        example="白河县职业教育中心",
        aliases=("学校名称", "学校", "名称"),
        width=30,
    ),
    Column(
        "county",
        pgettext_lazy("column", "County"),
        lambda s: str(s.county),
        required=True,
        help=gettext_lazy(
            "The county by name (白河县), by province and name (陕西省白河县) or by "
            "its administrative code (610929)."
        ),
        example="陕西省白河县",
        aliases=("所在县", "所在县区", "县区", "县（市、区）"),
        width=16,
    ),
    Column(
        "kind",
        pgettext_lazy("column", "School type"),
        lambda s: s.get_kind_display(),
        required=True,
        help=gettext_lazy(
            "受援学校 (assisted) or 支援学校 (supporting, the schools teachers come "
            "from)."
        ),
        example="受援学校",
        aliases=("学校类型", "类型", "学校类别"),
        width=14,
    ),
)


@dataclass
class _SchoolItem:
    name: str
    county: County
    kind: str
    existing: School | None = None


class SchoolImporter(Importer):
    kind = "schools"
    title = SCHOOLS_TITLE
    columns = SCHOOL_COLUMNS
    key_label = pgettext_lazy("column", "School name")

    @classmethod
    def allowed(cls, user) -> bool:
        return bool(user.is_authenticated and user.is_active and user.is_admin)

    def load(self) -> None:
        self.counties = CountyLookup()
        self.kinds = Choices(SchoolKind, SCHOOL_KIND_SYNONYMS)

    def parse(self, row: Row) -> _SchoolItem | None:
        name = row.text("name", required=True, max_length=100)
        county_text = row.text("county", required=True)
        kind_text = row.text("kind", required=True)
        county = self.counties.find(row, "county", county_text) if county_text else None
        kind = self.kinds.find(row, "kind", kind_text) if kind_text else None
        if not row.ok or county is None or kind is None:
            return None
        return _SchoolItem(name=name, county=county, kind=kind)

    def key(self, item: _SchoolItem) -> Hashable:
        return (item.county.pk, item.name)

    def check(self, items: list[tuple[Row, _SchoolItem]]) -> None:
        existing = {
            (s.county_id, s.name): s
            for s in School.objects.filter(name__in={i.name for _r, i in items})
        }
        for row, item in items:
            item.existing = existing.get(self.key(item))
            if item.existing is not None and item.existing.kind != item.kind:
                row.error(
                    "kind",
                    school_kind_conflict(
                        item.name, str(item.existing.get_kind_display())
                    ),
                )

    def save(self, items: list[_SchoolItem]) -> tuple[int, int, int]:
        new = [
            School(name=i.name, county=i.county, kind=i.kind)
            for i in items
            if i.existing is None
        ]
        School.objects.bulk_create(new, batch_size=1000)
        return len(new), 0, len(items) - len(new)


# --- needs -------------------------------------------------------------------------

NEED_KIND_SYNONYMS = {
    "教学": NeedKind.TEACHING,
    "专业教学": NeedKind.TEACHING,
    "课程开发": NeedKind.CURRICULUM,
    "课程建设": NeedKind.CURRICULUM,
    "师资培训": NeedKind.TEACHER_TRAINING,
    "教师培训": NeedKind.TEACHER_TRAINING,
    "实训室建设": NeedKind.LAB_SETUP,
    "实训基地建设": NeedKind.LAB_SETUP,
    "学校管理": NeedKind.MANAGEMENT,
    "管理": NeedKind.MANAGEMENT,
    "校企合作": NeedKind.ENTERPRISE_PARTNERSHIP,
    "其他": NeedKind.OTHER,
}


NEED_COLUMNS = (
    Column(
        "school",
        pgettext_lazy("column", "School"),
        lambda n: n.school.name,
        required=True,
        help=gettext_lazy("An assisted school you may post needs for."),
        example="白河县职业教育中心",
        aliases=("学校", "学校名称", "受援学校", "需求学校"),
        width=24,
    ),
    Column(
        "county",
        pgettext_lazy("column", "County"),
        lambda n: str(n.school.county),
        help=gettext_lazy(
            "Optional: the school's county, when two schools share a name."
        ),
        example="陕西省白河县",
        aliases=("所在县", "县区"),
        width=14,
    ),
    Column(
        "title",
        pgettext_lazy("column", "Need"),
        required=True,
        help=gettext_lazy(
            "A short title. The same school, title and start date is the same need: "
            "importing it again updates the draft instead of adding a copy."
        ),
        example="电商直播带货实训教学",
        aliases=("需求名称", "需求标题", "标题"),
        width=30,
    ),
    Column(
        "specialty",
        pgettext_lazy("column", "Specialty"),
        lambda n: n.specialty.name,
        required=True,
        help=gettext_lazy(
            "A name or code from the 2021 specialty catalogue, e.g. 电子商务 or 730701."
        ),
        example="电子商务",
        aliases=("专业", "专业名称", "所需专业"),
        width=18,
    ),
    Column(
        "kind",
        pgettext_lazy("column", "Kind of need"),
        lambda n: n.get_kind_display(),
        help=gettext_lazy(
            "教学, 课程开发, 师资培训, 实训室建设, 学校管理, 校企合作 or 其他; "
            "empty: 教学."
        ),
        example="教学",
        aliases=("需求类型", "类型", "帮扶类型"),
        width=14,
    ),
    Column(
        "description",
        pgettext_lazy("column", "Description"),
        help="",
        example="为电商专业二年级开设直播带货实训课，每周4课时。",
        aliases=("需求描述", "描述", "具体内容", "需求说明"),
        width=40,
    ),
    Column(
        "headcount",
        pgettext_lazy("column", "Teachers needed"),
        required=True,
        help=gettext_lazy("How many teachers, 1 to 10."),
        example="2",
        aliases=("需求人数", "人数", "需要人数"),
        width=10,
    ),
    Column(
        "start_date",
        pgettext_lazy("column", "Start date"),
        required=True,
        help=DATE_HELP,
        example="2026-09-01",
        aliases=("开始日期",),
        width=12,
    ),
    Column(
        "end_date",
        pgettext_lazy("column", "End date"),
        required=True,
        help=DATE_HELP,
        example="2027-01-15",
        aliases=("结束日期",),
        width=12,
    ),
    Column(
        "urgency",
        pgettext_lazy("column", "Urgency"),
        help=gettext_lazy("1 (low) to 5 (critical); empty: 3."),
        example="4",
        aliases=("紧迫程度", "紧急程度"),
        width=10,
    ),
    Column(
        "status",
        pgettext_lazy("column", "Status"),
        lambda n: n.get_status_display(),
        importable=False,
        width=10,
    ),
    Column(
        "priority_score",
        pgettext_lazy("column", "Priority score"),
        importable=False,
        width=10,
    ),
    Column(
        "filled",
        pgettext_lazy("column", "Places filled"),
        importable=False,
        width=10,
    ),
    Column(
        "created_at",
        pgettext_lazy("column", "Created at"),
        importable=False,
        width=18,
    ),
)

# A new need is a draft; what its row leaves out takes these values.
_NEW_NEED = {
    "status": NeedStatus.DRAFT,
    "kind": NeedKind.TEACHING,
    "urgency": 3,
    "description": "",
}


@dataclass
class _NeedItem:
    school: School
    title: str
    start_date: dt.date
    values: dict[str, Any] = field(default_factory=dict)
    existing: Need | None = None
    changed: list[str] = field(default_factory=list)


class NeedImporter(Importer):
    kind = "needs"
    title = NEEDS_TITLE
    columns = NEED_COLUMNS
    key_label = pgettext_lazy("column", "Need")

    @classmethod
    def allowed(cls, user) -> bool:
        return NEED.may(user, "create")

    def key_column(self) -> str:
        return "title"

    def load(self) -> None:
        # Only what the user may see: a county or school outside the scope is
        # answered like one that does not exist, and never suggested.
        schools = visible(self.user, School.objects.filter(kind=SchoolKind.ASSISTED))
        self.schools = SchoolLookup(schools)
        self.counties = CountyLookup(visible(self.user, County.objects.all()))
        self.specialties = SpecialtyLookup()
        self.kinds = Choices(NeedKind, NEED_KIND_SYNONYMS, listed=NEED_KIND_SYNONYMS)

    def parse(self, row: Row) -> _NeedItem | None:
        school_text = row.text("school", required=True)
        county_text = row.text("county")
        title = row.text("title", required=True, max_length=120)
        specialty_text = row.text("specialty", required=True)
        kind_text = row.text("kind")
        description = row.text("description")
        headcount = row.integer("headcount", low=1, high=10, required=True)
        start = row.date("start_date", required=True)
        end = row.date("end_date", required=True)
        urgency = row.integer("urgency", low=1, high=5, default=3)
        county = self.counties.find(row, "county", county_text) if county_text else None
        school = None
        if school_text and (county is not None or not county_text):
            school = self.schools.find(row, "school", school_text, county)
        specialty = (
            self.specialties.find(row, "specialty", specialty_text)
            if specialty_text
            else None
        )
        kind = (
            self.kinds.find(row, "kind", kind_text) if kind_text else NeedKind.TEACHING
        )
        if start and end and end < start:
            row.error("end_date", end_before_start())
        if not row.ok or school is None or specialty is None or start is None:
            return None
        values: dict[str, Any] = {
            "specialty_id": specialty.pk,
            "kind": kind,
            "headcount": headcount,
            "end_date": end,
            "urgency": urgency,
        }
        if row.has("description"):
            values["description"] = description
        if not row.has("kind"):
            values.pop("kind")
        if not row.has("urgency"):
            values.pop("urgency")
        return _NeedItem(school=school, title=title, start_date=start, values=values)

    def key(self, item: _NeedItem) -> Hashable:
        return (item.school.pk, item.title, item.start_date)

    def check(self, items: list[tuple[Row, _NeedItem]]) -> None:
        query = Q(
            school_id__in={i.school.pk for _r, i in items},
            title__in={i.title for _r, i in items},
        )
        existing = {
            (n.school_id, n.title, n.start_date): n
            for n in Need.objects.filter(query).select_related("school")
        }
        for row, item in items:
            need = existing.get(self.key(item))
            if need is None:
                continue
            item.existing = need
            item.changed = changed_fields(need, item.values)
            if not item.changed:
                continue
            if need.status != NeedStatus.DRAFT:
                row.error("title", need_not_draft(str(need.get_status_display())))
            elif not NEED.may(self.user, "update", need):
                row.error("school", unknown_school(item.school.name, None))

    def save(self, items: list[_NeedItem]) -> tuple[int, int, int]:
        new: list[Need] = []
        updates = Updates()
        for item in items:
            if item.existing is None:
                new.append(
                    Need(
                        school=item.school,
                        title=item.title,
                        start_date=item.start_date,
                        created_by=self.user,
                        **{**_NEW_NEED, **item.values},
                    )
                )
            elif item.changed:
                updates.add(item.existing, item.values, item.changed)
        if new:
            created = bulk_create_with_history(
                new, Need, batch_size=500, default_user=self.user
            )
            comment = str(IMPORTED_COMMENT)
            NeedTransition.objects.bulk_create(
                [
                    NeedTransition(
                        need=need,
                        from_status="",
                        to_status=NeedStatus.DRAFT,
                        actor=self.user,
                        comment=comment,
                    )
                    for need in created
                ],
                batch_size=1000,
            )
        if updates.objects:
            bulk_update_with_history(
                updates.objects,
                Need,
                updates.fields,
                batch_size=500,
                default_user=self.user,
            )
        changed = len(updates.objects)
        return len(new), changed, len(items) - len(new) - changed


# --- export mixins for the viewsets ------------------------------------------------


class NeedExportMixin(XlsxExportMixin):
    """``GET needs/export/``: the needs list as .xlsx, same filters and scope."""

    export_columns = NEED_COLUMNS
    export_filename = NEEDS_TITLE
    export_select_related = ("school__county", "specialty")


class SchoolExportMixin(XlsxExportMixin):
    """``GET schools/export/``: the schools list as .xlsx, same filters and scope."""

    export_columns = SCHOOL_COLUMNS
    export_filename = SCHOOLS_TITLE
    export_select_related = ("county",)
