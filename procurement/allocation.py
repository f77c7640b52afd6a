"""The allocation of a campaign, as a pure function: stock, commitments, price tiers and
minimums in; allocation lines out. Nothing here reads or writes the database, so the preview,
the closing and the property tests all run the same rules (issue 12, DESIGN.md):

- an offer's **stock** is its devices still ``ready``; its **demand** the sum of what the
  commitments ask of it;
- when the demand fits the stock, every commitment gets its quantity (``full``); otherwise
  each gets ``quantity × stock ÷ demand`` rounded down, and the units left go one by one to
  the largest fractional remainders, ties to the earliest commitment (the largest remainder
  method, ``pro_rata``). Integer arithmetic throughout: no commitment gets more than it asked,
  no offer hands out more than its stock, and the total kept is ``min(stock, demand)``;
- the unit price is that of the highest tier whose threshold the allocated total reaches, for
  every buyer alike; an offer whose allocated total is below its minimum quantity (or reaches
  no tier) is ``dropped``: its lines get nothing;
- the devices are handed out from the stock in the order given, to the commitments in their
  order, each device once;
- money is ``Decimal``: each line's amount excl. VAT is its quantity × the unit price, its VAT
  the amount × the rate, rounded half-up to the cent line by line; totals add the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from procurement.choices import AllocationReason

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cent(amount: Decimal) -> Decimal:
    """``amount`` rounded half-up to the cent, the rounding of every line of money."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PriceTier:
    """From ``threshold`` devices pooled, each costs ``unit_price`` (excl. VAT)."""

    threshold: int
    unit_price: Decimal


@dataclass(frozen=True)
class OfferSupply:
    """What an offer brings to the allocation: its stock (device keys in the order they are
    handed out), its price tiers, its minimum quantity and its VAT rate in percent."""

    offer: int
    stock: tuple[int, ...]
    tiers: tuple[PriceTier, ...]
    minimum_quantity: int
    vat_rate: Decimal


@dataclass(frozen=True)
class CommitmentDemand:
    """What one commitment asks: a quantity per offer key. Commitments are given to
    :func:`allocate` in their order of creation, the earliest first."""

    commitment: int
    quantities: Mapping[int, int]


def line_amounts(quantity: int, unit_price: Decimal | None, vat_rate: Decimal):
    """(excl. VAT, VAT, incl. VAT) of ``quantity`` at ``unit_price``, each rounded to the cent."""
    if unit_price is None or quantity == 0:
        return ZERO, ZERO, ZERO
    excluding = to_cent(unit_price * quantity)
    vat = to_cent(excluding * vat_rate / 100)
    return excluding, vat, excluding + vat


@dataclass(frozen=True)
class AllocatedLine:
    """One commitment's share of one offer: what it asked, what it gets and why, at what price,
    and which devices."""

    commitment: int
    offer: int
    asked: int
    allocated: int
    reason: str
    unit_price: Decimal | None
    vat_rate: Decimal
    devices: tuple[int, ...] = ()

    @property
    def shortfall(self) -> int:
        return self.asked - self.allocated

    @property
    def amount_excl_vat(self) -> Decimal:
        return line_amounts(self.allocated, self.unit_price, self.vat_rate)[0]

    @property
    def vat_amount(self) -> Decimal:
        return line_amounts(self.allocated, self.unit_price, self.vat_rate)[1]

    @property
    def amount_incl_vat(self) -> Decimal:
        return line_amounts(self.allocated, self.unit_price, self.vat_rate)[2]


@dataclass(frozen=True)
class OfferOutcome:
    """What became of one offer: its stock and demand, the total allocated, the tier reached
    (its unit price for every buyer) or why it was dropped."""

    offer: int
    stock: int
    demand: int
    allocated: int
    minimum_quantity: int
    tier: PriceTier | None
    reason: str | None  # None: nobody asked for it

    @property
    def unit_price(self) -> Decimal | None:
        return self.tier.unit_price if self.tier is not None else None

    @property
    def dropped(self) -> bool:
        return self.reason == AllocationReason.DROPPED

    @property
    def shortfall(self) -> int:
        return self.demand - self.allocated


@dataclass(frozen=True)
class Totals:
    """Money added line by line: excl. VAT, VAT, incl. VAT."""

    excl_vat: Decimal = ZERO
    vat: Decimal = ZERO
    incl_vat: Decimal = ZERO

    @classmethod
    def of(cls, lines: Iterable[AllocatedLine]) -> Totals:
        lines = list(lines)
        return cls(
            excl_vat=sum((line.amount_excl_vat for line in lines), ZERO),
            vat=sum((line.vat_amount for line in lines), ZERO),
            incl_vat=sum((line.amount_incl_vat for line in lines), ZERO),
        )


@dataclass(frozen=True)
class Allocation:
    """The outcome of :func:`allocate`: one outcome per offer, one line per commitment and
    offer asked for (offers in the order given, then commitments in theirs)."""

    offers: tuple[OfferOutcome, ...]
    lines: tuple[AllocatedLine, ...]

    def outcome_of(self, offer: int) -> OfferOutcome:
        return next(outcome for outcome in self.offers if outcome.offer == offer)

    def lines_of(self, commitment: int) -> list[AllocatedLine]:
        return [line for line in self.lines if line.commitment == commitment]

    @property
    def totals(self) -> Totals:
        return Totals.of(self.lines)


def largest_remainder_shares(quantities: Sequence[int], available: int) -> list[int]:
    """Share ``available`` units among ``quantities`` asked (in order, the earliest first).

    All of them when they fit; otherwise ``quantity × available ÷ demand`` rounded down, then
    the units left one by one to the largest fractional remainders, ties to the earliest.
    The remainders are compared as integers (``quantity × available mod demand``, over the
    same denominator): exact, whatever the sizes.
    """
    if any(quantity < 0 for quantity in quantities) or available < 0:
        raise ValueError("Quantities and the stock are whole numbers from 0.")
    demand = sum(quantities)
    if demand <= available:
        return list(quantities)
    shares = [quantity * available // demand for quantity in quantities]
    remainders = [quantity * available % demand for quantity in quantities]
    left = available - sum(shares)
    # Every remainder is below the demand and they add up to ``left × demand``: at least
    # ``left`` of them are positive, so the units left go to commitments owed a fraction.
    by_remainder = sorted(range(len(quantities)), key=lambda index: (-remainders[index], index))
    for index in by_remainder[:left]:
        shares[index] += 1
    return shares


def tier_reached(tiers: Iterable[PriceTier], total: int) -> PriceTier | None:
    """The highest tier whose threshold ``total`` reaches, or ``None``."""
    reached = [tier for tier in tiers if tier.threshold <= total]
    return max(reached, key=lambda tier: tier.threshold) if reached else None


def allocate(offers: Sequence[OfferSupply], commitments: Sequence[CommitmentDemand]) -> Allocation:
    """Allocate the offers' stock to the commitments (given earliest first), by the rules of
    this module's docstring."""
    supplies = {supply.offer: supply for supply in offers}
    for demand in commitments:
        unknown = set(demand.quantities) - set(supplies)
        if unknown:
            raise ValueError(f"Commitment {demand.commitment} asks for unknown offers {unknown}.")

    outcomes: list[OfferOutcome] = []
    lines: list[AllocatedLine] = []
    for supply in offers:
        asking = [
            (demand.commitment, demand.quantities[supply.offer])
            for demand in commitments
            if demand.quantities.get(supply.offer, 0) > 0
        ]
        asked = [quantity for _commitment, quantity in asking]
        demand_total = sum(asked)
        stock = len(supply.stock)
        shares = largest_remainder_shares(asked, stock)
        allocated_total = sum(shares)
        tier = tier_reached(supply.tiers, allocated_total)
        if not asking:
            reason = None
        elif allocated_total < supply.minimum_quantity or tier is None:
            reason = AllocationReason.DROPPED
        elif demand_total <= stock:
            reason = AllocationReason.FULL
        else:
            reason = AllocationReason.PRO_RATA
        dropped = reason == AllocationReason.DROPPED
        outcomes.append(
            OfferOutcome(
                offer=supply.offer,
                stock=stock,
                demand=demand_total,
                allocated=0 if dropped else allocated_total,
                minimum_quantity=supply.minimum_quantity,
                tier=None if dropped else tier,
                reason=reason,
            )
        )
        handed_out = 0
        for (commitment, quantity), share in zip(asking, shares, strict=True):
            share = 0 if dropped else share
            lines.append(
                AllocatedLine(
                    commitment=commitment,
                    offer=supply.offer,
                    asked=quantity,
                    allocated=share,
                    reason=reason,
                    unit_price=None if dropped else tier.unit_price,
                    vat_rate=supply.vat_rate,
                    devices=supply.stock[handed_out : handed_out + share],
                )
            )
            handed_out += share
    return Allocation(offers=tuple(outcomes), lines=tuple(lines))
