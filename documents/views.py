"""Pages of the documents: the active organisation's list, and downloading a PDF.

A document of an organisation that is neither the owner, the counterpart nor the territory
does not exist for the page (404); one still being produced answers a page saying so (409).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.keyset import keyset_page
from documents import selectors
from documents.filters import DocumentFilter
from documents.models import Document
from organisations.active import acting_as

PAGE_SIZE = 25
# How often a document being produced is asked for again, for htmx's ``every``.
POLL_INTERVAL = "2s"


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    """The documents the active organisation owns or is party to, newest first."""
    organisations = acting_as(request)
    visible = selectors.documents_visible_to(organisations)
    document_filter = DocumentFilter(request.GET, queryset=visible)
    documents = document_filter.qs if document_filter.is_valid() else visible.none()
    page = keyset_page(
        documents, request.GET, ordering=("-created_at", "-pk"), size=PAGE_SIZE, count_limit=None
    )
    context = {
        "organisation": organisations[0] if organisations else None,
        "filter_form": document_filter.form,
        "kinds": selectors.document_kinds(visible),
        "years": selectors.document_years(visible),
        "selected_kind": request.GET.get("kind", ""),
        "selected_year": request.GET.get("year", ""),
        "page": page,
        "documents": page.rows,
        "is_filtered": bool(request.GET.get("kind") or request.GET.get("year")),
    }
    return render(request, "documents/document_list.html", context)


def _visible_document(request: HttpRequest, number: str) -> Document:
    return selectors.document_get_visible(number=number, organisations=acting_as(request))


@login_required
@require_GET
def document_state(request: HttpRequest, number: str) -> HttpResponse:
    """Where a document stands, as the lists show it in place; htmx asks again while it is
    being produced, and it offers the download once issued."""
    response = render(
        request,
        "documents/partials/document_state.html",
        {"document": _visible_document(request, number), "poll_interval": POLL_INTERVAL},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def document_download(request: HttpRequest, number: str) -> HttpResponse:
    """The document's PDF as an attachment, once issued."""
    document = _visible_document(request, number)
    if not document.is_issued:
        return render(
            request, "documents/document_not_ready.html", {"document": document}, status=409
        )
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type="application/pdf",
    )
