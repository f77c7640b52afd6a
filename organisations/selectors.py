"""Reads of organisations: their sites and their members."""

from __future__ import annotations

from django.db.models import QuerySet

from organisations.models import Membership, Organisation, Site


def organisation_sites(organisation: Organisation) -> QuerySet[Site]:
    return organisation.sites.order_by("name")


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by(
        "user__last_name", "user__username"
    )
