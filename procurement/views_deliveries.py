"""Pages of deliveries: the partner's orders to deliver and its delivery of one (its devices, a
delivery site of the buyer, a date); the buyer's deliveries to admit and its decision (CCAG-FCS
2021: admission, with a réfaction, ajournement, rejet; a device refused at the door with its
reason); a delivery's devices and documents (the delivery note, signed once decided, and each
decision's record); every order's progress. Each organisation sees its own deliveries (the
territory all of them); only the order's partner delivers it and only its buyer decides."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from common.errors import TransitionNotAllowed, ValidationFailed
from common.pages import error_summary
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors, services
from procurement.choices import (
    DELIVERY_AWAITING_STATES,
    DeliveryState,
    InvoiceState,
    OrderState,
)
from procurement.forms_deliveries import AdmissionForm, DeliveryForm
from procurement.models import Delivery
from procurement.pages import visible_order


def visible_delivery(request: HttpRequest, pk: int) -> Delivery:
    """A delivery the active organisation may read (404 otherwise)."""
    return selectors.delivery_get_visible(pk=pk, organisations=acting_as(request))


def _is_partner_of(organisation, delivery: Delivery) -> bool:
    return organisation is not None and permissions.may_deliver(organisation, delivery.order)


def _is_buyer_of(organisation, delivery: Delivery) -> bool:
    return organisation is not None and permissions.may_decide_on(organisation, delivery)


@login_required
@require_GET
def delivery_list(request: HttpRequest) -> HttpResponse:
    """The active organisation's deliveries, the newest first; for a partner, first its
    orders with devices still to deliver and its admitted deliveries to invoice; for a buyer,
    first the deliveries awaiting its decision."""
    organisation = active_organisation(request)
    deliveries = list(
        selectors.deliveries_in_rows(selectors.deliveries_listed_for(acting_as(request)))
    )
    context: dict[str, Any] = {
        "organisation": organisation,
        "deliveries": deliveries,
        "to_prepare": [],
        "to_invoice": [],
        "to_admit": [],
    }
    if organisation is not None and organisation.is_partner:
        # Their lines, for their progress; not their devices, which their pages list.
        orders = list(
            selectors.orders_listed_for([organisation])
            .filter(partner=organisation, state=OrderState.PLACED)
            .prefetch_related("lines")
        )
        progress = selectors.order_progress(orders)
        context["to_prepare"] = [
            {"order": order, "progress": progress[order.pk]}
            for order in orders
            if progress[order.pk].to_deliver
        ]
        context["to_invoice"] = list(
            selectors.deliveries_in_rows(selectors.deliveries_to_invoice(organisation, listed=True))
        )
    if organisation is not None:
        context["to_admit"] = [
            delivery
            for delivery in deliveries
            if delivery.buyer_id == organisation.pk and delivery.state in DELIVERY_AWAITING_STATES
        ]
    return render(request, "procurement/delivery_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def delivery_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The order's partner prepares a delivery: all or part of the devices still to deliver,
    to one of the buyer's delivery sites, on a date; its delivery note follows."""
    order = visible_order(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_deliver(organisation, order):
        raise PageForbidden(_("Only the order's partner prepares its deliveries."))
    if order.state != OrderState.PLACED:
        messages.error(request, _("This order is cancelled: it is not delivered."))
        return redirect("procurement:order-detail", pk=order.pk)
    items = list(selectors.deliverable_items(order))
    if not items:
        messages.error(request, _("Every device of this order is delivered or being delivered."))
        return redirect("procurement:order-detail", pk=order.pk)
    status = 200
    if request.method == "POST":
        form = DeliveryForm(request.POST, buyer=order.buyer, items=items)
        if form.is_valid():
            try:
                delivery = services.delivery_prepare(
                    order=order,
                    user=request.user,
                    site=form.cleaned_data["site"],
                    delivery_date=form.cleaned_data["delivery_date"],
                    codes=form.cleaned_data["codes"],
                )
            except ValidationFailed as error:
                form.add_service_error(error)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:order-detail", pk=order.pk)
            else:
                count = delivery.items.count()
                messages.success(
                    request,
                    ngettext(
                        "Delivery of %(count)d device prepared: its delivery note is being "
                        "issued, and the buyer is told.",
                        "Delivery of %(count)d devices prepared: its delivery note is being "
                        "issued, and the buyer is told.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("procurement:delivery-detail", pk=delivery.pk)
        status = 400
    else:
        form = DeliveryForm(
            buyer=order.buyer,
            items=items,
            initial={
                "codes": [item.device.code for item in items],
                "site": order.commitment.delivery_site_id,
            },
        )
    context = {
        "order": order,
        "form": form,
        "errors": error_summary([(form, "")]),
        "item_count": len(items),
    }
    return render(request, "procurement/delivery_form.html", context, status=status)


@login_required
@require_GET
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A delivery: its order and parties, its site and date, its devices and what became of
    each, its delivery note (signed once decided), each decision with its record, and its
    invoices; the actions the active organisation may take on it."""
    delivery = visible_delivery(request, pk)
    organisation = active_organisation(request)
    items = list(selectors.delivery_items(delivery))
    invoices = list(selectors.delivery_invoices(delivery))
    is_partner, is_buyer = (
        _is_partner_of(organisation, delivery),
        _is_buyer_of(organisation, delivery),
    )
    standing_invoice = next(
        (invoice for invoice in invoices if invoice.state == InvoiceState.ISSUED), None
    )
    context = {
        "delivery": delivery,
        "items": items,
        "admissions": list(delivery.admissions.all()),
        "invoices": invoices,
        "may_decide": is_buyer and delivery.state in DELIVERY_AWAITING_STATES,
        "may_invoice": is_partner
        and delivery.state == DeliveryState.ADMITTED
        and standing_invoice is None,
        "is_partner": is_partner,
    }
    return render(request, "procurement/delivery_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def delivery_admission(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer records its decision on a delivery, signed and dated; each device may be
    refused at the door with its reason. A delivery admitted or rejected is not decided on
    again."""
    delivery = visible_delivery(request, pk)
    organisation = active_organisation(request)
    if not _is_buyer_of(organisation, delivery):
        raise PageForbidden(_("Only the order's buyer decides on its deliveries."))
    if delivery.state not in DELIVERY_AWAITING_STATES:
        messages.error(
            request,
            _("A decision on this delivery is recorded already: it is %(state)s.")
            % {"state": delivery.get_state_display().lower()},
        )
        return redirect("procurement:delivery-detail", pk=delivery.pk)
    items = list(selectors.delivery_items(delivery))
    status = 200
    if request.method == "POST":
        form = AdmissionForm(request.POST, items=items)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.delivery_decide(
                    delivery=delivery,
                    user=request.user,
                    decision=data["decision"],
                    decided_on=data["decided_on"],
                    signatory_name=data["signatory_name"],
                    signatory_title=data["signatory_title"],
                    reason=data["reason"],
                    reduction_amount=data["reduction_amount"],
                    refusals=form.refusals(),
                )
            except ValidationFailed as error:
                form.add_service_error(error)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:delivery-detail", pk=delivery.pk)
            else:
                messages.success(
                    request,
                    _("Decision recorded: its record is being issued, and the partner is told."),
                )
                return redirect("procurement:delivery-detail", pk=delivery.pk)
        status = 400
    else:
        user = request.user
        form = AdmissionForm(items=items, initial={"signatory_name": user.get_full_name()})
    context = {
        "delivery": delivery,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "procurement/delivery_admission.html", context, status=status)


@login_required
@require_GET
def order_progress(request: HttpRequest) -> HttpResponse:
    """Every order the active organisation may read (all for the territory) and where it
    stands: ordered, handed over, admitted, refused and invoiced, counts and amounts."""
    orders = list(selectors.orders_visible_to(acting_as(request)))
    progress = selectors.order_progress(orders)
    context = {
        "organisation": active_organisation(request),
        "rows": [{"order": order, "progress": progress[order.pk]} for order in orders],
    }
    return render(request, "procurement/delivery_progress.html", context)
