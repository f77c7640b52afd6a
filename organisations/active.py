"""The organisation a user works under in the pages, as chosen in the switcher."""

from __future__ import annotations

from django.http import HttpRequest

from common.errors import PermissionDenied
from organisations.models import Membership, Organisation
from organisations.permissions import membership_in, memberships_of

SESSION_KEY = "boucle_active_organisation"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership picked in the switcher, else the user's first one; cached per request."""
    if not hasattr(request, "_boucle_active_membership"):
        memberships = memberships_of(request.user)
        chosen = request.session.get(SESSION_KEY)
        request._boucle_active_membership = next(
            (m for m in memberships if m.organisation_id == chosen),
            memberships[0] if memberships else None,
        )
    return request._boucle_active_membership


def activate(request: HttpRequest, organisation: Organisation) -> Membership:
    """Make ``organisation`` the active one; only an organisation the user belongs to."""
    membership = membership_in(request.user, organisation)
    if membership is None:
        raise PermissionDenied(code="not_a_member")
    request.session[SESSION_KEY] = organisation.pk
    request._boucle_active_membership = membership
    return membership


def active_organisation(request: HttpRequest) -> Organisation | None:
    """The organisation the user works for in the pages, None for a user of none."""
    membership = active_membership(request)
    return membership.organisation if membership else None


def acting_as(request: HttpRequest) -> list[Organisation]:
    """The organisations a page acts and reads for: the active one, or none."""
    organisation = active_organisation(request)
    return [organisation] if organisation else []
