"""What every benchmark shares: Django on a throw-away PostgreSQL database, and the report."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE_MD = ROOT / "docs" / "PERFORMANCE.md"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def create_database() -> str:
    """Create and migrate an empty ``test_…`` database next to ``DATABASE_URL``'s; its name."""
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Benchmarks run on PostgreSQL: set DATABASE_URL=postgres://…")
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def destroy_database(name: str) -> None:
    from django.db import connection

    connection.creation.destroy_test_db(name, verbosity=0)


def write_section(key: str, markdown: str) -> None:
    """Replace the section of docs/PERFORMANCE.md between this benchmark's markers."""
    start, end = f"<!-- bench:{key} -->", f"<!-- /bench:{key} -->"
    text = PERFORMANCE_MD.read_text() if PERFORMANCE_MD.exists() else "# Performance\n"
    block = f"{start}\n{markdown.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else f"{text}\n{block}\n"
    PERFORMANCE_MD.write_text(text)
