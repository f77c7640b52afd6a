"""Benchmark of a campaign's closing (issue 12), on PostgreSQL, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/campaign_close.py

At two sizes, each in a throw-away ``test_…`` database: 500 then 1,000 commitments over 20
offers of 5 partners, holding 10,000 then 20,000 ``ready`` devices (500 then 1,000 per offer);
each commitment asks for two offers; on the even offers the demand is above the stock (about
one and a half times), on the odd ones below it (about four fifths). It measures, in the same
run:

- the closing (:func:`procurement.services.campaign_close`, by the territory): closing, the
  allocation (largest remainder method) recorded, the orders placed with their lines, their
  devices reserved through the lifecycle with an event each, each order's purchase order
  requested (numbered, its devices listed); the PDFs are not rendered, nor the e-mails sent
  (what is handed to the worker is held back): its time and its number of queries;
- the limit it is compared with: reading those devices and commitments once, as model
  instances (the devices of the offers, the commitments with their lines), the best of three.

The targets: the same number of queries at both sizes, and the closing at most 5 × the read.
The closing's main steps are timed as it runs, to show where its time goes.
The setup writes the members, devices, gradings and commitments in bulk, as the services would
leave them: only the closing is measured. Results go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import create_database, destroy_database, setup_django, write_section

SIZES = ((500, 10_000), (1_000, 20_000))  # commitments, devices
OFFERS = 20
PARTNERS = 5
READS = 3
MAX_RATIO = 5
CHUNK = 2_000


def prepare(commitment_count: int, device_count: int):
    """The territory and its groupement, 5 partners with 4 offers each holding their share of
    the ready devices (each graded), ``commitment_count`` members each committed to two
    offers, and the campaign open; the campaign and the territory's user."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from demo.territory import siret
    from inventory.choices import DeviceCategory, DeviceState
    from inventory.counts import device_counts_rebuild
    from inventory.models import Declaration, Device
    from organisations.choices import OrganisationKind
    from organisations.models import Organisation, Site
    from organisations.services import membership_create, organisation_create, site_create
    from procurement.allocation import PriceTier
    from procurement.models import Commitment, CommitmentLine, GroupementMember, OfferDevice
    from procurement.services import (
        campaign_create,
        campaign_open,
        groupement_create,
        offer_create,
    )
    from reuse.models import Grading

    User = get_user_model()
    now = timezone.now()
    today = timezone.localdate()
    territory = organisation_create(
        kind=OrganisationKind.TERRITORY, name="Grand-Orly Seine Bièvre", slug="gosb"
    )
    coordinator = User.objects.create(username="bench-territory")
    membership_create(organisation=territory, user=coordinator)
    commune = organisation_create(
        kind=OrganisationKind.COMMUNE, name="Cachan", slug="cachan", insee_code="94016"
    )
    town_hall = site_create(
        organisation=commune,
        name="Hôtel de ville",
        address="Square de la Libération",
        postal_code="94230",
        city="Cachan",
    )
    declaration = Declaration.objects.create(
        commune=commune, pickup_site=town_hall, created_by=coordinator
    )
    groupement = groupement_create(
        coordinator=territory,
        user=coordinator,
        name="Groupement du réemploi",
        reference="GC-BENCH",
        convention_date=today - datetime.timedelta(days=100),
    )

    offers = []
    per_offer = device_count // OFFERS
    for partner_index in range(PARTNERS):
        partner = organisation_create(
            kind=OrganisationKind.PARTNER,
            name=f"Atelier {partner_index + 1}",
            slug=f"atelier-{partner_index + 1}",
            siret=siret(f"7328293{partner_index}", "0001"),
            esus_approval_reference=f"ESUS-94-{partner_index:04d}",
        )
        workshop = User.objects.create(username=f"bench-atelier-{partner_index + 1}")
        membership_create(organisation=partner, user=workshop)
        for offer_index in range(OFFERS // PARTNERS):
            offer = offer_create(
                partner=partner,
                user=workshop,
                title=f"PC fixe {partner_index + 1}.{offer_index + 1}",
                category=DeviceCategory.DESKTOP,
                grade="C",
                warranty_months=12,
                vat_rate=Decimal("20"),
                minimum_quantity=10,
                price_tiers=[
                    PriceTier(1, Decimal("189.00")),
                    PriceTier(100, Decimal("175.00")),
                    PriceTier(500, Decimal("159.00")),
                ],
                min_ram_gb=Decimal("8"),
            )
            devices = Device.objects.bulk_create(
                (
                    Device(
                        category=DeviceCategory.DESKTOP,
                        brand="Dell",
                        model="OptiPlex 7060",
                        serial_number=f"BN{len(offers):02d}{number:06d}",
                        cpu="Intel Core i5-8500",
                        ram_gb=Decimal("8"),
                        storage_gb=256,
                        commune=commune,
                        declaration=declaration,
                        pickup_site=town_hall,
                        holder=partner,
                        state=DeviceState.READY,
                    )
                    for number in range(per_offer)
                ),
                batch_size=CHUNK,
            )
            Grading.objects.bulk_create(
                (
                    Grading(
                        device=device,
                        organisation=partner,
                        grade="ABC"[number % 3],
                        graded_by=workshop,
                        graded_on=today,
                    )
                    for number, device in enumerate(devices)
                ),
                batch_size=CHUNK,
            )
            OfferDevice.objects.bulk_create(
                (OfferDevice(offer=offer, device=device) for device in devices),
                batch_size=CHUNK,
            )
            offers.append(offer)

    members = Organisation.objects.bulk_create(
        Organisation(kind=OrganisationKind.BUYER, name=f"École {number}", slug=f"ecole-{number}")
        for number in range(commitment_count)
    )
    sites = Site.objects.bulk_create(
        Site(
            organisation=member,
            name="Loge",
            address="1 rue de l'École",
            postal_code="94230",
            city="Cachan",
            is_pickup=False,
            is_delivery=True,
        )
        for member in members
    )
    GroupementMember.objects.bulk_create(
        GroupementMember(
            groupement=groupement,
            organisation=member,
            approved_on=today - datetime.timedelta(days=90),
            added_by=coordinator,
        )
        for member in members
    )
    campaign = campaign_create(
        groupement=groupement,
        user=coordinator,
        title="Postes fixes",
        opens_at=now - datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=1),
        offers=offers,
    )
    with mock.patch("common.handoff.enqueue"):
        campaign = campaign_open(campaign=campaign, user=coordinator)
    commitments = Commitment.objects.bulk_create(
        Commitment(
            campaign=campaign,
            buyer=member,
            delivery_site=site,
            contact_name="Nadia Benali",
            contact_email="nadia@example.org",
            siret="44306184100013",
            service_code="SERV-42",
            engagement_number=f"EJ-2026-{number:04d}",
            committed_by=coordinator,
            committed_at=now - datetime.timedelta(hours=12, seconds=-number),
            updated_by=coordinator,
            updated_at=now - datetime.timedelta(hours=12, seconds=-number),
        )
        for number, (member, site) in enumerate(zip(members, sites, strict=True))
    )
    CommitmentLine.objects.bulk_create(
        (
            CommitmentLine(
                commitment=commitment,
                offer=offers[offer_index],
                # Each offer is asked by a tenth of the commitments: the even ones about one and
                # a half times their stock, the odd ones four fifths of it, at either size.
                quantity=10 + number % 11 if offer_index % 2 == 0 else 4 + number % 9,
            )
            for number, commitment in enumerate(commitments)
            for offer_index in (number % OFFERS, (number + 7) % OFFERS)
        ),
        batch_size=CHUNK,
    )
    # The devices were written in bulk, around the gateway: count them as it would have.
    device_counts_rebuild()
    # What autovacuum does to a table filled over months, done now: the statistics, the
    # visibility map, and the trigram indexes' pending lists merged. Without it, the first
    # statement to write the devices (the reservation) pays for merging the setup's 20,000
    # inserts into the GIN indexes, with plans made for empty tables.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return campaign, coordinator, offers


def read_once(campaign, offers) -> float:
    """Seconds to read the offers' devices and the campaign's commitments with their lines,
    as model instances, once."""
    from inventory.models import Device
    from procurement.models import Commitment

    started = time.perf_counter()
    devices = list(Device.objects.filter(offer_items__offer__in=offers))
    commitments = list(
        Commitment.objects.filter(campaign=campaign).prefetch_related("lines").order_by("pk")
    )
    seconds = time.perf_counter() - started
    assert devices
    assert commitments
    return seconds


# Where the closing's time goes: the steps it calls, timed as they run.
STEPS = {
    "stock": ("procurement.selectors", "stock_devices"),
    "reservation": ("procurement.services.closing", "devices_transition"),
    "purchase orders": ("procurement.services.closing", "purchase_orders_request"),
}


def close(campaign, coordinator) -> tuple[float, int, dict[str, float], float]:
    """Seconds and queries of the closing, nothing handed to the worker, the seconds of its
    main steps (reading and locking the stock; reserving the devices through the lifecycle,
    events included; requesting the purchase orders), and the seconds its statements took
    from being sent to being answered (their parameters' adaptation by psycopg included; the
    commits' checks of the deferred foreign keys included)."""
    import importlib

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from procurement.services import campaign_close

    steps: dict[str, float] = dict.fromkeys(STEPS, 0.0)

    def timed(name, function):
        def step(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                steps[name] += time.perf_counter() - started

        return step

    patches = [
        mock.patch(
            f"{module}.{attribute}",
            timed(name, getattr(importlib.import_module(module), attribute)),
        )
        for name, (module, attribute) in STEPS.items()
    ]
    with mock.patch("common.handoff.enqueue"), CaptureQueriesContext(connection) as queries:
        for patch in patches:
            patch.start()
        try:
            started = time.perf_counter()
            campaign_close(campaign=campaign, user=coordinator)
            seconds = time.perf_counter() - started
        finally:
            for patch in patches:
                patch.stop()
    in_database = sum(float(query["time"]) for query in queries.captured_queries)
    return seconds, len(queries.captured_queries), steps, in_database


def check(campaign) -> dict:
    """What the closing did, checked: no allocation above the stock or the demand, each
    device reserved once, an event each, a purchase order per order."""
    from django.db.models import Count, Sum

    from documents.models import Document
    from inventory.choices import DeviceState, EventKind
    from inventory.models import Device, DeviceEvent
    from procurement.choices import AllocationReason, CampaignState
    from procurement.models import AllocationLine, CampaignOffer, Order, OrderDevice
    from procurement.purchase_orders import purchase_order_key

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.ALLOCATED
    outcomes = list(CampaignOffer.objects.filter(campaign=campaign))
    for outcome in outcomes:
        assert outcome.allocated == min(outcome.stock, outcome.demand), outcome
    over = sum(1 for outcome in outcomes if outcome.demand > outcome.stock)
    reserved = OrderDevice.objects.filter(order__campaign=campaign)
    assert not reserved.values("device").annotate(n=Count("pk")).filter(n__gt=1).exists()
    allocated = sum(outcome.allocated for outcome in outcomes)
    assert reserved.count() == allocated
    assert Device.objects.filter(state=DeviceState.RESERVED).count() == allocated
    assert DeviceEvent.objects.filter(kind=EventKind.RESERVED).count() == allocated
    orders = list(Order.objects.filter(campaign=campaign))
    keys = [purchase_order_key(order.pk) for order in orders]
    assert Document.objects.filter(idempotency_key__in=keys).count() == len(orders)
    return {
        "over": over,
        "pro_rata_lines": AllocationLine.objects.filter(
            campaign=campaign, reason=AllocationReason.PRO_RATA
        ).count(),
        "allocated": allocated,
        "demand": sum(outcome.demand for outcome in outcomes),
        "orders": len(orders),
        "amount": Order.objects.filter(campaign=campaign).aggregate(total=Sum("total_incl_vat"))[
            "total"
        ],
    }


def run(commitment_count: int, device_count: int, *, collector_running: bool = False) -> dict:
    """Prepare a database of this size, read, close, check; with ``collector_running``, the
    closing leaves Python's cyclic garbage collector running, as it did before it paused it
    (the alternative, in the same run: what the collector's walks cost the closing)."""
    import contextlib
    from unittest import mock

    from django.db import connection

    database = create_database()
    try:
        campaign, coordinator, offers = prepare(commitment_count, device_count)
        read = min(read_once(campaign, offers) for _ in range(READS))
        collector = (
            mock.patch("procurement.services.closing.collector_paused", contextlib.nullcontext)
            if collector_running
            else contextlib.nullcontext()
        )
        with collector:
            seconds, queries, steps, in_database = close(campaign, coordinator)
        result = check(campaign)
    finally:
        connection.close()
        destroy_database(database)
    return {
        "commitments": commitment_count,
        "devices": device_count,
        "read": read,
        "close": seconds,
        "queries": queries,
        "steps": steps,
        "in_database": in_database,
        **result,
    }


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    setup_django()
    from config.celery import app

    app.conf.task_always_eager = False  # nothing runs inline: the hand-offs are held back
    results = []
    for commitments, devices in SIZES:
        result = run(commitments, devices)
        print(
            f"{result['commitments']:>5,} commitments, {result['devices']:>6,} devices: "
            f"closing {result['close']:.2f} s in {result['queries']} queries, "
            f"reading once {result['read']:.2f} s ({result['close'] / result['read']:.2f} ×); "
            f"{result['allocated']:,} of {result['demand']:,} asked allocated, "
            f"{result['orders']:,} orders"
        )
        results.append(result)
    running = run(*SIZES[-1], collector_running=True)
    print(
        f"the same, the garbage collector left running: closing {running['close']:.2f} s, "
        f"reading once {running['read']:.2f} s ({running['close'] / running['read']:.2f} ×)"
    )
    small, large = results
    ratio = large["close"] / large["read"]
    rows = [
        f"| {result['commitments']:,} | {result['devices']:,} | {result['over']} of {OFFERS} | "
        f"{result['allocated']:,} of {result['demand']:,} | {result['orders']:,} | "
        f"{result['queries']} | {result['close']:.2f} | {result['read']:.2f} | "
        f"{result['close'] / result['read']:.2f} × |"
        for result in results
    ]
    step_rows = [
        f"| {result['commitments']:,} | "
        + " | ".join(f"{seconds:.2f}" for seconds in result["steps"].values())
        + f" | {result['close'] - sum(result['steps'].values()):.2f} | "
        f"{result['in_database']:.2f} | {MAX_RATIO * result['read']:.2f} |"
        for result in results
    ]
    report = "\n".join(
        [
            "## Closing a campaign (issue 12)",
            "",
            "Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle "
            ".venv/bin/python bench/campaign_close.py`",
            "",
            f"Measured {datetime.date.today():%Y-%m-%d} on this project's machine (2 cores, "
            f"PostgreSQL 15; load average {os.getloadavg()[0]:.1f} at the end), at two sizes, "
            f"each in its own database: {OFFERS} offers of "
            f"{PARTNERS} partners, each commitment asking for two of them, the demand above the "
            "stock on the even offers. The closing, by the territory: the campaign closed, the "
            "allocation recorded, the orders placed with their lines, their devices reserved "
            "through the lifecycle with an event each, each order's purchase order requested "
            "(the PDFs not rendered, the e-mails not sent). The read: the offers' devices and "
            f"the commitments with their lines as model instances, once (best of {READS}).",
            "",
            "| commitments | ready devices | offers asked above stock | devices allocated "
            "| orders | queries | closing (s) | read (s) | closing ÷ read |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "Where the closing's time goes (seconds): reading and locking the stock, reserving "
            "the devices through the lifecycle's set-based gateway (the rows the stock locked, "
            "checked and moved as loaded: one UPDATE, the events inserted from their values in "
            "one statement, the counts, the offers' stock), requesting the purchase orders (each "
            "order read with its lines and its devices' codes, numbered, its document and device "
            "links written), and the rest (closing, the allocation and its records, the orders, "
            "their lines and devices, the commit). The setup ends with `VACUUM ANALYZE`, as "
            "autovacuum would have run on devices that came in over months: otherwise the "
            "reservation's UPDATE merges the setup's 20,000 inserts into the trigram indexes. "
            "Beside them, the time the closing's statements took at the database, from sent to "
            "answered (the commits included, with their checks of the foreign keys of the rows "
            f"written), and the target's budget, {MAX_RATIO} × the read.",
            "",
            "| commitments | " + " | ".join(STEPS) + " | the rest | statements at the database "
            f"| {MAX_RATIO} × the read |",
            "| ---: | " + " | ".join("---:" for _ in STEPS) + " | ---: | ---: | ---: |",
            *step_rows,
            "",
            f"The closing's model instances are the stock's devices, the allocation's records, "
            f"the orders with their lines and purchase orders (the devices' events, the orders' "
            f"devices and the purchase orders' device links are written from their values); the "
            f"closing pauses Python's cyclic garbage collector while it builds them "
            f"(`common.collector`), which would otherwise walk them, and the whole process, at "
            f"each full collection. The alternative, in the same run: the larger size again "
            f"with the collector left running, {running['close']:.2f} s against a read of "
            f"{running['read']:.2f} s ({running['close'] / running['read']:.2f} ×).",
            "",
            "| target | measured | verdict |",
            "| --- | --- | --- |",
            f"| queries do not grow with the devices and the commitments | "
            f"{small['queries']} and {large['queries']} | "
            f"{_verdict(small['queries'] == large['queries'])} |",
            f"| closing ≤ {MAX_RATIO} × reading the devices and commitments once | "
            f"{ratio:.2f} × | {_verdict(ratio <= MAX_RATIO)} |",
        ]
    )
    write_section("campaign_close", report)
    print(report)


if __name__ == "__main__":
    main()
