"""Writes of the supply side: dispatched teachers with their skills, and teams.

Every function is keyword-only, runs in one transaction and validates before it
saves; invalid input raises ``ValidationError`` with messages per field (the API
answers 400) and nothing is changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scopes import manages_county
from common.errors import FieldErrors
from common.services import model_update
from needs.models import Specialty
from places.models import County, School, SchoolKind

from .models import Teacher, TeacherSkill, Team

LIVE_ASSIGNMENT_STATUSES = ("proposed", "accepted")

TEACHER_FIELDS = (
    "name",
    "home_school",
    "title",
    "county",
    "phone",
    "available_from",
    "available_until",
    "capacity",
    "can_lead",
    "active",
)
TEAM_FIELDS = ("name", "county", "start_date", "end_date", "leader")


def _skill_pairs(skills: Iterable[Any]) -> list[tuple[Specialty, int]]:
    """Skills as (specialty, level) from dicts ``{"specialty", "level"}`` or pairs."""
    pairs = []
    for skill in skills:
        if isinstance(skill, dict):
            pairs.append((skill["specialty"], skill["level"]))
        else:
            specialty, level = skill
            pairs.append((specialty, level))
    return pairs


def _check_skills(pairs: Sequence[tuple[Specialty, int]]) -> list[str]:
    problems = []
    seen: set[int] = set()
    for specialty, level in pairs:
        if specialty.pk in seen:
            problems.append(
                _("「%(specialty)s」 is listed twice.") % {"specialty": specialty.name}
            )
        seen.add(specialty.pk)
        if not isinstance(level, int) or not 1 <= level <= 5:
            problems.append(
                _("The level of 「%(specialty)s」 must be between 1 and 5.")
                % {"specialty": specialty.name}
            )
    return problems


def _validate_teacher(
    teacher: Teacher, *, actor: User, skills: Sequence[tuple[Specialty, int]] | None
) -> None:
    errors = FieldErrors()
    if not (teacher.name or "").strip():
        errors.add("name", _("Enter the teacher's name."))
    if teacher.home_school_id is not None and (
        teacher.home_school.kind != SchoolKind.SUPPORTING
    ):
        errors.add("home_school", _("The home school must be a supporting school."))
    if teacher.county_id is not None and not manages_county(actor, teacher.county_id):
        errors.add("county", _("You do not coordinate this county."))
    if teacher.capacity is not None and not 1 <= teacher.capacity <= 5:
        errors.add("capacity", _("Capacity must be between 1 and 5."))
    if (
        teacher.available_from
        and teacher.available_until
        and teacher.available_until < teacher.available_from
    ):
        errors.add(
            "available_until",
            _("'Available until' cannot be before 'available from'."),
        )
    if teacher.pk and teacher.capacity:
        live = teacher.assignments.filter(status__in=LIVE_ASSIGNMENT_STATUSES).count()
        if teacher.capacity < live:
            errors.add(
                "capacity",
                _(
                    "This teacher has %(live)d live assignments; capacity cannot "
                    "be lower."
                )
                % {"live": live},
            )
    namesakes = Teacher.objects.filter(
        home_school_id=teacher.home_school_id, name=teacher.name
    ).exclude(pk=teacher.pk)
    if teacher.home_school_id and teacher.name and namesakes.exists():
        errors.add(
            "name",
            _("A teacher of this name from this home school is already registered."),
        )
    if skills is not None:
        for problem in _check_skills(skills):
            errors.add("skills", problem)
    errors.raise_any()
    teacher.full_clean(validate_unique=False, validate_constraints=False)


def _set_skills(teacher: Teacher, pairs: Sequence[tuple[Specialty, int]]) -> None:
    wanted = {specialty.pk: level for specialty, level in pairs}
    current = {s.specialty_id: s for s in teacher.skills.all()}
    stale = [s.pk for sid, s in current.items() if sid not in wanted]
    if stale:
        TeacherSkill.objects.filter(pk__in=stale).delete()
    for specialty_id, level in wanted.items():
        skill = current.get(specialty_id)
        if skill is None:
            TeacherSkill.objects.create(
                teacher=teacher, specialty_id=specialty_id, level=level
            )
        elif skill.level != level:
            skill.level = level
            skill.save(update_fields=["level"])


@transaction.atomic
def teacher_create(
    *,
    actor: User,
    name: str,
    home_school: School,
    county: County,
    available_from: dt.date,
    available_until: dt.date,
    title: str = "",
    phone: str = "",
    capacity: int = 1,
    can_lead: bool = False,
    active: bool = True,
    skills: Iterable[Any] = (),
) -> Teacher:
    """Register a dispatched teacher with their skills (specialty and level 1-5)."""
    pairs = _skill_pairs(skills)
    teacher = Teacher(
        name=(name or "").strip(),
        home_school=home_school,
        county=county,
        title=title or "",
        phone=phone or "",
        available_from=available_from,
        available_until=available_until,
        capacity=capacity,
        can_lead=can_lead,
        active=active,
    )
    _validate_teacher(teacher, actor=actor, skills=pairs)
    teacher.save()
    _set_skills(teacher, pairs)
    return teacher


def _locked_for_change(obj, changes: dict[str, Any], fields, *, actor: User):
    """``obj`` locked for the change, once ``changes`` names only ``fields`` and
    ``actor`` coordinates its county (else ``ValidationError``, nothing changed);
    a new name is trimmed."""
    unknown = set(changes) - set(fields)
    if unknown:
        raise ValidationError(
            {field: _("This field cannot be changed.") for field in sorted(unknown)}
        )
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    if not manages_county(actor, obj.county_id):
        raise ValidationError({"county": _("You do not coordinate this county.")})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    return obj


@transaction.atomic
def teacher_update(
    *,
    actor: User,
    teacher: Teacher,
    skills: Iterable[Any] | None = None,
    **changes: Any,
) -> Teacher:
    """Change a teacher's fields; ``skills``, when given, replaces the skill set."""
    teacher = _locked_for_change(teacher, changes, TEACHER_FIELDS, actor=actor)
    for field in ("title", "phone"):
        if field in changes:
            changes[field] = changes[field] or ""
    changed = model_update(teacher, changes, TEACHER_FIELDS, clean=False, save=False)
    pairs = _skill_pairs(skills) if skills is not None else None
    _validate_teacher(teacher, actor=actor, skills=pairs)
    if changed:
        teacher.save(update_fields=[*changed, "updated_at"])
    if pairs is not None:
        _set_skills(teacher, pairs)
    return teacher


@transaction.atomic
def teacher_deactivate(*, actor: User, teacher: Teacher) -> Teacher:
    """Take a teacher out of the pool: matching no longer considers them. Their
    assignments and history stay as they are."""
    return teacher_update(actor=actor, teacher=teacher, active=False)


def _validate_team(
    team: Team, *, actor: User, members: Sequence[Teacher] | None
) -> None:
    errors = FieldErrors()
    if not (team.name or "").strip():
        errors.add("name", _("Enter the team's name."))
    if team.county_id is not None and not manages_county(actor, team.county_id):
        errors.add("county", _("You do not coordinate this county."))
    if team.start_date and team.end_date and team.end_date < team.start_date:
        errors.add("end_date", _("The end date cannot be before the start date."))
    if members is None:
        members = list(team.members.all()) if team.pk else []
    member_ids = {m.pk for m in members}
    counties = {team.county_id}
    if settings.MATCHING_ALLOW_NEIGHBOURS and team.county_id is not None:
        # Teachers of a neighbouring county may serve it, so they may join its team.
        counties.update(
            County.neighbours.through.objects.filter(
                from_county_id=team.county_id
            ).values_list("to_county_id", flat=True)
        )
    for member in members:
        if member.county_id not in counties:
            errors.add(
                "members",
                _("%(name)s is not stationed in the team's county.")
                % {"name": member.name},
            )
    if team.leader_id is not None and team.leader_id not in member_ids:
        errors.add("leader", _("The leader must be one of the members."))
    if (
        team.county_id
        and team.start_date
        and team.name
        and Team.objects.filter(
            county_id=team.county_id, name=team.name, start_date=team.start_date
        )
        .exclude(pk=team.pk)
        .exists()
    ):
        errors.add(
            "name",
            _("This county already has a team of this name starting on that date."),
        )
    errors.raise_any()
    team.full_clean(validate_unique=False, validate_constraints=False)


@transaction.atomic
def team_create(
    *,
    actor: User,
    name: str,
    county: County,
    start_date: dt.date,
    end_date: dt.date,
    leader: Teacher | None = None,
    members: Iterable[Teacher] = (),
) -> Team:
    """Form a team of teachers stationed in ``county``; the leader is a member."""
    members = list(members)
    team = Team(
        name=(name or "").strip(),
        county=county,
        start_date=start_date,
        end_date=end_date,
        leader=leader,
    )
    _validate_team(team, actor=actor, members=members)
    team.save()
    team.members.set(members)
    return team


@transaction.atomic
def team_update(
    *, actor: User, team: Team, members: Iterable[Teacher] | None = None, **changes: Any
) -> Team:
    """Change a team's fields; ``members``, when given, replaces the member list."""
    team = _locked_for_change(team, changes, TEAM_FIELDS, actor=actor)
    changed = model_update(team, changes, TEAM_FIELDS, clean=False, save=False)
    member_list = list(members) if members is not None else None
    _validate_team(team, actor=actor, members=member_list)
    if changed:
        team.save(update_fields=changed)
    if member_list is not None:
        team.members.set(member_list)
    return team
