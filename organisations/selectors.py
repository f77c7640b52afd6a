"""Reads of organisations: their sites and their members."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from organisations.models import Membership, Organisation, Site


def organisation_sites(organisation: Organisation) -> QuerySet[Site]:
    return organisation.sites.order_by("name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by(
        "user__last_name", "user__username"
    )


def organisation_by_code(code: str) -> Organisation | None:
    """The organisation whose INSEE code (a commune) or short name is ``code``."""
    return Organisation.objects.filter(Q(insee_code=code) | Q(slug=code)).first()
