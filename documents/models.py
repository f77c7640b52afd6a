"""PDF documents: numbered per kind and year without gaps, immutable once issued."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError
from documents.choices import NUMBER_PREFIXES, DocumentKind, DocumentState
from documents.titles import document_title
from organisations.models import Organisation

# What an issued document may never change: its identity, what it says and its file.
IMMUTABLE_FIELDS = (
    "kind",
    "number",
    "year",
    "sequence",
    "owner_id",
    "counterpart_id",
    "title",
    "template_name",
    "context",
    "language",
    "state",
    "file",
    "sha256",
    "size",
    "issued_at",
)


class DocumentIssued(ApplicationError):
    """An issued document is final: a correction issues a new version that replaces it."""

    status_code = 409
    default_code = "document_issued"
    default_message = _(
        "This document is issued and can no longer change; issue a corrected version instead."
    )


def format_number(kind: str, year: int, sequence: int) -> str:
    """``BL-2026-000123``: the kind's prefix, the year, the sequence on six digits."""
    return f"{NUMBER_PREFIXES[kind]}-{year}-{sequence:06d}"


class DocumentSequence(models.Model):
    """The last number given for a kind of document in a year; locked to give the next one."""

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    year = models.PositiveIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document numbering")
        verbose_name_plural = _("document numberings")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year"], name="%(app_label)s_%(class)s_unique_kind_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last_number}"


class Document(models.Model):
    """A PDF made from a template and the context captured when it was requested.

    The number is given when the document is requested, so a failed production keeps its
    number and is produced again under it. Once issued, the file, its SHA-256 and what it
    says never change (the model and a database trigger refuse it); a correction is a new
    document that ``replaces`` this one.
    """

    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("owner"),
        db_index=False,  # led by the list's index, in Meta
    )
    counterpart = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="counterpart_documents",
        null=True,
        blank=True,
        verbose_name=_("counterpart"),
        help_text=_("The other party of the transaction, who may read the document too."),
        db_index=False,  # led by the list's index, in Meta
    )
    title = models.CharField(_("title"), max_length=255)
    template_name = models.CharField(_("template"), max_length=200)
    context = models.JSONField(
        _("context"),
        encoder=DjangoJSONEncoder,
        default=dict,
        help_text=_("What the template shows, captured when the document was requested."),
    )
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    state = models.CharField(
        _("state"), max_length=16, choices=DocumentState.choices, default=DocumentState.PENDING
    )
    failure_reason = models.TextField(_("why the production failed"), blank=True)
    file = models.FileField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        related_name="replaced_by",
        null=True,
        blank=True,
        verbose_name=_("replaces"),
    )
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The same request sent again finds this document instead of a second one."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    queued_at = models.DateTimeField(
        _("last queued at"),
        null=True,
        blank=True,
        help_text=_("When the production was last handed to a worker."),
    )
    heartbeat_at = models.DateTimeField(
        _("last heartbeat"),
        null=True,
        blank=True,
        help_text=_("When a worker started producing the document."),
    )
    recoveries = models.PositiveSmallIntegerField(
        _("recoveries"),
        default=0,
        help_text=_("Times the production was queued again after its worker stopped."),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]
        # The list's orderings, tie-breaker included: newest first (an organisation's as owner
        # or counterpart, every one for the territory), and the API's other sort, by issue.
        indexes = [
            models.Index(fields=["owner", "created_at", "id"], name="documents_owner_created"),
            models.Index(
                fields=["counterpart", "created_at", "id"], name="documents_cpart_created"
            ),
            models.Index(fields=["created_at", "id"], name="documents_created"),
            models.Index(fields=["issued_at", "id"], name="documents_issued"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "sequence"],
                name="%(app_label)s_%(class)s_unique_kind_year_sequence",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DocumentState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=DocumentState.ISSUED)
                | (
                    ~Q(file="") & ~Q(sha256="") & Q(issued_at__isnull=False) & Q(size__isnull=False)
                ),
                name="%(app_label)s_%(class)s_issued_has_file",
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1), name="%(app_label)s_%(class)s_sequence_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.was_issued:
            current = self._immutable_values(list(self._stored))
            changed = [name for name, value in current.items() if self._stored[name] != value]
            if changed:
                raise DocumentIssued()
        super().save(*args, **kwargs)
        self._stored = self._immutable_values(IMMUTABLE_FIELDS)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.was_issued or self.is_issued:
            raise DocumentIssued()
        return super().delete(*args, **kwargs)

    @property
    def display_title(self) -> str:
        """The title in the reader's language (:mod:`documents.titles`)."""
        return document_title(self)

    @classmethod
    def from_db(cls, db, field_names, values) -> Document:
        instance = super().from_db(db, field_names, values)
        # What the database holds, to refuse changing an issued document on save.
        instance._stored = instance._immutable_values(
            [name for name in IMMUTABLE_FIELDS if name in field_names]
        )
        return instance

    def _immutable_values(self, names: list[str] | tuple[str, ...]) -> dict[str, Any]:
        # Copies, so that changing the file's name or the context in place is seen as a change.
        values = {}
        for name in names:
            value = getattr(self, name)
            if name == "file":
                value = value.name or ""
            values[name] = copy.deepcopy(value)
        return values

    def _stored_value(self, name: str) -> Any:
        return getattr(self, "_stored", {}).get(name)

    @property
    def is_issued(self) -> bool:
        return self.state == DocumentState.ISSUED

    @property
    def was_issued(self) -> bool:
        """Whether the database holds this document as issued (whatever was assigned since)."""
        return self._stored_value("state") == DocumentState.ISSUED

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


class DocumentDevice(models.Model):
    """A device a document is about, by the code on its label (a collection note names the
    devices collected, a certificate the devices erased, a label sheet those it labels).

    The code, not a foreign key: the documents app sits below the inventory and knows no
    device; the code is a device's stable public identity, and what the document printed.
    Written with the document, never changed.
    """

    document = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="device_links",
        verbose_name=_("document"),
    )
    device_code = models.CharField(_("device code"), max_length=32)

    class Meta:
        verbose_name = _("device of a document")
        verbose_name_plural = _("devices of documents")
        indexes = [models.Index(fields=["device_code"], name="documents_device_code")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "device_code"],
                name="%(app_label)s_%(class)s_unique_document_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.device_code}"
