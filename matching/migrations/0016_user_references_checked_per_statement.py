"""The deciders of an assignment (``decided_by``, ``decline_cleared_by``) are
checked once per statement too, like its need and teacher (migration 0013).

As foreign keys they fired two per-row triggers on every proposal a run inserts,
though a proposal has neither (both NULL). Now ``matching_assignment_references()``
also locks (``FOR KEY SHARE``) and checks the users that a statement sets, and
deleting users keeps ``on_delete=SET_NULL``: a trigger on ``accounts_user`` clears
the two columns where they named a deleted user (the ORM has already done so when
the deletion comes through Django)."""

from importlib import import_module

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REFERENCES = """
CREATE OR REPLACE FUNCTION matching_assignment_references() RETURNS trigger
LANGUAGE plpgsql AS $refs$
DECLARE
    need_ids bigint[];
    teacher_ids bigint[];
    user_ids bigint[];
    found_count bigint;
    missing bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.need_id ORDER BY n.need_id),
               array_agg(DISTINCT n.teacher_id ORDER BY n.teacher_id)
          INTO need_ids, teacher_ids FROM new_rows n;
        SELECT array_agg(DISTINCT u ORDER BY u) INTO user_ids FROM (
            SELECT n.decided_by_id FROM new_rows n
            UNION ALL SELECT n.decline_cleared_by_id FROM new_rows n
        ) named(u) WHERE u IS NOT NULL;
    ELSE
        SELECT array_agg(DISTINCT n.need_id ORDER BY n.need_id)
                   FILTER (WHERE n.need_id <> o.need_id),
               array_agg(DISTINCT n.teacher_id ORDER BY n.teacher_id)
                   FILTER (WHERE n.teacher_id <> o.teacher_id)
          INTO need_ids, teacher_ids
          FROM new_rows n JOIN old_rows o ON o.id = n.id;
        SELECT array_agg(DISTINCT u ORDER BY u) INTO user_ids FROM (
            SELECT n.decided_by_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.decided_by_id IS DISTINCT FROM o.decided_by_id
            UNION ALL
            SELECT n.decline_cleared_by_id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.decline_cleared_by_id IS DISTINCT FROM o.decline_cleared_by_id
        ) named(u) WHERE u IS NOT NULL;
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

    IF user_ids IS NOT NULL THEN
        SELECT count(*) INTO found_count FROM (
            SELECT 1 FROM accounts_user WHERE id = ANY(user_ids)
             ORDER BY id FOR KEY SHARE) locked;
        IF found_count < cardinality(user_ids) THEN
            SELECT r.id INTO missing FROM unnest(user_ids) AS r(id)
             WHERE NOT EXISTS (SELECT 1 FROM accounts_user a WHERE a.id = r.id)
             ORDER BY r.id LIMIT 1;
            RAISE EXCEPTION
                'insert or update on table "matching_assignment": user % does not exist',
                missing
                USING ERRCODE = 'foreign_key_violation',
                      CONSTRAINT = 'assignment_user_exists',
                      TABLE = 'matching_assignment';
        END IF;
    END IF;
    RETURN NULL;
END
$refs$;

CREATE OR REPLACE FUNCTION matching_assignment_forget_users() RETURNS trigger
LANGUAGE plpgsql AS $forget$
BEGIN
    UPDATE matching_assignment SET decided_by_id = NULL
     WHERE decided_by_id IN (SELECT id FROM old_rows);
    UPDATE matching_assignment SET decline_cleared_by_id = NULL
     WHERE decline_cleared_by_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$forget$;

DROP TRIGGER IF EXISTS accounts_user_forget_in_assignments ON accounts_user;
CREATE TRIGGER accounts_user_forget_in_assignments
    AFTER DELETE ON accounts_user
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION matching_assignment_forget_users();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_user_forget_in_assignments ON accounts_user;
DROP FUNCTION IF EXISTS matching_assignment_forget_users();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFERENCES, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        previous = import_module(
            "matching.migrations.0013_references_checked_per_statement"
        )
        schema_editor.execute(previous.DROP, params=None)
        schema_editor.execute(previous.REFERENCES, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0015_newest_first_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.AlterField(
            model_name="assignment",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AlterField(
            model_name="assignment",
            name="decline_cleared_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decline cleared by",
            ),
        ),
    ]
