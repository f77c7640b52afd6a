"""Who may see and do what in group purchasing, written once for the pages and the API.

- The territory coordinates: it keeps the groupement and its members, runs the campaigns
  (create, open, close, cancel), reads every commitment, allocation and order, and cancels
  orders before delivery.
- A partner publishes offers and manages their stock, its own only; every organisation reads
  the active offers.
- A member of the groupement (a commune or a buyer) commits to the campaigns it may join,
  changes or withdraws its own commitment, and reads its own orders.
- The partner of an order prepares its deliveries and invoices the admitted ones; its buyer
  decides on each delivery (admission); both read them, the territory reads all.
- A campaign is visible, once opened, to the groupement's members and to the partners whose
  offers it holds; a draft only to the territory.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from common.errors import PermissionDenied
from organisations.choices import CessionEligibility
from organisations.models import Organisation
from organisations.permissions import organisations_of
from procurement.choices import CampaignState


def may_coordinate(organisation: Organisation) -> bool:
    """The territory keeps the groupement and runs its campaigns."""
    return organisation.is_territory


def may_offer(organisation: Organisation) -> bool:
    """Partners publish offers of the devices they refurbished."""
    return organisation.is_partner


def may_join_groupement(organisation: Organisation) -> bool:
    """Communes and buyers join a groupement and commit to its campaigns."""
    return organisation.is_commune or organisation.is_buyer


def _acting_organisation(
    user: AbstractBaseUser, slug: str | None, *, rule, refusal: str, several: str, code: str
) -> Organisation:
    """The organisation ``user`` acts for under ``rule``: the one named by ``slug``, else
    their only one; refused (403) when there is none, or several without a name."""
    organisations = [organisation for organisation in organisations_of(user) if rule(organisation)]
    if slug:
        organisations = [item for item in organisations if item.slug == slug]
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise PermissionDenied(refusal, code=code)
    raise PermissionDenied(several, code=f"{code}_required")


def coordinating_territory(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The territory ``user`` coordinates group purchasing for (403 when none)."""
    return _acting_organisation(
        user,
        slug,
        rule=may_coordinate,
        refusal=_("Only the territory coordinates group purchasing."),
        several=_("You belong to several territories: name the one you act for."),
        code="territory",
    )


def offering_partner(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The partner ``user`` manages offers for (403 when none)."""
    return _acting_organisation(
        user,
        slug,
        rule=may_offer,
        refusal=_("Only a partner publishes offers."),
        several=_("You belong to several partners: name the one you act for."),
        code="partner",
    )


def committing_member(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The commune or buyer ``user`` commits for (403 when none)."""
    return _acting_organisation(
        user,
        slug,
        rule=may_join_groupement,
        refusal=_("Only a commune or a buyer commits to a group order."),
        several=_("You belong to several communes or buyers: name the one you commit for."),
        code="buyer",
    )


def _pks(organisations: Iterable[Organisation]) -> list[int]:
    return [organisation.pk for organisation in organisations]


def visible_offers_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on offers: every organisation reads the active ones, a partner its own
    inactive ones too; the territory reads all. ``None`` when nothing is visible."""
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    return Q(is_active=True) | Q(partner__in=_pks(organisations))


def may_manage_offer(organisation: Organisation, offer) -> bool:
    """Only its partner changes an offer and its stock."""
    return organisation.pk == offer.partner_id


def may_read_stock(organisations: Iterable[Organisation], offer) -> bool:
    """Which devices an offer holds: its partner and the territory (others read how many)."""
    return any(
        organisation.is_territory or organisation.pk == offer.partner_id
        for organisation in organisations
    )


def visible_campaigns_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on campaigns: the territory reads all, drafts included; once opened, the
    groupement's members and the partners whose offers it holds read it."""
    from procurement.models import CampaignOffer, GroupementMember

    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = _pks(organisations)
    member = Exists(
        GroupementMember.objects.filter(groupement=OuterRef("groupement"), organisation__in=pks)
    )
    offering = Exists(CampaignOffer.objects.filter(campaign=OuterRef("pk"), offer__partner__in=pks))
    return ~Q(state=CampaignState.DRAFT) & (Q(member) | Q(offering))


def visible_commitments_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on commitments: a member reads its own; the territory reads all."""
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    return Q(buyer__in=_pks(organisations))


def visible_orders_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on orders: its buyer and its partner read it; the territory reads all."""
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = _pks(organisations)
    return Q(buyer__in=pks) | Q(partner__in=pks)


def sees_every_allocation_line(organisations: Iterable[Organisation]) -> bool:
    """The territory reads every line of an allocation; a member its own lines, a partner
    those of its offers (the pooled totals per offer are everyone's who sees the campaign)."""
    return any(organisation.is_territory for organisation in organisations)


def visible_deliveries_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on deliveries and invoices: the order's buyer and partner read them; the
    territory reads all."""
    return visible_orders_q(organisations)


def may_deliver(organisation: Organisation, order) -> bool:
    """The order's partner prepares its deliveries (and invoices them)."""
    return organisation.pk == order.partner_id


def may_decide_on(organisation: Organisation, delivery) -> bool:
    """The order's buyer decides on its deliveries."""
    return organisation.pk == delivery.buyer_id


# --- Donations: the donor and the beneficiary read them; nobody else. ---


def may_donate(organisation: Organisation) -> bool:
    """Partners hold the ready devices and give them away (their own only, which the service
    checks device by device)."""
    return organisation.is_partner


def may_receive_donations(organisation: Organisation) -> bool:
    """An active buyer with a category of CG3P art. L3212-2 3° recorded receives donations."""
    return (
        organisation.is_buyer
        and organisation.is_active
        and organisation.cession_eligibility != CessionEligibility.NOT_ELIGIBLE
    )


def visible_donations_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on donations: their donor and their beneficiary read them."""
    pks = _pks(organisations)
    if not pks:
        return None
    return Q(donor__in=pks) | Q(beneficiary__in=pks)


def may_receive(organisation: Organisation, donation) -> bool:
    """The beneficiary confirms the receipt of a donation."""
    return organisation.pk == donation.beneficiary_id


def may_cancel_donation(organisation: Organisation, donation) -> bool:
    """The donor cancels its donation before the receipt."""
    return organisation.pk == donation.donor_id


def donating_partner(user: AbstractBaseUser, slug: str | None = None) -> Organisation:
    """The partner ``user`` gives devices for (403 when none)."""
    return _acting_organisation(
        user,
        slug,
        rule=may_donate,
        refusal=_("Only a partner holding ready devices gives them away."),
        several=_("You belong to several partners: name the one you act for."),
        code="partner",
    )


def may_report_returns(organisation: Organisation) -> bool:
    """A commune or a buyer, to which devices are delivered, reports their faults under
    warranty."""
    return organisation.is_commune or organisation.is_buyer


def visible_returns_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on warranty returns: the buyer that reported it and the partner that
    delivered the device read it; the territory reads all."""
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = _pks(organisations)
    return Q(buyer__in=pks) | Q(partner__in=pks)


def may_settle_return(organisation: Organisation, warranty_return) -> bool:
    """The partner that delivered the device records the outcome of its return."""
    return organisation.pk == warranty_return.partner_id
