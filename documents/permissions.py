"""Who may read a document: its owner, its counterpart, and (read-only) the territory.

Documents are never changed by anybody once issued, so there is no rule for changing them;
to any other organisation a document does not exist (404).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from documents.models import Document
from organisations.models import Organisation
from organisations.permissions import may_view


def visible_documents_q(organisations: Iterable[Organisation]) -> Q:
    """The documents the given organisations may read, as a filter."""
    organisations = list(organisations)
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    if not organisations:
        return Q(pk__in=[])
    return Q(owner__in=organisations) | Q(counterpart__in=organisations)


def can_view_document(organisations: Iterable[Organisation], document: Document) -> bool:
    counterparts = [document.counterpart] if document.counterpart_id else []
    return any(
        may_view(organisation, owner=document.owner, counterparts=counterparts)
        for organisation in organisations
    )
