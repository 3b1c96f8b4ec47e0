"""The triggers that keep the dashboard's tallies (``dashboard_needtally``,
``dashboard_activitytally``) current, in the same transaction as every write to
the needs and activities, and the tallies of the rows already there. PostgreSQL
only (elsewhere the dashboard counts the rows themselves).

Statement-level triggers with transition tables: one COPY or bulk insert of
thousands of rows adds one tally row per key it touches. They only INSERT (the
difference a statement makes, ``+`` for new rows, ``-`` for old ones), never
update a shared row, so concurrent writers never wait for each other here.
``dashboard_tally_compact()`` folds the rows of each key into one (one statement:
a reader sees the tallies before or after it, never half of it);
``dashboard_tally_rebuild(counties)`` counts a county's tallies afresh from the
rows, which is how a school that moves to another county, and a specialty that
moves to another family, are taken into account.
"""

from django.db import migrations

NEED_ROWS = """
    SELECT s.county_id, r.status, sp.family_id, SUM(r.sign) AS needs,
           SUM(r.sign * r.headcount) AS headcount, SUM(r.sign * r.filled) AS filled
    FROM ({rows}) r
    JOIN needs_school s ON s.id = r.school_id
    JOIN needs_specialty sp ON sp.id = r.specialty_id
    GROUP BY s.county_id, r.status, sp.family_id
    HAVING SUM(r.sign) <> 0 OR SUM(r.sign * r.headcount) <> 0
        OR SUM(r.sign * r.filled) <> 0
"""
NEED_COLUMNS = "school_id, status, specialty_id, headcount, filled"
# A waiting need counts under the (UTC) day it was submitted, or under no day
# once that day is more than 92 days past: it is then in the backlog's oldest
# bucket (90 days and more) for good, whatever the day it is read.
SUBMITTED_DAY = "(r.submitted_at AT TIME ZONE 'UTC')::date"
RECENT = "(now() AT TIME ZONE 'UTC')::date - 92"
BACKLOG_ROWS = f"""
    SELECT s.county_id, r.status,
           CASE WHEN {SUBMITTED_DAY} >= {RECENT} THEN {SUBMITTED_DAY} END AS day,
           SUM(r.sign)
    FROM ({{rows}}) r
    JOIN needs_school s ON s.id = r.school_id
    GROUP BY 1, 2, 3
    HAVING SUM(r.sign) <> 0
"""
BACKLOG_COLUMNS = "school_id, status, submitted_at"
WAITING = (
    "submitted_at IS NOT NULL AND (status = 'submitted'"
    " OR (status = 'open' AND filled < headcount))"
)
ACTIVITY_ROWS = """
    SELECT s.county_id, r.date, SUM(r.sign * r.local_teachers_reached),
           SUM(r.sign * r.students_reached), SUM(r.sign * r.hours), SUM(r.sign)
    FROM ({rows}) r
    JOIN matching_assignment a ON a.id = r.assignment_id
    JOIN needs_need n ON n.id = a.need_id
    JOIN needs_school s ON s.id = n.school_id
    GROUP BY s.county_id, r.date
    HAVING SUM(r.sign) <> 0
"""
ACTIVITY_COLUMNS = (
    "assignment_id, date, local_teachers_reached, students_reached, hours"
)
NEED_INSERT = (
    "INSERT INTO dashboard_needtally"
    " (county_id, status, family_id, needs, headcount, filled)"
)
BACKLOG_INSERT = "INSERT INTO dashboard_backlogtally (county_id, status, day, needs)"
ACTIVITY_INSERT = (
    "INSERT INTO dashboard_activitytally"
    " (county_id, date, teachers, students, hours, activities)"
)


def _rows(columns: str, *, new: bool, old: bool, where: str = "TRUE") -> str:
    parts = []
    if new:
        parts.append(f"SELECT 1 AS sign, {columns} FROM new_rows WHERE {where}")
    if old:
        parts.append(f"SELECT -1 AS sign, {columns} FROM old_rows WHERE {where}")
    return " UNION ALL ".join(parts)


def _function(name: str, *tallies: tuple[str, str, str, str]) -> str:
    """A trigger function adding to each tally (insert, select, columns, where)
    the difference the statement made."""

    def body(new: bool, old: bool) -> str:
        return "\n        ".join(
            f"{insert} {select.format(rows=_rows(columns, new=new, old=old, where=where))};"
            for insert, select, columns, where in tallies
        )

    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {body(True, False)}
    ELSIF TG_OP = 'DELETE' THEN
        {body(False, True)}
    ELSE
        {body(True, True)}
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(table: str, function: str) -> str:
    return "\n".join(
        f"CREATE TRIGGER {table}_tally_{op.lower()} AFTER {op} ON {table}"
        f" REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        for op, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    )


_ALL_NEEDS = f"SELECT 1 AS sign, {NEED_COLUMNS} FROM needs_need"
_ALL_WAITING = f"SELECT 1 AS sign, {BACKLOG_COLUMNS} FROM needs_need WHERE {WAITING}"
_ALL_ACTIVITIES = (
    f"SELECT 1 AS sign, {ACTIVITY_COLUMNS} FROM matching_activity WHERE NOT disputed"
)
REBUILD = f"""
CREATE OR REPLACE FUNCTION dashboard_tally_rebuild(counties bigint[])
RETURNS void LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM dashboard_needtally
        WHERE counties IS NULL OR county_id = ANY(counties)
    )
    {NEED_INSERT}
    {NEED_ROWS.format(rows=_ALL_NEEDS)}
    AND (counties IS NULL OR s.county_id = ANY(counties));
    WITH gone AS (
        DELETE FROM dashboard_backlogtally
        WHERE counties IS NULL OR county_id = ANY(counties)
    )
    {BACKLOG_INSERT}
    {BACKLOG_ROWS.format(rows=_ALL_WAITING)}
    AND (counties IS NULL OR s.county_id = ANY(counties));
    WITH gone AS (
        DELETE FROM dashboard_activitytally
        WHERE counties IS NULL OR county_id = ANY(counties)
    )
    {ACTIVITY_INSERT}
    {ACTIVITY_ROWS.format(rows=_ALL_ACTIVITIES)}
    AND (counties IS NULL OR s.county_id = ANY(counties));
$$;
"""

COMPACT = f"""
CREATE OR REPLACE FUNCTION dashboard_tally_compact() RETURNS void LANGUAGE sql AS $$
    WITH gone AS (
        DELETE FROM dashboard_needtally
        RETURNING county_id, status, family_id, needs, headcount, filled
    )
    {NEED_INSERT}
    SELECT county_id, status, family_id, SUM(needs), SUM(headcount), SUM(filled)
    FROM gone GROUP BY county_id, status, family_id
    HAVING SUM(needs) <> 0 OR SUM(headcount) <> 0 OR SUM(filled) <> 0;
    WITH gone AS (
        DELETE FROM dashboard_backlogtally RETURNING county_id, status, day, needs
    )
    {BACKLOG_INSERT}
    SELECT county_id, status, CASE WHEN day >= {RECENT} THEN day END, SUM(needs)
    FROM gone GROUP BY 1, 2, 3
    HAVING SUM(needs) <> 0;
    WITH gone AS (
        DELETE FROM dashboard_activitytally
        RETURNING county_id, date, teachers, students, hours, activities
    )
    {ACTIVITY_INSERT}
    SELECT county_id, date, SUM(teachers), SUM(students), SUM(hours),
           SUM(activities)
    FROM gone GROUP BY county_id, date
    HAVING SUM(activities) <> 0;
$$;
"""

MOVES = """
CREATE OR REPLACE FUNCTION dashboard_tally_school_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_tally_rebuild(ARRAY(
        SELECT o.county_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.county_id IS DISTINCT FROM o.county_id
        UNION
        SELECT n.county_id FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.county_id IS DISTINCT FROM o.county_id
    )) WHERE EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.county_id IS DISTINCT FROM o.county_id
    );
    RETURN NULL;
END $$;
CREATE TRIGGER needs_school_tally_moved AFTER UPDATE ON needs_school
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_tally_school_moved();
CREATE OR REPLACE FUNCTION dashboard_tally_specialty_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dashboard_tally_rebuild(NULL) WHERE EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.family_id IS DISTINCT FROM o.family_id
    );
    RETURN NULL;
END $$;
CREATE TRIGGER needs_specialty_tally_moved AFTER UPDATE ON needs_specialty
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dashboard_tally_specialty_moved();
"""

FORWARD = "\n".join(
    [
        _function(
            "dashboard_need_tally",
            (NEED_INSERT, NEED_ROWS, NEED_COLUMNS, "TRUE"),
            (BACKLOG_INSERT, BACKLOG_ROWS, BACKLOG_COLUMNS, WAITING),
        ),
        _triggers("needs_need", "dashboard_need_tally"),
        _function(
            "dashboard_activity_tally",
            (ACTIVITY_INSERT, ACTIVITY_ROWS, ACTIVITY_COLUMNS, "NOT disputed"),
        ),
        _triggers("matching_activity", "dashboard_activity_tally"),
        REBUILD,
        COMPACT,
        MOVES,
        "SELECT dashboard_tally_rebuild(NULL);",
    ]
)

BACKWARD = """
DROP TRIGGER IF EXISTS needs_school_tally_moved ON needs_school;
DROP TRIGGER IF EXISTS needs_specialty_tally_moved ON needs_specialty;
DROP FUNCTION IF EXISTS dashboard_tally_school_moved();
DROP FUNCTION IF EXISTS dashboard_tally_specialty_moved();
DROP TRIGGER IF EXISTS needs_need_tally_insert ON needs_need;
DROP TRIGGER IF EXISTS needs_need_tally_update ON needs_need;
DROP TRIGGER IF EXISTS needs_need_tally_delete ON needs_need;
DROP TRIGGER IF EXISTS matching_activity_tally_insert ON matching_activity;
DROP TRIGGER IF EXISTS matching_activity_tally_update ON matching_activity;
DROP TRIGGER IF EXISTS matching_activity_tally_delete ON matching_activity;
DROP FUNCTION IF EXISTS dashboard_need_tally();
DROP FUNCTION IF EXISTS dashboard_activity_tally();
DROP FUNCTION IF EXISTS dashboard_tally_compact();
DROP FUNCTION IF EXISTS dashboard_tally_rebuild(bigint[]);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_tallies"),
        ("needs", "0011_counties_and_schools_moved_to_places"),
        ("places", "0001_counties_and_schools_moved_from_needs"),
        ("activities", "0001_activity_logs_moved_from_matching"),
        ("matching", "0012_counties_and_schools_moved_to_places"),
    ]

    operations = [migrations.RunPython(forward, backward)]
