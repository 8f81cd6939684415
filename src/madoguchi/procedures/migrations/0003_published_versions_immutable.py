"""A database trigger refuses changes to a published procedure version (and its deletion).

Services never update published versions (procedures/services.py); the trigger makes the
rule hold for every other writer too (admin, shell, raw SQL, other apps).
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER procedure_version_immutable
    BEFORE UPDATE ON procedures_procedureversion
    FOR EACH ROW WHEN OLD.status = 'published' AND (
        NEW.definition IS NOT OLD.definition OR NEW.status IS NOT OLD.status
        OR NEW.number IS NOT OLD.number OR NEW.procedure_id IS NOT OLD.procedure_id
    )
    BEGIN SELECT RAISE(ABORT, 'published procedure versions are immutable'); END
    """,
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS procedure_version_immutable"]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION procedure_version_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'published' AND (
            NEW.definition IS DISTINCT FROM OLD.definition OR NEW.status IS DISTINCT FROM OLD.status
            OR NEW.number IS DISTINCT FROM OLD.number OR NEW.procedure_id IS DISTINCT FROM OLD.procedure_id
        ) THEN
            RAISE EXCEPTION 'published procedure versions are immutable';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER procedure_version_immutable
    BEFORE UPDATE ON procedures_procedureversion
    FOR EACH ROW EXECUTE FUNCTION procedure_version_immutable()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS procedure_version_immutable ON procedures_procedureversion",
    "DROP FUNCTION IF EXISTS procedure_version_immutable()",
]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(
        schema_editor.connection.vendor, []
    )
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_builder_models")]

    operations = [migrations.RunPython(forwards, backwards)]
