"""Pages of orders: a buyer's and a partner's own, every one for the territory; an order's lines,
totals, devices, purchase order and deliveries; the territory cancels one before delivery, saying
why."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django_fsm import can_proceed

from common.pages import TransitionConfirmView
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors, services
from procurement.choices import OrderState
from procurement.forms import ReasonForm
from procurement.models import Order
from procurement.pages import is_coordinator_of, visible_order


@login_required
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """The orders of the active organisation: those it buys or supplies (all for the
    territory), the latest first, each with its purchase order."""
    orders = list(selectors.orders_visible_to(acting_as(request)))
    documents = selectors.purchase_orders_of(orders)
    context = {
        "organisation": active_organisation(request),
        "rows": [{"order": order, "document": documents.get(order.pk)} for order in orders],
    }
    return render(request, "procurement/order_list.html", context)


@login_required
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An order: both parties, its campaign, its lines with their prices and VAT, its totals
    excl. and incl. VAT, its devices and its purchase order; the territory may cancel it."""
    order = visible_order(request, pk)
    organisation = active_organisation(request)
    progress = selectors.order_progress([order])[order.pk]
    context: dict[str, Any] = {
        "order": order,
        "document": selectors.purchase_orders_of([order]).get(order.pk),
        "may_cancel": is_coordinator_of(organisation, order.campaign)
        and order.state == OrderState.PLACED,
        # Its deliveries, and whether its partner may prepare another one.
        "deliveries": list(selectors.deliveries_visible_to(acting_as(request)).filter(order=order)),
        "progress": progress,
        "may_deliver": organisation is not None
        and permissions.may_deliver(organisation, order)
        and order.state == OrderState.PLACED
        and progress.to_deliver > 0,
    }
    return render(request, "procurement/order_detail.html", context)


class OrderCancelView(TransitionConfirmView):
    """Confirm, then cancel a placed order with a reason: its devices go back to stock."""

    template_name = "procurement/order_cancel.html"
    form_class = ReasonForm
    forbidden_message = gettext_lazy("Only the groupement's coordinator cancels an order.")

    def get_object(self) -> Order:
        return visible_order(self.request, self.kwargs["pk"])

    def refusal(self, obj: Order) -> str | None:
        return None if can_proceed(obj.cancel) else _("This order is already cancelled.")

    def permitted(self, obj: Order) -> bool:
        return is_coordinator_of(active_organisation(self.request), obj.campaign)

    def perform(self, obj: Order, form) -> None:
        services.order_cancel(order=obj, user=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, obj: Order) -> str:
        return _("Order cancelled: its devices are back in stock, the buyer and the partner told.")

    def object_url(self, obj: Order) -> str:
        return reverse("procurement:order-detail", args=[obj.pk])

    def get_context_data(self, obj: Order, form) -> dict[str, Any]:
        return {**super().get_context_data(obj, form), "order": obj}


order_cancel = login_required(OrderCancelView.as_view())
