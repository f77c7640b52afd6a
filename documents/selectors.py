"""Reading documents, always as some organisations may see them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from common.errors import NotFound
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from documents.permissions import can_view_document, visible_documents_q
from organisations.models import Organisation


def documents_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Document]:
    """The documents these organisations may read, newest first, with their parties."""
    return (
        Document.objects.filter(visible_documents_q(organisations))
        .select_related("owner", "counterpart", "replaces")
        .order_by("-created_at", "-pk")
    )


def documents_about_device(
    *, device_code: str, organisations: Iterable[Organisation]
) -> QuerySet[Document]:
    """The documents about the device with this code (its collection note, its erasure
    certificates, the label sheets and registers naming it) these organisations may read,
    newest first: one query, however many there are."""
    return documents_visible_to(organisations).filter(device_links__device_code=device_code)


def document_get_visible(*, number: str, organisations: Iterable[Organisation]) -> Document:
    """The document with this number, or NotFound if these organisations may not read it."""
    organisations = list(organisations)
    document = (
        Document.objects.select_related("owner", "counterpart", "replaces")
        .filter(number=number)
        .first()
    )
    if document is None or not can_view_document(organisations, document):
        raise NotFound(_("No such document."))
    return document


def document_years(documents: QuerySet[Document]) -> list[int]:
    """The years the given documents were numbered in, newest first (for a filter)."""
    return list(documents.order_by("-year").values_list("year", flat=True).distinct())


def document_kinds(documents: QuerySet[Document]) -> list[tuple[str, str]]:
    """The kinds of the given documents as choices, in the kinds' order (for a filter): only
    kinds that have documents, not those of steps yet to come."""
    present = set(documents.order_by().values_list("kind", flat=True).distinct())
    return [(value, label) for value, label in DocumentKind.choices if value in present]


# How much of a document's file is read at a time when its SHA-256 is checked.
INTEGRITY_CHUNK_BYTES = 1024 * 1024


def issued_documents_integrity() -> Iterator[tuple[str, str]]:
    """Each issued document's number and the state of its file in the storage: ``intact``
    (its SHA-256 and size are those recorded when it was issued), ``missing`` or ``altered``.

    Read through Django's storage, so the same check holds on the media folder and on an
    S3-compatible bucket; what a restore is checked with.
    """
    issued = (
        Document.objects.filter(state=DocumentState.ISSUED)
        .order_by("pk")
        .values_list("number", "file", "sha256", "size")
    )
    for number, name, recorded_sha256, recorded_size in issued.iterator(chunk_size=500):
        if not default_storage.exists(name):
            yield number, "missing"
            continue
        digest = hashlib.sha256()
        size = 0
        with default_storage.open(name, "rb") as stored:
            while chunk := stored.read(INTEGRITY_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        intact = digest.hexdigest() == recorded_sha256 and size == recorded_size
        yield number, "intact" if intact else "altered"
