"""Campaigns: the territory drafts one with offers, an opening and a closing time, opens it
(the members are told), and may cancel it before delivery. A day before the closing, the
members are reminded, once (:func:`campaigns_remind_closing`, Celery beat). The closing is
in :mod:`procurement.services.closing`.

Each service locks the campaign, runs one transition of :class:`procurement.models.Campaign`
(who and when recorded) and e-mails once the transaction commits.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from common import limits
from common.errors import (
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    refuse_field_errors,
)
from common.handoff import enqueue_on_commit
from organisations.permissions import require_member
from procurement import permissions, tasks
from procurement.choices import CampaignState, OrderState
from procurement.models import Campaign, CampaignOffer, Groupement, Offer
from procurement.services.orders import cancellation_reason, orders_cancel

# A campaign holds this many offers at most.
MAX_OFFERS = 50
# The members are reminded this long before the closing.
REMINDER_BEFORE = datetime.timedelta(days=1)

_STATE_REFUSALS = {
    CampaignState.DRAFT: gettext_lazy("This campaign is a draft: it is not open yet."),
    CampaignState.OPEN: gettext_lazy("This campaign is open."),
    CampaignState.CLOSED: gettext_lazy("This campaign is closed: its allocation is under way."),
    CampaignState.ALLOCATED: gettext_lazy("This campaign is allocated: its orders are placed."),
    CampaignState.COMPLETED: gettext_lazy("This campaign is completed."),
    CampaignState.CANCELLED: gettext_lazy("This campaign was cancelled."),
}


def refuse_state(campaign: Campaign) -> None:
    """409: the campaign's state forbids what was asked, in words."""
    raise TransitionNotAllowed(str(_STATE_REFUSALS[campaign.state]), code="campaign_state_forbids")


def locked_campaign(campaign: Campaign) -> Campaign:
    """``campaign`` locked (``select_for_update``), with its groupement and coordinator."""
    locked = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("groupement__coordinator")
        .filter(pk=campaign.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("No such campaign."), code="campaign_not_found")
    return locked


def require_coordinator_of(campaign: Campaign, user: AbstractBaseUser):
    """The campaign's coordinator, once ``user`` is shown to be one of its members (403)."""
    coordinator = campaign.groupement.coordinator
    require_member(user, coordinator)
    return coordinator


def run(campaign: Campaign, transition: str, *, organisation, **arguments) -> None:
    """Run ``transition`` on the locked ``campaign``: 409 when its state forbids it, 403 when
    ``organisation`` may not (``None``: the system itself)."""
    method = getattr(campaign, transition)
    if not can_proceed(method):
        refuse_state(campaign)
    if organisation is not None and not has_transition_perm(method, organisation):
        raise PermissionDenied(
            _("Only the groupement's coordinator runs its campaigns."), code="not_the_coordinator"
        )
    method(**arguments)
    campaign.save()


def _validated(
    *,
    title: str,
    description: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    offers: list[Offer],
) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        errors["title"] = [_("Required.")]
    elif len(title) > limits.max_length(Campaign, "title"):
        errors["title"] = [
            _("At most %(count)d characters.") % {"count": limits.max_length(Campaign, "title")}
        ]
    for name, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if timezone.is_naive(moment):
            errors[name] = [_("Give the time with its time zone.")]
    if "closes_at" not in errors and "opens_at" not in errors and closes_at <= opens_at:
        errors["closes_at"] = [_("A campaign closes after it opens.")]
    if len(offers) > MAX_OFFERS:
        errors["offers"] = [_("At most %(count)d offers.") % {"count": MAX_OFFERS}]
    inactive = sorted(offer.title for offer in offers if not offer.is_active)
    if inactive:
        errors["offers"] = [
            _("These offers are no longer active: %(titles)s.") % {"titles": ", ".join(inactive)}
        ]
    refuse_field_errors(errors)
    return title, description


def campaign_create(
    *,
    groupement: Groupement,
    user: AbstractBaseUser,
    title: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    offers: Iterable[Offer] = (),
    description: str = "",
) -> Campaign:
    """The territory drafts a campaign for its groupement: a title, a description, its offers
    (active ones), its opening and closing times. Nothing is visible to the members before it
    opens (:func:`campaign_open`)."""
    coordinator = groupement.coordinator
    require_member(user, coordinator)
    if not permissions.may_coordinate(coordinator):
        raise PermissionDenied(
            _("Only the groupement's coordinator runs its campaigns."), code="not_the_coordinator"
        )
    offers = sorted(set(offers), key=lambda offer: offer.pk)
    title, description = _validated(
        title=title, description=description, opens_at=opens_at, closes_at=closes_at, offers=offers
    )
    with transaction.atomic(durable=True):
        campaign = Campaign.objects.create(
            groupement=groupement,
            title=title,
            description=description,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=user,
        )
        CampaignOffer.objects.bulk_create(
            CampaignOffer(campaign=campaign, offer=offer) for offer in offers
        )
    return campaign


def campaign_update(
    *,
    campaign: Campaign,
    user: AbstractBaseUser,
    title: str | None = None,
    description: str | None = None,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    offers: Iterable[Offer] | None = None,
) -> Campaign:
    """The territory changes a draft campaign (409 once opened); ``offers``, when given,
    replace its offers."""
    with transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        require_coordinator_of(locked, user)
        if locked.state != CampaignState.DRAFT:
            raise TransitionNotAllowed(
                _("Only a draft campaign changes; this one is %(state)s.")
                % {"state": locked.get_state_display().lower()},
                code="campaign_state_forbids",
            )
        new_offers = None if offers is None else sorted(set(offers), key=lambda offer: offer.pk)
        current_offers = list(locked.offers.order_by("pk"))
        title, description = _validated(
            title=locked.title if title is None else title,
            description=locked.description if description is None else description,
            opens_at=locked.opens_at if opens_at is None else opens_at,
            closes_at=locked.closes_at if closes_at is None else closes_at,
            offers=current_offers if new_offers is None else new_offers,
        )
        locked.title, locked.description = title, description
        locked.opens_at = locked.opens_at if opens_at is None else opens_at
        locked.closes_at = locked.closes_at if closes_at is None else closes_at
        locked.save(update_fields=["title", "description", "opens_at", "closes_at"])
        if new_offers is not None:
            locked.campaign_offers.exclude(offer__in=new_offers).delete()
            kept = set(locked.campaign_offers.values_list("offer_id", flat=True))
            CampaignOffer.objects.bulk_create(
                CampaignOffer(campaign=locked, offer=offer)
                for offer in new_offers
                if offer.pk not in kept
            )
    return locked


def campaign_open(*, campaign: Campaign, user: AbstractBaseUser) -> Campaign:
    """The territory opens a draft campaign: its members are told by e-mail, and those whose
    approval does not come after its opening day commit from its opening time to its closing
    time. Refused (400) without an offer or once the closing time has passed, and (409) while
    one of its offers is in another campaign under way (two campaigns would share one stock)
    or no longer active."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        coordinator = require_coordinator_of(locked, user)
        if not can_proceed(locked.open):
            refuse_state(locked)
        # The offers are locked (primary key order) so that none changes its terms meanwhile.
        offers = list(Offer.objects.select_for_update().filter(campaigns=locked).order_by("pk"))
        if not offers:
            raise ValidationFailed(
                _("Add at least one offer before opening the campaign."),
                code="no_offer",
                fields={"offers": [_("Add at least one offer.")]},
            )
        if locked.closes_at <= now:
            raise ValidationFailed(
                _("The closing time has passed: move it later before opening the campaign."),
                code="closing_time_passed",
                fields={"closes_at": [_("The closing time has passed.")]},
            )
        inactive = sorted(offer.title for offer in offers if not offer.is_active)
        if inactive:
            raise TransitionNotAllowed(
                _("These offers are no longer active: %(titles)s.")
                % {"titles": ", ".join(inactive)},
                code="offer_inactive",
            )
        busy = sorted(
            set(
                CampaignOffer.objects.filter(
                    offer__in=offers,
                    campaign__state__in=[CampaignState.OPEN, CampaignState.CLOSED],
                )
                .exclude(campaign=locked)
                .values_list("offer__title", flat=True)
            )
        )
        if busy:
            raise TransitionNotAllowed(
                _("These offers are already in a campaign under way: %(titles)s.")
                % {"titles": ", ".join(busy)},
                code="offer_in_campaign",
            )
        run(locked, "open", organisation=coordinator, user=user, at=now)
        enqueue_on_commit(tasks.notify_campaign_opened, locked.pk)
    return locked


def campaign_cancel(*, campaign: Campaign, user: AbstractBaseUser, reason: str) -> Campaign:
    """The territory cancels a campaign before delivery, with a reason: drafted, open,
    closing or allocated. Its placed orders are cancelled with the same reason and their
    devices go back to ``ready`` (and into their offers); the committed members are told."""
    reason = cancellation_reason(reason)
    now = timezone.now()
    with transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        coordinator = require_coordinator_of(locked, user)
        was_open = locked.state != CampaignState.DRAFT
        run(locked, "cancel", organisation=coordinator, user=user, at=now, reason=reason)
        orders_cancel(
            orders=locked.orders.filter(state=OrderState.PLACED),
            user=user,
            organisation=coordinator,
            reason=reason,
            at=now,
        )
        if was_open:
            enqueue_on_commit(tasks.notify_campaign_cancelled, locked.pk)
    return locked


def campaign_complete(*, campaign: Campaign, user: AbstractBaseUser) -> Campaign:
    """The territory marks an allocated campaign completed once none of its orders still
    waits (each cancelled, or delivered once deliveries are recorded); 409 otherwise."""
    with transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        coordinator = require_coordinator_of(locked, user)
        waiting = locked.orders.filter(state=OrderState.PLACED).count()
        if locked.state == CampaignState.ALLOCATED and waiting:
            raise TransitionNotAllowed(
                _("Orders of this campaign still wait for their delivery."),
                code="orders_waiting",
            )
        run(locked, "complete", organisation=coordinator, at=timezone.now())
    return locked


def campaigns_remind_closing(*, now: datetime.datetime | None = None) -> list[int]:
    """Remind the members of each open campaign closing within a day, once: the reminder is
    recorded on the campaign in the transaction that queues its e-mails, so a second run (or
    a redelivered task) sends nothing more. Returns the campaigns reminded."""
    now = now or timezone.now()
    due = Campaign.objects.filter(
        state=CampaignState.OPEN,
        closing_reminder_sent_at__isnull=True,
        opens_at__lte=now,
        closes_at__gt=now,
        closes_at__lte=now + REMINDER_BEFORE,
    )
    reminded = []
    for pk in list(due.values_list("pk", flat=True).order_by("closes_at", "pk")):
        with transaction.atomic(durable=True):
            locked = due.select_for_update().filter(pk=pk).first()
            if locked is None:
                continue
            locked.closing_reminder_sent_at = now
            locked.save(update_fields=["closing_reminder_sent_at"])
            enqueue_on_commit(tasks.notify_campaign_closing, pk)
            reminded.append(pk)
    return reminded
