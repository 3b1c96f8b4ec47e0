"""Writes of user accounts: role, scope and the link to a teacher record.

The scope a role uses must be consistent with it: school staff speak for one assisted
school; coordinators are responsible for counties; a teacher account may be linked to
its ``teams.Teacher`` record (setting ``teacher`` sets that record's ``user``). A
programme admin gets the Django admin too (``is_staff`` and ``is_superuser``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from common.errors import FieldErrors, TooManyRequests, TransitionNotAllowed
from common.tasks import task

from .models import Role, User
from .scopes import MANAGED_ROLES, manages_account, manages_county

_PROFILE_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "role")


def _require_admin(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only programme admins may manage accounts."))


def _check_scope(
    *, user: User, role: str, counties: list, school, teacher, errors: FieldErrors
) -> None:
    if role != Role.SCHOOL_STAFF and school is not None:
        errors.add("school", _("Only school staff accounts have a school."))
    if role == Role.SCHOOL_STAFF:
        if school is None:
            errors.add("school", _("A school staff account needs its school."))
        elif school.kind != "assisted":
            errors.add("school", _("School staff speak for an assisted school."))
    if role != Role.COORDINATOR and counties:
        errors.add("counties", _("Only coordinators are responsible for counties."))
    if teacher is not None:
        if role != Role.TEACHER:
            errors.add(
                "teacher", _("Only teacher accounts are linked to a teacher record.")
            )
        elif teacher.user_id is not None and teacher.user_id != user.pk:
            errors.add(
                "teacher",
                _("This teacher record is already linked to another account."),
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


def _check_email_free(user: User, errors: FieldErrors) -> None:
    # An address belongs to one account: it is where that account's one-time links
    # and password resets go.
    if email_taken(user.email, exclude_pk=user.pk):
        errors.add("email", _("Another account already uses this e-mail address."))


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
    errors = FieldErrors()
    _check_scope(
        user=user,
        role=role,
        counties=counties,
        school=school,
        teacher=teacher,
        errors=errors,
    )
    if not password:
        errors.add("password", _("This field is required."))
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors.add("password", *exc.messages)
    try:
        user.set_password(password)
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.add_error(exc)
    _check_email_free(user, errors)
    errors.raise_any()
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
    errors = FieldErrors()
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
            errors.add("password", *exc.messages)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.add_error(exc)
    if "email" in changes:
        _check_email_free(user, errors)
    errors.raise_any()
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


# -- accounts of teachers and school staff, created by their coordinators ---------


def _require_account_manager(actor: User) -> None:
    if not (
        actor.is_authenticated
        and actor.is_active
        and (actor.is_admin or actor.is_coordinator)
    ):
        raise PermissionDenied(
            _("Only programme admins and county coordinators may do this.")
        )


def _require_manages(actor: User, account: User) -> None:
    _require_account_manager(actor)
    if not manages_account(actor, account):
        raise PermissionDenied(
            _("This account is not one of the teachers or school staff you look after.")
        )


def email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another account uses ``email`` (in any letter case)."""
    if not email:
        return False
    others = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


def username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _send_invitations_after_commit(user_ids: list[int], link_base: str) -> None:
    if user_ids:
        transaction.on_commit(
            lambda: task("accounts.send_invitations").delay(user_ids, link_base),
            robust=True,
        )


def _invited_user(
    *, name: str, email: str, username: str, role: str, school=None
) -> tuple[User, FieldErrors]:
    """An unsaved account waiting for its first password, and what is wrong with
    it (field -> messages)."""
    email = (email or "").strip()
    username = (username or "").strip() or email.lower()
    user = User(
        username=username,
        first_name=(name or "").strip(),
        email=email,
        role=role,
        school=school,
    )
    user.set_unusable_password()
    errors = FieldErrors()
    if not user.first_name:
        errors.add("name", _("Enter the person's name."))
    if not email:
        errors.add(
            "email",
            _("Enter an e-mail address: the link to choose a password goes there."),
        )
    elif email_taken(email):
        errors.add("email", _("Another account already uses this e-mail address."))
    if username and username_taken(username):
        errors.add("username", _("This username is taken; choose another."))
    exclude = ["password"]
    if "username" in errors or not username:
        exclude.append("username")
    try:
        user.full_clean(exclude=exclude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            key = "name" if field == "first_name" else field
            for message in messages:
                if message not in errors.by_field.get(key, []):
                    errors.add(key, message)
    return user, errors


@transaction.atomic
def account_invite(
    *,
    actor: User,
    role: str,
    email: str,
    name: str = "",
    username: str = "",
    teacher=None,
    school=None,
    link_base: str,
) -> User:
    """Create the account of a dispatched teacher (linked to their record) or of a
    school's staff, in the actor's counties. It has no password: the person gets
    an e-mail with a one-time link to choose one, and cannot sign in before.
    The username is the e-mail address unless one is given."""
    _require_account_manager(actor)
    if role not in MANAGED_ROLES:
        raise PermissionDenied(
            _(
                "Here accounts are created for dispatched teachers and school staff "
                "only; programme admins create the others."
            )
        )
    errors = FieldErrors()
    if role == Role.TEACHER:
        school = None
        if teacher is None:
            errors.add(
                "teacher", _("Choose the teacher record this account belongs to.")
            )
        elif not manages_county(actor, teacher.county_id):
            raise PermissionDenied(_("This teacher is not stationed in your counties."))
        elif teacher.user_id is not None:
            errors.add("teacher", _("This teacher already has an account."))
        name = name or getattr(teacher, "name", "")
    else:
        teacher = None
        if school is None:
            errors.add("school", _("A school staff account needs its school."))
        elif not manages_county(actor, school.county_id):
            raise PermissionDenied(_("This school is not in your counties."))
        elif school.kind != "assisted":
            errors.add("school", _("School staff speak for an assisted school."))
    user, more = _invited_user(
        name=name, email=email, username=username, role=role, school=school
    )
    for field, messages in more.by_field.items():
        errors.add(field, *messages)
    errors.raise_any()
    user.save()
    if teacher is not None:
        _link_teacher(user, teacher)
    _send_invitations_after_commit([user.pk], link_base)
    return user


def account_invitation_problems(*, name: str, email: str) -> list[str]:
    """Why no teacher account can be made for ``name`` with ``email`` (empty: it
    can); for the checks of an import before anything is written."""
    _user, errors = _invited_user(
        name=name, email=email, username="", role=Role.TEACHER
    )
    return errors.messages()


@transaction.atomic
def accounts_invite_teachers(
    *, actor: User, teachers_and_emails: list[tuple[Any, str]], link_base: str
) -> list[User]:
    """An account, and a one-time link, for each teacher of the pairs that has none
    yet (a second call with the same teachers creates nothing). The caller has
    checked the addresses (``teacher_invitation_problems``); a problem found here
    all the same refuses the whole batch."""
    _require_account_manager(actor)
    created: list[User] = []
    errors = FieldErrors()
    for teacher, email in teachers_and_emails:
        if teacher.user_id is not None or not email:
            continue
        if not manages_county(actor, teacher.county_id):
            raise PermissionDenied(_("This teacher is not stationed in your counties."))
        user, problems = _invited_user(
            name=teacher.name, email=email, username="", role=Role.TEACHER
        )
        if problems:
            errors.add("email", *(f"{teacher.name}: {m}" for m in problems.messages()))
            continue
        user.save()
        _link_teacher(user, teacher)
        created.append(user)
    errors.raise_any()
    _send_invitations_after_commit([u.pk for u in created], link_base)
    return created


def _invitations_allowed(user: User) -> None:
    key = f"account-invitations:{user.pk}"
    cache.add(key, 0, timeout=3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        sent = 1
    if sent > settings.ACCOUNT_INVITATIONS_PER_HOUR:
        raise TooManyRequests(
            _(
                "A new link was sent to this account %(count)d times in the last "
                "hour; wait before sending another."
            )
            % {"count": settings.ACCOUNT_INVITATIONS_PER_HOUR},
            retry_after=3600,
        )


@transaction.atomic
def account_invitation_resend(*, actor: User, user: User, link_base: str) -> User:
    """A new one-time link for an account still waiting for its first password;
    the links sent before stop working."""
    _require_manages(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.invitation_pending:
        raise TransitionNotAllowed(
            obj_label=str(User._meta.verbose_name),
            current="active" if user.is_active else "inactive",
            current_display=str(
                _("set up already") if user.is_active else _("deactivated")
            ),
            action=str(_("send a new link")),
        )
    if not user.email:
        raise ValidationError(
            {"email": [_("The account has no e-mail address to send the link to.")]}
        )
    _invitations_allowed(user)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _send_invitations_after_commit([user.pk], link_base)
    return user


# Letters and digits that cannot be mistaken for one another when read out.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _temporary_password() -> str:
    groups = (
        "".join(secrets.choice(_TEMPORARY_ALPHABET) for _i in range(4))
        for _g in range(3)
    )
    return "-".join(groups)


@transaction.atomic
def account_temporary_password(*, actor: User, user: User) -> str:
    """Give the account a temporary password (returned, to be shown once) that it
    must change at its next sign-in. Its sessions and API tokens end."""
    _require_manages(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise TransitionNotAllowed(
            obj_label=str(User._meta.verbose_name),
            current="inactive",
            current_display=str(_("deactivated")),
            action=str(_("issue a temporary password")),
        )
    password = _temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return password
