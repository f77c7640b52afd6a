"""Page helpers of reuse's pages: the partner a page acts for."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest
from django.utils.translation import gettext as _

from inventory import permissions as inventory_permissions
from organisations.active import active_organisation
from organisations.models import Organisation
from reuse import permissions


def active_partner(request: HttpRequest) -> Organisation:
    """The active organisation, a partner that claims devices; else 403."""
    organisation = active_organisation(request)
    if organisation is None or not inventory_permissions.may_claim(organisation):
        raise PageForbidden(_("Only a partner claims devices."))
    return organisation


def recycling_partner(request: HttpRequest) -> Organisation:
    """The active organisation, a partner that recycles devices; else 403."""
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_recycle(organisation):
        raise PageForbidden(_("Only a partner recycles devices."))
    return organisation
