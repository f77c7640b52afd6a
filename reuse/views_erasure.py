"""The erasure pages of a partner: a device's media and erasure records, recording a medium or
an erasure, importing an nwipe log, and requesting certificates (a device, or a selection).

Views stay thin: the active partner acts, :mod:`reuse.services` decides and writes.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from common.errors import ApplicationError, PermissionDenied
from common.pages import add_application_error, error_summary
from documents.selectors import documents_about_device
from inventory.pages import visible_device
from reuse import selectors, services
from reuse.forms import BatchCertificateForm, ErasureRecordForm, MediumForm, NwipeImportForm
from reuse.pages import active_partner

FORMS = {"medium": MediumForm, "record": ErasureRecordForm, "nwipe": NwipeImportForm}


def _report_nwipe(request: HttpRequest, report: services.NwipeImportReport) -> None:
    passed, failed, unmatched = len(report.created), len(report.failed), len(report.unmatched)
    # Each count agrees with its own noun: « 1 réussi, 2 échoués ».
    counts = {
        "passed": ngettext("%(count)d passed", "%(count)d passed", passed) % {"count": passed},
        "failed": ngettext("%(count)d failed", "%(count)d failed", failed) % {"count": failed},
        "unmatched": ngettext("%(count)d unmatched", "%(count)d unmatched", unmatched)
        % {"count": unmatched},
    }
    messages.success(
        request, _("nwipe log imported: %(passed)s, %(failed)s, %(unmatched)s.") % counts
    )
    if report.unmatched:
        messages.warning(
            request,
            _("Drives matched to no device you hold: %(drives)s.")
            % {"drives": ", ".join(f"{d.device} ({d.serial})" for d in report.unmatched)},
        )


@login_required
@require_http_methods(["GET", "POST"])
def device_erasure(request: HttpRequest, code: str) -> HttpResponse:
    """A device's media and erasure records, with the forms that add to them."""
    partner = active_partner(request)
    device = selectors.device_for_erasure(visible_device(request, code).pk)
    media = list(device.media.all())
    bound = {}
    action = request.POST.get("action") if request.method == "POST" else None
    status = 200
    if action in FORMS or action == "certificate":
        try:
            if action == "certificate":
                document = services.erasure_certificate_issue(
                    partner=partner, user=request.user, device=device
                )
                messages.success(
                    request,
                    _("Certificate %(number)s requested.") % {"number": document.number},
                )
                return redirect("reuse:device-erasure", code=device.code)
            form_class = FORMS[action]
            extra = {"media": media} if action == "record" else {}
            form = form_class(request.POST, request.FILES, prefix=action, **extra)
            bound[action] = form
            if form.is_valid():
                data = form.cleaned_data
                if action == "medium":
                    services.medium_add(partner=partner, user=request.user, device=device, **data)
                    messages.success(request, _("Medium recorded."))
                elif action == "record":
                    chosen = data.pop("medium")
                    medium = next(medium for medium in media if medium.pk == chosen)
                    services.erasure_record_create(
                        partner=partner, user=request.user, medium=medium, **data
                    )
                    messages.success(request, _("Erasure recorded."))
                else:
                    _report_nwipe(
                        request,
                        services.nwipe_log_import(
                            partner=partner,
                            user=request.user,
                            log_file=data["log"],
                            verifier_name=data["verifier_name"],
                            verifier_title=data["verifier_title"],
                        ),
                    )
                return redirect("reuse:device-erasure", code=device.code)
            status = 400
        except PermissionDenied as error:
            messages.error(request, error.message)
            status = 403
        except ApplicationError as error:
            messages.error(request, error.message)
            status = error.status_code
            if error.fields and action in bound:
                add_application_error(bound[action], error)
    medium_form = bound.get("medium") or MediumForm(prefix="medium")
    record_form = bound.get("record") or ErasureRecordForm(prefix="record", media=media)
    nwipe_form = bound.get("nwipe") or NwipeImportForm(prefix="nwipe")
    rows = [(medium, list(medium.records.all())) for medium in media]
    return render(
        request,
        "reuse/erasure_device.html",
        {
            "device": device,
            "partner": partner,
            "rows": rows,
            "holds": device.holder_id == partner.pk,
            "refusal": selectors.erasure_refusal(device),
            "documents": list(
                documents_about_device(device_code=device.code, organisations=[partner])
            ),
            "erased": services.device_erasure_status(device),
            "medium_form": medium_form,
            "record_form": record_form,
            "nwipe_form": nwipe_form,
            "errors": error_summary(
                [(form, "") for form in (medium_form, record_form, nwipe_form)]
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def erasure_batch_certificate(request: HttpRequest) -> HttpResponse:
    """Request one certificate for a selection of devices."""
    partner = active_partner(request)
    form = BatchCertificateForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            codes = form.cleaned_data["codes"]
            # A code of no device and one of a device held elsewhere get the same answer.
            devices = list(selectors.devices_held_by(partner, codes))
            missing = sorted(set(codes) - {device.code for device in devices})
            if missing:
                form.add_error(
                    "codes",
                    _("No device your organisation holds has these codes: %(codes)s.")
                    % {"codes": ", ".join(missing)},
                )
            else:
                try:
                    document = services.erasure_batch_certificate_issue(
                        partner=partner, user=request.user, devices=devices
                    )
                except ApplicationError as error:
                    form.add_error("codes", error.message)
                    status = error.status_code
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Certificate %(number)s requested for %(count)d device.",
                            "Certificate %(number)s requested for %(count)d devices.",
                            len(devices),
                        )
                        % {"number": document.number, "count": len(devices)},
                    )
                    return redirect(reverse("documents:document-list"))
        if status == 200:
            status = 400
    return render(
        request,
        "reuse/erasure_batch_certificate.html",
        {"form": form, "errors": error_summary([(form, "")])},
        status=status,
    )
