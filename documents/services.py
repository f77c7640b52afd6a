"""Requesting and producing documents: the only writes of the documents app.

A document is numbered when it is requested, in the requester's transaction, from a
``DocumentSequence`` row locked for the kind and year, so numbers have no gaps even when
many requests run at once. The PDF is produced afterwards by a Celery task queued on commit;
producing it again is harmless: an issued document is returned as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.bulk_sql import insert_instances, insert_rows
from common.errors import ValidationFailed
from common.handoff import enqueue, enqueue_on_commit
from documents.choices import DocumentKind, DocumentState
from documents.facturx import Invoice, check_issue_date, invoice_context
from documents.models import Document, DocumentDevice, DocumentSequence, format_number
from documents.rendering import (
    FACTURX_CONTEXT_KEY,
    context_snapshot,
    render_pdf,
    storage_name,
)
from organisations.models import Organisation

logger = logging.getLogger(__name__)

# Times a production whose worker stopped is queued again before the document is failed.
MAX_RECOVERIES = 1


def _locked_sequence(*, kind: str, year: int) -> DocumentSequence:
    """The kind's numbering for the year, locked until the end of the transaction."""
    # get_or_create settles the race of two first documents of a year: the loser of the
    # unique constraint reads the winner's row. The lock then serialises the numbering.
    DocumentSequence.objects.get_or_create(kind=kind, year=year)
    return DocumentSequence.objects.select_for_update().get(kind=kind, year=year)


@dataclass(frozen=True)
class DocumentDraft:
    """One document of a batch to number (:func:`documents_request`): who owns it and who
    else reads it, its title, its template and the context it shows, its idempotency key, the
    codes of the devices it is about and the issued document it corrects, if any."""

    owner: Organisation
    title: str
    template: str
    context: dict[str, Any]
    counterpart: Organisation | None = None
    idempotency_key: str | None = None
    device_codes: Iterable[str] = ()
    replaces: Document | None = None
    facturx_invoice: Invoice | None = None


def document_request(
    *,
    kind: str,
    owner: Organisation,
    counterpart: Organisation | None = None,
    title: str,
    template: str,
    context: dict[str, Any],
    created_by: AbstractBaseUser | None,
    idempotency_key: str | None = None,
    language: str | None = None,
    replaces: Document | None = None,
    device_codes: Iterable[str] = (),
    facturx_invoice: Invoice | None = None,
) -> Document:
    """Number a new document and queue its production when the transaction commits.

    ``context`` is what the template shows, captured now (JSON values; dates become ISO
    strings). The document is written in ``language``, by default the site's (French).
    With an ``idempotency_key`` already used, the document it made is returned and
    nothing else happens. ``replaces`` names the issued document this one corrects.
    ``device_codes`` are the codes of the devices the document is about, for their pages.
    With a ``facturx_invoice``, the document is that invoice or credit note: the invoice is
    stored in the context under ``facturx`` (lines, amounts and totals, for the template)
    and the PDF is a Factur-X carrying its EN 16931 XML under the document's number and date.
    """
    draft = DocumentDraft(
        owner=owner,
        counterpart=counterpart,
        title=title,
        template=template,
        context=context,
        idempotency_key=idempotency_key or None,
        device_codes=device_codes,
        replaces=replaces,
        facturx_invoice=facturx_invoice,
    )
    (document,) = documents_request(
        kind=kind, drafts=[draft], created_by=created_by, language=language
    )
    return document


def documents_request(
    *,
    kind: str,
    drafts: Sequence[DocumentDraft],
    created_by: AbstractBaseUser | None,
    language: str | None = None,
) -> list[Document]:
    """Number a batch of documents of one kind at once, in the order given, and queue the
    production of each when the transaction commits; the documents, in the same order.

    The numbering is locked once for the batch and the documents written in one statement,
    so a batch costs the same few queries whatever its size (a campaign's closing issues one
    purchase order per order this way). A draft whose idempotency key was used already gets
    the document it made, numbered as it was, and nothing else happens for it.
    """
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Unknown kind of document."), fields={"kind": [kind]})
    for template in {draft.template for draft in drafts}:
        get_template(template)  # a wrong template name fails now, not in the worker
    if any(
        draft.replaces is not None and draft.replaces.owner_id != draft.owner.pk for draft in drafts
    ):
        raise ValidationFailed(
            _("A document may only replace a document of the same organisation."),
            code="replaces_other_owner",
        )
    if any(FACTURX_CONTEXT_KEY in draft.context for draft in drafts):
        raise ValidationFailed(
            _("The key facturx of a document's context is kept for the invoice it is."),
            code="facturx_context_reserved",
        )
    if not drafts:
        return []
    today = timezone.localdate()
    contexts: dict[int, dict[str, Any]] = {}
    for draft in drafts:
        context = draft.context
        if draft.facturx_invoice is not None:
            check_issue_date(draft.facturx_invoice, today)  # it is issued today
            context = {**context, FACTURX_CONTEXT_KEY: invoice_context(draft.facturx_invoice)}
        contexts[id(draft)] = context_snapshot(context)
    keys = [draft.idempotency_key for draft in drafts if draft.idempotency_key]
    year = today.year
    try:
        # Not durable: the numbers are taken in the requester's transaction, when there is one.
        with transaction.atomic():
            sequence = _locked_sequence(kind=kind, year=year)
            existing = _documents_by_key(keys)
            new = [draft for draft in drafts if draft.idempotency_key not in existing]
            first = sequence.last_number + 1
            sequence.last_number += len(new)
            if new:
                sequence.save(update_fields=["last_number"])
            now = timezone.now()
            created = [
                Document(
                    kind=kind,
                    number=format_number(kind, year, first + index),
                    year=year,
                    sequence=first + index,
                    owner=draft.owner,
                    counterpart=draft.counterpart,
                    title=draft.title,
                    template_name=draft.template,
                    context=contexts[id(draft)],
                    language=language or settings.LANGUAGE_CODE,
                    created_by=created_by,
                    replaces=draft.replaces,
                    idempotency_key=draft.idempotency_key,
                    queued_at=now,
                )
                for index, draft in enumerate(new)
            ]
            insert_instances(created)
            # One statement from the links' values: a campaign's purchase orders link tens of
            # thousands of devices.
            insert_rows(
                DocumentDevice,
                columns=("document_id", "device_code"),
                rows=(
                    (document.pk, code)
                    for document, draft in zip(created, new, strict=True)
                    for code in sorted(set(draft.device_codes))
                ),
            )
    except IntegrityError:
        # The same keys sent at once for another kind or year: the first request made them.
        existing = _documents_by_key(keys)
        if not keys or any(draft.idempotency_key not in existing for draft in drafts):
            raise
        return [existing[draft.idempotency_key] for draft in drafts]
    # Committed as pending first: a broker that does not answer is logged, and the documents
    # are queued again by documents_requeue_pending.
    for document in created:
        enqueue_on_commit(_render_task(), document.pk)
    made = iter(created)
    return [
        existing[draft.idempotency_key] if draft.idempotency_key in existing else next(made)
        for draft in drafts
    ]


def _documents_by_key(keys: list[str]) -> dict[str, Document]:
    if not keys:
        return {}
    return {
        document.idempotency_key: document
        for document in Document.objects.filter(idempotency_key__in=keys)
    }


def _render_task():
    from documents.tasks import render_document  # the task module imports this one

    return render_document


def documents_requeue_pending(cutoff) -> int:
    """Queue again the production of every document no worker started, handed off before
    ``cutoff`` (its queuing failed, or the broker lost it); safe to repeat."""
    pks = list(
        Document.objects.filter(state=DocumentState.PENDING, heartbeat_at__isnull=True)
        .annotate(handed_off_at=Coalesce("queued_at", "created_at"))
        .filter(handed_off_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        Document.objects.filter(pk=pk).update(queued_at=timezone.now())
        enqueue(_render_task(), pk)
    if pks:
        logger.info("Queued again the production of %d pending document(s)", len(pks))
    return len(pks)


def documents_recover_stalled(cutoff) -> int:
    """Recover the productions started whose heartbeat is older than ``cutoff``: the worker
    died. Each is queued again once, then failed with a reason its reader sees."""
    pks = list(
        Document.objects.filter(state=DocumentState.PENDING, heartbeat_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        with transaction.atomic(durable=True):
            locked = (
                Document.objects.select_for_update()
                .filter(pk=pk, state=DocumentState.PENDING, heartbeat_at__lt=cutoff)
                .first()
            )
            if locked is None:  # issued or started again meanwhile
                continue
            if locked.recoveries < MAX_RECOVERIES:
                locked.recoveries += 1
                locked.heartbeat_at = None
                locked.queued_at = timezone.now()
                locked.save(update_fields=["recoveries", "heartbeat_at", "queued_at"])
                logger.warning("Document %s stalled; queued again", locked.number)
                enqueue_on_commit(_render_task(), locked.pk)
                continue
            with translation.override(locked.language):
                reason = _(
                    "The worker producing this document stopped, twice; it was not produced. "
                    "Request it again, or ask the platform's operators."
                )
            locked.state = DocumentState.FAILED
            locked.failure_reason = reason
            locked.save(update_fields=["state", "failure_reason"])
            logger.warning("Document %s stalled again; failed", locked.number)
    return len(pks)


def document_render(*, document: Document) -> Document:
    """Produce the document's PDF, store it with its SHA-256 and issue it; safe to repeat.

    An issued document is returned untouched. Otherwise the PDF is made from the stored
    context, then, with the document locked, the file is written under the document's one
    name (overwriting what a crashed run left) and the document issued in the same
    transaction. A production that fails marks the document failed, keeping its number for
    the next attempt.
    """
    if document.is_issued:
        return document
    # The heartbeat says a worker started: from now on the watchdog, not the re-queue task,
    # recovers the document if this worker dies.
    Document.objects.filter(pk=document.pk, state=DocumentState.PENDING).update(
        heartbeat_at=timezone.now()
    )
    try:
        pdf = render_pdf(document)
    except Exception as error:  # any failure of the template or of WeasyPrint
        logger.exception("Producing document %s failed", document.number)
        return _mark_failed(document=document, reason=f"{type(error).__name__}: {error}")

    with transaction.atomic(durable=True):
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_issued:  # another worker finished first: keep its file
            return locked
        name = storage_name(locked)
        if default_storage.exists(name):
            default_storage.delete(name)
        saved_name = default_storage.save(name, ContentFile(pdf.content))
        locked.file.name = saved_name
        locked.sha256 = pdf.sha256
        locked.size = pdf.size
        locked.issued_at = timezone.now()
        locked.state = DocumentState.ISSUED
        locked.failure_reason = ""
        locked.save(
            update_fields=["file", "sha256", "size", "issued_at", "state", "failure_reason"]
        )
    return locked


def _mark_failed(*, document: Document, reason: str) -> Document:
    with transaction.atomic(durable=True):
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_issued:
            return locked
        locked.state = DocumentState.FAILED
        locked.failure_reason = reason[:2000]
        locked.save(update_fields=["state", "failure_reason"])
    return locked
