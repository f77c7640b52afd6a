"""The inventory's text search reads trigram indexes on PostgreSQL; SQLite goes without.

The search matches a word anywhere in the brand, model, serial number or code, whatever its
case: Django's ``icontains``, which PostgreSQL runs as ``UPPER(column) LIKE UPPER('%word%')``.
A GIN index of the trigrams of ``UPPER(column)`` (pg_trgm's ``gin_trgm_ops``) serves exactly that
expression, so a search reads the few matching rows instead of every device. The indexes are
PostgreSQL's own: they are not in the model's Meta (SQLite has no GIN), and this migration does
nothing on another database.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper

SEARCHED_COLUMNS = {
    "inventory_device_brand_trgm": "brand",
    "inventory_device_model_trgm": "model",
    "inventory_device_serial_trgm": "serial_number",
    "inventory_device_code_trgm": "code",
}


def trigram_indexes() -> list[GinIndex]:
    return [
        GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=name)
        for name, column in SEARCHED_COLUMNS.items()
    ]


class PostgreSQLTrigramExtension(TrigramExtension):
    """pg_trgm, on PostgreSQL only, both ways (the reverse of TrigramExtension asks
    PostgreSQL's catalogue whatever the database)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    device = apps.get_model("inventory", "Device")
    for index in trigram_indexes():
        schema_editor.add_index(device, index)


def remove_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    device = apps.get_model("inventory", "Device")
    for index in trigram_indexes():
        schema_editor.remove_index(device, index)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0014_device_list_indexes"),
    ]

    operations = [
        PostgreSQLTrigramExtension(),
        migrations.RunPython(add_trigram_indexes, remove_trigram_indexes),
    ]
