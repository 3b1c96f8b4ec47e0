"""Where the programme works: counties (with their neighbours) and their schools,
assisted or supporting. Below the accounts, whose scope names them.

The tables keep the names they had when these models lived in ``needs``."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common import fields

from .querysets import CountyQuerySet


class County(models.Model):
    name = models.CharField(_("name"), max_length=50)
    province = models.CharField(_("province"), max_length=50)
    code = models.CharField(
        _("code"), max_length=12, unique=True, help_text=_("Administrative code.")
    )
    neighbours = models.ManyToManyField(
        "self", verbose_name=_("neighbouring counties"), blank=True, symmetrical=True
    )

    objects = CountyQuerySet.as_manager()

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        db_table = "needs_county"
        ordering = ["province", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"], name="county_unique_name_in_province"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province}{self.name}"


class SchoolKind(models.TextChoices):
    ASSISTED = "assisted", _("Assisted school")
    SUPPORTING = "supporting", _("Supporting school")


class School(models.Model):
    name = models.CharField(_("name"), max_length=100)
    county = fields.reference(County, _("county"), related_name="schools")
    kind = models.CharField(_("kind"), max_length=20, choices=SchoolKind.choices)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        db_table = "needs_school"
        ordering = ["county_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "name"], name="school_unique_name_in_county"
            ),
            fields.one_of("kind", SchoolKind, "school_kind_valid"),
        ]
        indexes = [models.Index(fields=["kind", "county"])]

    def __str__(self) -> str:
        return self.name
