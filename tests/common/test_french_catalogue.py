"""Every French message of the catalogue is written as the French write it (STYLE.md rule 16):
a new entry with a plain space before « : », a straight apostrophe or a « (s) » fails here."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

from tests.french_typography import french_faults

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def catalogue_entries(path: Path) -> list[tuple[str, str]]:
    """The (msgid, msgstr) pairs of a .po file, each plural form of a msgstr as a pair of its
    own; the header and obsolete entries left out."""
    entries: list[tuple[str, str]] = []
    fields: dict[str, str] = {}
    current = None

    def flush():
        msgid = fields.get("msgid", "")
        for key, value in fields.items():
            if key.startswith("msgstr") and msgid and value:
                entries.append((msgid, value))
        fields.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if fields.get("msgid") is not None and any(k.startswith("msgstr") for k in fields):
                flush()
            continue
        if line.startswith('"'):
            fields[current] += ast.literal_eval(line)
            continue
        keyword, _, literal = line.partition(" ")
        if keyword == "msgid" and any(k.startswith("msgstr") for k in fields):
            flush()
        current = keyword
        fields[current] = ast.literal_eval(literal)
    flush()
    return entries


def test_the_catalogue_is_read_whole():
    entries = catalogue_entries(CATALOGUE)

    assert len(entries) > 1000
    assert ("Not found.", "Introuvable.") in entries


def test_every_french_message_follows_french_typography():
    faults = [
        f"{msgid!r}: {fault}"
        for msgid, msgstr in catalogue_entries(CATALOGUE)
        for fault in french_faults(msgstr)
    ]

    assert faults == []


def test_no_french_message_writes_a_plural_with_parentheses():
    entries = catalogue_entries(CATALOGUE)

    assert [msgid for msgid, msgstr in entries if "(s)" in msgid or "(s)" in msgstr] == []
