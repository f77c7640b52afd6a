"""The database itself refuses to change a device event, and on PostgreSQL to delete one.

SQLite's flush (used between transactional tests and by ``manage.py flush``) deletes rows one
table at a time, so the embedded default only refuses updates; PostgreSQL's flush truncates,
which row triggers do not see.
"""

from django.db import migrations

POSTGRESQL_FORWARD = """
CREATE OR REPLACE FUNCTION inventory_deviceevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inventory_deviceevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventory_deviceevent_append_only
    BEFORE UPDATE OR DELETE ON inventory_deviceevent
    FOR EACH ROW EXECUTE FUNCTION inventory_deviceevent_append_only();
"""
POSTGRESQL_BACKWARD = """
DROP TRIGGER IF EXISTS inventory_deviceevent_append_only ON inventory_deviceevent;
DROP FUNCTION IF EXISTS inventory_deviceevent_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER inventory_deviceevent_no_update BEFORE UPDATE ON inventory_deviceevent
    BEGIN SELECT RAISE(ABORT, 'inventory_deviceevent is append-only'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS inventory_deviceevent_no_update;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
