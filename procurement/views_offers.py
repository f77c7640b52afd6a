"""Pages of offers: the catalogue every organisation reads; a partner's offers, created and
changed with their price tiers, deactivated, and their stock (devices put in by selection
among its ready devices, or every one that matches; taken out)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import ApplicationError, TransitionNotAllowed, ValidationFailed
from common.pages import TransitionConfirmView, add_application_error, error_summary
from inventory.choices import DeviceState
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors, services
from procurement.forms import ConfirmForm, DeviceSelectionForm, OfferForm, tier_formset
from procurement.models import Offer
from procurement.pages import acting_partner, visible_offer
from reuse.selectors import devices_by_codes

# The ready devices listed to choose from on an offer's page; "every ready device that
# matches" takes them all.
CANDIDATES_SHOWN = 200


@login_required
@require_GET
def offer_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: the partners' active offers with their stock, and a partner's own
    inactive ones."""
    organisation = active_organisation(request)
    offers = list(selectors.offers_visible_to(acting_as(request)))
    counts = selectors.stock_counts(offers)
    rows = [{"offer": offer, "stock": counts[offer.pk]} for offer in offers]
    own = organisation is not None and permissions.may_offer(organisation)
    context = {
        "organisation": organisation,
        "may_create": own,
        "own_rows": [row for row in rows if own and row["offer"].partner_id == organisation.pk],
        "rows": [row for row in rows if not own or row["offer"].partner_id != organisation.pk],
    }
    return render(request, "procurement/offer_list.html", context)


def _offer_form_page(
    request: HttpRequest, *, offer: Offer | None, form: OfferForm, tiers, status: int = 200
) -> HttpResponse:
    non_form = [str(error) for error in tiers.non_form_errors()]
    summary = error_summary([(form, "")], non_form)
    for index, tier_form in enumerate(tiers.forms, start=1):
        summary += error_summary([(tier_form, _("Tier %(number)d") % {"number": index})])
    context = {"offer": offer, "form": form, "tiers": tiers, "errors": summary}
    return render(request, "procurement/offer_form.html", context, status=status)


def _service_error_on(form: OfferForm, tiers, error: ValidationFailed) -> None:
    """A service's refusal on the form: the tiers' problems above the tiers, the rest on
    their fields."""
    tier_problems = error.fields.get("price_tiers", [])
    if tier_problems:
        tiers._non_form_errors = tiers.error_class(
            [*tiers.non_form_errors(), *tier_problems], renderer=tiers.renderer
        )
    others = {name: texts for name, texts in error.fields.items() if name != "price_tiers"}
    if others or not tier_problems:
        add_application_error(form, ValidationFailed(error.message, code=error.code, fields=others))


@login_required
@require_http_methods(["GET", "POST"])
def offer_new(request: HttpRequest) -> HttpResponse:
    """A partner publishes an offer: what it sells, on what terms, at what prices."""
    partner = acting_partner(request)
    if request.method == "POST":
        form, tiers = OfferForm(request.POST), tier_formset(request.POST)
        if form.is_valid() and tiers.is_valid():
            try:
                offer = services.offer_create(
                    partner=partner,
                    user=request.user,
                    price_tiers=tiers.tiers(),
                    **form.description(),
                )
            except ValidationFailed as error:
                _service_error_on(form, tiers, error)
            else:
                messages.success(
                    request, _("Offer published: put your ready devices into its stock.")
                )
                return redirect("procurement:offer-detail", pk=offer.pk)
        return _offer_form_page(request, offer=None, form=form, tiers=tiers, status=400)
    form = OfferForm(initial={"warranty_months": 12, "vat_rate": 20, "minimum_quantity": 1})
    return _offer_form_page(request, offer=None, form=form, tiers=tier_formset())


def _managed_offer(request: HttpRequest, pk: int) -> Offer:
    """An offer the active partner manages: 404 when it cannot see it, 403 when it is
    another partner's."""
    offer = visible_offer(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.may_manage_offer(organisation, offer):
        raise PageForbidden(_("Only its partner changes an offer and its stock."))
    return offer


@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Its partner changes an offer while no campaign under way holds it."""
    offer = _managed_offer(request, pk)
    if request.method == "POST":
        form, tiers = OfferForm(request.POST, instance=offer), tier_formset(request.POST)
        if form.is_valid() and tiers.is_valid():
            try:
                services.offer_update(
                    offer=offer,
                    user=request.user,
                    price_tiers=tiers.tiers(),
                    **form.description(),
                )
            except ValidationFailed as error:
                _service_error_on(form, tiers, error)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:offer-detail", pk=offer.pk)
            else:
                messages.success(request, _("Offer changed."))
                return redirect("procurement:offer-detail", pk=offer.pk)
        return _offer_form_page(request, offer=offer, form=form, tiers=tiers, status=400)
    running = list(selectors.running_campaigns_of(offer).values_list("title", flat=True))
    if running:
        messages.error(
            request,
            _(
                "This offer is in a campaign under way (%(campaigns)s): its terms hold until "
                "the campaign is allocated."
            )
            % {"campaigns": ", ".join(f"« {title} »" for title in running)},
        )
        return redirect("procurement:offer-detail", pk=offer.pk)
    form = OfferForm(instance=offer)
    return _offer_form_page(request, offer=offer, form=form, tiers=tier_formset(offer=offer))


def _stock_rows(offer: Offer) -> list[dict[str, Any]]:
    """Each device put into ``offer``, whether it counts in its stock, and why not."""
    counting = set(selectors.offer_stock(offer).values_list("pk", flat=True))
    rows = []
    for device in selectors.offer_items(offer).select_related("holder"):
        reasons = []
        if device.state != DeviceState.READY:
            reasons.append(_("it is %(state)s") % {"state": device.get_state_display().lower()})
        reasons += selectors.offer_mismatches(offer, device, device.current_grade)
        rows.append({"device": device, "counts": device.pk in counting, "reasons": reasons})
    return rows


@login_required
@require_GET
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An offer's terms and price tiers, and its stock: the devices, for its partner and the
    territory; how many, for everyone else. Its partner puts devices in and takes them out."""
    offer = visible_offer(request, pk)
    organisations = acting_as(request)
    organisation = active_organisation(request)
    may_manage = organisation is not None and permissions.may_manage_offer(organisation, offer)
    may_read_stock = permissions.may_read_stock(organisations, offer)
    context: dict[str, Any] = {
        "offer": offer,
        "tiers": selectors.price_tiers(offer),
        "stock_count": selectors.stock_counts([offer])[offer.pk],
        "may_manage": may_manage,
        "may_read_stock": may_read_stock,
        "running": list(selectors.running_campaigns_of(offer)),
    }
    if may_read_stock:
        context["stock_rows"] = _stock_rows(offer)
    if may_manage and offer.is_active:
        candidates = selectors.stock_candidates(offer)
        context["candidate_count"] = candidates.count()
        context["candidates"] = list(candidates[:CANDIDATES_SHOWN])
        context["candidates_shown"] = CANDIDATES_SHOWN
    return render(request, "procurement/offer_detail.html", context)


@login_required
@require_POST
def offer_stock_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Put the ticked ready devices (or every ready device that matches) into the stock."""
    offer = _managed_offer(request, pk)
    every_match = request.POST.get("every_match") == "yes"
    devices = None
    if not every_match:
        form = DeviceSelectionForm(request.POST)
        if not form.is_valid():
            for message in form.errors.get("codes", []):
                messages.error(request, message)
            return redirect("procurement:offer-detail", pk=offer.pk)
        devices = list(devices_by_codes(form.cleaned_data["codes"]))
    try:
        added = services.offer_stock_add(
            offer=offer, user=request.user, devices=devices, every_match=every_match
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d device put into the stock.",
                "%(count)d devices put into the stock.",
                len(added),
            )
            % {"count": len(added)},
        )
    return redirect("procurement:offer-detail", pk=offer.pk)


@login_required
@require_POST
def offer_stock_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Take the ticked devices out of the stock; they stay ready."""
    offer = _managed_offer(request, pk)
    form = DeviceSelectionForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("codes", []):
            messages.error(request, message)
        return redirect("procurement:offer-detail", pk=offer.pk)
    devices = list(devices_by_codes(form.cleaned_data["codes"]))
    removed = services.offer_stock_remove(offer=offer, user=request.user, devices=devices)
    messages.success(
        request,
        ngettext(
            "%(count)d device taken out of the stock; it stays ready.",
            "%(count)d devices taken out of the stock; they stay ready.",
            len(removed),
        )
        % {"count": len(removed)},
    )
    return redirect("procurement:offer-detail", pk=offer.pk)


class OfferDeactivateView(TransitionConfirmView):
    """Confirm, then withdraw an offer from the catalogue (its stock emptied)."""

    template_name = "procurement/offer_deactivate.html"
    form_class = ConfirmForm
    forbidden_message = gettext_lazy("Only its partner changes an offer and its stock.")

    def get_object(self) -> Offer:
        return visible_offer(self.request, self.kwargs["pk"])

    def refusal(self, obj: Offer) -> str | None:
        if not obj.is_active:
            return _("This offer is no longer active.")
        running = list(selectors.running_campaigns_of(obj).values_list("title", flat=True))
        if running:
            return _(
                "This offer is in a campaign under way (%(campaigns)s): its terms hold until "
                "the campaign is allocated."
            ) % {"campaigns": ", ".join(f"« {title} »" for title in running)}
        return None

    def permitted(self, obj: Offer) -> bool:
        organisation = active_organisation(self.request)
        return organisation is not None and permissions.may_manage_offer(organisation, obj)

    def perform(self, obj: Offer, form) -> None:
        services.offer_deactivate(offer=obj, user=self.request.user)

    def success_message(self, obj: Offer) -> str:
        return _("Offer withdrawn from the catalogue; its devices stay ready.")

    def object_url(self, obj: Offer) -> str:
        return reverse("procurement:offer-detail", args=[obj.pk])

    def get_context_data(self, obj: Offer, form) -> dict[str, Any]:
        return {**super().get_context_data(obj, form), "offer": obj}


offer_deactivate = login_required(OfferDeactivateView.as_view())
