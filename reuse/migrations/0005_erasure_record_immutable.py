"""The database itself refuses to change an erasure record, and on PostgreSQL to delete one.

A record is the evidence of a sanitisation: a later one supersedes it, nothing rewrites it.
SQLite's flush (between transactional tests, ``manage.py flush``) deletes rows one table at a
time, so the embedded default only refuses updates; PostgreSQL's flush truncates, which row
triggers do not see. The model refuses both on either database.
"""

from django.db import migrations

POSTGRESQL_FORWARD = """
CREATE OR REPLACE FUNCTION reuse_erasurerecord_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'reuse_erasurerecord % cannot be changed or deleted', OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reuse_erasurerecord_immutable
    BEFORE UPDATE OR DELETE ON reuse_erasurerecord
    FOR EACH ROW EXECUTE FUNCTION reuse_erasurerecord_immutable();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS reuse_erasurerecord_immutable ON reuse_erasurerecord;
DROP FUNCTION IF EXISTS reuse_erasurerecord_immutable();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER reuse_erasurerecord_no_update BEFORE UPDATE ON reuse_erasurerecord
    BEGIN SELECT RAISE(ABORT, 'an erasure record cannot be changed'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS reuse_erasurerecord_no_update;"]


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
    dependencies = [("reuse", "0004_waste_record")]

    operations = [migrations.RunPython(forward, backward)]
