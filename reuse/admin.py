"""Collections in the admin, to read: they are recorded by the partner, through the service."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reuse.models import Collection, CollectionDevice


class CollectionDeviceInline(admin.TabularInline):
    model = CollectionDevice
    fields = ["device"]
    readonly_fields = ["device"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["collected_on", "commune", "partner", "document", "created_at"]
    list_filter = ["collected_on"]
    search_fields = ["commune__name", "partner__name", "document__number"]
    list_select_related = ["commune", "partner", "document"]
    date_hierarchy = "collected_on"
    inlines = [CollectionDeviceInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Collection | None = None) -> list:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Collection | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Collection | None = None) -> bool:
        return False
