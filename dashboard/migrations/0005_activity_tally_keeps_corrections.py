"""An activity corrected in place (its hours, or the teachers or students it
reached, changed on the same day) was lost by the activity tally: the statement's
``+`` and ``-`` rows cancel in the count of activities, and the tally kept only
keys whose count changed. Keep every key whose sums changed, in the trigger and
in the compaction, and count the tallies afresh once (they may have drifted).
"""

from importlib import import_module

from django.db import migrations

before = import_module("dashboard.migrations.0002_tally_triggers")

OLD_HAVING = "HAVING SUM(r.sign) <> 0\n"
NEW_HAVING = (
    "HAVING SUM(r.sign) <> 0 OR SUM(r.sign * r.local_teachers_reached) <> 0\n"
    "        OR SUM(r.sign * r.students_reached) <> 0 OR SUM(r.sign * r.hours) <> 0\n"
)
OLD_COMPACT = "HAVING SUM(activities) <> 0;"
NEW_COMPACT = (
    "HAVING SUM(activities) <> 0 OR SUM(teachers) <> 0 OR SUM(students) <> 0\n"
    "        OR SUM(hours) <> 0;"
)
assert before.ACTIVITY_ROWS.count(OLD_HAVING) == 1
assert before.COMPACT.count(OLD_COMPACT) == 1


def _sql(rows: str, compact: str) -> str:
    return "\n".join(
        [
            before._function(
                "dashboard_activity_tally",
                (
                    before.ACTIVITY_INSERT,
                    rows,
                    before.ACTIVITY_COLUMNS,
                    "NOT disputed",
                ),
            ),
            compact,
        ]
    )


FORWARD = _sql(
    before.ACTIVITY_ROWS.replace(OLD_HAVING, NEW_HAVING),
    before.COMPACT.replace(OLD_COMPACT, NEW_COMPACT),
)
BACKWARD = _sql(before.ACTIVITY_ROWS, before.COMPACT)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)
        schema_editor.execute("SELECT dashboard_tally_rebuild(NULL)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0004_change_log")]

    operations = [migrations.RunPython(forward, backward)]
