"""The filters of the list of documents, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from documents.choices import DocumentKind, DocumentState
from documents.models import Document


class DocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=DocumentKind.choices, empty_label=_("All kinds")
    )
    year = django_filters.NumberFilter(label=_("Year"), min_value=2000, max_value=9999)
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=DocumentState.choices, empty_label=_("All states")
    )

    device = django_filters.CharFilter(
        label=_("Device code"),
        max_length=32,
        method="filter_device",
        help_text=_("Only the documents about the device with this code."),
    )

    class Meta:
        model = Document
        fields = ["kind", "year", "state", "device"]

    def filter_device(self, queryset, name: str, value: str):
        return queryset.filter(device_links__device_code=value.strip().upper())
