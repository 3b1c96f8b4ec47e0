"""Times the hostile spreadsheets of ``tests/spreadsheets/bombs.py`` through
the real teacher importer, and accepted imports of 5,000 and 20,000 rows (the
limit), on the configured database (migrated; everything written is rolled back):

    createdb -h 127.0.0.1 -U postgres assist_bench_sheets
    export DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/assist_bench_sheets
    DEBUG=1 .venv/bin/python manage.py migrate
    DEBUG=1 .venv/bin/python scripts/bench_spreadsheets.py

Each file is imported twice: once timed, once under tracemalloc for the peak of
Python memory (tracemalloc slows the run, so the two are apart). ``answer_bytes`` is
the JSON body the API sends (``POST /api/v1/imports/teachers/``).
``--dimension-rows`` makes the declared-dimension file smaller, to time code that
reads declared rows without waiting for a million of them."""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_platform.settings")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import translation  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from needs.models import Specialty  # noqa: E402
from places.models import County, School, SchoolKind  # noqa: E402
from teams.imports import TeacherImporter  # noqa: E402
from tests.spreadsheets import bombs  # noqa: E402


class _Rollback(Exception):
    pass


def _world():
    county = County.objects.create(
        name="表格基准县", province="表格基准省", code="BENCHSHEET"
    )
    School.objects.create(
        name="表格基准派出学校", county=county, kind=SchoolKind.SUPPORTING
    )
    user = User.objects.create(
        username="bench_sheets_coordinator", role=Role.COORDINATOR
    )
    user.counties.set([county])
    specialty = Specialty.objects.order_by("code").first()
    return user, specialty


def _import(user, name: str, content: bytes):
    with transaction.atomic():
        report = TeacherImporter(user).run(SimpleUploadedFile(name, content))
        transaction.set_rollback(True)
    return report


def measure(user, label: str, name: str, content: bytes) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    report = _import(user, name, content)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    tracemalloc.start()
    try:
        _import(user, name, content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    answer = JSONRenderer().render(report.as_dict())
    first = report.errors[0].message[:60] if report.errors else ""
    print(
        f"bench_spreadsheets file={label} bytes={len(content)} "
        f"status={200 if report.ok else 400} rows={report.rows} "
        f"errors={report.error_count} seconds={seconds:.3f} cpu_s={cpu:.3f} "
        f"peak_mb={peak / 1024 / 1024:.1f} answer_bytes={len(answer)}"
        + (f"  ({first})" if first else ""),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dimension-rows", type=int, default=1_048_576)
    options = parser.parse_args()
    translation.activate("zh-hans")
    try:
        with transaction.atomic():
            user, specialty = _world()
            good = [
                "表格基准派出学校",
                "讲师",
                "表格基准县",
                f"{specialty.name}:4",
                "2026-09-01",
                "2027-07-10",
                "2",
            ]
            rows = options.dimension_rows
            files = [
                (
                    f"dimension_A1:XFD{rows}_value_at_XFD{rows}",
                    "f.xlsx",
                    bombs.declared_dimension(rows),
                ),
                (
                    f"dimension_A1:XFD{rows}_value_at_A{rows}",  # one data row
                    "f.xlsx",
                    bombs.declared_dimension(rows, last_column="A"),
                ),
                ("6000_one_cell_rows", "f.xlsx", bombs.one_cell_rows(6000)),
                (
                    "shared_string_bomb_50MB",
                    "f.xlsx",
                    bombs.shared_string_bomb(50 * 1024 * 1024),
                ),
                ("csv_quote_flood", "f.csv", ('"a' + ',"' * 200_000).encode()),
                ("20000_rows_of_50_number_cells", "f.xlsx", _full_sheet()),
                (
                    "accepted_5000_rows_xlsx",
                    "f.xlsx",
                    bombs.rows_file(
                        [bombs.TEACHER_HEADERS]
                        + [[f"基准教师{n:05d}", *good] for n in range(5000)]
                    ),
                ),
                (
                    "accepted_20000_rows_xlsx",
                    "f.xlsx",
                    bombs.rows_file(
                        [bombs.TEACHER_HEADERS]
                        + [[f"基准教师{n:05d}", *good] for n in range(20_000)]
                    ),
                ),
                (
                    "accepted_5000_rows_csv",
                    "f.csv",
                    _csv(
                        [bombs.TEACHER_HEADERS]
                        + [[f"基准教师{n:05d}", *good] for n in range(5000)]
                    ),
                ),
            ]
            for label, name, content in files:
                measure(user, label, name, content)
            raise _Rollback
    except _Rollback:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench_spreadsheets process_max_rss_mb={maxrss:.0f}")


def _full_sheet() -> bytes:
    """The most a sheet may hold: 20,000 rows of 50 cells."""
    rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{get_column_letter(c)}{r}"><v>{c}</v></c>' for c in range(1, 51)
        )
        + "</row>"
        for r in range(2, 20_002)
    )
    sheet = bombs.sheet_xml([bombs.row_xml(1, bombs.TEACHER_HEADERS), rows])
    return bombs.xlsx(sheet, level=6)


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


if __name__ == "__main__":
    main()
