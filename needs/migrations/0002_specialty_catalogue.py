from django.db import migrations


def load_catalogue(apps, schema_editor):
    from needs.catalogue_data import ALIASES, FAMILIES, SPECIALTIES

    Family = apps.get_model("needs", "SpecialtyFamily")
    Specialty = apps.get_model("needs", "Specialty")
    families = {}
    for code, name, name_en in FAMILIES:
        families[code], _ = Family.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )
    for code, name, family_code in SPECIALTIES:
        Specialty.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "family": families[family_code],
                "aliases": "、".join(ALIASES.get(code, ())),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial")]

    operations = [migrations.RunPython(load_catalogue, migrations.RunPython.noop)]
