"""The staging tables of one import, and the set-based checks and inserts run on them.

Valid rows are loaded into a temporary table (PostgreSQL's COPY through psycopg 3, batched
inserts on SQLite); rejected cells into another, each with its reason's code and values
(:mod:`inventory.imports.reasons`). Duplicates inside the file and against the territory's
active devices, and the final insert of devices, their events and their counts, are single SQL
statements on those tables, written once for both databases.
"""

from __future__ import annotations

import base64
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from inventory.choices import DeviceState, EventKind
from inventory.counts import CountKey, device_counts_add
from inventory.imports.validation import ROW_FIELDS, RowError, ValidRow
from inventory.models import CODE_ALPHABET, CODE_LENGTH
from inventory.step_counts import step_counts_record_new_devices

# The columns of the table of rejections, in the order rows are loaded and read.
ERROR_COLUMNS = ("line", "column_label", "value", "reason_code", "reason_params")

_RFC4648_BASE32 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_DEVICE_CODE = bytes.maketrans(_RFC4648_BASE32, CODE_ALPHABET.encode())


def new_codes(count: int) -> list[str]:
    """``count`` random device codes, drawn at once (5 random bytes make one 8-letter code)."""
    assert CODE_LENGTH == 8
    encoded = base64.b32encode(os.urandom(5 * count)).translate(_TO_DEVICE_CODE).decode()
    return [encoded[index : index + 8] for index in range(0, 8 * count, 8)]


class Staging:
    """The two temporary tables of one import, on the current database connection."""

    def __init__(self, key: int) -> None:
        self.rows = f"boucle_import_rows_{key}"
        self.errors = f"boucle_import_errors_{key}"
        self.postgresql = connection.vendor == "postgresql"
        # The file's label of the serial-number column, for the duplicate errors.
        self.serial_label = ""

    # --- Life of the tables. ---

    def create(self) -> None:
        self.drop()
        with connection.cursor() as cursor:
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {self.rows} (
                    line INTEGER NOT NULL, code VARCHAR(8) NOT NULL,
                    category VARCHAR(16) NOT NULL, brand VARCHAR(100) NOT NULL,
                    model VARCHAR(150) NOT NULL, serial_number VARCHAR(100) NOT NULL,
                    identity_key VARCHAR(220) NOT NULL, asset_tag VARCHAR(100) NOT NULL,
                    purchase_date DATE NULL, cpu VARCHAR(150) NOT NULL,
                    ram_gb NUMERIC(7, 2) NULL, storage_gb INTEGER NULL,
                    storage_type VARCHAR(8) NOT NULL, screen_size_inches NUMERIC(4, 1) NULL,
                    operating_system VARCHAR(150) NOT NULL, data_bearing BOOLEAN NOT NULL,
                    condition_notes TEXT NOT NULL, pickup_site_id BIGINT NULL
                )"""
            )
            cursor.execute(
                f"""CREATE TEMPORARY TABLE {self.errors} (
                    line INTEGER NOT NULL, column_label TEXT NOT NULL, value TEXT NOT NULL,
                    reason_code TEXT NOT NULL, reason_params TEXT NOT NULL
                )"""
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.rows}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.errors}")

    # --- Loading. ---

    def add_rows(self, rows: Sequence[ValidRow]) -> None:
        if not rows:
            return
        codes = new_codes(len(rows))
        records = [(row.line, code, *row.values) for row, code in zip(rows, codes, strict=True)]
        columns = ("line", "code", *ROW_FIELDS)
        self._load(self.rows, columns, records)

    def add_errors(self, errors: Sequence[RowError]) -> None:
        records = [
            (error.line, error.column, error.value[:500], error.reason.code, error.reason.params)
            for error in errors
        ]
        self._load(self.errors, ERROR_COLUMNS, records)

    def _load(self, table: str, columns: Sequence[str], records: list[tuple]) -> None:
        if not records:
            return
        names = ", ".join(columns)
        with connection.cursor() as cursor:
            if self.postgresql:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for record in records:
                        copy.write_row(record)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", records)

    # --- Set-based checks. ---

    def index(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {self.rows}_key ON {self.rows} (identity_key)")
            cursor.execute(f"CREATE INDEX {self.rows}_code ON {self.rows} (code)")

    def report_duplicates_in_file(self) -> None:
        """Each later row of a device that appears twice, naming the first row."""
        params = self._json_object("line", "first.first_line")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {self.errors} ({", ".join(ERROR_COLUMNS)})
                SELECT row.line, %s, row.serial_number, %s, {params}
                FROM {self.rows} AS row
                JOIN (
                    SELECT identity_key, MIN(line) AS first_line FROM {self.rows}
                    WHERE identity_key <> '' GROUP BY identity_key HAVING COUNT(*) > 1
                ) AS first ON first.identity_key = row.identity_key
                WHERE row.line > first.first_line""",
                [self.serial_label, "duplicate_in_file"],
            )

    def report_duplicates_in_inventory(self) -> None:
        """Rows whose device is already active in the territory's inventory, naming it."""
        params = self._json_object("code", "device.code", "commune", "commune.name")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {self.errors} ({", ".join(ERROR_COLUMNS)})
                SELECT row.line, %s, row.serial_number, %s, {params}
                FROM {self.rows} AS row
                JOIN inventory_device AS device ON device.identity_key = row.identity_key
                JOIN organisations_organisation AS commune ON commune.id = device.commune_id
                WHERE row.identity_key <> '' AND device.state <> %s""",
                [self.serial_label, "duplicate_in_inventory", DeviceState.WITHDRAWN],
            )

    def _json_object(self, *pairs: str) -> str:
        """A reason's values as a JSON object built in SQL: ``pairs`` alternate each value's
        name and the column giving it (both written here, never taken from a file)."""
        arguments = ", ".join(
            f"'{pairs[index]}', {pairs[index + 1]}" for index in range(0, len(pairs), 2)
        )
        if self.postgresql:
            return f"CAST(json_build_object({arguments}) AS TEXT)"
        return f"json_object({arguments})"

    def renew_colliding_codes(self) -> None:
        """Draw new codes for the rare rows whose code is taken or drawn twice."""
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""SELECT line FROM {self.rows} AS row
                    WHERE EXISTS (SELECT 1 FROM inventory_device WHERE code = row.code)
                    OR code IN (
                        SELECT code FROM {self.rows} GROUP BY code HAVING COUNT(*) > 1
                    )"""
                )
                lines = [line for (line,) in cursor.fetchall()]
                if not lines:
                    return
                cursor.executemany(
                    f"UPDATE {self.rows} SET code = %s WHERE line = %s",
                    list(zip(new_codes(len(lines)), lines, strict=True)),
                )

    # --- Reading the outcome. ---

    def count(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return cursor.fetchone()[0]

    def rejected_lines(self) -> int:
        """The data rows with at least one error (the header line, 1, is no data row)."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(DISTINCT line) FROM {self.errors} WHERE line > 1")
            return cursor.fetchone()[0]

    def iter_errors(self, batch: int = 2000) -> Iterator[tuple[int, str, str, str, str]]:
        """Every rejection as (line, column, value, reason code, reason values as JSON)."""
        columns = ", ".join(ERROR_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {self.errors} ORDER BY {columns}")
            while chunk := cursor.fetchmany(batch):
                yield from chunk

    # --- The insert. ---

    def insert_devices(
        self, *, declaration_id: int, commune_id: int, actor_id: int, import_id: int, now: Any
    ) -> int:
        """Insert every staged row as a declared device, then its ``declared`` event, and count
        them (:mod:`inventory.counts`, :mod:`inventory.step_counts`): three statements, then an
        upsert of the device counts and one of the step counts a category, whatever the
        number of rows."""
        description = list(ROW_FIELDS)
        names = ", ".join(description)
        if self.postgresql:
            details = "json_build_object('declaration', %s, 'import', %s, 'line', row.line)::jsonb"
        else:
            details = "json_object('declaration', %s, 'import', %s, 'line', row.line)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO inventory_device (
                    code, {names}, data_bearing_overridden, commune_id, holder_id,
                    declaration_id, state, created_at, updated_at
                )
                SELECT code, {", ".join(f"row.{name}" for name in description)}, %s, %s, %s,
                    %s, %s, %s, %s
                FROM {self.rows} AS row ORDER BY row.line""",
                [False, commune_id, commune_id, declaration_id, DeviceState.DECLARED, now, now],
            )
            inserted = cursor.rowcount
            cursor.execute(
                f"""INSERT INTO inventory_deviceevent (
                    device_id, kind, from_state, to_state, actor_id, organisation_id,
                    created_at, note, details
                )
                SELECT device.id, %s, %s, %s, %s, %s, %s, %s, {details}
                FROM inventory_device AS device
                JOIN {self.rows} AS row ON row.code = device.code
                WHERE device.declaration_id = %s
                ORDER BY device.id""",
                [
                    EventKind.DECLARED,
                    "",
                    DeviceState.DECLARED,
                    actor_id,
                    commune_id,
                    now,
                    "",
                    declaration_id,
                    import_id,
                    declaration_id,
                ],
            )
            # The staged rows by category: what the devices add to the commune's counts, and
            # their ``declared`` step, each event its new device's first (inventory.step_counts).
            cursor.execute(f"SELECT category, COUNT(*) FROM {self.rows} GROUP BY category")
            categories = Counter(dict(cursor.fetchall()))
        device_counts_add(
            changes={
                CountKey(commune_id, commune_id, None, DeviceState.DECLARED, category): devices
                for category, devices in categories.items()
            }
        )
        step_counts_record_new_devices(
            month=timezone.localtime(now).date().replace(day=1),
            commune_id=commune_id,
            organisation_id=commune_id,
            categories=categories,
        )
        return inserted
