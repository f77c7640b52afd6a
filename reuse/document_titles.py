"""The titles of reuse's documents, worded from their stored context: once in the requester's
language when a document is issued, then in each reader's when shown (:mod:`documents.titles`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from documents.choices import DocumentKind
from documents.titles import register_title


def collection_note_title(context: Mapping[str, Any]) -> str:
    count = len(context["devices"])
    return ngettext(
        "Collection of %(count)d device at %(commune)s",
        "Collection of %(count)d devices at %(commune)s",
        count,
    ) % {"count": count, "commune": context["commune"]["name"]}


def erasure_certificate_title(context: Mapping[str, Any]) -> str:
    return _("Erasure certificate for %(code)s") % {"code": context["device_code"]}


def erasure_batch_certificate_title(context: Mapping[str, Any]) -> str:
    count = int(context["device_count"])
    return ngettext(
        "Erasure certificate for %(count)d device",
        "Erasure certificate for %(count)d devices",
        count,
    ) % {"count": count}


def waste_register_title(context: Mapping[str, Any]) -> str:
    return _("Waste register %(year)d") % {"year": int(context["year"])}


def register() -> None:
    """Register the builders (from ``ReuseConfig.ready``)."""
    register_title(DocumentKind.COLLECTION_NOTE, collection_note_title)
    register_title(DocumentKind.ERASURE_CERTIFICATE, erasure_certificate_title)
    register_title(DocumentKind.ERASURE_BATCH_CERTIFICATE, erasure_batch_certificate_title)
    register_title(DocumentKind.WASTE_REGISTER, waste_register_title)
