"""Migration operations the apps' migrations share."""

from __future__ import annotations

from django.db.migrations.operations.base import Operation


class OnPostgreSQLOnly(Operation):
    """``operation`` as a change of the models' state everywhere, but of the database on
    PostgreSQL only.

    For a change SQLite can only make by rebuilding the table, when the table carries a
    trigger the rebuild would lose (the append-only device events, the immutable documents)
    and the change is one SQLite can do without: dropping an index another one covers.
    """

    reduces_to_sql = False

    def __init__(self, operation: Operation) -> None:
        self.operation = operation

    @property
    def reversible(self) -> bool:
        return self.operation.reversible

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.operation], {})

    def state_forwards(self, app_label, state) -> None:
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"{self.operation.describe()} (on PostgreSQL)"
