"""Benchmark of the impact indicators and their report (issue 14), on PostgreSQL, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/impact.py

In a throw-away ``test_…`` database: the demo territory (``seed_demo``), then 1,000,000
devices declared by its communes during a year (the last whole one), with their events,
written in set-based SQL as the lifecycle would have left them: each device declared, then,
by a fixed draw, left there or taken back by its commune, or claimed by one of the demo's
partners, collected, diagnosed, made ready, reserved and delivered to one of the demo's
buyers, or sent to recycling after its collection; each step some days after the one before.
Then ``recount_devices`` and ``recount_steps`` (the step counts the indicators read, which the
services keep with every event they write, counted here from the events written in SQL), and
``VACUUM ANALYZE``, as autovacuum would have run on a table filled over a year. It measures,
in the same run:

- the territory's indicators for that year (:func:`impact.selectors.indicators`), the best of
  three, with their number of queries; a commune's and a partner's, for information;
- the limit they are compared with: one ``SELECT category, state, COUNT(*) FROM
  inventory_device GROUP BY category, state``, the best of three;
- the territory's impact report for that year: recorded (its indicators, the REEN rates and
  the AGEC shares captured), then its PDF rendered through ``documents.services``, timed.

The targets: the territory's indicators in at most 3 × the count, the report's PDF rendered
in at most 10 s (its recording, which computes the indicators, is shown apart). ``--explain``
prints the plan of each of the territory's queries (``EXPLAIN ANALYZE``); ``--keep`` leaves
the database filled for the next run, which then reuses it. Results go to
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import create_database, destroy_database, setup_django, write_section

DEVICES = 1_000_000
RUNS = 3
MAX_RATIO = 3
MAX_REPORT_SECONDS = 10
# What the generated devices' serial numbers start with: how a kept database is recognised.
SERIAL_PREFIX = "BNCH"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# The categories drawn, with their shares, brands and models: a commune's surplus.
CATALOGUE = (
    ("laptop", 0.30, "Dell", "Latitude 5490"),
    ("desktop", 0.25, "HP", "ProDesk 600 G4"),
    ("monitor", 0.20, "Iiyama", "ProLite XU2493HS"),
    ("tablet", 0.05, "Apple", "iPad 6"),
    ("smartphone", 0.06, "Samsung", "Galaxy A40"),
    ("printer", 0.05, "Brother", "HL-L2350DW"),
    ("projector", 0.02, "Epson", "EB-W05"),
    ("accessory", 0.05, "Logitech", "K120"),
    ("other", 0.02, "Netgear", "GS108"),
)
DATA_BEARING = ("laptop", "desktop", "tablet", "smartphone")
# Where each device stops, with its share: the last step of the loop it reached (the main
# line: declared, claimed, collected, diagnosed, ready, reserved, delivered), or taken back
# by its commune after its declaration, or recycled after its collection.
OUTCOMES = (
    ("declared", 0.12, 0),
    ("withdrawn", 0.03, 0),
    ("claimed", 0.05, 1),
    ("collected", 0.08, 2),
    ("in_refurbishment", 0.07, 3),
    ("recycled", 0.15, 2),
    ("ready", 0.15, 4),
    ("reserved", 0.05, 5),
    ("delivered", 0.30, 6),
)


def _code(number: str) -> str:
    """A device code in SQL from a number below 32**7: Z and seven base-32 digits."""
    digits = " || ".join(
        f"substr('{CODE_ALPHABET}', ((({number}) >> {5 * position}) & 31)::int + 1, 1)"
        for position in reversed(range(7))
    )
    return f"'Z' || {digits}"


def _drawn(draw: str, choices: tuple, value) -> str:
    """A CASE picking ``value(choice)`` by the cumulative shares of ``choices``."""
    cases, total = [], 0.0
    for choice in choices[:-1]:
        total += choice[1]
        cases.append(f"WHEN {draw} < {total:.4f} THEN {value(choice)}")
    return f"CASE {' '.join(cases)} ELSE {value(choices[-1])} END"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _device_indexes(cursor) -> list[tuple[str, str]]:
    """The devices' and events' indexes that back no constraint (their name and definition):
    dropped while the rows go in, built again after, as a bulk load does."""
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename IN ('inventory_device', 'inventory_deviceevent')
        AND indexname NOT IN (SELECT conname FROM pg_constraint)"""
    )
    return cursor.fetchall()


def fill(year: int) -> dict:
    """The demo territory, then DEVICES devices declared during ``year`` and their events
    (see the module); the seconds of each part."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from inventory.models import Declaration
    from organisations.choices import OrganisationKind
    from organisations.models import Membership, Organisation

    seconds = {}
    started = time.perf_counter()
    call_command("seed_demo", stdout=io.StringIO())
    seconds["demo"] = time.perf_counter() - started

    started = time.perf_counter()
    communes = list(Organisation.objects.communes().order_by("pk"))
    partners = list(
        Organisation.objects.filter(kind=OrganisationKind.PARTNER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    buyers = list(
        Organisation.objects.filter(kind=OrganisationKind.BUYER)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    territory = Organisation.objects.get(kind=OrganisationKind.TERRITORY)
    declarations, sites = [], []
    for commune in communes:
        agent = Membership.objects.filter(organisation=commune).order_by("pk").first().user
        site = commune.sites.filter(is_pickup=True).order_by("pk").first()
        declarations.append(
            Declaration.objects.create(
                commune=commune,
                pickup_site=site,
                reference=f"Inventaire {year}",
                created_by=agent,
                created_at=datetime.datetime(year, 1, 1, tzinfo=datetime.UTC),
            ).pk
        )
        sites.append(site.pk if site else None)
    first = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC)
    # One draw per device, from a fixed seed: its commune, category, outcome, partner, buyer,
    # purchase date, and the days between its steps.
    plan = f"""
        CREATE TEMPORARY TABLE bench_plan AS
        SELECT g, {_code("g")} AS code, commune_index, category_draw, outcome_draw,
            partner_index, buyer_index, purchase_date, sensitive,
            declared_at,
            declared_at + claim_days * interval '1 day' AS claimed_at,
            declared_at + (claim_days + collect_days) * interval '1 day' AS collected_at,
            declared_at + (claim_days + collect_days + diagnose_days) * interval '1 day'
                AS diagnosed_at,
            declared_at + (claim_days + collect_days + diagnose_days + ready_days)
                * interval '1 day' AS ready_at,
            declared_at + (claim_days + collect_days + diagnose_days + ready_days
                + reserve_days) * interval '1 day' AS reserved_at,
            declared_at + (claim_days + collect_days + diagnose_days + ready_days
                + reserve_days + deliver_days) * interval '1 day' AS delivered_at,
            declared_at + withdraw_days * interval '1 day' AS withdrawn_at,
            declared_at + (claim_days + collect_days + recycle_days) * interval '1 day'
                AS recycled_at
        FROM (
            SELECT g,
                floor(random() * %s)::int AS commune_index,
                random() AS category_draw,
                random() AS outcome_draw,
                floor(random() * %s)::int AS partner_index,
                floor(random() * %s)::int AS buyer_index,
                DATE '{year - 13}-01-01' + floor(random() * 12 * 365)::int AS purchase_date,
                random() < 0.02 AS sensitive,
                %s::timestamptz + random() * interval '365 days' AS declared_at,
                1 + random() * 29 AS claim_days,
                1 + random() * 14 AS collect_days,
                1 + random() * 19 AS diagnose_days,
                1 + random() * 29 AS ready_days,
                1 + random() * 59 AS reserve_days,
                3 + random() * 27 AS deliver_days,
                1 + random() * 59 AS withdraw_days,
                1 + random() * 29 AS recycle_days
            FROM generate_series(1, %s) AS g
        ) AS draws
    """
    outcome = _drawn("outcome_draw", OUTCOMES, lambda choice: _quoted(choice[0]))
    last_step = _drawn("outcome_draw", OUTCOMES, lambda choice: str(choice[2]))
    category = _drawn("category_draw", CATALOGUE, lambda choice: _quoted(choice[0]))
    brand = _drawn("category_draw", CATALOGUE, lambda choice: _quoted(choice[2]))
    model = _drawn("category_draw", CATALOGUE, lambda choice: _quoted(choice[3]))
    serial = f"'{SERIAL_PREFIX}' || lpad(g::text, 7, '0')"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.14)")
        cursor.execute(plan, [len(communes), len(partners), len(buyers), first, DEVICES + 100])
        # A code drawn by the demo's devices is left out, and the plan kept to DEVICES rows.
        cursor.execute("DELETE FROM bench_plan WHERE code IN (SELECT code FROM inventory_device)")
        cursor.execute(
            "DELETE FROM bench_plan WHERE g > (SELECT g FROM bench_plan ORDER BY g "
            "OFFSET %s LIMIT 1)",
            [DEVICES - 1],
        )
        cursor.execute(
            """ALTER TABLE bench_plan
            ADD COLUMN outcome text, ADD COLUMN last_step int, ADD COLUMN category text,
            ADD COLUMN brand text, ADD COLUMN model text"""
        )
        cursor.execute(
            f"""UPDATE bench_plan SET outcome = {outcome}, last_step = {last_step},
            category = {category}, brand = {brand}, model = {model}"""
        )
        cursor.execute("CREATE INDEX ON bench_plan (code)")
        cursor.execute("ANALYZE bench_plan")
        seconds["plan"] = time.perf_counter() - started

        started = time.perf_counter()
        indexes = _device_indexes(cursor)
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        commune_ids = [commune.pk for commune in communes]
        holder = """CASE
            WHEN outcome IN ('declared', 'withdrawn', 'claimed') THEN commune_id
            WHEN outcome = 'delivered' THEN (%s::bigint[])[buyer_index + 1]
            ELSE (%s::bigint[])[partner_index + 1] END"""
        cursor.execute(
            f"""INSERT INTO inventory_device (
                code, category, brand, model, serial_number, identity_key, asset_tag,
                purchase_date, cpu, ram_gb, storage_gb, storage_type, screen_size_inches,
                operating_system, data_bearing, data_bearing_overridden, holds_sensitive_data,
                condition_notes, commune_id, declaration_id, pickup_site_id, holder_id, state,
                claimed_by_id, claimed_at, created_at, updated_at
            )
            SELECT code, category, brand, model, serial, lower(brand) || ':' || serial,
                '', purchase_date, '', NULL, NULL, '', NULL, '',
                category IN {tuple(DATA_BEARING)!r}, FALSE, sensitive, '',
                commune_id, declaration_id, site_id, {holder}, outcome,
                CASE WHEN last_step >= 1 THEN (%s::bigint[])[partner_index + 1] END,
                CASE WHEN last_step >= 1 THEN claimed_at END,
                declared_at,
                CASE outcome
                    WHEN 'declared' THEN declared_at WHEN 'withdrawn' THEN withdrawn_at
                    WHEN 'claimed' THEN claimed_at WHEN 'collected' THEN collected_at
                    WHEN 'in_refurbishment' THEN diagnosed_at WHEN 'recycled' THEN recycled_at
                    WHEN 'ready' THEN ready_at WHEN 'reserved' THEN reserved_at
                    ELSE delivered_at END
            FROM (
                SELECT plan.*, {serial} AS serial,
                    (%s::bigint[])[commune_index + 1] AS commune_id,
                    (%s::bigint[])[commune_index + 1] AS declaration_id,
                    (%s::bigint[])[commune_index + 1] AS site_id
                FROM bench_plan AS plan
            ) AS planned
            ORDER BY declared_at""",
            [buyers, partners, partners, commune_ids, declarations, sites],
        )
        seconds["devices"] = time.perf_counter() - started

        # Each device's events, in the order they happened; who acted: the commune, the
        # partner, the territory (the reservation of a group order), the buyer.
        started = time.perf_counter()
        cursor.execute(
            """INSERT INTO inventory_deviceevent (
                device_id, kind, from_state, to_state, actor_id, organisation_id, created_at,
                note, details
            )
            SELECT device.id, event.kind, event.from_state, event.to_state, NULL,
                event.organisation_id, event.at, '', event.details
            FROM bench_plan AS plan
            JOIN inventory_device AS device ON device.code = plan.code
            CROSS JOIN LATERAL (VALUES
                (0, 'declared', '', 'declared', device.commune_id, plan.declared_at,
                    jsonb_build_object('declaration', device.declaration_id)),
                (1, 'claimed', 'declared', 'claimed', device.claimed_by_id, plan.claimed_at,
                    '{}'::jsonb),
                (2, 'collected', 'claimed', 'collected', device.claimed_by_id,
                    plan.collected_at, '{}'::jsonb),
                (3, 'diagnosed', 'collected', 'in_refurbishment', device.claimed_by_id,
                    plan.diagnosed_at, '{}'::jsonb),
                (4, 'ready', 'in_refurbishment', 'ready', device.claimed_by_id, plan.ready_at,
                    '{}'::jsonb),
                (5, 'reserved', 'ready', 'reserved', %s, plan.reserved_at, '{}'::jsonb),
                (6, 'delivered', 'reserved', 'delivered', device.holder_id, plan.delivered_at,
                    '{}'::jsonb),
                (-1, 'withdrawn', 'declared', 'withdrawn', device.commune_id,
                    plan.withdrawn_at, '{}'::jsonb),
                (-2, 'recycled', 'collected', 'recycled', device.claimed_by_id,
                    plan.recycled_at, '{}'::jsonb)
            ) AS event (step, kind, from_state, to_state, organisation_id, at, details)
            WHERE event.step BETWEEN 0 AND plan.last_step
                OR event.step = -1 AND plan.outcome = 'withdrawn'
                OR event.step = -2 AND plan.outcome = 'recycled'
            ORDER BY event.at""",
            [territory.pk],
        )
        seconds["events"] = time.perf_counter() - started

        started = time.perf_counter()
        # The foreign keys checked now (Django defers them), before the indexes are built.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("DROP TABLE bench_plan")
        seconds["indexes"] = time.perf_counter() - started

    started = time.perf_counter()
    call_command("recount_devices", stdout=io.StringIO())
    seconds["recount"] = time.perf_counter() - started
    started = time.perf_counter()
    call_command("recount_steps", stdout=io.StringIO())
    seconds["recount steps"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seconds["vacuum"] = time.perf_counter() - started
    return seconds


def filled() -> bool:
    """Whether the database holds the generated devices already (a kept one)."""
    from inventory.models import Device

    return Device.objects.filter(serial_number__startswith=SERIAL_PREFIX).count() == DEVICES


def count_once() -> float:
    """Seconds of the limit: the devices counted by category and state, once."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category, state, COUNT(*) FROM inventory_device GROUP BY category, state"
        )
        rows = cursor.fetchall()
    seconds = time.perf_counter() - started
    assert rows
    return seconds


def indicators_timed(organisation, period, version) -> tuple[float, int, list[str], dict]:
    """The best of RUNS computations of ``organisation``'s indicators: seconds, the number
    of queries, their SQL (of the last run) and the figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from impact.selectors import indicators

    best = None
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            figures = indicators(organisation=organisation, period=period, version=version)
            seconds = time.perf_counter() - started
        if best is None or seconds < best:
            best, best_queries = seconds, queries.captured_queries
    sql = [query["sql"] for query in best_queries]
    QUERY_SECONDS[organisation.pk] = [float(query["time"]) for query in best_queries]
    return best, len(sql), sql, figures


# Each scope's queries' seconds, in the best run.
QUERY_SECONDS: dict[int, list[float]] = {}
# What the territory's queries read, in the order indicators() runs them.
TERRITORY_QUERIES = (
    "devices by month, step and category (the step counts)",
    "the median days to reuse (the step counts)",
    "the factors",
    "the states now (the device counts)",
    "reuse by commune (the step counts)",
)


def explain(sql: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")
            print(statement[:300], "\n", "\n".join(row[0] for row in cursor.fetchall()), "\n")


def report_timed(territory, year: int) -> dict:
    """The territory's impact report for ``year``: recorded and its document requested
    (its rendering held back), then the document rendered through documents.services;
    seconds of each, and the PDF's pages and size."""
    from pypdf import PdfReader

    from documents.models import Document
    from documents.services import document_render
    from impact.services import impact_report_issue

    user = territory.memberships.order_by("pk").first().user
    started = time.perf_counter()
    with mock.patch("documents.services.enqueue_on_commit"):
        report = impact_report_issue(
            user=user,
            viewer=territory,
            organisation=territory,
            start=datetime.date(year, 1, 1),
            end=datetime.date(year, 12, 31),
        )
    recorded = time.perf_counter() - started
    started = time.perf_counter()
    document = document_render(document=Document.objects.get(pk=report.document_id))
    rendered = time.perf_counter() - started
    document.refresh_from_db()
    content = document.file.read()
    return {
        "record": recorded,
        "render": rendered,
        "pages": len(PdfReader(io.BytesIO(content)).pages),
        "size": len(content),
        "number": document.number,
        "state": document.state,
    }


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    global DEVICES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--explain", action="store_true", help="print the territory's plans")
    parser.add_argument(
        "--keep", action="store_true", help="keep the filled database; reuse a kept one"
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=DEVICES,
        help="a smaller run to try the script: its figures are printed, not written",
    )
    options = parser.parse_args()
    written, DEVICES = options.devices == DEVICES, options.devices
    setup_django()
    from django.db import connection

    from config.celery import app
    from impact.selectors import Period, factor_version_current
    from organisations.choices import OrganisationKind
    from organisations.models import Organisation

    app.conf.task_always_eager = False  # the report's rendering is run here, timed
    year = datetime.date.today().year - 1
    period = Period.year(year)
    if options.keep:
        from django.db import connection as default

        name = default.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    else:
        name = create_database()
    try:
        fill_seconds = None
        if not (options.keep and filled()):
            fill_seconds = fill(year)
            print("filled:", ", ".join(f"{k} {v:.1f} s" for k, v in fill_seconds.items()))
        version = factor_version_current()
        territory = Organisation.objects.get(kind=OrganisationKind.TERRITORY)
        commune = Organisation.objects.communes().order_by("name").first()
        partner = Organisation.objects.filter(kind=OrganisationKind.PARTNER).order_by("pk")[0]
        counts = [count_once() for _ in range(RUNS)]
        count = min(counts)
        scopes = {}
        for organisation in (territory, commune, partner):
            seconds, queries, sql, figures = indicators_timed(organisation, period, version)
            scopes[organisation.pk] = (organisation, seconds, queries, figures)
            print(
                f"{organisation.name}: indicators {seconds:.2f} s in {queries} queries "
                f"({seconds / count:.1f} × the count, {count:.3f} s)"
            )
            if options.explain and organisation == territory:
                explain(sql)
        counts.append(count_once())  # once more after, the machine's state alike
        count = min(counts)
        report = report_timed(territory, year)
        print(
            f"report {report['number']}: recorded in {report['record']:.2f} s, rendered in "
            f"{report['render']:.2f} s, {report['pages']} pages"
        )
        from django.db.models import Count

        from inventory.models import Device, DeviceEvent, DeviceStepCount

        devices = Device.objects.count()
        events = DeviceEvent.objects.count()
        steps = DeviceStepCount.objects.count()
        by_kind = dict(
            DeviceEvent.objects.filter(
                created_at__gte=period.first_moment, created_at__lt=period.after_last_moment
            )
            .values_list("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
    finally:
        connection.close()
        if not options.keep:
            destroy_database(name)

    territory_seconds = scopes[territory.pk][1]
    ratio = territory_seconds / count
    totals = scopes[territory.pk][3]["totals"]
    scope_rows = [
        f"| {label} ({organisation.name}) | {seconds:.2f} | {queries} | "
        f"{seconds / count:.1f} × | {figures['totals']['declared']:,} | "
        f"{figures['reused']:,} |"
        for label, (organisation, seconds, queries, figures) in zip(
            ("territory", "a commune", "a partner"), scopes.values(), strict=True
        )
    ]
    fill_text = (
        "; filling took " + ", ".join(f"{key} {value:.0f} s" for key, value in fill_seconds.items())
        if fill_seconds
        else ""
    )
    markdown = "\n".join(
        [
            "## Impact indicators and report (issue 14)",
            "",
            "Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle "
            ".venv/bin/python bench/impact.py`",
            "",
            f"Measured {datetime.date.today():%Y-%m-%d} on this project's machine (2 cores, "
            f"PostgreSQL; load average {os.getloadavg()[0]:.1f} at the end), in its own "
            f"database: the demo territory, then {DEVICES:,} devices declared by its communes "
            f"during {year} with their events, written in set-based SQL as the lifecycle would "
            f"have left them ({devices:,} devices and {events:,} events in all; in {year}: "
            + ", ".join(f"{kind} {number:,}" for kind, number in sorted(by_kind.items()))
            + f"), then `recount_devices`, `recount_steps` and `VACUUM ANALYZE`{fill_text}. "
            f"The indicators of "
            f"{year} (`impact.selectors.indicators`) and the count they are compared with "
            f"(`SELECT category, state, COUNT(*) FROM inventory_device GROUP BY category, "
            f"state`, {count:.3f} s): best of {RUNS} each.",
            "",
            "| indicators of | seconds | queries | ÷ the count | declared | reused |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *scope_rows,
            "",
            f"The territory's report for {year} ({report['number']}, {report['pages']} pages, "
            f"{report['size'] / 1024:.0f} KiB): recorded with its indicators, REEN rates and "
            f"AGEC shares and its document requested in {report['record']:.2f} s, the PDF "
            f"rendered through `documents.services.document_render` in "
            f"{report['render']:.2f} s.",
            "",
            "Where the territory's time goes (seconds of each query, best run): "
            + "; ".join(
                f"{label} {seconds:.2f}"
                for label, seconds in zip(
                    TERRITORY_QUERIES
                    if len(QUERY_SECONDS[territory.pk]) == len(TERRITORY_QUERIES)
                    else (f"query {number}" for number in range(1, 99)),
                    QUERY_SECONDS[territory.pk],
                    strict=False,
                )
            )
            + ".",
            "",
            f"The indicators read the step counts (`inventory.DeviceStepCount`, {steps:,} rows: "
            "the devices that first reached each step, per month, category, declaring commune, "
            "organisation, and for a reuse its partner and days from declaration), which the "
            "services keep with every event they write, and the device counts; never the "
            "events, for a period of whole months. A partner's reuse is that of the devices it "
            "collected (their claimant).",
            "",
            "| target | measured | verdict |",
            "| --- | --- | --- |",
            f"| territory's indicators ≤ {MAX_RATIO} × the count | {ratio:.2f} × "
            f"({territory_seconds:.2f} s ÷ {count:.3f} s) | {_verdict(ratio <= MAX_RATIO)} |",
            f"| report PDF renders in ≤ {MAX_REPORT_SECONDS} s | {report['render']:.2f} s "
            f"(its recording before, the indicators included: {report['record']:.2f} s) | "
            f"{_verdict(report['render'] <= MAX_REPORT_SECONDS)} |",
        ]
    )
    assert totals["declared"] > 0
    if written:
        write_section("impact", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
