"""Pages of recycling: record a shipment of devices to a DEEE channel, the waste records, and
the waste register as a CSV file.

Views stay thin: the active organisation acts, :mod:`reuse.services` decides and writes, and
refusals become pages (403, 404) or form errors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import NotFound, TransitionNotAllowed, ValidationFailed
from common.pages import add_application_error, error_summary
from inventory.pages import visible_device
from organisations.active import acting_as, active_organisation
from reuse import exports, selectors, services
from reuse import permissions as reuse_permissions
from reuse.forms import WasteRecordForm
from reuse.pages import recycling_partner
from reuse.waste_register import register_year


@login_required
@require_GET
def waste_record_list(request: HttpRequest) -> HttpResponse:
    """The waste records the active organisation may read, and the register's export."""
    organisation = active_organisation(request)
    records = selectors.waste_records_visible_to(acting_as(request))
    years = sorted({record.shipped_on.year for record in records}, reverse=True)
    own_years = sorted(
        {
            record.shipped_on.year
            for record in records
            if organisation and record.partner_id == organisation.pk
        },
        reverse=True,
    )
    context = {
        "organisation": organisation,
        "records": records,
        "years": years,
        "own_years": own_years,
        "may_record": organisation is not None and reuse_permissions.may_recycle(organisation),
    }
    return render(request, "reuse/recycling_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def waste_record_new(request: HttpRequest) -> HttpResponse:
    """Record a shipment to recycling of devices the partner holds: ticked, with the register's
    fields. Data-bearing devices whose media are not erased or destroyed cannot be ticked."""
    partner = recycling_partner(request)
    devices = list(selectors.recyclable_devices(partner))
    rows = [
        {
            "device": device,
            # Why it cannot be ticked: the lifecycle's rule, shown as the erasure's state.
            "erasure_refusal": selectors.erasure_refusal(device)
            if services.device_recycling_missing(device)
            else None,
        }
        for device in devices
    ]
    if request.method == "POST":
        form = WasteRecordForm(request.POST, devices=devices)
        if form.is_valid():
            data = form.cleaned_data
            chosen = set(data["codes"])
            try:
                record = services.waste_record_create(
                    partner=partner,
                    user=request.user,
                    devices=[device for device in devices if device.code in chosen],
                    **form.register_values(),
                )
            except ValidationFailed as error:
                add_application_error(form, error)
            except (TransitionNotAllowed, NotFound) as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d device recycled: the waste record is in the register.",
                        "%(count)d devices recycled: the waste record is in the register.",
                        len(chosen),
                    )
                    % {"count": len(chosen)},
                )
                return redirect("reuse:waste-record-detail", pk=record.pk)
        checked = set(request.POST.getlist("codes"))
    else:
        checked = {code.strip().upper() for code in request.GET.getlist("codes")}
        form = WasteRecordForm(
            initial={"shipped_on": timezone.localdate(), "transporter_name": partner.name},
            devices=devices,
        )
    for row in rows:
        row["checked"] = row["device"].code in checked and row["erasure_refusal"] is None
    context = {
        "organisation": partner,
        "rows": rows,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "reuse/recycling_new.html", context)


@login_required
@require_GET
def device_recycle(request: HttpRequest, code: str) -> HttpResponse:
    """The device page's "Recycle": the shipment form with this device ticked."""
    device = visible_device(request, code)
    recycling_partner(request)
    return redirect(f"{reverse('reuse:waste-record-new')}?{urlencode({'codes': device.code})}")


@login_required
@require_GET
def waste_record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One waste record: the register's fields and its devices."""
    record = selectors.waste_record_get_visible(pk=pk, organisations=acting_as(request))
    return render(request, "reuse/recycling_detail.html", {"record": record})


@login_required
@require_GET
def waste_register_export(request: HttpRequest) -> StreamingHttpResponse:
    """The waste register the active organisation may read, as CSV (``?year=`` for one year)."""
    try:
        year = register_year(request.GET.get("year", ""))
    except ValueError as error:
        raise Http404(_("No such year.")) from error
    records = selectors.waste_register(acting_as(request), year=year)
    return exports.register_response(records)


@login_required
@require_POST
def waste_register_document(request: HttpRequest) -> HttpResponse:
    """Produce the partner's waste register of a year as a numbered PDF document."""
    partner = recycling_partner(request)
    value = request.POST.get("year", "").strip()
    if not value.isdigit():
        messages.error(request, _("Choose the year of the register."))
        return redirect("reuse:waste-record-list")
    try:
        document = services.waste_register_issue(
            partner=partner, user=request.user, year=int(value)
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect("reuse:waste-record-list")
    messages.success(
        request,
        _("The waste register is being produced as %(number)s: find it in your documents.")
        % {"number": document.number},
    )
    return redirect("documents:document-list")
