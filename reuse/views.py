"""Pages of claims (a device, a selection, a declaration or a site; release; my claims) and
of collections (record one from my claims, list, detail).

Views stay thin: the active organisation acts, :mod:`reuse.services` decides and writes, and
refusals become pages (403, 404) or messages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.pages import error_summary
from inventory.models import Device
from inventory.pages import DeviceTransitionView, visible_device
from organisations.active import acting_as, active_organisation
from reuse import permissions as reuse_permissions
from reuse import selectors, services
from reuse.forms import (
    ClaimForm,
    ClaimSelectionForm,
    CollectionForm,
    DeclarationClaimForm,
    ReleaseForm,
    SiteClaimForm,
)
from reuse.models import PickupPlan
from reuse.pages import active_partner, ticked_devices_of_one_commune


def _report_claim(request: HttpRequest, claimed: list[Device], requested: list[str]) -> None:
    messages.success(
        request,
        ngettext("%(count)d device claimed.", "%(count)d devices claimed.", len(claimed))
        % {"count": len(claimed)},
    )
    unavailable = sorted(set(requested) - {device.code for device in claimed})
    if unavailable:
        messages.warning(
            request,
            ngettext(
                "No longer available (already claimed or withdrawn): %(codes)s.",
                "No longer available (already claimed or withdrawn): %(codes)s.",
                len(unavailable),
            )
            % {"codes": ", ".join(unavailable)},
        )


@login_required
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    """My claims: the devices the active partner claimed, since when, until when."""
    partner = active_partner(request)
    claims = [
        {"device": device, "lapses_at": selectors.claim_lapses_at(device)}
        for device in selectors.claims_of(partner)
    ]
    context = {
        "organisation": partner,
        "claims": claims,
        "declaration_form": DeclarationClaimForm(),
        "site_form": SiteClaimForm(),
        "expiry_days": selectors.claim_expiry_delay().days,
    }
    return render(request, "reuse/claim_list.html", context)


@login_required
@require_POST
def claim_selection(request: HttpRequest) -> HttpResponse:
    """Claim the devices ticked in the inventory list."""
    partner = active_partner(request)
    form = ClaimSelectionForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("codes", []):
            messages.error(request, message)
        return redirect("inventory:device-list")
    codes = form.cleaned_data["codes"]
    try:
        claimed = services.devices_claim(codes=codes, partner=partner, user=request.user)
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
        return redirect("inventory:device-list")
    _report_claim(request, claimed, codes)
    return redirect("reuse:claim-list")


@login_required
@require_POST
def claim_declaration(request: HttpRequest) -> HttpResponse:
    """Claim every device of a declaration still declared."""
    partner = active_partner(request)
    form = DeclarationClaimForm(request.POST)
    if form.is_valid():
        declaration = form.cleaned_data["declaration"]
        return _claim_batch(
            request,
            lambda: services.declaration_claim(
                declaration=declaration, partner=partner, user=request.user
            ),
        )
    messages.error(request, _("Choose a declaration with devices still to claim."))
    return redirect("reuse:claim-list")


@login_required
@require_POST
def claim_site(request: HttpRequest) -> HttpResponse:
    """Claim every device still declared at a pickup site."""
    partner = active_partner(request)
    form = SiteClaimForm(request.POST)
    if form.is_valid():
        site = form.cleaned_data["site"]
        return _claim_batch(
            request,
            lambda: services.site_claim(site=site, partner=partner, user=request.user),
        )
    messages.error(request, _("Choose a pickup site with devices still to claim."))
    return redirect("reuse:claim-list")


def _claim_batch(request: HttpRequest, claim) -> HttpResponse:
    try:
        claimed = claim()
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
        return redirect("reuse:claim-list")
    _report_claim(request, claimed, [])
    return redirect("reuse:claim-list")


class DeviceClaimView(DeviceTransitionView):
    """Confirm, then claim one declared device for the active partner."""

    transition = "claim"
    template_name = "reuse/device_claim.html"
    form_class = ClaimForm
    forbidden_message = gettext_lazy("Only a partner claims devices.")

    def perform(self, obj: Device, form: ClaimForm) -> None:
        services.devices_claim(devices=[obj], partner=self.organisation, user=self.request.user)

    def success_message(self, obj: Device) -> str:
        return _("%(code)s is claimed by your organisation: collect it within %(days)d days.") % {
            "code": obj.code,
            "days": selectors.claim_expiry_delay().days,
        }

    def get_context_data(self, obj: Device, form: ClaimForm) -> dict[str, Any]:
        return {
            **super().get_context_data(obj, form),
            "expiry_days": selectors.claim_expiry_delay().days,
        }


class DeviceReleaseView(DeviceTransitionView):
    """Confirm, then give a claimed device back to the shared inventory."""

    transition = "release"
    template_name = "reuse/device_release.html"
    form_class = ReleaseForm
    forbidden_message = gettext_lazy("Only the partner that claimed the device releases it.")

    def perform(self, obj: Device, form: ReleaseForm) -> None:
        services.device_release(
            device=obj,
            partner=self.organisation,
            user=self.request.user,
            note=form.cleaned_data["note"],
        )

    def success_message(self, obj: Device) -> str:
        return _("%(code)s is back in the shared inventory.") % {"code": obj.code}

    def success_url(self, obj: Device) -> str:
        return reverse("reuse:claim-list")


device_claim = login_required(DeviceClaimView.as_view())
device_release = login_required(DeviceReleaseView.as_view())


@login_required
@require_GET
def collection_list(request: HttpRequest) -> HttpResponse:
    """The collections the active organisation took part in (all of them for the territory)."""
    organisation = active_organisation(request)
    context = {
        "organisation": organisation,
        "collections": selectors.collections_visible_to(acting_as(request)),
        "may_record": organisation is not None
        and reuse_permissions.may_record_collection(organisation),
    }
    return render(request, "reuse/collection_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def collection_new(request: HttpRequest) -> HttpResponse:
    """Record the collection of devices ticked in "My claims": the day, site, signatories."""
    partner = active_partner(request)
    data = request.POST if request.method == "POST" else request.GET
    plan = _collected_plan(request, partner, data.get("plan"))
    selection = ticked_devices_of_one_commune(
        request,
        selectors.pickup_open_codes(plan) if plan is not None else None,
        none_ticked=_("Select the claimed devices you collected."),
        several_communes=_(
            "A collection takes devices of one commune only: record one per commune."
        ),
    )
    if selection is None:
        return redirect("reuse:claim-list")
    devices, commune = selection
    if request.method == "POST":
        form = CollectionForm(request.POST, commune=commune)
        if form.is_valid():
            data = form.cleaned_data
            try:
                collection = services.collection_record(
                    partner=partner,
                    user=request.user,
                    devices=devices,
                    collected_on=data["collected_on"],
                    site=data["site"],
                    commune_signatory=data["commune_signatory"],
                    commune_signatory_title=data["commune_signatory_title"],
                    partner_signatory=data["partner_signatory"],
                    partner_signatory_title=data["partner_signatory_title"],
                    plan=plan,
                )
            except (ValidationFailed, TransitionNotAllowed, NotFound, PermissionDenied) as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Collection recorded: its note is being produced."),
                )
                return redirect("reuse:collection-detail", pk=collection.pk)
    else:
        sites = {plan.site} if plan is not None else {device.pickup_site for device in devices}
        form = CollectionForm(
            initial={
                "codes": [device.code for device in devices],
                "collected_on": timezone.localdate(),
                "site": sites.pop() if len(sites) == 1 else None,
            },
            commune=commune,
        )
    context = {
        "organisation": partner,
        "commune": commune,
        "devices": devices,
        "form": form,
        "errors": error_summary([(form, "")]),
        "esus": partner.has_esus_approval(),
        "plan": plan,
    }
    return render(request, "reuse/collection_new.html", context)


def _collected_plan(request: HttpRequest, partner, plan_pk: str | None) -> PickupPlan | None:
    """The planned pickup the collection is recorded from (``?plan=``): one of the partner's,
    else 404."""
    if not plan_pk:
        return None
    if not plan_pk.isascii() or not plan_pk.isdigit():
        raise NotFound(_("No such planned pickup."), code="pickup_not_found")
    plan = selectors.pickup_get_visible(pk=int(plan_pk), organisations=[partner])
    if plan.partner_id != partner.pk:
        raise NotFound(_("No such planned pickup."), code="pickup_not_found")
    return plan


@login_required
@require_GET
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One collection: its parties, its devices and its note."""
    collection = selectors.collection_get_visible(pk=pk, organisations=acting_as(request))
    return render(request, "reuse/collection_detail.html", {"collection": collection})


@login_required
@require_GET
def device_collect(request: HttpRequest, code: str) -> HttpResponse:
    """The device page's "Collect" action: the collection form for this one device."""
    device = visible_device(request, code)
    return redirect(f"{reverse('reuse:collection-new')}?{urlencode({'codes': device.code})}")
