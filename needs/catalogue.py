"""Writes to the specialty catalogue: pinyin initials for the picker's search, and
the import of a catalogue file (the Ministry's later additions, 增补专业).

The initials are computed here, when the catalogue changes, and stored on the row:
no request computes pinyin."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from pypinyin import Style, lazy_pinyin

from common.services import model_create

from .catalogue_data import CatalogueRow
from .models import Specialty, SpecialtyClass, SpecialtyFamily


def split_aliases(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"[、,，;；]", text or "") if a.strip()]


def pinyin_initials(*texts: str) -> str:
    """The pinyin initials of each text, space-separated (电子商务 -> ``dzsw``)."""
    keys: list[str] = []
    for text in texts:
        key = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
        key = re.sub(r"\s+", "", key)
        if key and key not in keys:
            keys.append(key)
    return " ".join(keys)


def specialty_initials(specialty: Specialty) -> str:
    return pinyin_initials(specialty.name, *split_aliases(specialty.aliases))


@dataclass
class CatalogueImportReport:
    added: list[str] = field(default_factory=list)  # "code name"
    renamed: list[str] = field(default_factory=list)  # "code old -> new"
    unchanged: int = 0
    families_added: list[str] = field(default_factory=list)
    classes_added: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.renamed or self.families_added or self.classes_added
        )


@transaction.atomic
def catalogue_import(*, rows: Sequence[CatalogueRow]) -> CatalogueImportReport:
    """Add the specialties of ``rows`` that the catalogue lacks and rename those
    whose official name changed (the former name becomes an alias), by code.
    Importing the same rows again changes nothing."""
    report = CatalogueImportReport()
    families = {f.code: f for f in SpecialtyFamily.objects.all()}
    classes = {c.code: c for c in SpecialtyClass.objects.all()}
    current = {
        s.code: s for s in Specialty.objects.filter(code__in=[r.code for r in rows])
    }
    for row in rows:
        family = families.get(row.family_code)
        if family is None:
            family = families[row.family_code] = model_create(
                SpecialtyFamily, code=row.family_code, name=row.family_name
            )
            report.families_added.append(f"{family.code} {family.name}")
        klass = classes.get(row.class_code)
        if klass is None:
            klass = classes[row.class_code] = model_create(
                SpecialtyClass, code=row.class_code, name=row.class_name, family=family
            )
            report.classes_added.append(f"{klass.code} {klass.name}")
        specialty = current.get(row.code)
        if specialty is None:
            specialty = Specialty(
                code=row.code, name=row.name, family=family, specialty_class=klass
            )
            specialty.initials = specialty_initials(specialty)
            specialty.full_clean()
            specialty.save()
            report.added.append(f"{row.code} {row.name}")
            continue
        update = {
            "name": row.name,
            "family_id": family.pk,
            "specialty_class_id": klass.pk,
            "retired": False,
        }
        if all(getattr(specialty, k) == v for k, v in update.items()):
            report.unchanged += 1
            continue
        if specialty.name != row.name:
            aliases = split_aliases(specialty.aliases)
            if specialty.name not in aliases:
                aliases.append(specialty.name)
            specialty.aliases = "、".join(aliases)
            report.renamed.append(f"{row.code} {specialty.name} -> {row.name}")
        for key, value in update.items():
            setattr(specialty, key, value)
        specialty.initials = specialty_initials(specialty)
        specialty.full_clean()
        specialty.save(
            update_fields=[
                *(k.removesuffix("_id") for k in update),
                "aliases",
                "initials",
            ]
        )
    return report
