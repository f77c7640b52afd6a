"""Commitments: a member of the groupement joins an open campaign with a quantity per offer, a
delivery site, a contact and the references its accounting needs on the order; it changes or
withdraws its commitment until the closing time.

Each service locks the campaign's row, as the closing does
(:mod:`procurement.services.closing`): a change committed before the closing takes its lock is
in the allocation, one that comes after is refused as too late; none is lost.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common import limits
from common.errors import (
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    refuse_field_errors,
)
from organisations.models import Organisation, Site
from organisations.permissions import is_member, require_member
from organisations.validators import validate_siret
from procurement import selectors
from procurement.choices import CampaignState
from procurement.models import MAX_QUANTITY, Campaign, Commitment, CommitmentLine, Offer
from procurement.services.campaigns import locked_campaign


def _moment(moment: datetime.datetime) -> str:
    """A date and time as the reader writes it (« 29/11/2026 18:00 » in French)."""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def require_open_for_commitments(campaign: Campaign, now: datetime.datetime) -> None:
    """409 unless ``campaign`` (locked) takes commitments at ``now``: open, between its
    opening and its closing time; the refusal says when."""
    if campaign.state == CampaignState.CANCELLED:
        raise TransitionNotAllowed(
            _("This campaign was cancelled: commitments are no longer taken."),
            code="campaign_cancelled",
        )
    if campaign.state == CampaignState.DRAFT:
        raise TransitionNotAllowed(_("This campaign is not open yet."), code="campaign_not_open")
    if campaign.state != CampaignState.OPEN or campaign.closes_at <= now:
        raise TransitionNotAllowed(
            _("This campaign closed on %(moment)s: commitments are no longer taken.")
            % {"moment": _moment(campaign.closed_at or campaign.closes_at)},
            code="campaign_closed",
        )
    if now < campaign.opens_at:
        raise TransitionNotAllowed(
            _("This campaign takes commitments from %(moment)s.")
            % {"moment": _moment(campaign.opens_at)},
            code="campaign_not_open",
        )


def require_eligible(campaign: Campaign, member: Organisation) -> None:
    """403 unless ``member`` belongs to the campaign's groupement and approved its convention
    on or before the campaign's opening day; the refusal says which."""
    membership = selectors.membership_of(campaign.groupement, member)
    if membership is None:
        raise PermissionDenied(
            _("%(name)s is not a member of the groupement « %(groupement)s »: it cannot commit.")
            % {"name": member.name, "groupement": campaign.groupement.name},
            code="not_a_groupement_member",
        )
    opening_day = selectors.opening_day(campaign)
    if membership.approved_on > opening_day:
        raise PermissionDenied(
            _(
                "%(name)s approved the convention on %(approved)s, after this campaign opened "
                "(%(opened)s): it may commit to the campaigns opening from that day."
            )
            % {
                "name": member.name,
                "approved": formats.date_format(membership.approved_on, "SHORT_DATE_FORMAT"),
                "opened": formats.date_format(opening_day, "SHORT_DATE_FORMAT"),
            },
            code="approved_after_opening",
        )


def _validated_details(
    *,
    buyer: Organisation,
    quantities: Mapping[Offer, int],
    delivery_site: Site,
    contact_name: str,
    contact_email: str,
    contact_phone: str,
    siret: str | None,
    service_code: str,
    engagement_number: str,
) -> dict:
    errors: dict[str, list[str]] = {}
    wanted: dict[Offer, int] = {}
    for offer, quantity in quantities.items():
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            errors[f"quantities.{offer.pk}"] = [_("Give a whole number.")]
        elif not 0 <= quantity <= MAX_QUANTITY:
            errors[f"quantities.{offer.pk}"] = [
                _("Give a number from 0 to %(maximum)d.") % {"maximum": MAX_QUANTITY}
            ]
        elif quantity:
            wanted[offer] = quantity
    if not wanted and not errors:
        errors["quantities"] = [
            _("Ask for at least one device; to leave the campaign, withdraw your commitment.")
        ]
    if delivery_site.organisation_id != buyer.pk:
        errors["delivery_site"] = [_("Choose one of your organisation's delivery sites.")]
    elif not delivery_site.is_active or not delivery_site.is_delivery:
        errors["delivery_site"] = [
            _("The site « %(name)s » is not an open delivery site.") % {"name": delivery_site.name}
        ]
    details = {
        "contact_name": limits.clean_text(
            Commitment, "contact_name", contact_name, errors, required=True
        ),
        "contact_email": limits.clean_text(
            Commitment, "contact_email", contact_email, errors, required=True
        ),
        "contact_phone": limits.clean_text(Commitment, "contact_phone", contact_phone, errors),
        "siret": (buyer.siret if siret is None else siret).strip().replace(" ", ""),
        "service_code": limits.clean_text(Commitment, "service_code", service_code, errors),
        "engagement_number": limits.clean_text(
            Commitment, "engagement_number", engagement_number, errors
        ),
    }
    if "contact_email" not in errors:
        try:
            validate_email(details["contact_email"])
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid e-mail address.")]
    if not details["siret"]:
        errors["siret"] = [_("Give your organisation's SIRET: it routes the invoice.")]
    else:
        try:
            validate_siret(details["siret"])
        except ValidationError as error:
            errors["siret"] = [str(message) for message in error.messages]
    refuse_field_errors(errors)
    return {"quantities": wanted, **details}


def commitment_submit(
    *,
    campaign: Campaign,
    buyer: Organisation,
    user: AbstractBaseUser,
    quantities: Mapping[Offer, int],
    delivery_site: Site,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    siret: str | None = None,
    service_code: str = "",
    engagement_number: str = "",
) -> tuple[Commitment, bool]:
    """``buyer`` commits to ``campaign``, or replaces its commitment: a quantity per offer of
    the campaign (0 leaves an offer out; at least one device in all), one of its open
    delivery sites, a contact, its SIRET (its own by default) and, when it has them, a service
    code and an engagement number. Returns the commitment and whether it was created; a
    replaced commitment keeps its place in the queue.

    Refused, nothing changed: 403 when ``user`` is not one of ``buyer``'s members, ``buyer``
    is not a member of the groupement or approved its convention after the opening day; 409
    before the opening time, at or after the closing time, or when the campaign is not open;
    400 for bad input.
    """
    require_member(user, buyer)
    details = _validated_details(
        buyer=buyer,
        quantities=quantities,
        delivery_site=delivery_site,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        siret=siret,
        service_code=service_code,
        engagement_number=engagement_number,
    )
    wanted: dict[Offer, int] = details.pop("quantities")
    with transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        now = timezone.now()
        require_open_for_commitments(locked, now)
        require_eligible(locked, buyer)
        offered = set(locked.campaign_offers.values_list("offer_id", flat=True))
        foreign = sorted(offer.pk for offer in wanted if offer.pk not in offered)
        if foreign:
            message = _("These offers are not in this campaign: %(offers)s.") % {
                "offers": ", ".join(str(pk) for pk in foreign)
            }
            raise ValidationFailed(message, code="invalid", fields={"quantities": [message]})
        commitment = (
            Commitment.objects.select_for_update().filter(campaign=locked, buyer=buyer).first()
        )
        created = commitment is None
        if created:
            commitment = Commitment(
                campaign=locked, buyer=buyer, committed_by=user, committed_at=now
            )
        for name, value in details.items():
            setattr(commitment, name, value)
        commitment.delivery_site = delivery_site
        commitment.updated_by = user
        commitment.updated_at = now
        commitment.save()
        if not created:
            commitment.lines.all().delete()
        CommitmentLine.objects.bulk_create(
            CommitmentLine(commitment=commitment, offer=offer, quantity=quantity)
            for offer, quantity in sorted(wanted.items(), key=lambda item: item[0].pk)
        )
    return commitment, created


def commitment_withdraw(*, commitment: Commitment, user: AbstractBaseUser) -> None:
    """The member withdraws its commitment before the closing time (409 after it); 403 for
    anyone but the committed member's people."""
    if not is_member(user, commitment.buyer):
        raise PermissionDenied(
            _("Only the member that committed withdraws its commitment."),
            code="not_your_commitment",
        )
    with transaction.atomic(durable=True):
        locked = locked_campaign(commitment.campaign)
        require_open_for_commitments(locked, timezone.now())
        Commitment.objects.filter(pk=commitment.pk).delete()
