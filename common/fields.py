"""The field and constraint declarations the models share, each written once.

Each helper returns a plain Django field or constraint, the same one the model would
declare by hand (its migrations see no difference); what it adds is the house
convention: a reference that may be empty is ``null`` and ``blank`` together, the
user who did something is a reference without a reverse accessor, a status is a
20-character choice of its ``TextChoices``, a check constraint has one way of
naming the values it allows. Models import the module (``from common import
fields``) and read as ``fields.reference(...)``, beside Django's ``models.X``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def reference(
    to: Any,
    verbose_name,
    *,
    related_name: str,
    on_delete=models.PROTECT,
    optional: bool = False,
    **options: Any,
) -> models.ForeignKey:
    """A foreign key to ``to``; ``optional``: it may be empty (null and blank)."""
    if optional:
        options.update(null=True, blank=True)
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=on_delete,
        related_name=related_name,
        **options,
    )


def part_of(
    to: Any, verbose_name, *, related_name: str, **options: Any
) -> models.ForeignKey:
    """The object this one belongs to and is deleted with (a need's goals, a
    rating's scores, an activity's attachments)."""
    return reference(
        to, verbose_name, related_name=related_name, on_delete=models.CASCADE, **options
    )


def user_reference(
    verbose_name, *, related_name: str = "+", **options: Any
) -> models.ForeignKey:
    """The user account who did something (created, decided, answered it): by
    default no reverse accessor on the user."""
    return reference(
        settings.AUTH_USER_MODEL, verbose_name, related_name=related_name, **options
    )


def status(choices: type[models.TextChoices], *, default: str) -> models.CharField:
    """The state of an object: one of ``choices``, starting at ``default``."""
    return models.CharField(
        _("status"),
        max_length=20,
        choices=choices.choices,
        default=default,
    )


def moment(verbose_name) -> models.DateTimeField:
    """When something happened: empty until it has."""
    return models.DateTimeField(verbose_name, null=True, blank=True)


def created_at(verbose_name=None) -> models.DateTimeField:
    """When the row was written (set once)."""
    return models.DateTimeField(verbose_name or _("created at"), auto_now_add=True)


def updated_at() -> models.DateTimeField:
    """When the row was last saved (``model_update`` saves it with the changes)."""
    return models.DateTimeField(_("updated at"), auto_now=True)


# Constraints.


def one_of(field: str, choices: type[models.TextChoices], name: str):
    """The column holds one of ``choices``' values (also in raw SQL and imports)."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=name
    )


def between(
    field: str,
    low,
    high,
    name: str,
    message=None,
    *,
    nullable: bool = False,
):
    """``low <= field <= high``; ``nullable``: or empty."""
    condition = Q(**{f"{field}__gte": low, f"{field}__lte": high})
    if nullable:
        condition = Q(**{f"{field}__isnull": True}) | condition
    return models.CheckConstraint(
        condition=condition, name=name, violation_error_message=message
    )


END_BEFORE_START = _("The end date cannot be before the start date.")


def dates_in_order(
    name: str,
    start: str = "start_date",
    end: str = "end_date",
    message=END_BEFORE_START,
):
    """A period that does not end before it starts."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__gte": F(start)}),
        name=name,
        violation_error_message=message,
    )
