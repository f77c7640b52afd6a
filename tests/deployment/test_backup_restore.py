"""``scripts/backup`` then ``scripts/restore`` into an empty database and an empty media folder:
every issued document is back with its file, whose SHA-256 is the one recorded at issue."""

from __future__ import annotations

import hashlib
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from documents.choices import DocumentState
from documents.models import Document
from documents.services import document_render
from tests.deployment.conftest import clean_environment, require_postgresql, run_command
from tests.worker.conftest import shared_database_url

ISSUED_SQL = (
    "SELECT number, file, sha256 FROM documents_document WHERE state = 'issued' ORDER BY number"
)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def empty_database(transactional_db):
    """A new, empty PostgreSQL database beside the test database: its URL; dropped after."""
    require_postgresql()
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = shared_database_url().rsplit("/", 1)[0] + f"/{name}"
    yield url
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_an_empty_database_keeps_every_documents_sha256(
    empty_database, request_collection_note, settings, tmp_path
):
    # given: three issued documents, their files in the media folder
    for count in (1, 2, 3):
        document, _ = request_collection_note(count)
        document_render(document=document)
    with connection.cursor() as cursor:
        cursor.execute(ISSUED_SQL)
        issued = cursor.fetchall()
    backup = tmp_path / "backup"
    restored_media = tmp_path / "restored-media"

    # when
    backed_up = run_command(
        "scripts/backup",
        str(backup),
        environment=clean_environment(
            DATABASE_URL=shared_database_url(), MEDIA_ROOT=str(settings.MEDIA_ROOT)
        ),
    )
    restore_environment = clean_environment(
        DATABASE_URL=empty_database, MEDIA_ROOT=str(restored_media)
    )
    restored = run_command("scripts/restore", str(backup), environment=restore_environment)

    # then: the restore's own check, and the test's, file by file
    assert backed_up.returncode == 0, backed_up.stdout + backed_up.stderr
    assert sorted(path.name for path in backup.iterdir()) == [
        "SHA256SUMS",
        "database.dump",
        "media.tar.gz",
    ]
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "3 issued documents checked: every SHA-256 is intact." in restored.stdout
    with psycopg.connect(empty_database) as restored_database:
        restored_issued = restored_database.execute(ISSUED_SQL).fetchall()
    assert len(issued) == 3
    assert restored_issued == issued
    for number, name, sha256 in restored_issued:
        assert file_sha256(restored_media / name) == sha256, number

    # when: a restored file is altered afterwards
    number, name, _ = restored_issued[0]
    (restored_media / name).write_bytes(b"%PDF-1.7 altered")
    verified = run_command(
        "python", "manage.py", "verify_documents", environment=restore_environment
    )

    # then
    assert verified.returncode == 1
    assert f"{number}: altered" in verified.stderr
    assert "1 of 3 issued documents are not intact" in verified.stderr


def test_restore_refuses_a_database_that_is_not_empty(transactional_db, tmp_path, settings):
    # given: a backup of the test database, and the test database itself as the target
    require_postgresql()
    environment = clean_environment(
        DATABASE_URL=shared_database_url(), MEDIA_ROOT=str(settings.MEDIA_ROOT)
    )
    backed_up = run_command("scripts/backup", str(tmp_path / "backup"), environment=environment)
    count_before = Document.objects.count()

    # when
    restored = run_command(
        "scripts/restore",
        str(tmp_path / "backup"),
        environment=clean_environment(
            DATABASE_URL=shared_database_url(), MEDIA_ROOT=str(tmp_path / "other-media")
        ),
    )

    # then
    assert backed_up.returncode == 0, backed_up.stderr
    assert restored.returncode == 2
    assert "restore into an empty one" in restored.stderr
    assert Document.objects.count() == count_before
    assert not (tmp_path / "other-media").exists()


def test_verify_documents_names_a_missing_file(db, request_collection_note):
    # given
    document, _ = request_collection_note(1)
    issued = document_render(document=document)
    issued.file.storage.delete(issued.file.name)

    # when
    with pytest.raises(CommandError) as refused:
        call_command("verify_documents")

    # then
    assert "1 of 1 issued documents are not intact" in str(refused.value)
    assert Document.objects.get(pk=document.pk).state == DocumentState.ISSUED


def test_verify_documents_finds_intact_files(db, request_collection_note, capsys):
    # given
    for count in (1, 2):
        document, _ = request_collection_note(count)
        document_render(document=document)

    # when
    call_command("verify_documents")

    # then
    assert capsys.readouterr().out == "2 issued documents checked: every SHA-256 is intact.\n"
