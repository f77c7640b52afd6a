"""With ``BOUCLE_S3_BUCKET`` set, documents are written to and read from an S3-compatible bucket:
here a moto server started by the test, as a MinIO or a cloud bucket would be."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.management import call_command

from config.storage import default_storage_backend
from documents.services import document_render
from tests.worker.redis_server import free_port

START_SECONDS = 30
BUCKET = "boucle-documents"
PREFIX = "boucle"


@pytest.fixture
def s3_environment(tmp_path):
    """A moto S3 server on a free port, with an empty bucket: Boucle's environment for it."""
    if shutil.which("moto_server", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("moto[server] is not installed (make venv installs it)")
    port = free_port()
    log = (tmp_path / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    environment = {
        "BOUCLE_S3_BUCKET": BUCKET,
        "BOUCLE_S3_PREFIX": PREFIX,
        "BOUCLE_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "BOUCLE_S3_REGION": "eu-west-3",
        "BOUCLE_S3_ADDRESSING_STYLE": "path",
        "BOUCLE_S3_ACCESS_KEY_ID": "boucle-test",
        "BOUCLE_S3_SECRET_ACCESS_KEY": "boucle-test-secret",
    }
    client = boto3.client(
        "s3",
        endpoint_url=environment["BOUCLE_S3_ENDPOINT_URL"],
        region_name=environment["BOUCLE_S3_REGION"],
        aws_access_key_id=environment["BOUCLE_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["BOUCLE_S3_SECRET_ACCESS_KEY"],
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            client.create_bucket(
                Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
            )
            break
        except Exception:  # the server is not listening yet
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto's server did not start:\n{(tmp_path / 'moto.log').read_text()}")
            time.sleep(0.2)
    yield environment, client
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_without_a_bucket_files_stay_in_the_media_folder():
    # when
    backend = default_storage_backend({})

    # then
    assert backend == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_document_is_stored_on_and_read_back_from_the_bucket(
    s3_environment, settings, request_collection_note, client, commune_user
):
    # given: the storages as the settings build them from this environment
    environment, bucket = s3_environment
    settings.STORAGES = {
        **settings.STORAGES,
        "default": default_storage_backend(environment),
    }
    document, _ = request_collection_note(2)

    # when
    issued = document_render(document=document)
    stored = bucket.get_object(Bucket=BUCKET, Key=f"{PREFIX}/{issued.file.name}")["Body"].read()
    client.force_login(commune_user)
    download = client.get(f"/documents/{issued.number}/download/")

    # then
    assert settings.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert hashlib.sha256(stored).hexdigest() == issued.sha256
    assert len(stored) == issued.size
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored
    assert not (settings.MEDIA_ROOT / issued.file.name).exists()  # nothing written on disk
    call_command("verify_documents")  # reads the bucket: raises if the file differed
