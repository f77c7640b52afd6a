"""Admin for platform operators: the inventory, read-only.

Devices are declared, described and moved through their lifecycle by the services, which check
who acts and write the event log; the admin shows them and never saves them. Its one change is
the "Withdraw selected devices" action, which calls :func:`inventory.services.device_withdraw`
on behalf of each device's commune: an operator who is not a member of that commune is refused,
as anywhere else. The event log is append-only: no add, change or delete here.
"""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError
from inventory.models import Declaration, Device, DeviceEvent, DeviceImport
from inventory.services import device_withdraw


class ReadOnlyAdminMixin:
    """Shows objects that only the services write."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DeviceEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DeviceEvent
    extra = 0
    fields = ["created_at", "kind", "from_state", "to_state", "actor", "organisation", "note"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]
    verbose_name_plural = _("history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "organisation")


class DeclaredDeviceInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Device
    extra = 0
    fields = ["code", "category", "brand", "model", "serial_number", "asset_tag", "state"]
    readonly_fields = fields
    show_change_link = True
    ordering = ["pk"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "commune", "source", "reference", "created_by", "device_count"]
    list_filter = ["source", ("commune", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["commune", "created_by"]
    search_fields = ["reference", "commune__name", "created_by__username"]
    fields = ["commune", "pickup_site", "source", "reference", "created_by", "created_at"]
    inlines = [DeclaredDeviceInline]

    def get_queryset(self, request):
        # Each declaration shown counts its own devices (from the index on their declaration),
        # rather than every device being joined and grouped to show a page.
        devices = (
            Device.objects.filter(declaration=OuterRef("pk"))
            .order_by()
            .values("declaration")
            .annotate(count=Count("*"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("commune", "pickup_site__organisation", "created_by")
            .annotate(device_count=Coalesce(Subquery(devices), Value(0)))
        )

    @admin.display(description=_("devices"), ordering="device_count")
    def device_count(self, declaration: Declaration) -> int:
        return declaration.device_count


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "category",
        "brand",
        "model",
        "serial_number",
        "asset_tag",
        "commune",
        "state",
        "holder",
        "created_at",
    ]
    list_filter = [
        "state",
        "category",
        "data_bearing",
        ("commune", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["commune", "holder", "claimed_by"]
    search_fields = ["=code", "brand", "model", "serial_number", "=asset_tag"]
    ordering = ["-created_at", "-pk"]
    actions = ["withdraw_selected"]
    readonly_fields = ["code", "state", "created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "state", "category", "brand", "model", "serial_number"]},
        ),
        (
            _("Description"),
            {
                "fields": [
                    "asset_tag",
                    "purchase_date",
                    "cpu",
                    "ram_gb",
                    ("storage_gb", "storage_type"),
                    "screen_size_inches",
                    "operating_system",
                    ("data_bearing", "data_bearing_overridden"),
                    "condition_notes",
                ]
            },
        ),
        (
            _("Where it stands"),
            {
                "fields": [
                    "commune",
                    "declaration",
                    "pickup_site",
                    "holder",
                    ("claimed_by", "claimed_at"),
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]
    inlines = [DeviceEventInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "commune", "holder", "pickup_site__organisation", "declaration__commune"
            )
        )

    def has_withdraw_permission(self, request) -> bool:
        return request.user.has_perm("inventory.change_device")

    @admin.action(description=_("Withdraw selected devices"), permissions=["withdraw"])
    def withdraw_selected(self, request, queryset) -> None:
        """Withdraw each device on behalf of its commune; report each refusal."""
        withdrawn = 0
        for device in queryset.select_related("commune").order_by("pk"):
            try:
                device_withdraw(
                    device=device,
                    user=request.user,
                    organisation=device.commune,
                    note=gettext("Withdrawn in the admin by a platform operator."),
                )
            except ApplicationError as refusal:
                reason = (
                    gettext("you are not a member of %(commune)s, its commune")
                    % {"commune": device.commune.name}
                    if refusal.code == "not_a_member"
                    else refusal.message
                )
                self.message_user(
                    request,
                    gettext("%(code)s was not withdrawn: %(reason)s.")
                    % {"code": device.code, "reason": reason.rstrip(".")},
                    messages.WARNING,
                )
            else:
                withdrawn += 1
        if withdrawn:
            self.message_user(
                request,
                ngettext("%(count)d device withdrawn.", "%(count)d devices withdrawn.", withdrawn)
                % {"count": withdrawn},
                messages.SUCCESS,
            )


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "device",
        "kind",
        "from_state",
        "to_state",
        "actor",
        "organisation",
    ]
    list_filter = ["kind", "to_state"]
    list_select_related = ["device", "actor", "organisation"]
    search_fields = ["=device__code", "device__serial_number", "note"]
    fields = [
        "device",
        "kind",
        "from_state",
        "to_state",
        "actor",
        "organisation",
        "created_at",
        "note",
        "details",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("device", "actor", "organisation")


@admin.register(DeviceImport)
class DeviceImportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "original_name",
        "commune",
        "state",
        "rows_read",
        "rows_valid",
        "error_count",
        "dry_run",
        "created_by",
        "created_at",
    ]
    list_filter = ["state", "dry_run", "commune"]
    search_fields = ["original_name", "sha256", "commune__name"]
    list_select_related = ["commune", "created_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "commune",
        "created_by",
        "file",
        "original_name",
        "size",
        "sha256",
        "sheet",
        "pickup_site",
        "dry_run",
        "language",
        "state",
        "rows_read",
        "rows_valid",
        "error_count",
        "message",
        "message_code",
        "message_params",
        "file_format",
        "unknown_columns",
        "errors_preview",
        "report",
        "declaration",
        "task_id",
        "cancel_requested",
        "created_at",
        "started_at",
        "finished_at",
    ]
    fields = readonly_fields
