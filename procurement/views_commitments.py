"""Pages of a member's commitment to an open campaign: the quantities per offer, the delivery
site, the contact and the accounting references; changed or withdrawn until the closing time.
A commune's or a buyer's people act for it; nobody acts on another's commitment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.errors import TransitionNotAllowed, ValidationFailed
from common.pages import error_summary
from organisations.models import Organisation
from procurement import selectors, services
from procurement.forms import CommitmentForm, ConfirmForm
from procurement.models import Campaign, Commitment
from procurement.pages import acting_member, visible_campaign
from procurement.services.commitments import require_eligible, require_open_for_commitments


def _initial(member: Organisation, commitment: Commitment | None, user, form_offers) -> dict:
    if commitment is not None:
        quantities = {line.offer_id: line.quantity for line in commitment.lines.all()}
        return {
            **{
                CommitmentForm.quantity_name(offer): quantities.get(offer.pk, 0)
                for offer in form_offers
            },
            "delivery_site": commitment.delivery_site_id,
            "contact_name": commitment.contact_name,
            "contact_email": commitment.contact_email,
            "contact_phone": commitment.contact_phone,
            "siret": commitment.siret,
            "service_code": commitment.service_code,
            "engagement_number": commitment.engagement_number,
        }
    sites = list(selectors.delivery_sites_of(member)[:2])
    return {
        "delivery_site": sites[0].pk if len(sites) == 1 else None,
        "contact_name": user.get_full_name(),
        "contact_email": user.email or member.email,
        "contact_phone": member.phone,
        "siret": member.siret,
    }


def _committable(request: HttpRequest, pk: int) -> tuple[Campaign, Organisation] | None:
    """The campaign and the member committing to it, once shown eligible (else 403) and the
    campaign taking commitments (else None, the person told why)."""
    member = acting_member(request)
    campaign = visible_campaign(request, pk)
    require_eligible(campaign, member)
    try:
        require_open_for_commitments(campaign, timezone.now())
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
        return None
    return campaign, member


@login_required
@require_http_methods(["GET", "POST"])
def commitment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Commit to an open campaign, or change the commitment: it keeps its place in the queue."""
    committable = _committable(request, pk)
    if committable is None:
        return redirect("procurement:campaign-detail", pk=pk)
    campaign, member = committable
    offers = [entry.offer for entry in selectors.campaign_offers(campaign)]
    commitment = selectors.commitment_of(campaign, member)
    status = 200
    if request.method == "POST":
        form = CommitmentForm(request.POST, member=member, offers=offers)
        if form.is_valid():
            try:
                _commitment, created = services.commitment_submit(
                    campaign=campaign,
                    buyer=member,
                    user=request.user,
                    quantities=form.quantities(),
                    **form.details(),
                )
            except ValidationFailed as error:
                for name, texts in error.fields.items():
                    for text in texts:
                        form.add_error(form.field_of(name), text)
                if not error.fields:
                    form.add_error(None, error.message)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect("procurement:campaign-detail", pk=campaign.pk)
            else:
                messages.success(
                    request,
                    _("Commitment recorded: you may change it until the closing.")
                    if created
                    else _("Commitment changed: it keeps its place in the queue."),
                )
                return redirect("procurement:campaign-detail", pk=campaign.pk)
        status = 400
    else:
        form = CommitmentForm(
            member=member,
            offers=offers,
            initial=_initial(member, commitment, request.user, offers),
        )
    context: dict[str, Any] = {
        "campaign": campaign,
        "member": member,
        "commitment": commitment,
        "form": form,
        "totals": {total.offer.pk: total for total in selectors.pooled_totals(campaign)},
        "errors": error_summary([(form, "")]),
        "has_delivery_site": selectors.delivery_sites_of(member).exists(),
    }
    return render(request, "procurement/commitment_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then withdraw the member's commitment before the closing time."""
    committable = _committable(request, pk)
    if committable is None:
        return redirect("procurement:campaign-detail", pk=pk)
    campaign, member = committable
    commitment = selectors.commitment_of(campaign, member)
    if commitment is None:
        messages.error(request, _("Your organisation has no commitment to this campaign."))
        return redirect("procurement:campaign-detail", pk=campaign.pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.commitment_withdraw(commitment=commitment, user=request.user)
        except TransitionNotAllowed as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Commitment withdrawn."))
        return redirect("procurement:campaign-detail", pk=campaign.pk)
    context = {"campaign": campaign, "commitment": commitment, "form": form, "errors": []}
    return render(request, "procurement/commitment_withdraw.html", context)
