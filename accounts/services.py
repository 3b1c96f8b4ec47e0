"""Writes of user accounts: role, scope and the link to a teacher record.

The scope a role uses must be consistent with it: school staff speak for one assisted
school; coordinators are responsible for counties; a teacher account may be linked to
its ``teams.Teacher`` record (setting ``teacher`` sets that record's ``user``). A
programme admin gets the Django admin too (``is_staff`` and ``is_superuser``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Role, User

_PROFILE_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "role")


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only programme admins may manage accounts."))


def _check_scope(
    *, user: User, role: str, counties: list, school, teacher, errors: dict
) -> None:
    if role != Role.SCHOOL_STAFF and school is not None:
        errors.setdefault("school", []).append(
            _("Only school staff accounts have a school.")
        )
    if role == Role.SCHOOL_STAFF:
        if school is None:
            errors.setdefault("school", []).append(
                _("A school staff account needs its school.")
            )
        elif school.kind != "assisted":
            errors.setdefault("school", []).append(
                _("School staff speak for an assisted school.")
            )
    if role != Role.COORDINATOR and counties:
        errors.setdefault("counties", []).append(
            _("Only coordinators are responsible for counties.")
        )
    if teacher is not None:
        if role != Role.TEACHER:
            errors.setdefault("teacher", []).append(
                _("Only teacher accounts are linked to a teacher record.")
            )
        elif teacher.user_id is not None and teacher.user_id != user.pk:
            errors.setdefault("teacher", []).append(
                _("This teacher record is already linked to another account.")
            )


def _current_teacher(user: User):
    return getattr(user, "teacher", None) if user.pk else None


def _link_teacher(user: User, teacher) -> None:
    Teacher = apps.get_model("teams", "Teacher")
    Teacher.objects.filter(user=user).exclude(pk=getattr(teacher, "pk", None)).update(
        user=None
    )
    if teacher is not None and teacher.user_id != user.pk:
        teacher.user = user
        teacher.save(update_fields=["user", "updated_at"])


def _apply_admin_flags(user: User) -> list[str]:
    is_admin_role = user.role == Role.ADMIN
    if user.is_staff == is_admin_role and user.is_superuser == is_admin_role:
        return []
    user.is_staff = user.is_superuser = is_admin_role
    return ["is_staff", "is_superuser"]


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    counties: Iterable = (),
    school=None,
    teacher=None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_active: bool = True,
) -> User:
    _require_admin(actor)
    counties = list(counties)
    user = User(
        username=username,
        role=role,
        school=school,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_active=is_active,
    )
    errors: dict[str, list] = {}
    _check_scope(
        user=user,
        role=role,
        counties=counties,
        school=school,
        teacher=teacher,
        errors=errors,
    )
    if not password:
        errors.setdefault("password", []).append(_("This field is required."))
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    try:
        user.set_password(password)
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _apply_admin_flags(user)
    user.save()
    user.counties.set(counties)
    if teacher is not None:
        _link_teacher(user, teacher)
    return user


@transaction.atomic
def user_update(*, user: User, actor: User, data: Mapping[str, Any]) -> User:
    """Change an account; only the keys given are touched."""
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    changes = {k: v for k, v in data.items() if k in _PROFILE_FIELDS}
    for name, value in changes.items():
        setattr(user, name, value)
    if "school" in data:
        user.school = data["school"]
    counties = (
        list(data["counties"]) if "counties" in data else list(user.counties.all())
    )
    teacher = data["teacher"] if "teacher" in data else _current_teacher(user)
    errors: dict[str, list] = {}
    _check_scope(
        user=user,
        role=user.role,
        counties=counties,
        school=user.school,
        teacher=teacher,
        errors=errors,
    )
    password = data.get("password")
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    update_fields = [*changes, *_apply_admin_flags(user)]
    if "school" in data:
        update_fields.append("school")
    if password:
        user.set_password(password)
        update_fields.append("password")
    if update_fields:
        user.save(update_fields=sorted(set(update_fields)))
    if "counties" in data:
        user.counties.set(counties)
    if "teacher" in data:
        _link_teacher(user, teacher)
    return user
