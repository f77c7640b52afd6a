"""Pages of the shared inventory: the list, a device's page, declare, edit and withdraw.

Views stay thin: they read through :mod:`inventory.selectors`, ask :mod:`inventory.permissions`
what the active organisation may do, and write through :mod:`inventory.services`, turning
its refusals into pages (403, 404) or messages.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as PageForbidden
from django.db.models import DateField, DecimalField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from common.errors import PermissionDenied, ValidationFailed
from common.keyset import keyset_page
from common.pages import add_application_error, error_summary, is_htmx
from documents.selectors import documents_about_device
from inventory import lifecycle, permissions, selectors, services
from inventory.choices import DeclarationSource
from inventory.forms import (
    DEVICE_FORMSET_PREFIX,
    DeclarationForm,
    DeviceEditForm,
    DeviceFormSet,
    WithdrawForm,
    device_filter_for_page,
    device_formset_with_added_row,
)
from inventory.models import Device, DeviceEvent
from inventory.pages import DeviceTransitionView, visible_device
from organisations.active import acting_as, active_organisation
from organisations.models import Organisation

# The list counts its devices up to this many; beyond, it says "more than".
DEVICE_COUNT_LIMIT = 1000

# The transitions that have a page of their own, by name; later issues add theirs here.
TRANSITION_PAGES = {
    "withdraw": "inventory:device-withdraw",
    "claim": "reuse:device-claim",
    "release": "reuse:device-release",
    "collect": "reuse:device-collect",
    "diagnose": "reuse:device-refurbishment",
    "certify": "reuse:device-refurbishment",
    "recycle": "reuse:device-recycle",
}


@login_required
@require_GET
def device_list(request: HttpRequest) -> HttpResponse:
    """The shared inventory as the active organisation sees it, filtered and paginated."""
    organisation = active_organisation(request)
    data = request.GET.copy()
    # A commune opens the list on its own devices; "all communes" (an empty choice) shows the
    # territory's shared inventory.
    if organisation is not None and organisation.is_commune and "commune" not in data:
        data["commune"] = organisation.slug
    device_filter = device_filter_for_page(
        data,
        queryset=selectors.devices_listed_for(acting_as(request)),
        organisation=organisation,
    )
    devices = device_filter.qs
    # Keyset pages: the search and filters run once, over an index, and count the list only
    # up to a limit (a million devices are "more than 1,000"); the page's rows are then read
    # by their keys, and their organisations for them all (the list shows no pickup site).
    page = keyset_page(
        devices,
        request.GET,
        ordering=devices.query.order_by or Device._meta.ordering,
        size=settings.BOUCLE_DEVICE_PAGE_SIZE,
        count_limit=DEVICE_COUNT_LIMIT,
        rows=Device.objects.all(),
        then=_with_organisations,
    )
    context = {
        "organisation": organisation,
        "may_print_labels": organisation is not None and permissions.may_print_labels(organisation),
        "htmx": is_htmx(request),
        "filter_form": device_filter.form,
        "page": page,
        "devices": page.rows,
        "scope": _commune_scope(organisation, device_filter),
        "is_filtered": any(
            value
            for name in device_filter.form.fields
            if name != "sort"
            for value in request.GET.getlist(name)
        ),
        "declaration": _declaration_filtered(device_filter),
    }
    template = "inventory/partials/device_results.html" if context["htmx"] else None
    response = render(request, template or "inventory/device_list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _with_organisations(devices: list[Device]) -> list[Device]:
    return selectors.devices_with_relations(devices, sites=False)


def _commune_scope(organisation: Organisation | None, device_filter) -> str | None:
    """For a commune, whether the list shows its own devices ("own") or the territory's
    shared inventory ("territory"), to offer the other; None otherwise."""
    if organisation is None or not organisation.is_commune or not device_filter.is_valid():
        return None
    chosen = device_filter.form.cleaned_data.get("commune")
    if chosen == organisation:
        return "own"
    return "territory" if chosen is None else None


def _declaration_filtered(device_filter) -> int | None:
    """The number of the declaration the list is narrowed to, shown as a removable filter."""
    if not device_filter.is_valid():
        return None
    number = device_filter.form.cleaned_data.get("declaration")
    return None if number is None else int(number)


@login_required
@require_GET
def device_detail(request: HttpRequest, code: str) -> HttpResponse:
    organisation = active_organisation(request)
    device = visible_device(request, code)
    context = {
        "device": device,
        "history": _history_entries(selectors.device_history(device), viewer=organisation),
        "actions": _actions(organisation, device),
        # The documents about it the active organisation may read: its collection note, its
        # erasure certificates, label sheets, waste registers (the documents app keeps which
        # devices each one is about, by code).
        "documents": list(
            documents_about_device(device_code=device.code, organisations=acting_as(request))
        ),
    }
    return render(request, "inventory/device_detail.html", context)


def _actions(organisation: Organisation | None, device: Device) -> list[dict[str, Any]]:
    """What the active organisation may do with the device now, each with its page."""
    if organisation is None:
        return []
    actions = []
    if permissions.can_edit_device(organisation, device):
        actions.append(
            {
                "name": "edit",
                "label": _("Edit the description"),
                "url": reverse("inventory:device-edit", args=[device.code]),
            }
        )
    for name in lifecycle.allowed_transitions(device, [organisation]):
        if name in TRANSITION_PAGES:
            actions.append(
                {
                    "name": name,
                    "label": lifecycle.transition_label(name),
                    "url": reverse(TRANSITION_PAGES[name], args=[device.code]),
                    # Blocked until nothing is missing: shown as blocked, with what is.
                    "missing": lifecycle.transition_missing(device, name),
                }
            )
    return actions


def _history_entries(
    events: Iterable[DeviceEvent], *, viewer: Organisation | None
) -> list[dict[str, Any]]:
    """The events as the page shows them; people's names only for their own organisation."""
    entries = []
    for event in events:
        shows_actor = viewer is not None and permissions.can_see_event_actor([viewer], event)
        entries.append(
            {
                "event": event,
                "actor": _person(event.actor) if shows_actor and event.actor else "",
                "changes": _changes(event),
            }
        )
    return entries


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _changes(event: DeviceEvent) -> list[dict[str, str]]:
    changes = []
    for name, (old, new) in (event.details or {}).get("changed", {}).items():
        try:
            field = Device._meta.get_field(name)
        except FieldDoesNotExist:  # a field a later version removed: show its raw name
            changes.append({"label": name, "old": str(old), "new": str(new)})
            continue
        changes.append(
            {
                "label": str(field.verbose_name),
                "old": _display_value(field, old),
                "new": _display_value(field, new),
            }
        )
    return changes


def _display_value(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, DecimalField):
        # 16.00 reads 16 and 14.50 reads 14.5, in the page's language (14,5 in French).
        number = Decimal(str(value))
        number = number.to_integral() if number == number.to_integral() else number.normalize()
        return formats.number_format(number)
    if isinstance(field, DateField):
        return formats.date_format(datetime.date.fromisoformat(str(value)))
    return str(value)


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """Declare one device or several at once, for the active organisation (a commune)."""
    commune = active_organisation(request)
    if commune is None or not permissions.can_declare_for(commune, commune):
        raise PageForbidden(
            _("Only a commune declares devices: choose a commune as your active organisation.")
        )

    if request.method == "POST" and "add_device" in request.POST:
        declaration_form = DeclarationForm(commune=commune, initial=request.POST.dict())
        formset = device_formset_with_added_row(request.POST)
        return _declare_page(request, commune, declaration_form, formset)

    if request.method == "GET":
        declaration_form = DeclarationForm(commune=commune)
        formset = DeviceFormSet(prefix=DEVICE_FORMSET_PREFIX)
        return _declare_page(request, commune, declaration_form, formset)

    declaration_form = DeclarationForm(request.POST, commune=commune)
    formset = DeviceFormSet(request.POST, prefix=DEVICE_FORMSET_PREFIX)
    common_part_valid = declaration_form.is_valid()
    rows_valid = formset.is_valid()
    if not (common_part_valid and rows_valid):
        return _declare_page(request, commune, declaration_form, formset)

    rows = formset.kept_forms()
    try:
        declaration = services.declaration_create(
            user=request.user,
            commune=commune,
            pickup_site=declaration_form.cleaned_data["pickup_site"],
            descriptions=[form.description() for form in rows],
            source=DeclarationSource.FORM,
            reference=declaration_form.cleaned_data["reference"],
        )
    except services.DeclarationRejected as rejection:
        for index, fields in rejection.rows.items():
            for name, field_messages in fields.items():
                for message in field_messages:
                    _add_error(rows[index], name, message, fallback=declaration_form)
        return _declare_page(request, commune, declaration_form, formset)
    except (ValidationFailed, PermissionDenied) as error:
        add_application_error(declaration_form, error)
        return _declare_page(request, commune, declaration_form, formset)

    codes = list(declaration.devices.order_by("pk").values_list("code", flat=True))
    messages.success(
        request,
        ngettext(
            "%(count)d device declared: %(codes)s.",
            "%(count)d devices declared: %(codes)s.",
            len(codes),
        )
        % {"count": len(codes), "codes": ", ".join(codes)},
    )
    if len(codes) == 1:
        return redirect("inventory:device-detail", code=codes[0])
    query = urlencode({"declaration": declaration.pk})
    return redirect(f"{reverse('inventory:device-list')}?{query}")


def _declare_page(
    request: HttpRequest,
    commune: Organisation,
    declaration_form: DeclarationForm,
    formset: Any,
) -> HttpResponse:
    rows, number = [], 0
    for form in formset.forms:
        removed = _is_removed(form)
        number += 0 if removed else 1
        rows.append({"form": form, "number": number, "removed": removed})
    context = {
        "commune": commune,
        "declaration_form": declaration_form,
        "formset": formset,
        "rows": rows,
        "errors": error_summary(
            [
                (declaration_form, ""),
                *(
                    (row["form"], _("Device %(number)d") % {"number": row["number"]})
                    for row in rows
                    if not row["removed"]
                ),
            ],
            non_form_errors=formset.non_form_errors() if formset.is_bound else (),
        ),
    }
    return render(request, "inventory/declare.html", context)


def _is_removed(form: Any) -> bool:
    """A row the person removed: the page hides it and its errors do not count."""
    return form.is_bound and bool(form["DELETE"].data)


def _add_error(form: Any, name: str, message: str, *, fallback: Any = None) -> None:
    """Show a service's error on its field, else on the form that has the field, else on top."""
    if name in form.fields:
        form.add_error(name, message)
    elif fallback is not None and name in fallback.fields:
        fallback.add_error(name, message)
    else:
        form.add_error(None, message)


@login_required
@require_http_methods(["GET", "POST"])
def device_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Correct a declared device's description (the declaring commune, while it is declared)."""
    organisation = active_organisation(request)
    device = visible_device(request, code)
    if organisation is None or not permissions.can_edit_device(organisation, device):
        raise PageForbidden(_("Only the declaring commune edits a device, while it is declared."))

    # The form works on a copy: cleaning fills its instance, and the page shows the device as
    # it is stored until the service has saved the change.
    if request.method == "GET":
        form = DeviceEditForm(instance=copy.copy(device))
        return _edit_page(request, device, form)

    form = DeviceEditForm(request.POST, instance=copy.copy(device))
    if not form.is_valid():
        return _edit_page(request, device, form)
    if not set(form.changed_data) - {"note"}:
        messages.info(request, _("Nothing was changed."))
        return redirect("inventory:device-detail", code=device.code)
    try:
        services.device_update(
            device=device,
            user=request.user,
            organisation=organisation,
            note=form.cleaned_data["note"],
            **form.description(),
        )
    except ValidationFailed as error:
        add_application_error(form, error)
        return _edit_page(request, device, form)
    messages.success(request, _("The description of %(code)s was saved.") % {"code": device.code})
    return redirect("inventory:device-detail", code=device.code)


def _edit_page(request: HttpRequest, device: Device, form: DeviceEditForm) -> HttpResponse:
    context = {"device": device, "form": form, "errors": error_summary([(form, "")])}
    return render(request, "inventory/device_edit.html", context)


class DeviceWithdrawView(DeviceTransitionView):
    """Confirm, then withdraw a declared device from the shared inventory."""

    transition = "withdraw"
    template_name = "inventory/device_withdraw.html"
    form_class = WithdrawForm
    forbidden_message = gettext_lazy("Only the declaring commune withdraws a device.")

    def perform(self, obj: Device, form: WithdrawForm) -> None:
        services.device_withdraw(
            device=obj,
            user=self.request.user,
            organisation=self.organisation,
            note=form.cleaned_data["note"],
        )

    def success_message(self, obj: Device) -> str:
        return _("%(code)s was withdrawn from the shared inventory.") % {"code": obj.code}


device_withdraw = login_required(DeviceWithdrawView.as_view())
