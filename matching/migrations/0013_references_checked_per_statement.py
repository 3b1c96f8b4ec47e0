"""Assignment -> need and assignment -> teacher checked once per statement.

A national matching run inserts tens of thousands of proposals in one COPY. As
foreign keys, each row fired two referential triggers (a lookup and a row lock per
row), which cost more than inserting the rows themselves. Here the constraints go
and statement triggers with transition tables keep the same two promises:

- an inserted or re-pointed assignment refers to an existing need and teacher:
  ``matching_assignment_references()`` locks the rows referred to with
  ``FOR KEY SHARE`` (the lock a foreign key takes, so a concurrent delete waits
  for this transaction) in id order, and counts them in the same statement; a
  missing one raises SQLSTATE 23503 (foreign_key_violation) naming it;
- a need or teacher that an assignment refers to is not deleted:
  ``matching_assignment_protect()`` runs after a DELETE on ``needs_need`` or
  ``teams_teacher`` and raises 23503 if an assignment still refers to a deleted
  row. Under READ COMMITTED its query takes a fresh snapshot, so it sees the rows
  of an inserting transaction the DELETE waited for.

Ids are never updated (the app does not, and Django cannot), so an UPDATE of the
referred-to tables is not checked. The ORM's ``on_delete=PROTECT`` still answers
first with its ProtectedError. On SQLite (the one-process demo) the model keeps
the rule through the ORM and this migration adds no trigger."""

import django.db.models.deletion
from django.db import migrations, models


REFERENCES = """
CREATE OR REPLACE FUNCTION matching_assignment_references() RETURNS trigger
LANGUAGE plpgsql AS $refs$
DECLARE
    need_ids bigint[];
    teacher_ids bigint[];
    found_count bigint;
    missing bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.need_id ORDER BY n.need_id),
               array_agg(DISTINCT n.teacher_id ORDER BY n.teacher_id)
          INTO need_ids, teacher_ids FROM new_rows n;
    ELSE
        SELECT array_agg(DISTINCT n.need_id ORDER BY n.need_id)
                   FILTER (WHERE n.need_id <> o.need_id),
               array_agg(DISTINCT n.teacher_id ORDER BY n.teacher_id)
                   FILTER (WHERE n.teacher_id <> o.teacher_id)
          INTO need_ids, teacher_ids
          FROM new_rows n JOIN old_rows o ON o.id = n.id;
    END IF;

    IF need_ids IS NOT NULL THEN
        SELECT count(*) INTO found_count FROM (
            SELECT 1 FROM needs_need WHERE id = ANY(need_ids)
             ORDER BY id FOR KEY SHARE) locked;
        IF found_count < cardinality(need_ids) THEN
            SELECT r.id INTO missing FROM unnest(need_ids) AS r(id)
             WHERE NOT EXISTS (SELECT 1 FROM needs_need d WHERE d.id = r.id)
             ORDER BY r.id LIMIT 1;
            RAISE EXCEPTION
                'insert or update on table "matching_assignment": need % does not exist',
                missing
                USING ERRCODE = 'foreign_key_violation',
                      CONSTRAINT = 'assignment_need_exists',
                      TABLE = 'matching_assignment';
        END IF;
    END IF;

    IF teacher_ids IS NOT NULL THEN
        SELECT count(*) INTO found_count FROM (
            SELECT 1 FROM teams_teacher WHERE id = ANY(teacher_ids)
             ORDER BY id FOR KEY SHARE) locked;
        IF found_count < cardinality(teacher_ids) THEN
            SELECT r.id INTO missing FROM unnest(teacher_ids) AS r(id)
             WHERE NOT EXISTS (SELECT 1 FROM teams_teacher t WHERE t.id = r.id)
             ORDER BY r.id LIMIT 1;
            RAISE EXCEPTION
                'insert or update on table "matching_assignment": teacher % does not exist',
                missing
                USING ERRCODE = 'foreign_key_violation',
                      CONSTRAINT = 'assignment_teacher_exists',
                      TABLE = 'matching_assignment';
        END IF;
    END IF;
    RETURN NULL;
END
$refs$;

CREATE OR REPLACE FUNCTION matching_assignment_protect() RETURNS trigger
LANGUAGE plpgsql AS $protect$
DECLARE
    column_name text := TG_ARGV[0];
    referred bigint;
BEGIN
    EXECUTE format(
        'SELECT a.%I FROM matching_assignment a JOIN old_rows o ON o.id = a.%I LIMIT 1',
        column_name, column_name)
       INTO referred;
    IF referred IS NOT NULL THEN
        RAISE EXCEPTION
            'delete on table "%" refused: row % is still referred to from table "matching_assignment"',
            TG_TABLE_NAME, referred
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'assignment_' || column_name || '_protected',
                  TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$protect$;

CREATE TRIGGER matching_assignment_references_insert
    AFTER INSERT ON matching_assignment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_references();
CREATE TRIGGER matching_assignment_references_update
    AFTER UPDATE ON matching_assignment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_references();
CREATE TRIGGER needs_need_protect_assignments
    AFTER DELETE ON needs_need
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_protect('need_id');
CREATE TRIGGER teams_teacher_protect_assignments
    AFTER DELETE ON teams_teacher
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_protect('teacher_id');
"""

DROP = """
DROP TRIGGER IF EXISTS matching_assignment_references_insert ON matching_assignment;
DROP TRIGGER IF EXISTS matching_assignment_references_update ON matching_assignment;
DROP TRIGGER IF EXISTS needs_need_protect_assignments ON needs_need;
DROP TRIGGER IF EXISTS teams_teacher_protect_assignments ON teams_teacher;
DROP FUNCTION IF EXISTS matching_assignment_references();
DROP FUNCTION IF EXISTS matching_assignment_protect();
"""


def create_checks(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        schema_editor.execute(REFERENCES, params=None)


def drop_checks(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0012_counties_and_schools_moved_to_places"),
        ("needs", "0011_counties_and_schools_moved_to_places"),
        ("teams", "0003_teacher_can_lead"),
    ]

    operations = [
        migrations.RunPython(create_checks, drop_checks),
        migrations.AlterField(
            model_name="assignment",
            name="need",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="needs.need",
                verbose_name="need",
            ),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="teacher",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assignments",
                to="teams.teacher",
                verbose_name="teacher",
            ),
        ),
    ]
