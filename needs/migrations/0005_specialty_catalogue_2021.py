"""Bring the specialty catalogue to the Ministry's 2021 list without changing what
any record means.

Before, 78 of the 150 specialties shipped had another specialty's code, an
unofficial name, or were not 2021 secondary specialties at all. Every stored row is
matched to a 2021 specialty BY NAME: its own name first, then a documented former
name (``catalogue_data.FORMER_NAMES``); never by code, since codes are exactly what
was wrong. A matched row keeps its id (so every need and skill that points at it
keeps pointing at the same specialty) and takes the official code, name, class and
family. A row that matches nothing is kept, retired, under its former code marked
with ``R``. The 2021 specialties no row matched are added. Pinyin initials are
stored for the picker's search.

On a fresh database this runs after 0002 loaded the 2021 list: every row matches
its own name and only classes and initials are added."""

import re

from django.db import migrations


def _initials(*texts: str) -> str:
    from pypinyin import Style, lazy_pinyin

    keys = []
    for text in texts:
        key = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER)).lower()
        key = re.sub(r"\s+", "", key)
        if key and key not in keys:
            keys.append(key)
    return " ".join(keys)


def _split(aliases: str) -> list[str]:
    return [a.strip() for a in re.split(r"[、,，;；]", aliases or "") if a.strip()]


def upgrade_to_2021(apps, schema_editor):
    from needs import catalogue_data as data

    Family = apps.get_model("needs", "SpecialtyFamily")
    SpecialtyClass = apps.get_model("needs", "SpecialtyClass")
    Specialty = apps.get_model("needs", "Specialty")

    families = {}
    for code, name, name_en in data.FAMILIES:
        families[code], _ = Family.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
    classes = {}
    for code, name, family_code in data.CLASSES:
        classes[code], _ = SpecialtyClass.objects.update_or_create(
            code=code, defaults={"name": name, "family": families[family_code]}
        )

    official = {name: code for code, name, _ in data.SPECIALTIES}
    rows = list(Specialty.objects.order_by("pk"))
    former_code = {row.pk: row.code for row in rows}
    # Free every code first: a row's new code may be another row's old one.
    for row in rows:
        row.code = f"~{row.pk}"
    Specialty.objects.bulk_update(rows, ["code"])

    claimed = {}
    for by in (official, data.FORMER_NAMES):  # own name first, then former names
        for row in rows:
            code = by.get(row.name.strip())
            if code and code not in claimed and row.pk not in {
                r.pk for r in claimed.values()
            }:
                claimed[code] = row

    for code, name, family_code in data.SPECIALTIES:
        row = claimed.get(code) or Specialty(code=code)
        aliases = _split(row.aliases)
        if row.pk is not None and row.name != name and row.name not in aliases:
            aliases.append(row.name)
        for alias in data.ALIASES.get(code, ()):
            if alias not in aliases:
                aliases.append(alias)
        row.code = code
        row.name = name
        row.family = families[family_code]
        row.specialty_class = classes[data.SPECIALTY_CLASS[code]]
        row.aliases = "、".join(aliases)
        row.initials = _initials(name, *aliases)
        row.retired = False
        row.save()

    kept = {row.pk for row in claimed.values()}
    for row in rows:
        if row.pk in kept:
            continue
        class_code = data.RETIRED.get(row.name.strip())
        klass = classes.get(class_code) if class_code else None
        row.code = (data.RETIRED_CODE_PREFIX + former_code[row.pk])[:10]
        row.retired = True
        row.specialty_class = klass
        if klass is not None:
            row.family_id = klass.family_id
        row.initials = _initials(row.name, *_split(row.aliases))
        row.save()


class Migration(migrations.Migration):
    dependencies = [("needs", "0004_specialty_classes_retired_and_initials")]

    operations = [migrations.RunPython(upgrade_to_2021, migrations.RunPython.noop)]
