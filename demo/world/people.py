"""The world's reference data: counties, schools, accounts, dispatched teachers with
their skills, and teams. Each is found by its natural key first, then created, or
brought back to the values asked for when it has drifted, so a world built twice is
the same world (``load_demo`` runs again safely; a test fixture builds on an empty
database)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Model

from accounts.models import User
from needs.models import Specialty
from places.models import County, School, SchoolKind
from teams.models import Teacher, TeacherSkill, Team


def upsert(model: type[Model], lookup: dict[str, Any], values: dict[str, Any]):
    """Find by ``lookup``; create with ``values``, or bring drifted fields back to
    them (saving only what differs, so an unchanged object is not written).
    Returns ``(object, created)``."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        if any(f.name == "updated_at" for f in model._meta.fields):
            changed.append("updated_at")
        obj.save(update_fields=changed)
    return obj, False


class Builder:
    """Builds reference data and counts what it created, by kind (``created``).

    ``password``: given to every account it creates (hashed once), and to the
    accounts it finds when ``reset_passwords``; None: accounts that cannot sign in
    with a password."""

    def __init__(
        self, *, password: str | None = None, reset_passwords: bool = False
    ) -> None:
        self.password = password
        self.reset_passwords = reset_passwords
        self.created: dict[str, int] = {}
        self._password_hash = ""

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def county(self, *, code: str, name: str, province: str) -> County:
        county, created = upsert(
            County, {"code": code}, {"name": name, "province": province}
        )
        self.count("counties", created)
        return county

    def school(
        self, *, county: County, name: str, kind: str = SchoolKind.ASSISTED
    ) -> School:
        school, created = upsert(
            School, {"county": county, "name": name}, {"kind": kind}
        )
        self.count("schools", created)
        return school

    def person(
        self,
        username: str,
        *,
        role: str,
        name: str = "",
        counties: Iterable[County] | None = None,
        **values: Any,
    ) -> User:
        """An account with ``role`` and its scope: ``counties`` (a coordinator's) or
        ``school=`` (a school's staff); ``values``: any other field."""
        user, created = upsert(
            User,
            {"username": username},
            {"first_name": name, "last_name": "", "role": role, **values},
        )
        if self.password is not None and (created or self.reset_passwords):
            if not self._password_hash:
                self._password_hash = make_password(self.password)
            user.password = self._password_hash
            user.save(update_fields=["password"])
        if counties is not None:
            user.counties.set(list(counties))
        self.count("users", created)
        return user

    def teacher(
        self,
        *,
        home_school: School,
        name: str,
        skills: Mapping[Specialty | int, int] = {},
        **values: Any,
    ) -> Teacher:
        """A dispatched teacher (found by home school and name) with exactly
        ``skills``: specialty (or its id) -> level; ``values``: county, window,
        capacity, account and the rest."""
        teacher, created = upsert(
            Teacher, {"home_school": home_school, "name": name}, values
        )
        self.count("teachers", created)
        wanted = {getattr(s, "pk", s): level for s, level in skills.items()}
        current = {s.specialty_id: s for s in teacher.skills.all()}
        for specialty_id, skill in current.items():
            if specialty_id not in wanted:
                skill.delete()
        for specialty_id, level in wanted.items():
            _skill, made = upsert(
                TeacherSkill,
                {"teacher": teacher, "specialty_id": specialty_id},
                {"level": level},
            )
            self.count("skills", made)
        return teacher

    def team(
        self,
        *,
        county: County,
        name: str,
        start_date,
        members: Iterable[Teacher] = (),
        **values: Any,
    ) -> Team:
        """A team (found by county, name and start) with exactly ``members``;
        ``values``: its end, its leader."""
        team, created = upsert(
            Team, {"county": county, "name": name, "start_date": start_date}, values
        )
        team.members.set(list(members))
        self.count("teams", created)
        return team
