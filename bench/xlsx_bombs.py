"""Benchmark of the XLSX checks (issue 9, item 1): refusing a bomb against reading a real file.

    .venv/bin/python bench/xlsx_bombs.py

It writes, in a temporary folder, the three files of the issue (a sheet declaring
A1:XFD1048576; shared strings expanding to 900 MB; a sheet of rows expanding to 1.1 GB), two
files under the size and ratio limits that only the streaming checks refuse (1,200,000 shared
strings; 1,200,000 rows) and a legitimate workbook of 1,000 devices. It reads each with
Boucle's own reader (``inventory.imports.readers.open_table``, the checks of
``inventory.imports.xlsx_limits`` included) in a fresh child process, which reports the time
from opening the file to the refusal or the last row, and its peak resident memory. No
database is needed: nothing is imported, the file is only read.

Results go to docs/PERFORMANCE.md, between this benchmark's markers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import setup_django, write_section  # noqa: E402

READ = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from inventory.imports.readers import UnreadableFile, open_table
# Imported before the clock starts, as in a web process or a worker that already served one.
import inventory.imports.xlsx_limits, openpyxl.reader.excel  # noqa: E401,F401
def peak_kb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
baseline = peak_kb()
outcome = {}
started = time.perf_counter()
if sys.argv[1] != "-":
    try:
        with open(sys.argv[1], "rb") as stream:
            outcome["rows"] = sum(1 for _ in open_table(stream).rows)
    except UnreadableFile as error:
        outcome["refused"] = error.code
outcome["seconds"] = time.perf_counter() - started
outcome["peak_kb"] = peak_kb()
outcome["baseline_kb"] = baseline
print(json.dumps(outcome))
"""


def read_in_child(path: Path | None) -> dict:
    finished = subprocess.run(
        [sys.executable, "-c", READ, str(path) if path else "-"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    setup_django()
    from tests.fixtures.imports import xlsx_bytes
    from tests.fixtures.xlsx_bombs import (
        declared_dimension_bomb,
        rows_bomb,
        shared_strings_bomb,
        shared_strings_workbook,
    )

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        legitimate = folder / "legitimate.xlsx"
        header = ["Type", "Marque", "Modèle", "N° de série", "Date d'achat", "Mémoire (Go)"]
        rows = [
            ["Portable", "Dell", "Latitude 5490", f"SN{index:06d}", "12/03/2018", 8]
            for index in range(1, 1001)
        ]
        legitimate.write_bytes(xlsx_bytes({"Parc": [header, *rows]}))
        files = [
            ("a legitimate workbook of 1,000 devices", legitimate),
            ("(a) a sheet declaring A1:XFD1048576", declared_dimension_bomb(folder / "a.xlsx")),
            (
                "(b) shared strings expanding to 900 MB",
                shared_strings_bomb(folder / "b.xlsx", megabytes=900),
            ),
            ("(c) a sheet expanding to 1.1 GB", rows_bomb(folder / "c.xlsx", rows=3_400_000)),
            (
                "1,200,000 different serial numbers (under the size and ratio limits)",
                shared_strings_workbook(
                    folder / "d.xlsx",
                    ["Type", *(f"SN{index:07d}" for index in range(1_200_000))],
                    [[0], [1]],
                ),
            ),
            (
                "1,200,000 real rows (under the size and ratio limits)",
                shared_strings_workbook(folder / "e.xlsx", ["Type"], [[0]] * 1_200_001),
            ),
        ]
        baseline = read_in_child(None)
        lines = [
            "## XLSX files built to exhaust the server (issue 9)",
            "",
            "Each file read by Boucle's reader (`open_table`, its checks included) in a fresh "
            "process: the time from opening the file to the refusal or the last row, and the "
            "process's peak resident memory (Django and the libraries, imported before the "
            "clock starts, alone: "
            f"{baseline['peak_kb'] / 1024:.0f} MB). "
            "Before the checks, (a) kept a web process busy until gunicorn's timeout, (b) took "
            "it to 9.3 GB, (c) grew its memory for 90 s before the first row.",
            "",
            "| file | size | expands to | outcome | time | peak memory |",
            "| --- | ---: | ---: | --- | ---: | ---: |",
        ]
        for label, path in files:
            with zipfile.ZipFile(path) as archive:
                expanded = sum(info.file_size for info in archive.infolist())
            outcome = read_in_child(path)
            result = (
                f"refused: `{outcome['refused']}`"
                if "refused" in outcome
                else f"{outcome['rows']:,} rows read"
            )
            lines.append(
                f"| {label} | {path.stat().st_size / 1024:,.1f} KB | "
                f"{expanded / 1_048_576:,.1f} MB | {result} | "
                f"{outcome['seconds'] * 1000:,.1f} ms | {outcome['peak_kb'] / 1024:,.0f} MB |"
            )
    lines += [
        "",
        "Measured with `.venv/bin/python bench/xlsx_bombs.py` (default limits: parts of 128 MB, "
        "256 MB in all, a ratio of 100, 1,000,000 rows, 256 columns, 1,000,000 shared strings).",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    write_section("xlsx_bombs", markdown)


if __name__ == "__main__":
    main()
