"""Spreadsheet import and export of dispatched teachers, and the export of teams.

A teacher's natural key is (name, home school): importing the same roster twice
changes nothing, and a changed row updates that teacher. With ``create_accounts``,
every teacher of the file with an e-mail address and no account gets one, with a
one-time link to choose a password (``accounts.services.accounts_invite_teachers``):
importing the file again creates none. A coordinator imports into
the counties they coordinate only: another county is answered like an unknown one,
and a teacher already registered outside their counties as the teachers API answers
it (the name is taken at that home school), never saying where that teacher serves.

The skills column lists specialty and level pairs, e.g. ``电子商务:5;计算机应用:3``
(``;`` ``；`` ``,`` ``，`` or ``、`` between pairs, ``:`` or ``：`` before the level).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.scopes import manages_county, visible
from accounts.services import account_invitation_problems, accounts_invite_teachers
from needs.imports import CountyLookup, SchoolLookup, SpecialtyLookup, unknown_county
from places.models import County, School, SchoolKind
from spreadsheets.cells import shown, yes_no
from spreadsheets.imports import Importer, Row, Updates, changed_fields
from spreadsheets.workbooks import Column

from .models import Teacher, TeacherSkill


def skills_text(teacher: Teacher) -> str:
    """``电子商务:5;计算机应用:3``: strongest first (the order of the prefetch)."""
    return ";".join(f"{s.specialty.name}:{s.level}" for s in teacher.skills.all())


TEACHER_COLUMNS = (
    Column(
        "name",
        pgettext_lazy("column", "Name"),
        required=True,
        help=gettext_lazy("The teacher's full name."),
        example="陈晓峰",
        aliases=("姓名", "教师姓名", "帮扶教师"),
        width=12,
    ),
    Column(
        "home_school",
        pgettext_lazy("column", "Home school"),
        lambda t: t.home_school.name,
        required=True,
        help=gettext_lazy(
            "The supporting school that sends the teacher, as registered on the "
            "platform."
        ),
        example="江苏省溧阳中等专业学校",
        aliases=("派出学校", "派出单位", "原单位", "所在学校"),
        width=26,
    ),
    Column(
        "title",
        pgettext_lazy("column", "Title"),
        help=gettext_lazy("Professional title, e.g. 讲师, 高级讲师, 正高级讲师."),
        example="高级讲师",
        aliases=("职称", "专业技术职务", "职务"),
        width=12,
    ),
    Column(
        "county",
        pgettext_lazy("column", "Stationed county"),
        lambda t: str(t.county),
        required=True,
        help=gettext_lazy(
            "The county the teacher serves, by name (白河县), province and name "
            "(陕西省白河县) or code (610929)."
        ),
        example="陕西省白河县",
        aliases=("驻点县", "驻点县区", "驻点县（区）", "帮扶县", "受援县", "服务县"),
        width=16,
    ),
    Column(
        "skills",
        pgettext_lazy("column", "Specialties and levels"),
        skills_text,
        help=gettext_lazy(
            "Catalogue specialties with a level from 1 (basic) to 5 (expert), "
            "separated by semicolons."
        ),
        example="电子商务:5;计算机应用:3",
        aliases=("专业及等级", "专业及水平", "擅长专业", "专业"),
        width=32,
    ),
    Column(
        "available_from",
        pgettext_lazy("column", "Available from"),
        required=True,
        help=gettext_lazy("A date such as 2026-09-01."),
        example="2026-09-01",
        aliases=("可服务开始日期", "开始日期", "服务开始日期"),
        width=14,
    ),
    Column(
        "available_until",
        pgettext_lazy("column", "Available until"),
        required=True,
        help=gettext_lazy("A date such as 2027-07-10; not before the start."),
        example="2027-07-10",
        aliases=("可服务结束日期", "结束日期", "服务结束日期"),
        width=14,
    ),
    Column(
        "capacity",
        pgettext_lazy("column", "Needs served at once"),
        help=gettext_lazy("How many needs the teacher serves at once, 1 to 5."),
        example="2",
        aliases=("同时服务需求数", "服务容量", "容量", "同时服务数"),
        width=12,
    ),
    Column(
        "can_lead",
        pgettext_lazy("column", "Can lead a team"),
        lambda t: yes_no(t.can_lead),
        help=gettext_lazy(
            "是 if the teacher has management experience and may lead a team; "
            "empty: 否 for a new teacher."
        ),
        example="否",
        aliases=("可任团队负责人", "可担任领队", "管理经验", "团队负责人"),
        width=12,
    ),
    Column(
        "phone",
        pgettext_lazy("column", "Phone"),
        help=gettext_lazy("Optional."),
        example="13800000000",
        aliases=("联系电话", "电话", "手机", "手机号", "联系方式"),
        width=14,
    ),
    Column(
        "email",
        pgettext_lazy("column", "E-mail"),
        lambda t: t.user.email if t.user_id else "",
        help=gettext_lazy(
            "Optional. With “create accounts” chosen, a teacher who has no account "
            "yet gets one with this address, and an e-mail with a link to choose a "
            "password. Not used for a teacher who has an account."
        ),
        example="chenxiaofeng@example.com",
        aliases=("电子邮箱", "邮箱", "电子邮件", "email", "e-mail", "邮件地址"),
        width=26,
    ),
    Column(
        "active",
        pgettext_lazy("column", "Active"),
        lambda t: yes_no(t.active),
        help=gettext_lazy("是 or 否; empty: 是 for a new teacher."),
        example="是",
        aliases=("是否在岗", "在岗", "状态"),
        width=10,
    ),
)

TEAM_COLUMNS = (
    Column("name", pgettext_lazy("column", "Team"), width=30),
    Column(
        "county", pgettext_lazy("column", "County"), lambda t: str(t.county), width=16
    ),
    Column("start_date", pgettext_lazy("column", "Start date"), width=12),
    Column("end_date", pgettext_lazy("column", "End date"), width=12),
    Column(
        "leader",
        pgettext_lazy("column", "Leader"),
        lambda t: t.leader.name if t.leader else "",
        width=12,
    ),
    Column(
        "members",
        pgettext_lazy("column", "Members"),
        lambda t: "、".join(m.name for m in t.members.all()),
        width=48,
    ),
    Column(
        "size",
        pgettext_lazy("column", "Number of members"),
        lambda t: len(t.members.all()),
        width=10,
    ),
)

TEACHERS_TITLE = pgettext_lazy("spreadsheet", "Dispatched teachers")
TEAMS_TITLE = pgettext_lazy("spreadsheet", "Teams")

_PAIR_SPLIT = re.compile(r"[;；,，、\n]+")
_LEVEL_SPLIT = re.compile(r"\s*[:：]\s*")
# What a new teacher's row leaves out takes these values.
_NEW_TEACHER = {"capacity": 1, "active": True}


@dataclass
class _TeacherItem:
    name: str
    home_school: School
    values: dict = field(default_factory=dict)
    skills: dict[int, int] | None = None  # specialty id -> level; None: keep
    email: str = ""  # for an account, when asked for; not stored on the record
    existing: Teacher | None = None
    changed: list[str] = field(default_factory=list)
    skills_changed: bool = False


class TeacherImporter(Importer):
    kind = "teachers"
    title = TEACHERS_TITLE
    columns = TEACHER_COLUMNS
    key_label = gettext_lazy("name and home school")

    def __init__(self, user, *, create_accounts: bool = False, link_base: str = ""):
        super().__init__(user)
        self.create_accounts = create_accounts
        self.link_base = link_base  # where the e-mailed links point
        self.accounts_created = 0
        self.accounts_missing = 0  # rows with an address whose teacher has none

    def report_extras(self) -> dict:
        return {
            "accounts_created": self.accounts_created,
            "accounts_missing": self.accounts_missing,
        }

    @classmethod
    def allowed(cls, user) -> bool:
        return bool(
            user.is_authenticated
            and user.is_active
            and (user.is_admin or user.is_coordinator)
        )

    def load(self) -> None:
        # Home schools are the programme's reference list, as in the teachers API;
        # counties are those the user may see, so that neither an answer nor a
        # suggestion names another county.
        self.schools = SchoolLookup(School.objects.filter(kind=SchoolKind.SUPPORTING))
        self.counties = CountyLookup(visible(self.user, County.objects.all()))
        self.specialties = SpecialtyLookup()

    def parse(self, row: Row) -> _TeacherItem | None:
        name = row.text("name", required=True, max_length=50)
        school_text = row.text("home_school", required=True)
        title = row.text("title", max_length=50)
        county_text = row.text("county", required=True)
        start = row.date("available_from", required=True)
        end = row.date("available_until", required=True)
        capacity = row.integer("capacity", low=1, high=5)
        phone = row.text("phone", max_length=30)
        email = row.text("email", max_length=254)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.error(
                    "email",
                    _("「%(value)s」 is not an e-mail address.")
                    % {"value": shown(email)},
                )
        active = row.boolean("active")
        can_lead = row.boolean("can_lead")
        school = (
            self.schools.find(row, "home_school", school_text) if school_text else None
        )
        county = self.counties.find(row, "county", county_text) if county_text else None
        if county is not None and not manages_county(self.user, county.pk):
            # Not reached while the look-up holds only visible counties; should the
            # two rules ever differ, answer as for a county that does not exist.
            row.error("county", unknown_county(county_text, None))
            county = None
        if start and end and end < start:
            row.error(
                "available_until",
                _("'Available until' cannot be before 'available from'."),
            )
        skills = self._skills(row) if row.has("skills") else None
        if not row.ok or school is None or county is None:
            return None
        values: dict = {
            "county_id": county.pk,
            "available_from": start,
            "available_until": end,
        }
        for key, value in (("title", title), ("phone", phone)):
            if row.has(key):
                values[key] = value
        if capacity is not None:
            values["capacity"] = capacity
        if active is not None:
            values["active"] = active
        if can_lead is not None:
            values["can_lead"] = can_lead
        return _TeacherItem(
            name=name, home_school=school, values=values, skills=skills, email=email
        )

    def _skills(self, row: Row) -> dict[int, int]:
        text = row.text("skills")
        skills: dict[int, int] = {}
        for part in _PAIR_SPLIT.split(text):
            part = part.strip()
            if not part:
                continue
            pieces = _LEVEL_SPLIT.split(part)
            if len(pieces) != 2 or not pieces[0]:
                row.error(
                    "skills",
                    _(
                        "「%(value)s」: write a specialty and its level, e.g. "
                        "电子商务:5."
                    )
                    % {"value": shown(part)},
                    part,
                )
                continue
            specialty_text, level_text = pieces
            specialty = self.specialties.find(row, "skills", specialty_text)
            level = _level(level_text)
            if level is None:
                row.error(
                    "skills",
                    _(
                        "The level of 「%(specialty)s」 must be a whole number from "
                        "1 to 5, not 「%(level)s」."
                    )
                    % {"specialty": shown(specialty_text), "level": shown(level_text)},
                    part,
                )
            if specialty is None or level is None:
                continue
            if specialty.pk in skills:
                row.error(
                    "skills",
                    _("「%(specialty)s」 is listed twice.")
                    % {"specialty": specialty.name},
                    part,
                )
                continue
            skills[specialty.pk] = level
        return skills

    def key(self, item: _TeacherItem) -> Hashable:
        return (item.name, item.home_school.pk)

    def check(self, items: list[tuple[Row, _TeacherItem]]) -> None:
        stored = Teacher.objects.filter(
            name__in={i.name for _r, i in items},
            home_school_id__in={i.home_school.pk for _r, i in items},
        ).prefetch_related("skills")
        existing = {(t.name, t.home_school_id): t for t in stored}
        for row, item in items:
            teacher = existing.get(self.key(item))
            if teacher is None:
                continue
            item.existing = teacher
            if not manages_county(self.user, teacher.county_id):
                # A name is unique per home school, so the row cannot be taken for
                # a new teacher; answer as the teachers API does, saying nothing of
                # where that teacher serves.
                row.error(
                    "name",
                    _(
                        "A teacher of this name from this home school is already "
                        "registered."
                    ),
                )
                continue
            item.changed = changed_fields(teacher, item.values)
            if item.skills is not None:
                current = {s.specialty_id: s.level for s in teacher.skills.all()}
                item.skills_changed = current != item.skills
            if "capacity" in item.changed:
                live = teacher.assignments.filter(
                    status__in=("proposed", "accepted")
                ).count()
                if item.values["capacity"] < live:
                    row.error(
                        "capacity",
                        _(
                            "This teacher has %(live)d live assignments; capacity "
                            "cannot be lower."
                        )
                        % {"live": live},
                    )
        self._check_accounts(items)

    def _check_accounts(self, items: list[tuple[Row, _TeacherItem]]) -> None:
        """Count the rows whose teacher would get an account; when accounts are to
        be made, refuse an address another account or another row uses."""
        seen: dict[str, int] = {}
        for row, item in items:
            if not item.email or (item.existing and item.existing.user_id):
                continue
            self.accounts_missing += 1
            if not self.create_accounts:
                continue
            address = item.email.lower()
            if address in seen:
                row.error(
                    "email",
                    _("Row %(row)d has the same e-mail address.")
                    % {"row": seen[address]},
                )
                continue
            seen[address] = row.number
            for message in account_invitation_problems(
                name=item.name, email=item.email
            ):
                row.error("email", message)

    def save(self, items: list[_TeacherItem]) -> tuple[int, int, int]:
        new: list[tuple[Teacher, _TeacherItem]] = []
        updates = Updates()
        replace_skills: list[tuple[Teacher, dict[int, int]]] = []
        updated = 0
        for item in items:
            if item.existing is None:
                teacher = Teacher(
                    name=item.name,
                    home_school=item.home_school,
                    **{**_NEW_TEACHER, **item.values},
                )
                new.append((teacher, item))
                continue
            teacher = item.existing
            if item.changed:
                updates.add(teacher, item.values, item.changed)
            if item.skills_changed and item.skills is not None:
                replace_skills.append((teacher, item.skills))
            if item.changed or item.skills_changed:
                updated += 1
        if new:
            Teacher.objects.bulk_create([t for t, _i in new], batch_size=1000)
        if updates.objects:
            Teacher.objects.bulk_update(
                updates.objects, updates.fields, batch_size=1000
            )
        if replace_skills:
            TeacherSkill.objects.filter(
                teacher_id__in=[t.pk for t, _s in replace_skills]
            ).delete()
        skills = [
            TeacherSkill(teacher_id=t.pk, specialty_id=specialty_id, level=level)
            for t, item in new
            for specialty_id, level in (item.skills or {}).items()
        ] + [
            TeacherSkill(teacher_id=t.pk, specialty_id=specialty_id, level=level)
            for t, wanted in replace_skills
            for specialty_id, level in wanted.items()
        ]
        TeacherSkill.objects.bulk_create(skills, batch_size=2000)
        if self.create_accounts:
            created = accounts_invite_teachers(
                actor=self.user,
                teachers_and_emails=[
                    (teacher, item.email)
                    for teacher, item in [
                        *new,
                        *((i.existing, i) for i in items if i.existing is not None),
                    ]
                    if item.email
                ],
                link_base=self.link_base,
            )
            self.accounts_created = len(created)
        return len(new), updated, len(items) - len(new) - updated


def _level(text: str) -> int | None:
    text = text.strip().removesuffix("级")
    try:
        number = float(text)
        level = int(number)
    except (ValueError, OverflowError):
        return None
    return level if 1 <= level <= 5 and number == level else None
