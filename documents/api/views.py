"""The documents API: list, read and download the documents one's organisations may read.

A document is readable by its owner, its counterpart and the territory; to anybody else it
does not exist (404). Downloading a document still being produced answers 409.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common.errors import ApplicationError, ErrorSerializer
from documents import selectors
from documents.api.serializers import DocumentSerializer
from documents.choices import DocumentState
from documents.filters import DocumentFilter
from documents.models import Document
from organisations.permissions import organisations_of

NUMBER_PATTERN = r"[A-Z]{2,3}-\d{4}-\d{6}"


class DocumentNotIssued(ApplicationError):
    status_code = 409
    default_code = "document_not_issued"


class PDFRenderer(BaseRenderer):
    """PDF, for content negotiation; the view answers with the stored file as it is."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> Any:
        return data


def _errors(*statuses: int) -> dict[tuple[int, str], OpenApiResponse]:
    descriptions = {
        404: "No such document, or not one your organisations may read.",
        409: "The document is still being produced (or its production failed): try later.",
    }
    return {
        (code, "application/json"): OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in statuses
    }


@extend_schema_view(
    list=extend_schema(
        summary="List the documents your organisations own, are party to, or (territory) read"
    ),
    retrieve=extend_schema(
        summary="Read a document", responses={200: DocumentSerializer, **_errors(404)}
    ),
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    search_fields = ["number", "title"]
    ordering_fields = ["created_at", "number", "issued_at"]
    ordering = ["-created_at", "-pk"]
    lookup_field = "number"
    lookup_value_regex = NUMBER_PATTERN

    def get_queryset(self):
        return selectors.documents_visible_to(organisations_of(self.request.user))

    def get_object(self) -> Document:
        return selectors.document_get_visible(
            number=self.kwargs["number"], organisations=organisations_of(self.request.user)
        )

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        # Errors are JSON in the house shape, even where the answer would be a PDF.
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is None or isinstance(renderer, PDFRenderer):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response

    @extend_schema(
        summary="Download a document's PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **_errors(404, 409),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="download",
        url_name="download",
        renderer_classes=[PDFRenderer, JSONRenderer],
    )
    def download(self, request: Request, number: str) -> FileResponse:
        document = self.get_object()
        if document.state == DocumentState.FAILED:
            raise DocumentNotIssued(
                _(
                    "Document %(number)s could not be produced; it keeps its number and the "
                    "platform's operators can produce it again."
                )
                % {"number": document.number}
            )
        if not document.is_issued:
            raise DocumentNotIssued(
                _("Document %(number)s is not issued yet: try again in a moment.")
                % {"number": document.number}
            )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type="application/pdf",
        )
