"""Where Boucle keeps its files: the media folder, or an S3-compatible bucket.

With ``BOUCLE_S3_BUCKET`` set, documents, imported files, import reports and erasure evidence
go to that bucket through django-storages, so that web processes and workers on several hosts
read and write the same files. Every file is written and read through Django's storage (never
by a path on disk), which is what makes the switch safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def default_storage_backend(environ: Mapping[str, str]) -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry the environment asks for."""
    bucket = environ.get("BOUCLE_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, Any] = {
        "bucket_name": bucket,
        # Under this prefix in the bucket, so that one bucket may hold more than Boucle.
        "location": environ.get("BOUCLE_S3_PREFIX", ""),
        # The bucket's own policy (private): no file is public, each is read through the views
        # that check who may read it.
        "default_acl": None,
        "querystring_auth": True,
        # As on disk: a second file under a taken name gets a name of its own, never replaces it.
        "file_overwrite": False,
    }
    optional = {
        "endpoint_url": "BOUCLE_S3_ENDPOINT_URL",  # MinIO, Garage, Scaleway, OVH…
        "region_name": "BOUCLE_S3_REGION",
        "addressing_style": "BOUCLE_S3_ADDRESSING_STYLE",  # "path" for most self-hosted stores
        # Without them, boto3 finds its credentials itself (AWS_ACCESS_KEY_ID, a profile…).
        "access_key": "BOUCLE_S3_ACCESS_KEY_ID",
        "secret_key": "BOUCLE_S3_SECRET_ACCESS_KEY",
    }
    for option, variable in optional.items():
        if environ.get(variable):
            options[option] = environ[variable]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
