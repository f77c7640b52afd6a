"""Pages of warranty returns: a buyer's delivered devices with their warranty and the report
of a fault; the returns a partner has to settle (a buyer's own, all for the territory); a
return's page, where its partner records the outcome."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.errors import ApplicationError, TransitionNotAllowed
from common.pages import add_application_error, error_summary
from inventory.models import Device
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors, services
from procurement.choices import ReturnState
from procurement.forms_returns import FaultForm, OutcomeForm
from procurement.models import WarrantyReturn
from procurement.pages import acting_member


@login_required
@require_GET
def return_devices(request: HttpRequest) -> HttpResponse:
    """The devices delivered to the active commune or buyer that it still holds, each with
    its warranty's end and its open return, or the action to report a fault."""
    buyer = acting_member(request)
    context = {"organisation": buyer, "rows": selectors.buyer_devices(buyer)}
    return render(request, "procurement/return_devices.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def return_report(request: HttpRequest, code: str) -> HttpResponse:
    """The buyer describes the fault of one of its devices under warranty."""
    buyer = acting_member(request)
    device = Device.objects.filter(code=code.strip().upper()).first()
    coverage = None if device is None else selectors.warranty_coverage(device)
    if coverage is None or coverage.buyer_id != buyer.pk:
        raise Http404(_("No such device among the devices delivered to your organisation."))
    form = FaultForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            warranty_return = services.return_report(
                device=device, buyer=buyer, user=request.user, fault=form.cleaned_data["fault"]
            )
        except TransitionNotAllowed as error:
            messages.error(request, error.message)
            return redirect("procurement:return-devices")
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Fault reported: the partner is told."))
            return redirect("procurement:return-detail", pk=warranty_return.pk)
    context = {
        "device": device,
        "coverage": coverage,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "procurement/return_report.html", context)


@login_required
@require_GET
def return_list(request: HttpRequest) -> HttpResponse:
    """The returns of the active organisation: those to settle first, then the settled ones,
    the latest reported first."""
    organisation = active_organisation(request)
    returns = list(selectors.returns_visible_to(acting_as(request)))
    context = {
        "organisation": organisation,
        "open_returns": [row for row in returns if row.state == ReturnState.OPEN],
        "settled_returns": [row for row in returns if row.state != ReturnState.OPEN],
    }
    return render(request, "procurement/return_list.html", context)


def _visible_return(request: HttpRequest, pk: int) -> WarrantyReturn:
    return selectors.return_get_visible(pk=pk, organisations=acting_as(request))


def _may_settle(request: HttpRequest, warranty_return: WarrantyReturn) -> bool:
    organisation = active_organisation(request)
    return (
        organisation is not None
        and warranty_return.state == ReturnState.OPEN
        and permissions.may_settle_return(organisation, warranty_return)
    )


def _outcome_form(warranty_return: WarrantyReturn, data=None) -> OutcomeForm:
    return OutcomeForm(data, candidates=selectors.replacement_candidates(warranty_return))


def _detail(
    request: HttpRequest, warranty_return: WarrantyReturn, form: OutcomeForm | None
) -> HttpResponse:
    context: dict[str, Any] = {
        "warranty_return": warranty_return,
        "form": form,
        "errors": error_summary([(form, "")]) if form is not None else [],
    }
    return render(request, "procurement/return_detail.html", context)


@login_required
@require_GET
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A return: the device, the fault, the warranty, the outcome; its partner records the
    outcome while it is open."""
    warranty_return = _visible_return(request, pk)
    form = _outcome_form(warranty_return) if _may_settle(request, warranty_return) else None
    return _detail(request, warranty_return, form)


@login_required
@require_http_methods(["POST"])
def return_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    """The partner records the outcome of an open return."""
    warranty_return = _visible_return(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_settle_return(organisation, warranty_return):
        raise PageForbidden(
            _("Only the partner that delivered the device records the outcome of its return.")
        )
    if warranty_return.state != ReturnState.OPEN:
        messages.error(request, _("The outcome of this return is recorded already."))
        return redirect("procurement:return-detail", pk=pk)
    form = _outcome_form(warranty_return, request.POST)
    if form.is_valid():
        try:
            services.return_settle(
                warranty_return=warranty_return,
                user=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                replacement=form.cleaned_data["replacement"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Outcome recorded: the buyer is told."))
            return redirect(reverse("procurement:return-detail", args=[pk]))
    return _detail(request, warranty_return, form)
