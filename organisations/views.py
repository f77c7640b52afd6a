"""Pages of the organisations: the dashboard and the organisation switcher."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors as inventory_selectors
from organisations import selectors
from organisations.active import activate, active_membership
from organisations.choices import OrganisationKind
from organisations.forms import OrganisationSwitchForm
from organisations.models import Organisation
from organisations.permissions import memberships_of

RECENT_DEVICES = 5


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs the attention of the active organisation, by kind."""
    membership = active_membership(request)
    if membership is None:
        return render(request, "organisations/no_organisation.html")
    organisation = membership.organisation
    builders = {
        OrganisationKind.COMMUNE: _commune_dashboard,
        OrganisationKind.PARTNER: _partner_dashboard,
        OrganisationKind.TERRITORY: _territory_dashboard,
        OrganisationKind.BUYER: _buyer_dashboard,
    }
    context = {"organisation": organisation, **builders[organisation.kind](organisation)}
    return render(request, f"organisations/dashboard_{organisation.kind}.html", context)


def _commune_dashboard(commune: Organisation) -> dict[str, Any]:
    attention = inventory_selectors.devices_needing_attention(commune)
    own_devices = inventory_selectors.devices_visible_to([commune]).filter(commune=commune)
    state_counts = inventory_selectors.device_state_counts(own_devices)
    return {
        "awaiting_claim_count": attention["declared"].count(),
        "awaiting_claim": list(attention["declared"][:RECENT_DEVICES]),
        "state_counts": state_counts,
        "device_total": sum(entry["count"] for entry in state_counts),
    }


def _partner_dashboard(partner: Organisation) -> dict[str, Any]:
    attention = inventory_selectors.devices_needing_attention(partner)
    held_counts = inventory_selectors.device_state_counts(attention["held"])
    return {
        "claimable_count": attention["claimable"].count(),
        "claimable": list(attention["claimable"][:RECENT_DEVICES]),
        "held_counts": held_counts,
        "held_total": sum(entry["count"] for entry in held_counts),
        "held": list(attention["held"][:RECENT_DEVICES]),
    }


def _territory_dashboard(territory: Organisation) -> dict[str, Any]:
    attention = inventory_selectors.devices_needing_attention(territory)
    devices = inventory_selectors.devices_visible_to([territory])
    state_counts = inventory_selectors.device_state_counts(devices)
    by_commune = inventory_selectors.device_counts_by_commune(devices)
    return {
        "state_counts": state_counts,
        "device_total": sum(entry["count"] for entry in state_counts),
        "by_commune": by_commune,
        "awaiting_claim_count": attention["declared"].count(),
        "awaiting_claim": list(attention["declared"][:RECENT_DEVICES]),
    }


def _buyer_dashboard(buyer: Organisation) -> dict[str, Any]:
    return {
        "sites": list(selectors.organisation_sites(buyer)),
        "members": list(selectors.organisation_members(buyer)),
    }


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the active one, then go back where they were."""
    form = OrganisationSwitchForm(request.POST, memberships=memberships_of(request.user))
    if not form.is_valid():
        raise PermissionDenied(_("You do not belong to this organisation."))
    membership = activate(request, form.chosen_membership().organisation)
    messages.success(
        request, _("You now work for %(organisation)s.") % {"organisation": membership.organisation}
    )
    return HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"]))


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("dashboard")
