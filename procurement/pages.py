"""Page helpers of group purchasing: the organisation a page acts for in each role, and the
objects the active organisation may see (404 otherwise), read through the selectors."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest
from django.utils.translation import gettext as _

from organisations.active import acting_as, active_organisation
from organisations.models import Organisation
from procurement import permissions, selectors
from procurement.models import Campaign, Offer, Order


def acting_partner(request: HttpRequest) -> Organisation:
    """The active organisation, a partner that publishes offers; else 403."""
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_offer(organisation):
        raise PageForbidden(_("Only a partner publishes offers."))
    return organisation


def acting_coordinator(request: HttpRequest) -> Organisation:
    """The active organisation, the territory that coordinates group purchasing; else 403."""
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_coordinate(organisation):
        raise PageForbidden(_("Only the territory coordinates group purchasing."))
    return organisation


def acting_member(request: HttpRequest) -> Organisation:
    """The active organisation, a commune or a buyer that commits to group orders; else 403."""
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_join_groupement(organisation):
        raise PageForbidden(_("Only a commune or a buyer commits to a group order."))
    return organisation


def visible_offer(request: HttpRequest, pk: int) -> Offer:
    return selectors.offer_get_visible(pk=pk, organisations=acting_as(request))


def visible_campaign(request: HttpRequest, pk: int) -> Campaign:
    return selectors.campaign_get_visible(pk=pk, organisations=acting_as(request))


def visible_order(request: HttpRequest, pk: int) -> Order:
    return selectors.order_get_visible(pk=pk, organisations=acting_as(request))


def is_coordinator_of(organisation: Organisation | None, campaign: Campaign) -> bool:
    """Whether ``organisation`` runs ``campaign`` (its groupement's coordinator)."""
    return organisation is not None and organisation.pk == campaign.groupement.coordinator_id
