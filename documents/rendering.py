"""From a document's template and stored context to HTML, then to a PDF with WeasyPrint.

The template sees the context captured when the document was requested and the document's
own fixed fields (number, kind, title, date), in the document's language, so producing it
again gives the same document. Only the project's static files may be loaded: a document
never fetches anything from the network.

A document whose context holds an invoice (``context["facturx"]``, written by
``document_request(facturx_invoice=...)``) is produced as a Factur-X: its page rendered as
PDF/A-3b, with the EN 16931 XML of the invoice, under the document's number and date, embedded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation

from documents.facturx import PDF_VARIANT, facturx_pdf, invoice_from_context, invoice_xml
from documents.models import Document

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

# The key of a document's context that holds a Factur-X invoice (see documents.facturx).
FACTURX_CONTEXT_KEY = "facturx"


def context_snapshot(context: dict[str, Any]) -> dict[str, Any]:
    """The context as it is stored: JSON values only (dates become ISO strings)."""
    return json.loads(json.dumps(context, cls=DjangoJSONEncoder))


@cache
def _weasyprint() -> tuple[Any, type[URLFetcher]]:
    """WeasyPrint, imported on first use: web processes that never render do not load it."""
    # WeasyPrint reports each rendering step at INFO level: too chatty for a log.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    class StaticFilesFetcher(URLFetcher):
        """Loads the project's static files (stylesheets, images, fonts) and nothing else."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme == "file":
                path = _static_file(unquote(parsed.path))
                if path is not None:
                    return super().fetch(path.as_uri(), headers)
            raise ValueError(f"A document may only load the project's static files, not {url}")

    return HTML, StaticFilesFetcher


def _static_file(url_path: str) -> Path | None:
    prefix = static("")
    if not url_path.startswith(prefix):
        return None
    relative = url_path.removeprefix(prefix)
    found = finders.find(relative)
    if found:
        return Path(found)
    collected = (Path(settings.STATIC_ROOT) / relative).resolve()
    if collected.is_relative_to(Path(settings.STATIC_ROOT).resolve()) and collected.is_file():
        return collected
    return None


def render_html(document: Document) -> str:
    """The document's HTML, in its language, from its template and stored context."""
    template_context = {
        **document.context,
        "document": {
            "number": document.number,
            "kind": document.kind,
            "kind_label": document.get_kind_display(),
            "title": document.title,
            "year": document.year,
            "requested_on": document.created_at,
        },
    }
    with translation.override(document.language):
        # The label of the kind, translated in the document's language rather than the caller's.
        template_context["document"]["kind_label"] = str(document.get_kind_display())
        return render_to_string(document.template_name, template_context)


@dataclass(frozen=True)
class RenderedPDF:
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def html_to_pdf(html: str, *, pdf_variant: str | None = None) -> bytes:
    """WeasyPrint's PDF of a document's HTML; ``pdf_variant`` asks for a standard variant of
    PDF (``"pdf/a-3b"``), otherwise WeasyPrint's plain PDF."""
    # Relative and /static/ URLs resolve against the site root, served by StaticFilesFetcher.
    html_class, fetcher_class = _weasyprint()
    options = {"pdf_variant": pdf_variant} if pdf_variant else {}
    return html_class(string=html, base_url="file:///", url_fetcher=fetcher_class()).write_pdf(
        **options
    )


def render_pdf(document: Document, *, pdf_variant: str | None = None) -> RenderedPDF:
    """The PDF of the document and its SHA-256: a Factur-X when the document is an invoice,
    otherwise WeasyPrint's PDF, in ``pdf_variant`` when one is given."""
    html = render_html(document)
    if FACTURX_CONTEXT_KEY in document.context:
        content = _facturx_content(document, html)
    else:
        content = html_to_pdf(html, pdf_variant=pdf_variant)
    return RenderedPDF(content=content, sha256=hashlib.sha256(content).hexdigest())


def _facturx_content(document: Document, html: str) -> bytes:
    """The invoice's page as PDF/A-3b with its XML, numbered and dated as the document."""
    invoice = invoice_from_context(document.context[FACTURX_CONTEXT_KEY])
    xml = invoice_xml(
        invoice, number=document.number, issue_date=timezone.localdate(document.created_at)
    )
    with translation.override(document.language):
        subject = f"{document.get_kind_display()} {document.number}"
    return facturx_pdf(
        html_to_pdf(html, pdf_variant=PDF_VARIANT),
        xml,
        title=document.title,
        author=invoice.seller.name,
        subject=subject,
        language=document.language,
    )


def storage_name(document: Document) -> str:
    """Where a document's file is kept: one fixed name per number, so a re-run overwrites."""
    return f"{settings.BOUCLE_DOCUMENTS_FOLDER}/{document.year}/{document.kind}/{document.filename}"
