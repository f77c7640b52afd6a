"""The allocation as a pure function: worked examples, then its properties under hypothesis
(never above stock or demand, each device once, min(stock, demand) kept unless dropped, the
largest remainder rule, one price for every buyer)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.allocation import (
    CommitmentDemand,
    OfferSupply,
    PriceTier,
    Totals,
    allocate,
    largest_remainder_shares,
    line_amounts,
    tier_reached,
    to_cent,
)
from procurement.choices import AllocationReason

TIERS = (PriceTier(1, Decimal("100.00")), PriceTier(10, Decimal("90.00")))


def supply(offer: int, stock: int, *, minimum: int = 1, tiers=TIERS, vat="20", first=1000):
    return OfferSupply(
        offer=offer,
        stock=tuple(range(first, first + stock)),
        tiers=tiers,
        minimum_quantity=minimum,
        vat_rate=Decimal(vat),
    )


def test_demand_that_fits_the_stock_is_served_in_full():
    # given: 12 devices, 3 + 4 asked
    offers = [supply(1, 12)]
    commitments = [CommitmentDemand(10, {1: 3}), CommitmentDemand(11, {1: 4})]

    # when
    allocation = allocate(offers, commitments)

    # then
    assert [(line.commitment, line.allocated, line.reason) for line in allocation.lines] == [
        (10, 3, AllocationReason.FULL),
        (11, 4, AllocationReason.FULL),
    ]
    outcome = allocation.outcome_of(1)
    assert (outcome.stock, outcome.demand, outcome.allocated) == (12, 7, 7)
    assert outcome.unit_price == Decimal("100.00")
    # the devices are handed out in the stock's order, each once
    assert allocation.lines[0].devices == (1000, 1001, 1002)
    assert allocation.lines[1].devices == (1003, 1004, 1005, 1006)


def test_short_stock_is_shared_by_the_largest_remainder_method():
    # given: 10 devices for 7 + 5 + 3 = 15 asked: shares 4.67, 3.33, 2 → 4, 3, 2 and one left
    offers = [supply(1, 10)]
    commitments = [
        CommitmentDemand(1, {1: 7}),
        CommitmentDemand(2, {1: 5}),
        CommitmentDemand(3, {1: 3}),
    ]

    # when
    allocation = allocate(offers, commitments)

    # then: the unit left goes to the largest remainder (2/3, the first commitment)
    assert [line.allocated for line in allocation.lines] == [5, 3, 2]
    assert {line.reason for line in allocation.lines} == {AllocationReason.PRO_RATA}
    assert [line.shortfall for line in allocation.lines] == [2, 2, 1]
    # 10 allocated reach the second tier: every buyer pays 90 €
    assert {line.unit_price for line in allocation.lines} == {Decimal("90.00")}


def test_ties_go_to_the_earliest_commitment():
    # given: 3 devices for three commitments of 2: each is owed exactly 1
    # and 2 devices for three of 1: remainders 2/3 each, one unit left to the first two
    offers = [supply(1, 2)]
    commitments = [CommitmentDemand(pk, {1: 1}) for pk in (7, 8, 9)]

    # when
    allocation = allocate(offers, commitments)

    # then
    assert [line.allocated for line in allocation.lines] == [1, 1, 0]


def test_an_offer_below_its_minimum_is_dropped_and_its_lines_get_nothing():
    # given: 20 in stock, 4 asked, a minimum of 5
    offers = [supply(1, 20, minimum=5)]
    commitments = [CommitmentDemand(1, {1: 3}), CommitmentDemand(2, {1: 1})]

    # when
    allocation = allocate(offers, commitments)

    # then
    assert [(line.allocated, line.reason, line.unit_price) for line in allocation.lines] == [
        (0, AllocationReason.DROPPED, None),
        (0, AllocationReason.DROPPED, None),
    ]
    outcome = allocation.outcome_of(1)
    assert (outcome.dropped, outcome.allocated, outcome.tier) == (True, 0, None)
    assert allocation.totals == Totals()


def test_an_offer_without_stock_is_dropped():
    allocation = allocate([supply(1, 0)], [CommitmentDemand(1, {1: 2})])

    assert allocation.lines[0].reason == AllocationReason.DROPPED


def test_an_offer_nobody_asked_for_has_no_line_and_no_outcome_reason():
    allocation = allocate([supply(1, 5), supply(2, 5, first=2000)], [CommitmentDemand(1, {2: 1})])

    assert [line.offer for line in allocation.lines] == [2]
    assert allocation.outcome_of(1).reason is None


def test_money_is_rounded_half_up_to_the_cent_line_by_line():
    # given: 3 × 33.35 € at 5.5 % VAT → 100.05 € and 5.50275 € of VAT → 5.50 €
    offers = [supply(1, 10, tiers=(PriceTier(1, Decimal("33.35")),), vat="5.5")]

    # when
    [line] = allocate(offers, [CommitmentDemand(1, {1: 3})]).lines

    # then
    assert (line.amount_excl_vat, line.vat_amount, line.amount_incl_vat) == (
        Decimal("100.05"),
        Decimal("5.50"),
        Decimal("105.55"),
    )
    # half-up: 0.125 € becomes 0.13 €, not the banker's 0.12 €
    assert to_cent(Decimal("0.125")) == Decimal("0.13")
    assert line_amounts(1, Decimal("0.25"), Decimal("50")) == (
        Decimal("0.25"),
        Decimal("0.13"),
        Decimal("0.38"),
    )


def test_a_commitment_for_an_unknown_offer_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown offers"):
        allocate([supply(1, 1)], [CommitmentDemand(1, {2: 1})])


def test_the_highest_tier_reached_prices_the_total():
    tiers = (PriceTier(1, Decimal("10")), PriceTier(5, Decimal("9")), PriceTier(20, Decimal("8")))

    assert tier_reached(tiers, 0) is None
    assert tier_reached(tiers, 4).unit_price == Decimal("10")
    assert tier_reached(tiers, 5).unit_price == Decimal("9")
    assert tier_reached(tiers, 500).unit_price == Decimal("8")


# --- Properties. ---

quantities = st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=25)


@settings(max_examples=300, deadline=None)
@given(asked=quantities, stock=st.integers(min_value=0, max_value=400))
def test_largest_remainder_shares_obey_the_rule(asked, stock):
    # when
    shares = largest_remainder_shares(asked, stock)

    # then: never above what was asked, the total kept is min(stock, demand)
    demand = sum(asked)
    assert all(0 <= share <= quantity for share, quantity in zip(shares, asked, strict=True))
    assert sum(shares) == min(stock, demand)
    if demand <= stock:
        assert shares == asked
        return
    # each gets its exact share rounded down, or one more
    exact = [Fraction(quantity * stock, demand) for quantity in asked]
    floors = [int(share) for share in exact]
    extras = [share - floor for share, floor in zip(shares, floors, strict=True)]
    assert set(extras) <= {0, 1}
    # the extra units go to the largest remainders, ties to the earliest
    remainders = [share - floor for share, floor in zip(exact, floors, strict=True)]
    winners = [index for index, extra in enumerate(extras) if extra]
    losers = [index for index, extra in enumerate(extras) if not extra]
    for winner in winners:
        assert remainders[winner] > 0
        for loser in losers:
            assert remainders[winner] > remainders[loser] or (
                remainders[winner] == remainders[loser] and winner < loser
            )


offer_sizes = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=80),  # stock
        st.integers(min_value=1, max_value=30),  # minimum quantity
        st.sampled_from(["0", "5.5", "20"]),  # VAT rate
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def campaigns(draw):
    sizes = draw(offer_sizes)
    first = 1
    offers = []
    for pk, (stock, minimum, vat) in enumerate(sizes, start=1):
        thresholds = sorted(
            set(draw(st.lists(st.integers(min_value=2, max_value=60), max_size=3))) | {1}
        )
        prices = sorted(
            draw(
                st.lists(
                    st.decimals(min_value="1.00", max_value="999.99", places=2),
                    min_size=len(thresholds),
                    max_size=len(thresholds),
                )
            ),
            reverse=True,
        )
        offers.append(
            OfferSupply(
                offer=pk,
                stock=tuple(range(first, first + stock)),
                tiers=tuple(PriceTier(t, p) for t, p in zip(thresholds, prices, strict=True)),
                minimum_quantity=minimum,
                vat_rate=Decimal(vat),
            )
        )
        first += stock
    commitments = [
        CommitmentDemand(
            commitment=pk,
            quantities=draw(
                st.dictionaries(
                    st.sampled_from([offer.offer for offer in offers]),
                    st.integers(min_value=0, max_value=40),
                    max_size=len(offers),
                )
            ),
        )
        for pk in range(1, draw(st.integers(min_value=0, max_value=30)) + 1)
    ]
    return offers, commitments


@settings(max_examples=200, deadline=None)
@given(campaign=campaigns())
def test_the_allocation_never_exceeds_stock_nor_demand_and_hands_each_device_once(campaign):
    # given
    offers, commitments = campaign

    # when
    allocation = allocate(offers, commitments)

    # then: each line within what it asked, with as many devices as it got, each device once
    for line in allocation.lines:
        assert 0 <= line.allocated <= line.asked
        assert len(line.devices) == line.allocated
    handed = Counter(device for line in allocation.lines for device in line.devices)
    assert all(count == 1 for count in handed.values())
    for supply_ in offers:
        outcome = allocation.outcome_of(supply_.offer)
        lines = [line for line in allocation.lines if line.offer == supply_.offer]
        demand = sum(commitment.quantities.get(supply_.offer, 0) for commitment in commitments)
        total = sum(line.allocated for line in lines)
        # every device handed out comes from the offer's own stock
        assert {device for line in lines for device in line.devices} <= set(supply_.stock)
        assert outcome.demand == demand
        if outcome.dropped:
            assert total == 0
            assert min(len(supply_.stock), demand) < supply_.minimum_quantity
        else:
            # the total kept is min(stock, demand)
            assert total == min(len(supply_.stock), demand) == outcome.allocated
            # one price for every buyer: the highest tier the total reaches
            if lines:
                price = tier_reached(supply_.tiers, total).unit_price
                assert {line.unit_price for line in lines} == {price}
        # one line per commitment asking for the offer, in the commitments' order
        assert [line.commitment for line in lines] == [
            commitment.commitment
            for commitment in commitments
            if commitment.quantities.get(supply_.offer, 0) > 0
        ]


@settings(max_examples=100, deadline=None)
@given(campaign=campaigns())
def test_totals_add_the_lines_rounded_to_the_cent(campaign):
    allocation = allocate(*campaign)

    totals = allocation.totals
    assert totals.incl_vat == totals.excl_vat + totals.vat
    for line in allocation.lines:
        assert line.amount_excl_vat == to_cent(line.amount_excl_vat)
        assert line.vat_amount == to_cent(line.amount_excl_vat * line.vat_rate / 100)
        assert line.amount_incl_vat == line.amount_excl_vat + line.vat_amount
