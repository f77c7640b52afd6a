"""Page helpers of reuse's pages: the partner a page acts for, the devices it ticked."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest
from django.utils.translation import gettext as _

from inventory import permissions as inventory_permissions
from inventory.models import Device
from organisations.active import active_organisation
from organisations.models import Organisation
from reuse import permissions, selectors
from reuse.forms import CodeListField


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


def ticked_devices_of_one_commune(
    request: HttpRequest,
    codes: list[str] | None,
    *,
    claimed_by: Organisation | None = None,
    none_ticked: str,
    several_communes: str,
) -> tuple[list[Device], Organisation] | None:
    """The devices ticked in "My claims" (``codes``, read from the request when None), those
    ``claimed_by`` claimed when given, and their one commune; None once the person is told
    why not (codes refused, nothing ticked, devices of several communes)."""
    if codes is None:
        data = request.POST if request.method == "POST" else request.GET
        try:
            codes = CodeListField(required=False).clean(data.getlist("codes"))
        except forms.ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return None
    ticked = selectors.devices_by_codes(codes)
    if claimed_by is not None:
        ticked = ticked.filter(claimed_by=claimed_by)
    devices = list(ticked.with_related().order_by("code"))
    communes = {device.commune for device in devices}
    if not devices:
        messages.error(request, none_ticked)
        return None
    if len(communes) != 1:
        messages.error(request, several_communes)
        return None
    return devices, communes.pop()
