"""The database itself refuses to change an issued document, and on PostgreSQL to delete one.

What an issued document says, its number and its file (with the SHA-256) are final: only who
requested it may become empty (a deleted user). SQLite's flush (between transactional tests,
``manage.py flush``) deletes rows one table at a time, so the embedded default only refuses
updates; PostgreSQL's flush truncates, which row triggers do not see. The model refuses both
on either database.
"""

from django.db import migrations

PROTECTED_COLUMNS = (
    "kind",
    "number",
    "year",
    "sequence",
    "owner_id",
    "counterpart_id",
    "title",
    "template_name",
    "context",
    "language",
    "state",
    "file",
    "sha256",
    "size",
    "issued_at",
)

POSTGRESQL_CHANGED = " OR ".join(
    f"NEW.{column} IS DISTINCT FROM OLD.{column}" for column in PROTECTED_COLUMNS
)
POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION documents_document_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'issued' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'document % is issued and cannot be deleted', OLD.number;
        END IF;
        IF {POSTGRESQL_CHANGED} THEN
            RAISE EXCEPTION 'document % is issued and cannot change', OLD.number;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_document_immutable
    BEFORE UPDATE OR DELETE ON documents_document
    FOR EACH ROW EXECUTE FUNCTION documents_document_immutable();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS documents_document_immutable ON documents_document;
DROP FUNCTION IF EXISTS documents_document_immutable();
"""

SQLITE_CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in PROTECTED_COLUMNS)
SQLITE_FORWARD = [
    f"""CREATE TRIGGER documents_document_immutable BEFORE UPDATE ON documents_document
    WHEN OLD.state = 'issued' AND ({SQLITE_CHANGED})
    BEGIN SELECT RAISE(ABORT, 'an issued document cannot change'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS documents_document_immutable;"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
