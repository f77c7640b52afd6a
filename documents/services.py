"""Requesting and producing documents: the only writes of the documents app.

A document is numbered when it is requested, in the requester's transaction, from a
``DocumentSequence`` row locked for the kind and year, so numbers have no gaps even when
many requests run at once. The PDF is produced afterwards by a Celery task queued on commit;
producing it again is harmless: an issued document is returned as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
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
    if kind not in DocumentKind.values:
        raise ValidationFailed(_("Unknown kind of document."), fields={"kind": [kind]})
    get_template(template)  # a wrong template name fails now, not in the worker
    if replaces is not None and replaces.owner_id != owner.pk:
        raise ValidationFailed(
            _("A document may only replace a document of the same organisation."),
            code="replaces_other_owner",
        )
    if FACTURX_CONTEXT_KEY in context:
        raise ValidationFailed(
            _("The key facturx of a document's context is kept for the invoice it is."),
            code="facturx_context_reserved",
        )
    today = timezone.localdate()
    if facturx_invoice is not None:
        check_issue_date(facturx_invoice, today)  # it is issued today
        context = {**context, FACTURX_CONTEXT_KEY: invoice_context(facturx_invoice)}
    stored_context = context_snapshot(context)
    year = today.year
    try:
        # Not durable: the number is taken in the requester's transaction, when there is one.
        with transaction.atomic():
            sequence = _locked_sequence(kind=kind, year=year)
            if idempotency_key:
                existing = Document.objects.filter(idempotency_key=idempotency_key).first()
                if existing is not None:
                    return existing
            sequence.last_number += 1
            sequence.save(update_fields=["last_number"])
            document = Document.objects.create(
                kind=kind,
                number=format_number(kind, year, sequence.last_number),
                year=year,
                sequence=sequence.last_number,
                owner=owner,
                counterpart=counterpart,
                title=title,
                template_name=template,
                context=stored_context,
                language=language or settings.LANGUAGE_CODE,
                created_by=created_by,
                replaces=replaces,
                idempotency_key=idempotency_key or None,
                queued_at=timezone.now(),
            )
            DocumentDevice.objects.bulk_create(
                DocumentDevice(document=document, device_code=code)
                for code in sorted(set(device_codes))
            )
    except IntegrityError:
        # The same key sent at once for another kind or year: the first one made it.
        existing = (
            Document.objects.filter(idempotency_key=idempotency_key).first()
            if idempotency_key
            else None
        )
        if existing is None:
            raise
        return existing
    # Committed as pending first: a broker that does not answer is logged, and the document
    # is queued again by documents_requeue_pending.
    enqueue_on_commit(_render_task(), document.pk)
    return document


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
