"""Pages of campaigns: the list each organisation may see; the territory drafts a campaign,
changes it while a draft, opens it, closes it early or cancels it with a reason, and reads the
allocation before closing (the preview) and after (the result), with the thresholds' warning.
A campaign's page shows every reader the pooled total of each offer and the tier price it
reaches, asked again in place while the campaign is open."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_fsm import can_proceed

from common.errors import ApplicationError, TransitionNotAllowed, ValidationFailed
from common.pages import TransitionConfirmView, add_application_error, error_summary
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors, services
from procurement.allocation import OfferOutcome, Totals
from procurement.choices import AllocationReason, CampaignState
from procurement.forms import CampaignEditForm, CampaignForm, ConfirmForm, ReasonForm
from procurement.models import Campaign
from procurement.pages import acting_coordinator, is_coordinator_of, visible_campaign
from procurement.services.commitments import require_eligible, require_open_for_commitments

# How often an open campaign's page asks again for its pooled totals.
POLL_INTERVAL = "5s"
UNDER_WAY = (CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED)


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """The campaigns the active organisation may see: under way first, then the past ones."""
    organisation = active_organisation(request)
    campaigns = list(selectors.campaigns_visible_to(acting_as(request)))
    commitments: dict[int, Any] = {}
    may_commit: set[int] = set()
    if organisation is not None and permissions.may_join_groupement(organisation):
        commitments = {
            commitment.campaign_id: commitment
            for commitment in organisation.commitments.filter(
                campaign__in=[campaign.pk for campaign in campaigns]
            )
        }
        may_commit = set(selectors.open_campaigns_for(organisation).values_list("pk", flat=True))
    rows = [
        {
            "campaign": campaign,
            "commitment": commitments.get(campaign.pk),
            "may_commit": campaign.pk in may_commit,
        }
        for campaign in campaigns
    ]
    context = {
        "organisation": organisation,
        "is_coordinator": organisation is not None and permissions.may_coordinate(organisation),
        "is_member": organisation is not None and permissions.may_join_groupement(organisation),
        "under_way": [row for row in rows if row["campaign"].state in UNDER_WAY],
        "past": [row for row in rows if row["campaign"].state not in UNDER_WAY],
    }
    return render(request, "procurement/campaign_list.html", context)


def _campaign_form_page(request, form, *, campaign=None, status=200) -> HttpResponse:
    context = {
        "organisation": active_organisation(request),
        "campaign": campaign,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "procurement/campaign_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    """The territory drafts a campaign: nothing is visible to the members before it opens."""
    coordinator = acting_coordinator(request)
    if not selectors.groupements_of(coordinator).exists():
        messages.error(request, _("Record the groupement de commandes first."))
        return redirect("procurement:groupement-new")
    if request.method == "POST":
        form = CampaignForm(request.POST, coordinator=coordinator)
        if form.is_valid():
            try:
                campaign = services.campaign_create(user=request.user, **form.cleaned_data)
            except ValidationFailed as error:
                add_application_error(form, error)
            else:
                messages.success(request, _("Campaign drafted: open it when it is ready."))
                return redirect("procurement:campaign-detail", pk=campaign.pk)
        return _campaign_form_page(request, form, status=400)
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    form = CampaignForm(
        coordinator=coordinator,
        initial={
            "opens_at": now + datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(days=14, hours=1),
        },
    )
    return _campaign_form_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The territory changes a draft campaign."""
    coordinator = acting_coordinator(request)
    campaign = visible_campaign(request, pk)
    if not is_coordinator_of(coordinator, campaign):
        raise PageForbidden(_("Only the groupement's coordinator runs its campaigns."))
    if campaign.state != CampaignState.DRAFT:
        messages.error(request, _("Only a draft campaign changes."))
        return redirect("procurement:campaign-detail", pk=campaign.pk)
    if request.method == "POST":
        form = CampaignEditForm(request.POST, coordinator=coordinator)
        if form.is_valid():
            try:
                services.campaign_update(campaign=campaign, user=request.user, **form.cleaned_data)
            except ValidationFailed as error:
                add_application_error(form, error)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:campaign-detail", pk=campaign.pk)
            else:
                messages.success(request, _("Campaign changed."))
                return redirect("procurement:campaign-detail", pk=campaign.pk)
        return _campaign_form_page(request, form, campaign=campaign, status=400)
    form = CampaignEditForm(
        coordinator=coordinator,
        initial={
            "title": campaign.title,
            "description": campaign.description,
            "opens_at": timezone.localtime(campaign.opens_at),
            "closes_at": timezone.localtime(campaign.closes_at),
            "offers": list(campaign.offers.all()),
        },
    )
    return _campaign_form_page(request, form, campaign=campaign)


def _member_context(organisation, campaign: Campaign) -> dict[str, Any]:
    """What a commune or a buyer sees of its place in ``campaign``: its commitment, whether it
    may commit now, and why not."""
    if organisation is None or not permissions.may_join_groupement(organisation):
        return {}
    context: dict[str, Any] = {
        "is_member": True,
        "commitment": selectors.commitment_of(campaign, organisation),
    }
    try:
        require_eligible(campaign, organisation)
        require_open_for_commitments(campaign, timezone.now())
    except ApplicationError as error:
        context["commit_refusal"] = error.message
    else:
        context["may_commit"] = True
    return context


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A campaign: its offers with their pooled totals and tier prices, its times and state;
    the territory's actions and warnings; a member's commitment; once allocated, the orders
    the reader may see."""
    campaign = visible_campaign(request, pk)
    organisation = active_organisation(request)
    coordinator = is_coordinator_of(organisation, campaign)
    context: dict[str, Any] = {
        "campaign": campaign,
        "organisation": organisation,
        "is_coordinator": coordinator,
        "totals": selectors.pooled_totals(campaign),
        "poll_interval": POLL_INTERVAL,
        **_member_context(organisation, campaign),
    }
    if coordinator:
        context["commitments"] = list(selectors.commitments_of(campaign))
        if campaign.state in (*UNDER_WAY, CampaignState.ALLOCATED):
            context["threshold_warnings"] = selectors.campaign_threshold_warnings(campaign)
    if campaign.allocated_at is not None:
        orders = list(selectors.orders_visible_to(acting_as(request)).filter(campaign=campaign))
        documents = selectors.purchase_orders_of(orders)
        context["orders"] = [
            {"order": order, "document": documents.get(order.pk)} for order in orders
        ]
    return render(request, "procurement/campaign_detail.html", context)


@login_required
@require_GET
def campaign_totals(request: HttpRequest, pk: int) -> HttpResponse:
    """The pooled totals of a campaign's page, which it asks for again while it is open."""
    campaign = visible_campaign(request, pk)
    context = {
        "campaign": campaign,
        "totals": selectors.pooled_totals(campaign),
        "poll_interval": POLL_INTERVAL,
    }
    return render(request, "procurement/partials/pooled_totals.html", context)


def _exact_share(asked: int, stock: int, demand: int) -> Decimal:
    return (Decimal(asked) * stock / demand).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _explained_lines(allocation, offer, outcome: OfferOutcome) -> list[dict[str, Any]]:
    """Each line of ``offer``, with its buyer and why it got what it got, in words."""
    rows = []
    for line in allocation.lines:
        if line.offer != offer.pk:
            continue
        commitment = allocation.commitments[line.commitment]
        if line.reason == AllocationReason.PRO_RATA:
            floor = line.asked * outcome.stock // outcome.demand
            why = _("%(asked)d × %(stock)d ÷ %(demand)d = %(exact)s, rounded down to %(floor)d") % {
                "asked": line.asked,
                "stock": outcome.stock,
                "demand": outcome.demand,
                "exact": _decimal(_exact_share(line.asked, outcome.stock, outcome.demand)),
                "floor": floor,
            }
            if line.allocated > floor:
                why = _("%(computation)s, plus one unit left for one of the largest remainders") % {
                    "computation": why
                }
        elif line.reason == AllocationReason.DROPPED:
            why = _("The offer was dropped: nothing is allocated.")
        else:
            why = _("The stock covers the demand: the whole quantity.")
        rows.append({"line": line, "commitment": commitment, "why": why})
    return rows


def _decimal(value: Decimal) -> str:
    return formats.number_format(value, decimal_pos=2)


@login_required
@require_GET
def campaign_allocation(request: HttpRequest, pk: int) -> HttpResponse:
    """The allocation of a campaign: while it runs, what closing now would give (nothing
    reserved); once allocated, what was recorded. Per offer the stock, the demand, the tier
    reached or why it was dropped; per buyer what it asked, got and missed, and why; the rule
    in words. The territory reads every line, a member its own, a partner those of its
    offers."""
    campaign = visible_campaign(request, pk)
    organisation = active_organisation(request)
    coordinator = is_coordinator_of(organisation, campaign)
    allocation = selectors.campaign_allocation(campaign, organisations=acting_as(request))
    offers = []
    for offer in allocation.offers:
        outcome = allocation.outcome_of(offer)
        rows = _explained_lines(allocation, offer, outcome)
        offers.append(
            {
                "offer": offer,
                "outcome": outcome,
                "rows": rows,
                "pooled": min(outcome.stock, outcome.demand),
                "totals": Totals.of(row["line"] for row in rows),
            }
        )
    context: dict[str, Any] = {
        "campaign": campaign,
        "allocation": allocation,
        "offers": offers,
        "totals": Totals.of(allocation.lines),
        "is_coordinator": coordinator,
        "sees_every_line": permissions.sees_every_allocation_line(acting_as(request)),
    }
    if coordinator and campaign.state != CampaignState.CANCELLED:
        context["threshold_warnings"] = selectors.campaign_threshold_warnings(campaign)
    return render(request, "procurement/campaign_allocation.html", context)


class CampaignActionView(TransitionConfirmView):
    """Confirm, then run one step of a campaign's lifecycle, as its coordinator."""

    form_class = ConfirmForm
    forbidden_message = gettext_lazy("Only the groupement's coordinator runs its campaigns.")
    transition: str

    def get_object(self) -> Campaign:
        return visible_campaign(self.request, self.kwargs["pk"])

    def refusal(self, obj: Campaign) -> str | None:
        if can_proceed(getattr(obj, self.transition)):
            return None
        return _("This campaign is %(state)s: it cannot be %(action)s.") % {
            "state": obj.get_state_display().lower(),
            "action": self.action_word,
        }

    def permitted(self, obj: Campaign) -> bool:
        return is_coordinator_of(active_organisation(self.request), obj)

    def object_url(self, obj: Campaign) -> str:
        return reverse("procurement:campaign-detail", args=[obj.pk])

    def get_context_data(self, obj: Campaign, form) -> dict[str, Any]:
        return {
            **super().get_context_data(obj, form),
            "campaign": obj,
            "totals": selectors.pooled_totals(obj),
        }

    def confirm(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().confirm(request)
        except ValidationFailed as error:
            messages.error(request, error.message)
            return redirect(self.object_url(self.get_object()))


class CampaignOpenView(CampaignActionView):
    template_name = "procurement/campaign_open.html"
    transition = "open"
    action_word = gettext_lazy("opened")

    def perform(self, obj: Campaign, form) -> None:
        services.campaign_open(campaign=obj, user=self.request.user)

    def success_message(self, obj: Campaign) -> str:
        return _("Campaign open: its members are told by e-mail.")

    def get_context_data(self, obj: Campaign, form) -> dict[str, Any]:
        return {
            **super().get_context_data(obj, form),
            "eligible": list(selectors.eligible_members(obj)),
        }


class CampaignCloseView(CampaignActionView):
    template_name = "procurement/campaign_close.html"
    transition = "close"
    action_word = gettext_lazy("closed")

    def refusal(self, obj: Campaign) -> str | None:
        # A closing stopped before its allocation is finished by closing again.
        return None if obj.state == CampaignState.CLOSED else super().refusal(obj)

    def perform(self, obj: Campaign, form) -> None:
        services.campaign_close(campaign=obj, user=self.request.user)

    def success_message(self, obj: Campaign) -> str:
        return _(
            "Campaign closed and allocated: the orders are placed and their purchase orders issued."
        )

    def success_url(self, obj: Campaign) -> str:
        return reverse("procurement:campaign-allocation", args=[obj.pk])


class CampaignCancelView(CampaignActionView):
    template_name = "procurement/campaign_cancel.html"
    form_class = ReasonForm
    transition = "cancel"
    action_word = gettext_lazy("cancelled")

    def perform(self, obj: Campaign, form) -> None:
        services.campaign_cancel(
            campaign=obj, user=self.request.user, reason=form.cleaned_data["reason"]
        )

    def success_message(self, obj: Campaign) -> str:
        return _("Campaign cancelled: its orders are cancelled and their devices back in stock.")


campaign_open = login_required(CampaignOpenView.as_view())
campaign_close = login_required(CampaignCloseView.as_view())
campaign_cancel = login_required(CampaignCancelView.as_view())
