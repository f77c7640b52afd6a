"""Documents in the admin: to read, and to produce again those whose production failed.

Nothing is edited here: a document is numbered by its request and final once issued.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from documents.choices import DocumentState
from documents.models import Document, DocumentDevice, DocumentSequence
from documents.services import document_render


class DocumentDeviceInline(admin.TabularInline):
    """The devices the document is about, by code: written with it, never changed."""

    model = DocumentDevice
    fields = ["device_code"]
    readonly_fields = ["device_code"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "title", "owner", "counterpart", "state", "issued_at"]
    list_filter = ["kind", "state", "year"]
    search_fields = [
        "number",
        "title",
        "owner__name",
        "counterpart__name",
        "device_links__device_code",
    ]
    inlines = [DocumentDeviceInline]
    list_select_related = ["owner", "counterpart"]
    date_hierarchy = "created_at"
    actions = ["render_again"]

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    @admin.action(description=_("Produce the selected documents again (failed ones only)"))
    def render_again(self, request: HttpRequest, queryset: QuerySet[Document]) -> None:
        issued = 0
        for document in queryset.exclude(state=DocumentState.ISSUED).order_by("pk"):
            if document_render(document=document).is_issued:
                issued += 1
        self.message_user(
            request,
            ngettext("%(count)d document issued.", "%(count)d documents issued.", issued)
            % {"count": issued},
            messages.SUCCESS,
        )


@admin.register(DocumentSequence)
class DocumentSequenceAdmin(admin.ModelAdmin):
    list_display = ["kind", "year", "last_number"]
    list_filter = ["kind", "year"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: DocumentSequence | None = None
    ) -> list[str]:
        return ["kind", "year", "last_number"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
