"""Who may read the indicators, publish the factors and declare a buyer's spend, written once
for pages, API and services."""

from __future__ import annotations

from organisations.choices import OrganisationKind
from organisations.models import Organisation
from organisations.permissions import User, is_admin_of

# The organisations that buy IT equipment and so declare an AGEC purchase share.
PUBLIC_BUYER_KINDS = frozenset({OrganisationKind.COMMUNE, OrganisationKind.BUYER})


def may_view_indicators(viewer: Organisation, *, scope_organisation: Organisation) -> bool:
    """An organisation reads its own indicators; the territory reads everyone's."""
    return viewer.is_territory or viewer.pk == scope_organisation.pk


def may_publish_factors(user: User, organisation: Organisation) -> bool:
    """The territory's administrators publish a new version of the factors and targets."""
    return organisation.is_territory and is_admin_of(user, organisation)


def may_declare_spend(user: User, organisation: Organisation) -> bool:
    """A commune's or buyer's administrators declare its annual IT spend."""
    return organisation.kind in PUBLIC_BUYER_KINDS and is_admin_of(user, organisation)
