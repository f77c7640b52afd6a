"""The reuse loop's records in the admin, to read: partners record them through the services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reuse.models import (
    Collection,
    CollectionDevice,
    Diagnosis,
    ErasureRecord,
    Grading,
    Repair,
    StorageMedium,
    WasteRecord,
    WasteRecordDevice,
)


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


@admin.register(StorageMedium)
class StorageMediumAdmin(admin.ModelAdmin):
    list_display = ["device", "type", "model", "serial", "capacity_gb"]
    list_filter = ["type"]
    search_fields = ["device__code", "serial", "model"]
    list_select_related = ["device"]

    def get_readonly_fields(self, request: HttpRequest, obj: StorageMedium | None = None) -> list:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StorageMedium | None = None) -> bool:
        return False


@admin.register(ErasureRecord)
class ErasureRecordAdmin(admin.ModelAdmin):
    """Erasure records are immutable: read only."""

    list_display = ["medium", "level", "result", "tool", "finished_at", "created_by"]
    list_filter = ["level", "result"]
    search_fields = ["medium__device__code", "medium__serial", "evidence_sha256"]
    list_select_related = ["medium__device", "created_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: ErasureRecord | None = None) -> list:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ErasureRecord | None = None) -> bool:
        return False


class _ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Refurbishment records are written by the holder, through the services: read only."""

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Diagnosis)
class DiagnosisAdmin(_ReadOnlyRecordAdmin):
    list_display = ["device", "result", "diagnosed_on", "organisation"]
    list_filter = ["result"]
    search_fields = ["device__code", "device__serial_number"]
    list_select_related = ["device", "organisation"]


@admin.register(Repair)
class RepairAdmin(_ReadOnlyRecordAdmin):
    list_display = ["device", "repaired_on", "cost", "organisation"]
    search_fields = ["device__code", "device__serial_number"]
    list_select_related = ["device", "organisation"]


@admin.register(Grading)
class GradingAdmin(_ReadOnlyRecordAdmin):
    list_display = ["device", "grade", "graded_on", "organisation"]
    list_filter = ["grade"]
    search_fields = ["device__code", "device__serial_number"]
    list_select_related = ["device", "organisation"]


class WasteRecordDeviceInline(CollectionDeviceInline):
    model = WasteRecordDevice


@admin.register(WasteRecord)
class WasteRecordAdmin(_ReadOnlyRecordAdmin):
    list_display = ["shipped_on", "partner", "waste_code", "weight_kg", "taker_name"]
    list_filter = ["waste_code", "taker_kind", "shipped_on"]
    search_fields = ["partner__name", "taker_name", "tracking_slip", "items__device__code"]
    list_select_related = ["partner"]
    date_hierarchy = "shipped_on"
    inlines = [WasteRecordDeviceInline]
