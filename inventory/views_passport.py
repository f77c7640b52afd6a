"""The device passport (``/d/<code>/``) and the printing of label sheets.

The passport is public: the QR code of a label opens it on any phone. Label sheets are
documents of the documents module, requested here from the inventory list's selection
and through the API (``POST /api/v1/labels/``, in :mod:`inventory.api.labels`).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import (
    NotFound,
    ValidationFailed,
)
from inventory import labels, passport
from organisations.active import active_organisation


@require_GET
def device_passport(request: HttpRequest, code: str) -> HttpResponse:
    """What a label's QR code opens: the actions to take, or the public passport."""
    device = passport.passport_device(code)
    if device is None:
        raise Http404(_("No device has this code."))
    organisation = active_organisation(request) if request.user.is_authenticated else None
    actions = passport.passport_actions(organisation, device)
    context = {
        "device": device,
        "organisation": organisation,
        "actions": actions,
        "acting": bool(actions),
        "device_page": passport.may_open_device_page(organisation, device),
        "history": passport.public_history(device),
        "refurbishment": passport.passport_details(device),
    }
    return render(request, "inventory/passport.html", context)


@login_required
@require_POST
def label_sheet_print(request: HttpRequest) -> HttpResponse:
    """Request the label sheet of the devices ticked in the inventory list, then fetch it."""
    organisation = active_organisation(request)
    if organisation is None:
        raise PageForbidden(_("You belong to no organisation."))
    try:
        document = labels.label_sheet_request(
            organisation=organisation,
            codes=request.POST.getlist("devices"),
            layout=request.POST.get("layout") or labels.DEFAULT_LAYOUT,
            user=request.user,
            passport_url=passport.passport_url_builder(request),
        )
    except (ValidationFailed, NotFound) as error:
        messages.error(request, error.message)
        return redirect("inventory:device-list")
    messages.success(request, _("Label sheet %(number)s requested.") % {"number": document.number})
    return redirect("documents:document-download", number=document.number)
