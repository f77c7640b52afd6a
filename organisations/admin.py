"""Admin for platform operators: organisations, their sites and their members.

Organisations, sites and memberships are the platform's set-up data: operators create and
correct them here. What happens to devices is not edited here (see ``inventory.admin``).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organisations.models import AuditEntry, Membership, Organisation, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "address", "postal_code", "city", "is_pickup", "is_delivery", "is_active"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organisation")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "insee_code", "siren_or_siret", "is_active"]
    list_filter = ["kind", "is_active", "cession_eligibility"]
    search_fields = ["name", "slug", "siren", "siret", "insee_code"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    inlines = [SiteInline, MembershipInline]
    fieldsets = [
        (None, {"fields": ["kind", "name", "slug", "is_active", "created_at"]}),
        (_("Identifiers"), {"fields": ["siren", "siret", "insee_code"]}),
        (_("Contact"), {"fields": ["email", "phone"]}),
        (
            _("Partners: ESUS approval"),
            {"fields": ["esus_approval_reference", "esus_approval_valid_until"]},
        ),
        (_("Buyers: free cessions"), {"fields": ["cession_eligibility"]}),
    ]

    @admin.display(description=_("SIREN or SIRET"))
    def siren_or_siret(self, organisation: Organisation) -> str:
        return organisation.siret or organisation.siren


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "postal_code",
        "city",
        "is_pickup",
        "is_delivery",
        "is_active",
    ]
    list_filter = ["is_pickup", "is_delivery", "is_active", "organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["name", "address", "city", "postal_code", "organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "organisation")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The log of administrators' changes, read-only: it is append-only."""

    list_display = ["created_at", "organisation", "actor", "action", "target"]
    list_filter = ["action", "organisation__kind"]
    list_select_related = ["organisation", "actor"]
    search_fields = ["target", "organisation__name", "actor__username"]
    readonly_fields = ["created_at", "organisation", "actor", "action", "target", "details"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
