"""Pages of invoices: the partner invoices an admitted delivery (a Factur-X PDF, where to pay
stated on it) and cancels an invoice by a credit note saying why; each organisation lists its
invoices (the partner those it issued, the buyer those it received, the territory all), each
with its PDF to download."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.errors import NotFound, TransitionNotAllowed, ValidationFailed
from common.pages import add_application_error, error_summary
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors, services
from procurement.choices import (
    AdmissionDecision,
    DeliveryItemOutcome,
    DeliveryState,
    InvoiceState,
)
from procurement.forms_deliveries import CreditNoteForm, InvoiceForm
from procurement.models import Invoice
from procurement.views_deliveries import visible_delivery


def visible_invoice(request: HttpRequest, pk: int) -> Invoice:
    """An invoice the active organisation may read (404 otherwise)."""
    invoice = (
        selectors.invoices_visible_to(acting_as(request))
        .select_related("delivery__order")
        .filter(pk=pk)
        .first()
    )
    if invoice is None:
        raise NotFound(_("No such invoice."), code="invoice_not_found")
    return invoice


@login_required
@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    """The invoices of the active organisation's deliveries, the newest first, each with its
    PDF and, once cancelled, its credit note; the partner cancels a standing one."""
    organisation = active_organisation(request)
    invoices = list(selectors.invoices_visible_to(acting_as(request)))
    context = {
        "organisation": organisation,
        "rows": [
            {
                "invoice": invoice,
                "may_cancel": organisation is not None
                and invoice.partner_id == organisation.pk
                and invoice.state == InvoiceState.ISSUED,
            }
            for invoice in invoices
        ],
        "to_invoice": (
            list(selectors.deliveries_to_invoice(organisation, listed=True))
            if organisation is not None and organisation.is_partner
            else []
        ),
    }
    return render(request, "procurement/invoice_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivery's partner invoices its admitted devices: confirm, with the IBAN to pay."""
    delivery = visible_delivery(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_deliver(organisation, delivery.order):
        raise PageForbidden(_("Only the order's partner invoices its deliveries."))
    if delivery.state != DeliveryState.ADMITTED:
        messages.error(
            request,
            _("Only an admitted delivery is invoiced: this one is %(state)s.")
            % {"state": delivery.get_state_display().lower()},
        )
        return redirect("procurement:delivery-detail", pk=delivery.pk)
    status = 200
    form = InvoiceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                invoice = services.invoice_issue(
                    delivery=delivery, user=request.user, iban=form.cleaned_data["iban"]
                )
            except ValidationFailed as error:
                add_application_error(form, error)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:delivery-detail", pk=delivery.pk)
            else:
                messages.success(
                    request,
                    _(
                        "Invoice %(number)s issued: its Factur-X PDF is being made, and the "
                        "buyer is told."
                    )
                    % {"number": invoice.document.number},
                )
                return redirect("procurement:invoice-list")
        status = 400
    items = [
        item
        for item in selectors.delivery_items(delivery)
        if item.outcome == DeliveryItemOutcome.ADMITTED
    ]
    admission = next(
        (
            admission
            for admission in delivery.admissions.all()
            if admission.decision in (AdmissionDecision.ADMISSION, AdmissionDecision.REDUCTION)
        ),
        None,
    )
    context = {
        "delivery": delivery,
        "items": items,
        "admission": admission,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "procurement/invoice_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def invoice_credit_note(request: HttpRequest, pk: int) -> HttpResponse:
    """The invoice's partner cancels it by a credit note, saying why; the delivery may then
    be invoiced again."""
    invoice = visible_invoice(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_deliver(organisation, invoice.delivery.order):
        raise PageForbidden(_("Only the order's partner invoices its deliveries."))
    if invoice.state != InvoiceState.ISSUED:
        messages.error(request, _("This invoice is cancelled already."))
        return redirect("procurement:invoice-list")
    status = 200
    form = CreditNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                credit_note = services.credit_note_issue(
                    invoice=invoice, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationFailed as error:
                add_application_error(form, error)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:invoice-list")
            else:
                messages.success(
                    request,
                    _(
                        "Credit note %(number)s issued: the invoice is cancelled, and the buyer "
                        "is told."
                    )
                    % {"number": credit_note.document.number},
                )
                return redirect("procurement:invoice-list")
        status = 400
    context = {"invoice": invoice, "form": form, "errors": error_summary([(form, "")])}
    return render(request, "procurement/invoice_credit_note.html", context, status=status)
