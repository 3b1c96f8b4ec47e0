"""The change log behind the dashboard's figure cache (:mod:`dashboard.figure_cache`):
an insert-only table ``dashboard_change`` and, on every table a figure reads, a
statement-level trigger that adds one row per statement (INSERT, UPDATE, DELETE,
TRUNCATE), in the same transaction as the write. Each row keeps the id of the
transaction that wrote it (``xid8``), so a reader can tell, against the snapshot
under which cached figures were computed, whether any write committed since,
whatever order the writers committed in. PostgreSQL only: elsewhere there is no
log and the cache is not used.

``dashboard_change_horizon`` records, at each pruning, the oldest transaction still
running; rows older than a horizon recorded long enough ago (longer than a cached
figure lives) can no longer tell any cached figure anything and are deleted.
"""

from django.db import migrations

# Every table a figure of dashboard/queries.py reads (directly or through the
# tallies, whose own writes come from these tables' triggers or from a rebuild,
# which logs itself). Users: only their school, which places goal marks and
# rating tasks (a login's last_login does not touch the figures).
TABLES = (
    "needs_need",
    "needs_school",
    "needs_county",
    "needs_specialty",
    "needs_specialtyfamily",
    "needs_needtransition",
    "needs_plangoal",
    "needs_goalmark",
    "matching_assignment",
    "matching_activity",
    "teams_teacher",
    "teams_teacherskill",
    "evaluations_evaluation",
    "evaluations_evaluationcycle",
    "evaluations_rating",
    "dashboard_tallyzone",
)
USERS = "accounts_user"

FORWARD = "\n".join(
    [
        """
CREATE TABLE dashboard_change (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dashboard_change_txid_idx ON dashboard_change (txid);
CREATE TABLE dashboard_change_horizon (
    id bigserial PRIMARY KEY,
    oldest xid8 NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION dashboard_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dashboard_change (table_name) VALUES (TG_TABLE_NAME);
    RETURN NULL;
END $$;
""",
        *(
            f"CREATE TRIGGER {table}_dashboard_change"
            " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION dashboard_log_change();"
            for table in TABLES
        ),
        f"CREATE TRIGGER {USERS}_dashboard_change"
        " AFTER INSERT OR UPDATE OF school_id OR DELETE OR TRUNCATE"
        f" ON {USERS} FOR EACH STATEMENT EXECUTE FUNCTION dashboard_log_change();",
        # A first row: figures cached for another database of the same name, before
        # this one was created, can never be taken for this one's.
        "INSERT INTO dashboard_change (table_name) VALUES ('dashboard_change');",
    ]
)

BACKWARD = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS {table}_dashboard_change ON {table};"
            for table in (*TABLES, USERS)
        ),
        "DROP FUNCTION IF EXISTS dashboard_log_change();",
        "DROP TABLE IF EXISTS dashboard_change_horizon;",
        "DROP TABLE IF EXISTS dashboard_change;",
    ]
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_compact_tallies_schedule"),
        ("accounts", "0007_counties_and_schools_moved_to_places"),
        ("needs", "0012_newest_first_index"),
        ("places", "0001_counties_and_schools_moved_from_needs"),
        ("teams", "0003_teacher_can_lead"),
        ("matching", "0016_user_references_checked_per_statement"),
        ("activities", "0001_activity_logs_moved_from_matching"),
        ("evaluations", "0009_counties_and_schools_moved_to_places"),
    ]

    operations = [migrations.RunPython(forward, backward)]
