"""Double-booking guards in PostgreSQL, for writes that bypass the services.

The services and the solver keep these rules; the database keeps them too, so that
a raw SQL insert, a bulk load, a script or two racing transactions cannot break them:

- a teacher never has more live (``proposed`` or ``accepted``) assignments than
  their ``capacity``;
- a need never has more places taken (``accepted`` or ``completed`` assignments,
  what ``Need.filled`` counts) than its ``headcount``.

How: two AFTER ... FOR EACH STATEMENT triggers on ``matching_assignment`` (one for
INSERT, one for UPDATE) with transition tables, so a matching run's COPY of
thousands of proposals costs one check per statement, not one per row. The trigger
finds the teachers (and needs) whose count the statement raised, locks their rows
in id order (``FOR NO KEY UPDATE``: it serialises writers of the same teacher or
need but not foreign-key checks), then counts in a NEW statement, which under READ
COMMITTED sees every assignment committed by a transaction it waited for. So of two
transactions that would each fit alone but not together, the second one to reach
the lock fails. Under REPEATABLE READ or SERIALIZABLE a snapshot cannot see the
other's rows, so there the lock is a no-op UPDATE of the row instead: the second
transaction then fails with a serialization error (40001) rather than counting an
old snapshot. A violation raises SQLSTATE 23514 (check_violation, Django's
``IntegrityError``) naming the constraint and the row, and the statement writes
nothing.

An UPDATE is checked only where it raises a count: a row that becomes live or takes
a place, or moves to another teacher or need while live; accepting a proposal
(proposed -> accepted) does not change the teacher's live count. Lowering a
teacher's capacity below their live assignments is not refused here (the teacher
is not the table guarded); the next run simply proposes nothing more for them.

On SQLite (the one-process demo, where writes are serialised anyway) this
migration does nothing."""

from django.db import migrations

# Live: ('proposed', 'accepted'); places taken: ('accepted', 'completed').
FUNCTION = """
CREATE OR REPLACE FUNCTION matching_assignment_guard() RETURNS trigger
LANGUAGE plpgsql AS $guard$
DECLARE
    teacher_ids bigint[];
    need_ids bigint[];
    serial_iso boolean :=
        current_setting('transaction_isolation') <> 'read committed';
    bad record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.teacher_id ORDER BY n.teacher_id)
          INTO teacher_ids FROM new_rows n WHERE n.status IN ('proposed', 'accepted');
        SELECT array_agg(DISTINCT n.need_id ORDER BY n.need_id)
          INTO need_ids FROM new_rows n WHERE n.status IN ('accepted', 'completed');
    ELSE
        SELECT array_agg(DISTINCT n.teacher_id ORDER BY n.teacher_id)
          INTO teacher_ids
          FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE n.status IN ('proposed', 'accepted')
           AND (o.id IS NULL OR o.status NOT IN ('proposed', 'accepted')
                OR o.teacher_id <> n.teacher_id);
        SELECT array_agg(DISTINCT n.need_id ORDER BY n.need_id)
          INTO need_ids
          FROM new_rows n LEFT JOIN old_rows o ON o.id = n.id
         WHERE n.status IN ('accepted', 'completed')
           AND (o.id IS NULL OR o.status NOT IN ('accepted', 'completed')
                OR o.need_id <> n.need_id);
    END IF;

    IF teacher_ids IS NOT NULL THEN
        IF serial_iso THEN
            UPDATE teams_teacher SET capacity = capacity WHERE id = ANY(teacher_ids);
        ELSE
            PERFORM 1 FROM teams_teacher WHERE id = ANY(teacher_ids)
              ORDER BY id FOR NO KEY UPDATE;
        END IF;
        SELECT t.id, t.capacity, count(*) AS live INTO bad
          FROM teams_teacher t
          JOIN matching_assignment a ON a.teacher_id = t.id
         WHERE t.id = ANY(teacher_ids) AND a.status IN ('proposed', 'accepted')
         GROUP BY t.id, t.capacity
        HAVING count(*) > t.capacity
         ORDER BY t.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION
                'teacher % would have % live assignments, over capacity %',
                bad.id, bad.live, bad.capacity
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'assignment_within_teacher_capacity',
                      TABLE = 'matching_assignment';
        END IF;
    END IF;

    IF need_ids IS NOT NULL THEN
        IF serial_iso THEN
            UPDATE needs_need SET headcount = headcount WHERE id = ANY(need_ids);
        ELSE
            PERFORM 1 FROM needs_need WHERE id = ANY(need_ids)
              ORDER BY id FOR NO KEY UPDATE;
        END IF;
        SELECT d.id, d.headcount, count(*) AS taken INTO bad
          FROM needs_need d
          JOIN matching_assignment a ON a.need_id = d.id
         WHERE d.id = ANY(need_ids) AND a.status IN ('accepted', 'completed')
         GROUP BY d.id, d.headcount
        HAVING count(*) > d.headcount
         ORDER BY d.id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION
                'need % would have % accepted assignments, over headcount %',
                bad.id, bad.taken, bad.headcount
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'assignment_within_need_headcount',
                      TABLE = 'matching_assignment';
        END IF;
    END IF;
    RETURN NULL;
END
$guard$;
"""

TRIGGERS = """
CREATE TRIGGER matching_assignment_guard_insert
    AFTER INSERT ON matching_assignment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_guard();
CREATE TRIGGER matching_assignment_guard_update
    AFTER UPDATE ON matching_assignment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS matching_assignment_guard_insert ON matching_assignment;
DROP TRIGGER IF EXISTS matching_assignment_guard_update ON matching_assignment;
DROP FUNCTION IF EXISTS matching_assignment_guard();
"""


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP, params=None)
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(TRIGGERS, params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0003_lean_indexes_for_bulk_proposals"),
        ("needs", "0002_specialty_catalogue"),
        ("teams", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_guards, drop_guards)]
