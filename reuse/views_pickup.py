"""Pages of planned pickups: the partner proposes one from "My claims"; both sides see their
pickups and each one's state; the commune confirms or proposes another date, the partner
confirms that date; either side cancels. Refusals become messages or pages (403, 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import ApplicationError, TransitionNotAllowed, ValidationFailed
from common.pages import add_application_error, error_summary
from organisations.active import acting_as, active_organisation
from reuse import selectors, services
from reuse.choices import PickupState
from reuse.forms import PickupProposeForm, PickupSlotForm
from reuse.models import PickupPlan
from reuse.pages import active_partner, ticked_devices_of_one_commune


def _visible_plan(request: HttpRequest, pk: int) -> PickupPlan:
    return selectors.pickup_get_visible(pk=pk, organisations=acting_as(request))


@login_required
@require_GET
def pickup_list(request: HttpRequest) -> HttpResponse:
    """The planned pickups of the active organisation (all of them for the territory)."""
    organisation = active_organisation(request)
    plans = list(selectors.pickups_visible_to(acting_as(request)))
    context = {
        "organisation": organisation,
        "open_plans": [plan for plan in plans if plan.is_open],
        "closed_plans": [plan for plan in plans if not plan.is_open],
    }
    return render(request, "reuse/pickup_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pickup_new(request: HttpRequest) -> HttpResponse:
    """Propose a pickup of the claimed devices ticked in "My claims" (one commune)."""
    partner = active_partner(request)
    selection = ticked_devices_of_one_commune(
        request,
        None,
        claimed_by=partner,
        none_ticked=_("Select the claimed devices to pick up."),
        several_communes=_("A pickup takes devices of one commune only: plan one per commune."),
    )
    if selection is None:
        return redirect("reuse:claim-list")
    devices, commune = selection
    if request.method == "POST":
        form = PickupProposeForm(request.POST, commune=commune)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                plan = services.pickup_propose(
                    partner=partner,
                    user=request.user,
                    devices=devices,
                    site=cleaned["site"],
                    date=cleaned["date"],
                    starts_at=cleaned["starts_at"],
                    ends_at=cleaned["ends_at"],
                    note=cleaned["note"],
                )
            except (ValidationFailed, TransitionNotAllowed) as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Pickup proposed: the commune is told."))
                return redirect("reuse:pickup-detail", pk=plan.pk)
    else:
        sites = {device.pickup_site for device in devices}
        form = PickupProposeForm(
            initial={
                "codes": [device.code for device in devices],
                "date": timezone.localdate(),
                "site": sites.pop() if len(sites) == 1 else None,
            },
            commune=commune,
        )
    context = {
        "organisation": partner,
        "commune": commune,
        "devices": devices,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "reuse/pickup_new.html", context)


def _sides(request: HttpRequest, plan: PickupPlan) -> dict[str, bool]:
    """What the page offers: only to the side that may act, as the active organisation."""
    organisation = active_organisation(request)
    as_partner = organisation is not None and organisation.pk == plan.partner_id
    as_commune = organisation is not None and organisation.pk == plan.commune_id
    waits_for_commune = plan.state == PickupState.PROPOSED
    waits_for_partner = plan.state == PickupState.COUNTER_PROPOSED
    return {
        "may_confirm": (as_commune and waits_for_commune) or (as_partner and waits_for_partner),
        "may_counter_propose": as_commune and waits_for_commune,
        "may_cancel": (as_partner or as_commune) and plan.is_open,
        "may_collect": as_partner and plan.state == PickupState.CONFIRMED,
    }


@login_required
@require_GET
def pickup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One planned pickup: its state, day, site and devices, who did what, and the actions
    of the side it waits for."""
    plan = _visible_plan(request, pk)
    form = PickupSlotForm(
        initial={"date": plan.date, "starts_at": plan.starts_at, "ends_at": plan.ends_at},
        auto_id="counter_%s",
    )
    return _detail(request, plan, form)


def _detail(request: HttpRequest, plan: PickupPlan, form: PickupSlotForm, status: int = 200):
    context = {
        "plan": plan,
        "form": form,
        "errors": error_summary([(form, "")]) if form.is_bound else [],
        **_sides(request, plan),
    }
    return render(request, "reuse/pickup_detail.html", context, status=status)


@login_required
@require_POST
def pickup_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    try:
        services.pickup_confirm(plan=plan, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Pickup confirmed: the other side is told."))
    return redirect("reuse:pickup-detail", pk=plan.pk)


@login_required
@require_POST
def pickup_counter_propose(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    form = PickupSlotForm(request.POST, auto_id="counter_%s")
    if not form.is_valid():
        return _detail(request, plan, form, status=400)
    cleaned = form.cleaned_data
    try:
        services.pickup_counter_propose(
            plan=plan,
            user=request.user,
            date=cleaned["date"],
            starts_at=cleaned["starts_at"],
            ends_at=cleaned["ends_at"],
            note=cleaned["note"],
        )
    except ApplicationError as error:
        if error.fields and set(error.fields) <= set(form.fields):
            add_application_error(form, error)
            return _detail(request, plan, form, status=400)
        messages.error(request, error.message)
    else:
        messages.success(request, _("Another date proposed: the partner is told."))
    return redirect("reuse:pickup-detail", pk=plan.pk)


@login_required
@require_POST
def pickup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _visible_plan(request, pk)
    try:
        services.pickup_cancel(plan=plan, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Pickup cancelled: the other side is told."))
    return redirect("reuse:pickup-detail", pk=plan.pk)
