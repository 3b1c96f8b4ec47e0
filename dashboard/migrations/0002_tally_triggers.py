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

from django.conf import settings
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


def _triggers(table: str, function: str, tag: str = "tally") -> str:
    return "\n".join(
        f"CREATE TRIGGER {table}_{tag}_{op.lower()} AFTER {op} ON {table}"
        f" REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
        for op, refs in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        )
    )



# The school tally: each need's key is recomputed from the rows (the need, its
# assignments, its state changes) whenever one of them changes, and the tally
# gets -1 under the old key and +1 under the new. The needs concerned are locked
# first (in id order, as the capacity guard does), so two transactions that
# change one need take their turns and the second reads what the first wrote.
SCHOOL_KEY = "school_id, status, served, returned, submitted, on_time, end_date"
SCHOOL_RETALLY = f"""
CREATE OR REPLACE FUNCTION dashboard_school_retally(ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM needs_need WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    WITH old AS (
        DELETE FROM dashboard_needkey WHERE need_id = ANY(ids)
        RETURNING {SCHOOL_KEY}
    )
    INSERT INTO dashboard_schooltally ({SCHOOL_KEY}, needs)
    SELECT {SCHOOL_KEY}, -COUNT(*) FROM old
    GROUP BY {SCHOOL_KEY};
    WITH new AS (
        INSERT INTO dashboard_needkey (need_id, {SCHOOL_KEY})
        SELECT n.id, n.school_id, n.status,
               EXISTS (
                   SELECT 1 FROM matching_assignment a WHERE a.need_id = n.id
                   AND a.status IN ('accepted', 'completed')
               ),
               EXISTS (
                   SELECT 1 FROM needs_needtransition t WHERE t.need_id = n.id
                   AND (t.to_status = 'rejected'
                        OR (t.from_status = 'submitted' AND t.to_status = 'draft'))
               ),
               n.submitted_at IS NOT NULL,
               n.status = 'fulfilled' AND COALESCE((
                   n.fulfilled_at AT TIME ZONE (SELECT zone FROM dashboard_tallyzone)
               )::date <= n.end_date + 14, FALSE),
               CASE WHEN n.status = 'matched'
                    AND n.end_date >= (now() AT TIME ZONE 'UTC')::date - 16
                    THEN n.end_date END
        FROM needs_need n WHERE n.id = ANY(ids)
        RETURNING {SCHOOL_KEY}
    )
    INSERT INTO dashboard_schooltally ({SCHOOL_KEY}, needs)
    SELECT {SCHOOL_KEY}, COUNT(*) FROM new
    GROUP BY {SCHOOL_KEY};
END $$;
"""


def _retally(
    name: str, table: str, new_ids: str, old_ids: str, changed_ids: str = ""
) -> str:
    """A trigger function on ``table`` re-tallying the needs its rows concern
    (after an UPDATE: ``changed_ids``, by default those of the old and new rows)."""
    changed_ids = changed_ids or f"{new_ids} UNION {old_ids}"
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM dashboard_school_retally(ARRAY({new_ids}));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dashboard_school_retally(ARRAY({old_ids}));
    ELSE
        PERFORM dashboard_school_retally(ARRAY({changed_ids}));
    END IF;
    RETURN NULL;
END $$;
{_triggers(table, name, "school_tally")}
"""


SERVING = "status IN ('accepted', 'completed')"
RETURNING = "(to_status = 'rejected' OR (from_status = 'submitted' AND to_status = 'draft'))"
SCHOOL_TRIGGERS = "\n".join(
    [
        SCHOOL_RETALLY,
        # A need: when what its key is made of changed.
        _retally(
            "dashboard_school_tally_need",
            "needs_need",
            "SELECT id FROM new_rows",
            "SELECT id FROM old_rows",
            "SELECT n.id FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id"
            " WHERE o.id IS NULL OR (n.school_id, n.status, n.submitted_at,"
            " n.fulfilled_at, n.end_date) IS DISTINCT FROM (o.school_id, o.status,"
            " o.submitted_at, o.fulfilled_at, o.end_date)",
        ),
        # An assignment that serves a need, or served it.
        _retally(
            "dashboard_school_tally_assignment",
            "matching_assignment",
            f"SELECT need_id FROM new_rows WHERE {SERVING}",
            f"SELECT need_id FROM old_rows WHERE {SERVING}",
        ),
        # A state change that returns a need.
        _retally(
            "dashboard_school_tally_transition",
            "needs_needtransition",
            f"SELECT need_id FROM new_rows WHERE {RETURNING}",
            f"SELECT need_id FROM old_rows WHERE {RETURNING}",
        ),
    ]
)


_ALL_NEEDS = f"SELECT 1 AS sign, {NEED_COLUMNS} FROM needs_need"
_ALL_WAITING = f"SELECT 1 AS sign, {BACKLOG_COLUMNS} FROM needs_need WHERE {WAITING}"
_ALL_ACTIVITIES = (
    f"SELECT 1 AS sign, {ACTIVITY_COLUMNS} FROM matching_activity WHERE NOT disputed"
)
_REBUILT = "\n".join(
    f"""
    WITH gone AS (
        DELETE FROM {table} WHERE counties IS NULL OR county_id = ANY(counties)
    )
    {insert}
    {select.format(rows=rows)}
    AND (counties IS NULL OR s.county_id = ANY(counties));"""
    for table, insert, select, rows in (
        ("dashboard_needtally", NEED_INSERT, NEED_ROWS, _ALL_NEEDS),
        ("dashboard_backlogtally", BACKLOG_INSERT, BACKLOG_ROWS, _ALL_WAITING),
        ("dashboard_activitytally", ACTIVITY_INSERT, ACTIVITY_ROWS, _ALL_ACTIVITIES),
    )
)
REBUILD = f"""
CREATE OR REPLACE FUNCTION dashboard_tally_rebuild(counties bigint[])
RETURNS void LANGUAGE sql AS $$
    DELETE FROM dashboard_schooltally WHERE counties IS NULL OR school_id IN (
        SELECT id FROM needs_school WHERE county_id = ANY(counties)
    );
    DELETE FROM dashboard_needkey WHERE counties IS NULL OR school_id IN (
        SELECT id FROM needs_school WHERE county_id = ANY(counties)
    );
    SELECT dashboard_school_retally(ARRAY(
        SELECT n.id FROM needs_need n JOIN needs_school s ON s.id = n.school_id
        WHERE counties IS NULL OR s.county_id = ANY(counties)
    ));
    {_REBUILT}
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
    WITH gone AS (
        DELETE FROM dashboard_schooltally RETURNING {SCHOOL_KEY}, needs
    )
    INSERT INTO dashboard_schooltally ({SCHOOL_KEY}, needs)
    SELECT school_id, status, served, returned, submitted, on_time,
           CASE WHEN end_date >= (now() AT TIME ZONE 'UTC')::date - 16
                THEN end_date END,
           SUM(needs)
    FROM gone GROUP BY 1, 2, 3, 4, 5, 6, 7
    HAVING SUM(needs) <> 0;
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
        SCHOOL_TRIGGERS,
        REBUILD,
        COMPACT,
        MOVES,
        "SELECT dashboard_tally_rebuild(NULL);",
    ]
)

BACKWARD = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS {table}_{tag}_{op} ON {table};"
            for table, tag in (
                ("needs_need", "tally"),
                ("matching_activity", "tally"),
                ("needs_need", "school_tally"),
                ("matching_assignment", "school_tally"),
                ("needs_needtransition", "school_tally"),
            )
            for op in ("insert", "update", "delete")
        ),
        "DROP TRIGGER IF EXISTS needs_school_tally_moved ON needs_school;",
        "DROP TRIGGER IF EXISTS needs_specialty_tally_moved ON needs_specialty;",
        *(
            f"DROP FUNCTION IF EXISTS {name};"
            for name in (
                "dashboard_tally_school_moved()",
                "dashboard_tally_specialty_moved()",
                "dashboard_need_tally()",
                "dashboard_activity_tally()",
                "dashboard_school_tally_need()",
                "dashboard_school_tally_assignment()",
                "dashboard_school_tally_transition()",
                "dashboard_school_retally(bigint[])",
                "dashboard_tally_compact()",
                "dashboard_tally_rebuild(bigint[])",
            )
        ),
    ]
)


def forward(apps, schema_editor):
    # One zone row: the triggers read it as a scalar.
    apps.get_model("dashboard", "TallyZone").objects.all().delete()
    apps.get_model("dashboard", "TallyZone").objects.create(zone=settings.TIME_ZONE)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)
    # Back at 0001 the table stays; the zone goes with the triggers that read it,
    # so that migrating forward again leaves one row, not two.
    apps.get_model("dashboard", "TallyZone").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_tallies"),
        ("needs", "0011_counties_and_schools_moved_to_places"),
        ("places", "0001_counties_and_schools_moved_from_needs"),
        ("activities", "0001_activity_logs_moved_from_matching"),
        ("matching", "0012_counties_and_schools_moved_to_places"),
    ]

    operations = [migrations.RunPython(forward, backward)]
