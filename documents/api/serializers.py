"""What the documents API answers: a document's fields, never its stored context."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents.models import Document
from organisations.models import Organisation


class DocumentPartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind"]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    owner = DocumentPartySerializer(read_only=True)
    counterpart = DocumentPartySerializer(read_only=True, allow_null=True)
    replaces = serializers.SlugRelatedField(
        slug_field="number",
        read_only=True,
        allow_null=True,
        help_text=_("The number of the document this one corrects, if any."),
    )
    title = serializers.CharField(
        source="display_title",
        read_only=True,
        help_text=_("The document's title, in the language asked for."),
    )
    download_url = serializers.SerializerMethodField(
        help_text=_("Where to download the PDF once the document is issued.")
    )

    class Meta:
        model = Document
        fields = [
            "number",
            "kind",
            "kind_label",
            "year",
            "sequence",
            "title",
            "state",
            "state_label",
            "owner",
            "counterpart",
            "language",
            "sha256",
            "size",
            "issued_at",
            "created_at",
            "replaces",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document: Document) -> str:
        path = reverse("api-document-download", kwargs={"number": document.number})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
