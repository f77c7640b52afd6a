"""Who acts for a claim or a collection, and who sees collections."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils.translation import gettext as _

from common.errors import PermissionDenied
from inventory import permissions as inventory_permissions
from inventory.models import Device
from organisations.models import Organisation
from organisations.permissions import membership_in, organisations_of


def claiming_partner(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The partner ``user`` claims for: the one named by ``slug``, else their only partner.

    Refused (403) when the user belongs to no partner, or to several without naming one.
    """
    partners = [o for o in organisations_of(user) if inventory_permissions.may_claim(o)]
    if slug:
        partners = [partner for partner in partners if partner.slug == slug]
    if len(partners) == 1:
        return partners[0]
    if not partners:
        raise PermissionDenied(_("Only a partner claims devices."), code="transition_forbidden")
    raise PermissionDenied(
        _("You belong to several partners: name the one you claim for."),
        code="partner_required",
    )


def releasing_partner(user: AbstractBaseUser, device: Device) -> Organisation:
    """The claimant, when ``user`` is one of its members; otherwise refused (403)."""
    if device.claimed_by_id is not None:
        membership = membership_in(user, device.claimed_by)
        if membership is not None:
            return membership.organisation
    raise PermissionDenied(
        _("Only the partner that claimed the device releases it."), code="transition_forbidden"
    )


def visible_collections_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on collections: the partner's and the commune's; the territory reads all.

    ``None`` when nothing is visible.
    """
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = [organisation.pk for organisation in organisations]
    return Q(partner__in=pks) | Q(commune__in=pks)


def may_record_collection(organisation: Organisation) -> bool:
    """Partners record the collections of the devices they claimed."""
    return inventory_permissions.may_claim(organisation)


def collecting_partner(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The partner ``user`` records a collection for (as :func:`claiming_partner`)."""
    return claiming_partner(user, slug)


def may_recycle(organisation: Organisation) -> bool:
    """Partners send the devices they hold and cannot reuse to recycling."""
    return inventory_permissions.may_claim(organisation)


def recycling_partner(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The partner ``user`` records a waste record for (as :func:`claiming_partner`)."""
    return claiming_partner(user, slug)


def visible_waste_records_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on waste records: the producing partner's, and those holding a commune's
    devices for that commune (the counterpart of the cession); the territory reads all.

    ``None`` when nothing is visible.
    """
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = [organisation.pk for organisation in organisations]
    return Q(partner__in=pks) | Q(items__device__commune__in=pks)


def visible_waste_devices_q(organisations: Iterable[Organisation], *, prefix: str = "") -> Q | None:
    """A filter on the devices of waste records: the partner that shipped a record reads all
    its devices, a commune only its own (never another commune's codes or serial numbers),
    the territory all. ``prefix`` leads from the queried model to the device
    (``"items__device__"`` from a waste record).

    ``None`` when nothing is visible.
    """
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = [organisation.pk for organisation in organisations]
    return Q(**{f"{prefix}commune__in": pks}) | Q(
        **{f"{prefix}waste_item__waste_record__partner__in": pks}
    )


def may_plan_pickup(organisation: Organisation) -> bool:
    """Partners plan the pickups of the devices they claimed."""
    return inventory_permissions.may_claim(organisation)


def planning_partner(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The partner ``user`` plans a pickup for (as :func:`claiming_partner`)."""
    return claiming_partner(user, slug)


def visible_pickups_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on planned pickups: the partner's and the commune's; the territory reads all.

    ``None`` when nothing is visible.
    """
    return visible_collections_q(organisations)
