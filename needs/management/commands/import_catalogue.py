"""``manage.py import_catalogue FILE``: add the Ministry's later additions (增补专业)
or renamings to the specialty catalogue.

FILE is a UTF-8 CSV with the columns of the shipped catalogue (``code, name,
class_code, class_name, family_code, family_name``). Specialties are matched by
code: new codes are added, changed names are renamed (the former name is kept as
an alias), families and classes are created when new. Running it twice changes
nothing the second time."""

from django.core.management.base import BaseCommand, CommandError

from needs.catalogue import catalogue_import
from needs.catalogue_data import CatalogueFileError, read_catalogue


class Command(BaseCommand):
    help = "Add or rename specialties from a catalogue CSV (same columns as shipped)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="UTF-8 CSV: "
            + ", ".join(
                (
                    "code",
                    "name",
                    "class_code",
                    "class_name",
                    "family_code",
                    "family_name",
                )
            ),
        )

    def handle(self, *args, file, **options):
        try:
            rows = read_catalogue(file)
        except (OSError, CatalogueFileError) as error:
            raise CommandError(f"{file}: {error}") from error
        report = catalogue_import(rows=rows)
        for line in report.families_added:
            self.stdout.write(f"family added: {line}")
        for line in report.classes_added:
            self.stdout.write(f"class added: {line}")
        for line in report.added:
            self.stdout.write(f"added: {line}")
        for line in report.renamed:
            self.stdout.write(f"renamed: {line}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(report.added)} added, {len(report.renamed)} renamed, "
                f"{report.unchanged} unchanged"
            )
        )
