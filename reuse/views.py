"""Pages of claims (a device, a selection, a declaration or a site; release; my claims) and
of collections (record one from my claims, list, detail).

Views stay thin: the active organisation acts, :mod:`reuse.services` decides and writes, and
refusals become pages (403, 404) or messages.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import has_transition_perm

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory import lifecycle
from inventory import permissions as inventory_permissions
from inventory.forms import error_summary
from inventory.models import Device
from inventory.selectors import device_get_visible
from organisations.active import active_membership
from organisations.models import Organisation
from reuse import permissions as reuse_permissions
from reuse import selectors, services
from reuse.forms import (
    ClaimForm,
    ClaimSelectionForm,
    CodeListField,
    CollectionForm,
    DeclarationClaimForm,
    ReleaseForm,
    SiteClaimForm,
)


def _active_organisation(request: HttpRequest) -> Organisation | None:
    membership = active_membership(request)
    return membership.organisation if membership else None


def _active_partner(request: HttpRequest) -> Organisation:
    organisation = _active_organisation(request)
    if organisation is None or not inventory_permissions.may_claim(organisation):
        raise PageForbidden(_("Only a partner claims devices."))
    return organisation


def _visible_device(request: HttpRequest, code: str) -> Device:
    organisation = _active_organisation(request)
    try:
        return device_get_visible(code=code, organisations=[organisation] if organisation else [])
    except NotFound as error:
        raise Http404(error.message) from error


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
    partner = _active_partner(request)
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
    partner = _active_partner(request)
    form = ClaimSelectionForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("codes", []):
            messages.error(request, message)
        return redirect("inventory:device-list")
    codes = form.cleaned_data["codes"]
    try:
        claimed = services.devices_claim(codes=codes, partner=partner, user=request.user)
    except PermissionDenied as error:
        raise PageForbidden(error.message) from error
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
        return redirect("inventory:device-list")
    _report_claim(request, claimed, codes)
    return redirect("reuse:claim-list")


@login_required
@require_POST
def claim_declaration(request: HttpRequest) -> HttpResponse:
    """Claim every device of a declaration still declared."""
    partner = _active_partner(request)
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
    partner = _active_partner(request)
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
    except PermissionDenied as error:
        raise PageForbidden(error.message) from error
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
        return redirect("reuse:claim-list")
    _report_claim(request, claimed, [])
    return redirect("reuse:claim-list")


@login_required
@require_http_methods(["GET", "POST"])
def device_claim(request: HttpRequest, code: str) -> HttpResponse:
    """Confirm, then claim one declared device for the active partner."""
    organisation = _active_organisation(request)
    device = _visible_device(request, code)
    refusal = lifecycle.transition_refusal(device, "claim")
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("inventory:device-detail", code=device.code)
    if organisation is None or not has_transition_perm(device.claim, organisation):
        raise PageForbidden(_("Only a partner claims devices."))

    form = ClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.devices_claim(devices=[device], partner=organisation, user=request.user)
        except PermissionDenied as error:
            raise PageForbidden(error.message) from error
        except TransitionNotAllowed as error:
            messages.error(request, error.message)
            return redirect("inventory:device-detail", code=device.code)
        messages.success(
            request,
            _("%(code)s is claimed by your organisation: collect it within %(days)d days.")
            % {"code": device.code, "days": selectors.claim_expiry_delay().days},
        )
        return redirect("inventory:device-detail", code=device.code)
    context = {
        "device": device,
        "form": form,
        "expiry_days": selectors.claim_expiry_delay().days,
    }
    return render(request, "reuse/device_claim.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def device_release(request: HttpRequest, code: str) -> HttpResponse:
    """Confirm, then give a claimed device back to the shared inventory."""
    organisation = _active_organisation(request)
    device = _visible_device(request, code)
    refusal = lifecycle.transition_refusal(device, "release")
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("inventory:device-detail", code=device.code)
    if organisation is None or not has_transition_perm(device.release, organisation):
        raise PageForbidden(_("Only the partner that claimed the device releases it."))

    form = ReleaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.device_release(
                device=device,
                partner=organisation,
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as error:
            raise PageForbidden(error.message) from error
        except TransitionNotAllowed as error:
            messages.error(request, error.message)
            return redirect("inventory:device-detail", code=device.code)
        messages.success(
            request,
            _("%(code)s is back in the shared inventory.") % {"code": device.code},
        )
        return redirect("reuse:claim-list")
    context = {"device": device, "form": form, "errors": error_summary([(form, "")])}
    return render(request, "reuse/device_release.html", context)


@login_required
@require_GET
def collection_list(request: HttpRequest) -> HttpResponse:
    """The collections the active organisation took part in (all of them for the territory)."""
    organisation = _active_organisation(request)
    organisations = [organisation] if organisation else []
    context = {
        "organisation": organisation,
        "collections": selectors.collections_visible_to(organisations),
        "may_record": organisation is not None
        and reuse_permissions.may_record_collection(organisation),
    }
    return render(request, "reuse/collection_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def collection_new(request: HttpRequest) -> HttpResponse:
    """Record the collection of devices ticked in "My claims": the day, site, signatories."""
    partner = _active_partner(request)
    data = request.POST if request.method == "POST" else request.GET
    try:
        codes = CodeListField(required=False).clean(data.getlist("codes"))
    except forms.ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reuse:claim-list")
    devices = list(selectors.devices_by_codes(codes).with_related().order_by("code"))
    communes = {device.commune for device in devices}
    if not devices:
        messages.error(request, _("Select the claimed devices you collected."))
        return redirect("reuse:claim-list")
    if len(communes) != 1:
        messages.error(
            request,
            _("A collection takes devices of one commune only: record one per commune."),
        )
        return redirect("reuse:claim-list")
    commune = next(iter(communes))
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
                )
            except PermissionDenied as error:
                raise PageForbidden(error.message) from error
            except (ValidationFailed, TransitionNotAllowed, NotFound) as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Collection recorded: its note is being produced."),
                )
                return redirect("reuse:collection-detail", pk=collection.pk)
    else:
        sites = {device.pickup_site for device in devices}
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
    }
    return render(request, "reuse/collection_new.html", context)


@login_required
@require_GET
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One collection: its parties, its devices and its note."""
    organisation = _active_organisation(request)
    try:
        collection = selectors.collection_get_visible(
            pk=pk, organisations=[organisation] if organisation else []
        )
    except NotFound as error:
        raise Http404(error.message) from error
    return render(request, "reuse/collection_detail.html", {"collection": collection})


@login_required
@require_GET
def device_collect(request: HttpRequest, code: str) -> HttpResponse:
    """The device page's "Collect" action: the collection form for this one device."""
    device = _visible_device(request, code)
    return redirect(f"{reverse('reuse:collection-new')}?{urlencode({'codes': device.code})}")
