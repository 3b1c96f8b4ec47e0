"""What each trigger and index of ``matching_assignment`` costs a run's write: the
proposals of the latest run (or ``--run``) are inserted again in 16 parts, as the
run writes them, once with everything in place and once without each insert
trigger, each secondary index, all triggers, and all of both -- each time in a
transaction that is rolled back, with the table vacuumed between, so nothing is
left changed (PostgreSQL only; run it on a benchmark database that
``manage.py bench_matching`` filled):

    export DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/assist_bench_nat
    DEBUG=1 .venv/bin/python scripts/bench_write_costs.py --repeat 3

One line per variant: the fastest of the repeats (``min_ms``) and what leaving the
piece out saves against the full write (``saves_ms``); the last line compares the
full write with a bare temporary table (the I/O floor's kind of write)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assist_platform.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

# SQL is built from these constants and from names read from the catalogue, never
# from input.
TABLE = "matching_assignment"
PARTS = 16


def _names(cursor, sql: str, params=()) -> list[str]:
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()]


def variants(cursor) -> dict[str, list[str]]:
    """The statements that take each piece away, by variant name."""
    triggers = _names(
        cursor,
        "SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = %s::regclass"
        " AND NOT t.tgisinternal AND (t.tgtype & 4) <> 0 ORDER BY t.tgname",
        [TABLE],
    )
    indexes = _names(
        cursor,
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass AND NOT x.indisprimary ORDER BY i.relname",
        [TABLE],
    )
    found = {"everything": []}
    for name in triggers:
        found[f"without trigger {name}"] = [
            f'ALTER TABLE {TABLE} DISABLE TRIGGER "{name}"'
        ]
    for name in indexes:
        found[f"without index {name}"] = [f'DROP INDEX "{name}"']
    no_triggers = [f"ALTER TABLE {TABLE} DISABLE TRIGGER USER"]
    found["without triggers"] = no_triggers
    found["without triggers or secondary indexes"] = no_triggers + [
        f'DROP INDEX "{name}"' for name in indexes
    ]
    return found


def time_once(columns: str, statements: list[str], *, temporary: bool = False) -> float:
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            target = TABLE
            if temporary:
                target = "bench_write_bare"
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {target} (LIKE {TABLE}) ON COMMIT DROP"
                )
            else:
                cursor.execute(
                    f"DELETE FROM {TABLE} WHERE id IN (SELECT id FROM bench_write_rows)"  # noqa: S608
                )
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in statements:
                cursor.execute(statement)
            started = time.perf_counter()
            for part in range(1, PARTS + 1):
                cursor.execute(
                    f"INSERT INTO {target} ({columns}) SELECT {columns}"  # noqa: S608
                    " FROM bench_write_rows WHERE part = %s",
                    [part],
                )
            return (time.perf_counter() - started) * 1000
        finally:
            cursor.execute("ROLLBACK")
            cursor.execute(f"VACUUM {TABLE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=int, help="the run whose proposals to write")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench_write_costs needs PostgreSQL")
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        run = args.run
        if run is None:
            cursor.execute(f"SELECT max(run_id) FROM {TABLE}")  # noqa: S608
            run = cursor.fetchone()[0]
        if run is None:
            sys.exit("no run has written proposals here: run bench_matching first")
        columns = ", ".join(
            f'"{name}"'
            for name in _names(
                cursor,
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s ORDER BY ordinal_position",
                [TABLE],
            )
        )
        cursor.execute("DROP TABLE IF EXISTS bench_write_rows")
        cursor.execute(
            f"CREATE UNLOGGED TABLE bench_write_rows AS SELECT *,"  # noqa: S608
            f" ntile({PARTS}) OVER (ORDER BY id) AS part FROM {TABLE}"
            " WHERE run_id = %s",
            [run],
        )
        cursor.execute("SELECT count(*) FROM bench_write_rows")
        rows = cursor.fetchone()[0]
        found = variants(cursor)
    try:
        best = {}
        for _ in range(args.repeat):
            for name, statements in found.items():
                took = time_once(columns, statements)
                best[name] = min(best.get(name, took), took)
            took = time_once(columns, [], temporary=True)
            best["bare temporary table"] = min(
                best.get("bare temporary table", took), took
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_write_rows")
    full = best["everything"]
    for name, took in best.items():
        print(
            f"bench_write_costs run={run} rows={rows} variant={name.replace(' ', '_')}"
            f" min_ms={took:.1f} saves_ms={full - took:.1f}"
        )
    print(
        f"bench_write_costs run={run} rows={rows} full_ms={full:.1f}"
        f" bare_temporary_ms={best['bare temporary table']:.1f}"
        f" ratio={full / best['bare temporary table']:.2f}"
    )


if __name__ == "__main__":
    main()
