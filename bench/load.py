"""Load benchmark (issue 11): a million devices, served by gunicorn, driven by Locust.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/load.py \\
        --label "before the scale work"
    (--devices 20000 for a quick run; --help for the rest)

On the PostgreSQL server of ``DATABASE_URL`` (its own database is never touched), it:

1. creates its own database, ``boucle_bench_load`` (``--database``), marked as the
   benchmark's by a comment; a database of that name without the mark is never dropped;
2. fills it as a territory would: the demo territory (``seed_demo``), then ``--devices``
   devices declared by five communes in files of 200,000 rows (French Excel CSV, as
   ``bench/import_devices.py`` writes them), each imported by the ``import_devices`` command
   in its own process, timed, its peak memory read; then ``VACUUM ANALYZE``;
3. reads every endpoint once with Django's test client, counting its queries (and its bare
   baseline's), and checks that the endpoint and its baseline show the same rows;
4. serves the application with gunicorn (``--workers`` 2, ``DEBUG`` off, the production
   settings read from the environment, static files by WhiteNoise) on a free local port, with
   the bare baseline views of ``bench/load_baselines.py`` mounted by ``bench/load_settings.py``;
5. logs in as each role as a person would (the login page for the pages' session, the API's
   token endpoint for the API) and, one endpoint at a time, runs Locust headless with
   ``--users`` 4 clients asking without pause for ``--duration`` seconds, then its baseline
   for as long, right after;
6. reports req/s, p50, p95, queries and the ratio to the baseline for each endpoint, checks
   issue 11's targets, and writes the tables into docs/PERFORMANCE.md ("Serving a million
   devices": the method once, then one subsection per ``--label``, replaced on a rerun with
   the same label); then drops its database (unless ``--keep``).

With ``--production`` (and ``REDIS_URL``), step 4 starts the production set instead, as
``make production`` runs it (docs/DEPLOY.md): the ``Procfile`` under honcho, gunicorn, a Celery
worker and Celery beat, ready once ``/health/`` answers 200. ``--disturb-every N`` then has the
territory ask for its impact report every N seconds while the endpoints are driven (the worker
renders it beside the load) and close the demo's open campaign once (issue 15): the p95s show
what such work costs the others. ``--reuse`` keeps a database filled by an earlier ``--keep``.

Add an endpoint by adding it to :func:`endpoints` (with a bare view in
``bench/load_baselines.py``); ``tests/bench/test_load.py`` checks that every endpoint and its
baseline show the same rows.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import importlib.metadata
import io
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, write_section
from bench.import_devices import SITES, generate

DATABASE = "boucle_bench_load"
# The comment that marks a database as the benchmark's own, to drop and create again.
MARKER = "Created by Boucle's bench/load.py, which drops it"
FILE_ROWS = 200_000
# The communes that import the files, by INSEE code (Cachan, Vitry-sur-Seine, Ivry-sur-Seine,
# Villejuif, Choisy-le-Roi), in turn.
IMPORTING_COMMUNES = ("94016", "94081", "94041", "94076", "94022")
TERRITORY_SLUG = "gosb"
# The demo partner whose claims, collections, documents and waste records the lists show.
PARTNER_SLUG = "atelier-numerique-solidaire"
LOCUSTFILE = ROOT / "bench" / "load_locustfile.py"
# Every request says it came through the TLS-terminating reverse proxy (SECURE_PROXY_SSL_HEADER),
# as in production: without it, DEBUG off redirects to https and secure cookies are refused.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

# Issue 11's targets.
LIST_P95_MS = 150
DETAIL_P95_MS = 50
MIN_BASELINE_RATIO = 0.5


@dataclass(frozen=True)
class Endpoint:
    """A page or API endpoint driven under load, with the bare view it is compared with."""

    label: str
    # "list", "search", "dashboard" or "detail": which p95 target applies.
    kind: str
    path: str
    baseline: str
    username: str
    # "session" (the pages) or "token" (the API).
    auth: str
    # The identifiers of the rows the answer shows, in order, and the baseline rows' field
    # that holds the same identifiers.
    rows: Callable[[Any], list[Any]]
    key: str
    # Held to at least MIN_BASELINE_RATIO of its baseline's throughput.
    versus_baseline: bool = False


@dataclass(frozen=True)
class Scenario:
    """The organisations whose members drive the endpoints, and the rows they ask for."""

    territory: Any
    commune: Any
    partner: Any
    users: dict[str, str]
    serial: str
    code: str
    # The API list's second page (its ``next`` link), and the baseline's position for it.
    next_page: str
    after: str


@dataclass
class Check:
    """An endpoint read once by the test client, beside its baseline."""

    queries: int
    baseline_queries: int
    rows: int
    mismatch: str | None = None


@dataclass
class Run:
    """An endpoint and its baseline under load."""

    endpoint: Endpoint
    check: Check
    figures: dict[str, Any] = field(default_factory=dict)
    baseline: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.figures["rps"] / self.baseline["rps"] if self.baseline.get("rps") else 0.0


# --- What is driven ------------------------------------------------------------------------


def _api(
    label: str,
    kind: str,
    path: str,
    baseline: str,
    username: str,
    key: str,
    *,
    versus_baseline: bool = False,
) -> Endpoint:
    """An API endpoint, read with the user's token: its rows are its results' ``key``."""

    def rows(response) -> list[Any]:
        answer = response.json()
        return [answer[key]] if kind == "detail" else [row[key] for row in answer["results"]]

    return Endpoint(label, kind, path, baseline, username, "token", rows, key, versus_baseline)


def _page(
    label: str,
    kind: str,
    path: str,
    baseline: str,
    username: str,
    rows: Callable[[Any], list[Any]],
    key: str,
    *,
    versus_baseline: bool = False,
) -> Endpoint:
    """A page, read in the user's session: ``rows`` reads its rows from the template's context."""
    return Endpoint(label, kind, path, baseline, username, "session", rows, key, versus_baseline)


def _listed(context_key: str, name: str) -> Callable[[Any], list[Any]]:
    return lambda response: [getattr(item, name) for item in response.context[context_key]]


def _device_page(response) -> list[Any]:
    return [response.context["device"].code]


def _steps(response) -> list[Any]:
    """The devices that reached each step, as an impact dashboard shows them first."""
    return [devices for _label, devices in response.context["steps"]]


def _claim_page(response) -> list[Any]:
    return [claim["device"].code for claim in response.context["claims"]]


def _pickup_page(response) -> list[Any]:
    plans = [*response.context["open_plans"], *response.context["closed_plans"]]
    return [
        plan.pk for plan in sorted(plans, key=lambda plan: (plan.date, plan.starts_at, plan.pk))
    ]


def _baseline(view: str, organisation, **parameters: Any) -> str:
    query = urlencode({"organisation": organisation.slug, **parameters}, doseq=True)
    return f"/__bench__/{view}?{query}"


def endpoints(scenario: Scenario) -> list[Endpoint]:
    """Every list, search, detail and dashboard driven, in the order they are run."""
    territory, commune, partner = scenario.territory, scenario.commune, scenario.partner
    serial, code = scenario.serial, scenario.code
    as_partner, as_commune = scenario.users["partner"], scenario.users["commune"]
    devices = _baseline("devices/", partner)
    device = _baseline(f"devices/{code}/", partner)
    # The pages list every claim, collection, pickup and waste record, without pages.
    everything = 1_000_000
    # The impact dashboards show the current year.
    this_year = datetime.date.today().year
    return [
        _api(
            "`/api/v1/devices/` (first page)",
            "list",
            "/api/v1/devices/",
            devices,
            as_partner,
            "code",
            versus_baseline=True,
        ),
        _api(
            "`/api/v1/devices/` (next page)",
            "list",
            scenario.next_page,
            _baseline("devices/", partner, after=scenario.after),
            as_partner,
            "code",
            versus_baseline=True,
        ),
        _api(
            "`/api/v1/devices/?state=declared&category=laptop`",
            "list",
            "/api/v1/devices/?state=declared&category=laptop",
            _baseline("devices/", partner, state="declared", category="laptop"),
            as_partner,
            "code",
        ),
        _api(
            "`/api/v1/devices/?search=<serial>`",
            "search",
            f"/api/v1/devices/?search={serial}",
            _baseline("devices/", partner, search=serial),
            as_partner,
            "code",
        ),
        _api(
            "`/api/v1/devices/<code>/`",
            "detail",
            f"/api/v1/devices/{code}/",
            device,
            as_partner,
            "code",
        ),
        _page(
            "`/inventory/`",
            "list",
            "/inventory/",
            devices,
            as_partner,
            _listed("devices", "code"),
            "code",
            versus_baseline=True,
        ),
        _page(
            "`/inventory/?q=<serial>`",
            "search",
            f"/inventory/?q={serial}",
            _baseline("devices/", partner, q=serial),
            as_partner,
            _listed("devices", "code"),
            "code",
        ),
        _page(
            "`/inventory/<code>/`",
            "detail",
            f"/inventory/{code}/",
            device,
            as_partner,
            _device_page,
            "code",
        ),
        *(
            _page(
                f"{name} dashboard `/`",
                "dashboard",
                "/",
                _baseline(f"dashboard/{organisation.slug}/", organisation),
                scenario.users[name],
                _listed(first_list, "code"),
                "code",
            )
            for name, organisation, first_list in (
                ("territory", territory, "awaiting_claim"),
                ("commune", commune, "awaiting_claim"),
                ("partner", partner, "claimable"),
            )
        ),
        _api(
            "`/api/v1/imports/`",
            "list",
            "/api/v1/imports/",
            _baseline("imports/", commune),
            as_commune,
            "id",
        ),
        _page(
            "`/inventory/imports/`",
            "list",
            "/inventory/imports/",
            _baseline("imports/", commune, limit=25),
            as_commune,
            _listed("imports", "pk"),
            "id",
        ),
        _api(
            "`/api/v1/documents/`",
            "list",
            "/api/v1/documents/",
            _baseline("documents/", partner),
            as_partner,
            "number",
        ),
        _page(
            "`/documents/`",
            "list",
            "/documents/",
            _baseline("documents/", partner, limit=25),
            as_partner,
            _listed("documents", "number"),
            "number",
        ),
        _api(
            "`/api/v1/claims/`",
            "list",
            "/api/v1/claims/",
            _baseline("claims/", partner),
            as_partner,
            "code",
        ),
        _page(
            "`/reuse/claims/`",
            "list",
            "/reuse/claims/",
            _baseline("claims/", partner, limit=everything),
            as_partner,
            _claim_page,
            "code",
        ),
        _api(
            "`/api/v1/collections/`",
            "list",
            "/api/v1/collections/",
            _baseline("collections/", partner),
            as_partner,
            "id",
        ),
        _page(
            "`/reuse/collections/`",
            "list",
            "/reuse/collections/",
            _baseline("collections/", partner, limit=everything),
            as_partner,
            _listed("collections", "pk"),
            "id",
        ),
        _api(
            "`/api/v1/pickups/`",
            "list",
            "/api/v1/pickups/",
            _baseline("pickups/", partner),
            as_partner,
            "id",
        ),
        _page(
            "`/reuse/pickups/`",
            "list",
            "/reuse/pickups/",
            _baseline("pickups/", partner, limit=everything),
            as_partner,
            _pickup_page,
            "id",
        ),
        *procurement_endpoints(scenario),
        *(
            _page(
                f"{name} impact dashboard `{path}`",
                "dashboard",
                path,
                _baseline(f"impact/{organisation.slug}/", organisation, year=this_year),
                scenario.users[user],
                _steps,
                "devices",
            )
            for name, organisation, path, user in (
                ("territory", territory, "/impact/", "territory"),
                (
                    "commune",
                    commune,
                    f"/impact/organisations/{commune.slug}/",
                    "territory",
                ),
            )
        ),
        _api(
            "`/api/v1/waste-records/`",
            "list",
            "/api/v1/waste-records/",
            _baseline("waste-records/", partner),
            as_partner,
            "id",
        ),
        _page(
            "`/reuse/recycling/`",
            "list",
            "/reuse/recycling/",
            _baseline("waste-records/", partner, limit=everything),
            as_partner,
            _listed("records", "pk"),
            "id",
        ),
    ]


def _agent(organisation) -> str:
    """The username of the organisation's first staff member (its first member otherwise)."""
    from organisations.choices import MembershipRole

    memberships = organisation.memberships.select_related("user").order_by("pk")
    membership = memberships.filter(role=MembershipRole.STAFF).first() or memberships.first()
    return membership.user.get_username()


def scenario_for(*, territory, commune, partner) -> Scenario:
    """The scenario driven by members of these organisations: the serial number searched and
    the device read are in the middle of what the partner sees; the next page follows the
    partner's first one."""
    from django.db.models import Max, Min

    from inventory.models import Device
    from inventory.permissions import visible_devices_q

    users = {
        "territory": _agent(territory),
        "commune": _agent(commune),
        "partner": _agent(partner),
    }
    visible = Device.objects.filter(visible_devices_q([partner]))
    bounds = visible.aggregate(first=Min("pk"), last=Max("pk"))
    middle = visible.filter(pk__gte=(bounds["first"] + bounds["last"]) // 2).order_by("pk")
    device = middle.only("code", "serial_number").first()

    client = _client(users["partner"], "session")
    next_link = client.get("/api/v1/devices/", secure=True).json()["next"]
    next_page = urlsplit(next_link)._replace(scheme="", netloc="").geturl()
    baseline = client.get(_baseline("devices/", partner), secure=True).json()["rows"]
    last = Device.objects.only("created_at").get(pk=baseline[-1]["id"])
    return Scenario(
        territory=territory,
        commune=commune,
        partner=partner,
        users=users,
        serial=device.serial_number,
        code=device.code,
        next_page=next_page,
        after=f"{last.created_at.isoformat()},{last.pk}",
    )


def _rows_of(
    name: str, *context_keys: str, order: Callable[[Any], Any] | None = None
) -> Callable[[Any], list[Any]]:
    """The rows a page lists under each of ``context_keys`` in turn, each a dict holding its
    object under ``name``; put back in one ``order`` where the page splits them in parts (the
    campaigns under way, then the past ones)."""

    def rows(response) -> list[Any]:
        objects = [row[name] for key in context_keys for row in response.context[key]]
        if order is not None:
            objects.sort(key=order)
        return [item.pk for item in objects]

    return rows


def _latest_closing(campaign) -> tuple:
    return (-campaign.closes_at.timestamp(), -campaign.pk)


def procurement_endpoints(scenario: Scenario) -> list[Endpoint]:
    """The lists of group purchasing and of what follows it (issues 12 and 13): the
    catalogue, the campaigns, the orders, the deliveries and the invoices, as their API and
    their pages show them; none is paged on its page, where a partner's or a territory's rows
    are few."""
    territory, commune, partner = scenario.territory, scenario.commune, scenario.partner
    users = scenario.users
    as_partner, as_territory, as_commune = users["partner"], users["territory"], users["commune"]
    everything = 1_000_000
    endpoints = []
    for name, organisation, username, page_rows, page_key in (
        # The catalogue as a buyer reads it: a partner's page puts its own offers first.
        ("offers", commune, as_commune, _rows_of("offer", "rows"), "id"),
        (
            "campaigns",
            territory,
            as_territory,
            _rows_of("campaign", "under_way", "past", order=_latest_closing),
            "id",
        ),
        ("orders", partner, as_partner, _rows_of("order", "rows"), "id"),
        ("deliveries", partner, as_partner, _listed("deliveries", "pk"), "id"),
        ("invoices", partner, as_partner, _rows_of("invoice", "rows"), "id"),
    ):
        # The API's order, its primary key breaking ties (common.api.KeysetCursorPagination).
        api_ordering = "-closes_at,-pk" if name == "campaigns" else "-created_at,-pk"
        if name != "offers":
            endpoints.append(
                _api(
                    f"`/api/v1/{name}/`",
                    "list",
                    f"/api/v1/{name}/",
                    _baseline(f"{name}/", organisation, ordering=api_ordering),
                    username,
                    "id",
                )
            )
        endpoints.append(
            _page(
                f"`/procurement/{name}/`",
                "list",
                f"/procurement/{name}/",
                _baseline(f"{name}/", organisation, limit=everything),
                username,
                page_rows,
                page_key,
            )
        )
    return endpoints


# --- Queries and rows, read once by the test client ----------------------------------------


def _client(username: str, auth: str):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.get(username=username)
    if auth == "token":
        token, _ = Token.objects.get_or_create(user=user)
        return Client(headers={"authorization": f"Token {token.key}"})
    client = Client()
    client.force_login(user)
    return client


def _counted(client, path: str):
    """The answer to ``path`` asked for a second time, and the queries that second asking ran
    (the first one fills the per-process caches: content types, translations)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path, secure=True)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.content[:500]!r}")
    return response, len(queries)


def check_endpoints(endpoint_list: list[Endpoint]) -> dict[str, Check]:
    """Each endpoint and its baseline read by Django's test client, their queries counted,
    their rows compared. Needs ``django.test.utils.setup_test_environment()`` (pytest-django
    does it), which records the templates' contexts the pages' rows are read from."""
    from django.test import Client

    checks = {}
    clients: dict[tuple[str, str], Any] = {}
    for endpoint in endpoint_list:
        key = (endpoint.username, endpoint.auth)
        if key not in clients:
            clients[key] = _client(*key)
        response, queries = _counted(clients[key], endpoint.path)
        baseline, baseline_queries = _counted(Client(), endpoint.baseline)
        rows = endpoint.rows(response)
        expected = [row[endpoint.key] for row in baseline.json()["rows"]]
        mismatch = None
        if rows != expected:
            mismatch = (
                f"shows {rows[:5]}… ({len(rows)}), its baseline {expected[:5]}… ({len(expected)})"
            )
        checks[endpoint.label] = Check(queries, baseline_queries, len(rows), mismatch)
    return checks


# --- The benchmark's database --------------------------------------------------------------


def _server(database_url: str) -> dict[str, Any]:
    import dj_database_url

    config = dj_database_url.parse(database_url) if database_url else {"ENGINE": "sqlite3"}
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(
            "The load benchmark runs on PostgreSQL: set DATABASE_URL=postgres://… (its server "
            "is used, its database left alone)."
        )
    return config


def _database_url(server: dict[str, Any], name: str) -> str:
    password = f":{server['PASSWORD']}" if server.get("PASSWORD") else ""
    return (
        f"postgres://{server.get('USER') or 'postgres'}{password}@"
        f"{server.get('HOST') or '127.0.0.1'}:{server.get('PORT') or 5432}/{name}"
    )


@contextlib.contextmanager
def _maintenance(server: dict[str, Any]) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(
        dbname="postgres",
        user=server.get("USER") or "postgres",
        password=server.get("PASSWORD") or None,
        host=server.get("HOST") or "127.0.0.1",
        port=server.get("PORT") or 5432,
        autocommit=True,
    ) as connection:
        yield connection


def _mark(server: dict[str, Any], name: str) -> str | None:
    """The database's comment; None when it does not exist."""
    with _maintenance(server) as connection:
        row = connection.execute(
            "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
            "WHERE datname = %s",
            [name],
        ).fetchone()
    return None if row is None else row[0]


def _set_mark(server: dict[str, Any], name: str, text: str) -> None:
    from psycopg import sql

    with _maintenance(server) as connection:
        connection.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text))
        )


def drop_database(server: dict[str, Any], name: str) -> None:
    """Drop the benchmark's database; refuse one it did not create."""
    from psycopg import sql

    mark = _mark(server, name)
    if mark is None:
        return
    if not mark.startswith(MARKER):
        raise SystemExit(
            f"The database {name!r} exists and was not created by bench/load.py: it is left "
            f"alone. Pick another with --database."
        )
    with _maintenance(server) as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def create_database(server: dict[str, Any], name: str) -> None:
    from psycopg import sql

    drop_database(server, name)
    with _maintenance(server) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    _set_mark(server, name, MARKER)


def filled_mark(devices: int) -> str:
    return f"{MARKER}; filled with {devices} imported devices"


# --- Filling it as a territory would -------------------------------------------------------


@dataclass(frozen=True)
class ImportRun:
    commune: str
    rows: int
    seconds: float
    peak_mb: float


def add_import_sites(commune) -> None:
    """The pickup sites the generated files name ("Lieu d'enlèvement"), added to the commune
    as its administrator would."""
    from organisations.services import site_create

    existing = set(commune.sites.values_list("name", flat=True))
    for name in SITES:
        if name not in existing:
            site_create(
                organisation=commune,
                name=name,
                address="1 place de la République",
                postal_code="94000",
                city=commune.name,
            )


def fill(devices: int, folder: Path) -> tuple[float, list[ImportRun]]:
    """The demo territory, then ``devices`` devices imported in files of FILE_ROWS rows by
    the importing communes in turn, each file by the ``import_devices`` command in its own
    process. Returns the demo's seconds and each import's figures."""
    from django.core.management import call_command
    from django.db import connection

    from organisations.models import Organisation

    started = time.perf_counter()
    call_command("seed_demo", stdout=io.StringIO())
    demo_seconds = time.perf_counter() - started

    runs = []
    files = [(first, min(FILE_ROWS, devices - first)) for first in range(0, devices, FILE_ROWS)]
    for number, (first, rows) in enumerate(files):
        commune = Organisation.objects.get(
            insee_code=IMPORTING_COMMUNES[number % len(IMPORTING_COMMUNES)]
        )
        add_import_sites(commune)
        path = folder / f"declaration-{number + 1}.csv"
        generate(path, rows, seed=number, first=first)
        print(f"  import {number + 1}/{len(files)}: {rows:,} rows for {commune.name}…", flush=True)
        runs.append(_import(path, commune, rows))
        path.unlink()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return demo_seconds, runs


# Runs manage.py, then writes the process's peak resident memory (VmHWM, its own since its
# exec; getrusage's maxrss would count the benchmark's memory it was forked from).
PEAK_MEMORY_WRAPPER = """
import atexit, os, runpy, sys

def write_peak():
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    with open(os.environ["BOUCLE_BENCH_PEAK_FILE"], "w") as file:
        file.write(status.split()[0])

atexit.register(write_peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _import(path: Path, commune, rows: int) -> ImportRun:
    """``manage.py import_devices`` in its own process, timed, its peak memory read."""
    command = [
        sys.executable,
        "-c",
        PEAK_MEMORY_WRAPPER,
        str(ROOT / "manage.py"),
        "import_devices",
        str(path),
        "--organisation",
        commune.insee_code,
        "--user",
        _agent(commune),
    ]
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        started = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "BOUCLE_BENCH_PEAK_FILE": str(peak)},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(
                f"The import of {path.name} failed ({completed.returncode}):\n"
                f"{completed.stdout}{completed.stderr}"
            )
        peak_kilobytes = int(peak.read_text())
    return ImportRun(commune.name, rows, seconds, peak_kilobytes / 1024)


# --- Serving and driving -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(process: subprocess.Popen, port: int, path: str, seconds: int, failure: str):
    """Until ``path`` answers 200 on ``port``; stops the run with ``failure`` if ``process``
    ends or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            if _request(port, "GET", path)[0] == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(failure)
        time.sleep(0.5)


@contextlib.contextmanager
def serve(environment: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """gunicorn serving the application (and the baselines) on a free local port."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    try:
        _wait_for(process, port, "/accounts/login/", 60, f"gunicorn did not start; see {log}")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)


@contextlib.contextmanager
def serve_production(environment: dict[str, str], workers: int, log: Path) -> Iterator[str]:
    """The production set (docs/DEPLOY.md) serving the application and the baselines on a free
    local port: the ``Procfile`` under honcho, gunicorn with ``workers`` processes, a Celery
    worker and Celery beat, ready once ``/health/`` answers 200 (the database, Redis and the
    worker's heartbeat)."""
    if not environment.get("REDIS_URL"):
        raise SystemExit("--production needs REDIS_URL: the worker and beat talk through Redis.")
    port = _free_port()
    serving = {
        **environment,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
        "WEB_CONCURRENCY": str(workers),
        "BOUCLE_WORKER_CONCURRENCY": "1",
        "BOUCLE_HEARTBEAT_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "honcho",
                "start",
                "--no-colour",
                "-e",
                "/dev/null",
                "-f",
                str(ROOT / "Procfile"),
                "-p",
                str(port),
            ],
            cwd=ROOT,
            env=serving,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            failure = f"the production set did not become healthy; see {log}"
            _wait_for(process, port, "/health/", 180, failure)
            yield f"127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=60)


@dataclass
class Disturbance:
    """Work the production set does for other users while the endpoints are driven."""

    what: str
    # Seconds since the load began, and the answer's status.
    at: float
    status: int


class Disturber(threading.Thread):
    """While the endpoints are driven: the territory asks for its impact report every
    ``every`` seconds (the worker renders it), and closes the demo's open campaign once,
    after the first report (its orders, reserved devices and purchase orders)."""

    def __init__(self, address: str, session: dict[str, str], token: dict[str, str], *, every):
        super().__init__(daemon=True)
        self.address, self.session, self.token, self.every = address, session, token, every
        self.port = int(address.rpartition(":")[2])
        self.stopped = threading.Event()
        self.done: list[Disturbance] = []
        self.started_at = time.monotonic()
        self.campaign = _open_campaign()

    def _record(self, what: str, status: int) -> None:
        self.done.append(Disturbance(what, time.monotonic() - self.started_at, status))

    def _report(self) -> None:
        csrf = re.search(r"csrftoken=([^;]+)", self.session["Cookie"]).group(1)
        status, _, _ = _request(
            self.port,
            "POST",
            f"/impact/organisations/{TERRITORY_SLUG}/report/",
            headers={
                **self.session,
                "X-CSRFToken": csrf,
                "Referer": f"https://{self.address}/impact/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        self._record("impact report requested (rendered by the worker)", status)

    def _close(self) -> None:
        status, _, _ = _request(
            self.port,
            "POST",
            f"/api/v1/campaigns/{self.campaign}/close/",
            headers={**self.token, "Content-Type": "application/json"},
            body="{}",
        )
        self._record("campaign closed", status)

    def run(self) -> None:
        while not self.stopped.is_set():
            self._report()
            if self.campaign is not None:
                self._close()
                self.campaign = None
            self.stopped.wait(self.every)

    def stop(self) -> list[Disturbance]:
        self.stopped.set()
        self.join(timeout=300)
        return self.done


def _open_campaign() -> int | None:
    """The demo's open campaign with commitments, which the disturbances close."""
    from procurement.choices import CampaignState
    from procurement.models import Campaign

    campaign = (
        Campaign.objects.filter(state=CampaignState.OPEN, commitments__isnull=False)
        .order_by("pk")
        .first()
    )
    return campaign.pk if campaign else None


def reports_rendered(since) -> list[dict[str, Any]]:
    """The impact reports requested since ``since``: when, and how long the worker took."""
    from documents.choices import DocumentKind
    from documents.models import Document

    return [
        {
            "number": document.number,
            "state": document.state,
            "seconds": (document.issued_at - document.created_at).total_seconds()
            if document.issued_at
            else None,
        }
        for document in Document.objects.filter(
            kind=DocumentKind.IMPACT_REPORT, created_at__gte=since
        ).order_by("pk")
    ]


def _request(
    port: int, method: str, path: str, *, headers: dict[str, str] | None = None, body: str = ""
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            method, path, body=body or None, headers={**PROXY_HEADERS, **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    cookies = SimpleCookie()
    for header in headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return {name: morsel.value for name, morsel in cookies.items()}


def log_in(address: str, username: str, password: str) -> dict[str, str]:
    """The headers of a person logged in through the login page: the session cookie."""
    port = int(address.rpartition(":")[2])
    status, headers, body = _request(port, "GET", "/accounts/login/")
    csrf = _cookies(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    status, headers, body = _request(
        port,
        "POST",
        "/accounts/login/",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"https://{address}/accounts/login/",
        },
        body=urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}),
    )
    session = _cookies(headers).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"{username} could not log in ({status}): {body[:300]!r}")
    return {**PROXY_HEADERS, "Cookie": f"sessionid={session}; csrftoken={csrf}"}


def api_token(address: str, username: str, password: str) -> dict[str, str]:
    """The headers of an API client holding the token the token endpoint gave it."""
    port = int(address.rpartition(":")[2])
    status, _, body = _request(
        port,
        "POST",
        "/api/v1/auth/token/",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode({"username": username, "password": password}),
    )
    if status != 200:
        raise SystemExit(f"{username} got no API token ({status}): {body[:300]!r}")
    return {**PROXY_HEADERS, "Authorization": f"Token {json.loads(body)['token']}"}


def drive(address: str, path: str, headers: dict[str, str], options) -> dict[str, Any]:
    """Locust, headless, ``options.users`` clients asking for ``path`` for
    ``options.duration`` seconds; after two requests that must answer 200."""
    port = int(address.rpartition(":")[2])
    for _ in range(2):
        status, _, body = _request(port, "GET", path, headers=headers)
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "result.json"
        environment = {
            **os.environ,
            "BOUCLE_LOAD_PATH": path,
            "BOUCLE_LOAD_HEADERS": json.dumps(headers),
            "BOUCLE_LOAD_RESULT": str(result),
        }
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "--locustfile",
                str(LOCUSTFILE),
                "--headless",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.users),
                "--run-time",
                f"{options.duration}s",
                "--host",
                f"http://{address}",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=environment,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if not result.exists():
            raise SystemExit(f"Locust failed on {path}:\n{completed.stderr[-2000:]}")
        return json.loads(result.read_text())


# --- The report ----------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:,.0f} ms"


def _ratio(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def _rps(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def targets(runs: list[Run]) -> list[tuple[str, list[str], str]]:
    """Issue 11's targets: each with the endpoints that miss it, and its verdict."""
    lists = [run for run in runs if run.endpoint.kind in {"list", "search", "dashboard"}]
    details = [run for run in runs if run.endpoint.kind == "detail"]
    versus = [run for run in runs if run.endpoint.versus_baseline]
    failing = [run for run in runs if run.figures["failures"] or run.baseline["failures"]]
    checks = [
        (
            f"every list, search and dashboard: p95 ≤ {LIST_P95_MS} ms",
            [
                f"{run.endpoint.label} {_ms(run.figures['p95'])}"
                for run in lists
                if run.figures["p95"] > LIST_P95_MS
            ],
            len(lists),
        ),
        (
            f"the API list and the inventory page: ≥ {MIN_BASELINE_RATIO} × the bare view's "
            f"throughput",
            [
                f"{run.endpoint.label} {_ratio(run.ratio)} ×"
                for run in versus
                if run.ratio < MIN_BASELINE_RATIO
            ],
            len(versus),
        ),
        (
            f"details: p95 ≤ {DETAIL_P95_MS} ms",
            [
                f"{run.endpoint.label} {_ms(run.figures['p95'])}"
                for run in details
                if run.figures["p95"] > DETAIL_P95_MS
            ],
            len(details),
        ),
        (
            "every answer 200, the same rows as the baseline",
            [f"{run.endpoint.label} failed requests" for run in failing]
            + [f"{run.endpoint.label} {run.check.mismatch}" for run in runs if run.check.mismatch],
            len(runs),
        ),
    ]
    return [
        (text, misses, "not measured" if not driven else "does not hold" if misses else "holds")
        for text, misses, driven in checks
    ]


def _machine(server_version: str) -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        kilobytes = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kilobytes / 1024**2:.0f} GiB"
    import django

    versions = ", ".join(
        f"{name} {version}"
        for name, version in (
            ("Python", platform.python_version()),
            ("Django", django.get_version()),
            ("PostgreSQL", server_version),
            ("gunicorn", importlib.metadata.version("gunicorn")),
            ("Locust", importlib.metadata.version("locust")),
        )
    )
    return f"{os.cpu_count()} cores ({model or platform.machine()}){memory}; {versions}"


def _commit() -> str:
    def git(*arguments: str) -> str:
        return subprocess.run(
            ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs")
    return f"{commit} with uncommitted changes" if changed else commit


def _command(options) -> str:
    parts = [
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/load.py"
    ]
    if options.devices != 1_000_000:
        parts.append(f"--devices {options.devices}")
    if options.duration != 20:
        parts.append(f"--duration {options.duration}")
    if options.users != 4:
        parts.append(f"--users {options.users}")
    if options.workers != 2:
        parts.append(f"--workers {options.workers}")
    if options.production:
        parts[0] = "REDIS_URL=redis://127.0.0.1:6379/0 " + parts[0]
        parts.append("--production")
    if options.disturb_every:
        parts.append(f"--disturb-every {options.disturb_every}")
    parts.append(f'--label "{options.label}"')
    return " ".join(parts)


METHOD = f"""## Serving a million devices (issue 11)

`bench/load.py` fills its own PostgreSQL database as a territory would: the demo territory
(`seed_demo`), then a million devices declared by five communes in files of {FILE_ROWS:,}
rows (French Excel CSV), each imported by the `import_devices` command in its own process;
then `VACUUM ANALYZE`. It serves them with gunicorn (2 sync workers, `DEBUG` off,
the production settings, static files by WhiteNoise, requests marked as coming through the
TLS proxy), logs in as a person would (the login page for the pages, the token endpoint for
the API) and, one endpoint at a time, runs Locust headless: 4 clients asking without pause for
20 s, then as long on the endpoint's bare view, right after. A bare view (`/__bench__/…`,
`bench/load_baselines.py`, mounted by the benchmark only) returns the same rows with
`values()` as JSON, with the same filters (the organisation's visibility rule included) and
ordering, anonymously; the benchmark checks that both show the same rows. Queries are counted
apart, by Django's test client, not under load (the second request of each). Locust, gunicorn
and PostgreSQL share the machine's cores, as the bare views do, and so does any other work
running at the time: each run gives the machine's load average as it began, and when two runs'
differ, their ratios to the bare views compare better than their absolute figures.

Each run below is one `--label`; a rerun with the same label replaces it. Reproduce:

```sh
DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/load.py \\
    --label "after the scale work"   # --devices 20000 for a quick run; --help
```

The targets (issue 11): every list, search and dashboard p95 ≤ {LIST_P95_MS} ms; the API
list and the inventory page at least {MIN_BASELINE_RATIO} × their bare view's throughput;
details p95 ≤ {DETAIL_P95_MS} ms."""


def report(
    runs: list[Run],
    imports: list[ImportRun],
    *,
    options,
    demo_seconds: float | None,
    devices: int,
    users: dict[str, str],
    machine: str,
    load_average: float,
    commit: str,
    disturbances: list[Disturbance] = (),
    reports: list[dict[str, Any]] = (),
) -> str:
    title = options.label[:1].upper() + options.label[1:]
    lines = [
        f"### {title} (commit {commit})",
        "",
        f"Measured {datetime.date.today():%Y-%m-%d}: {devices:,} devices; {options.users} "
        f"clients, {options.duration} s per endpoint and per bare view; gunicorn "
        f"{options.workers} workers. Machine: {machine}; its 1-minute load average was "
        f"{load_average:.2f} as the load began (work other than the benchmark's shows there).",
        "",
        f"Reproduce: `{_command(options)}`",
        "",
    ]
    if options.production:
        lines += [
            "Served by the production set (`Procfile` under honcho, as `make production` runs "
            f"it): gunicorn with {options.workers} workers, a Celery worker and Celery beat, "
            "against PostgreSQL and Redis, on the same machine as the load.",
            "",
        ]
    if disturbances:
        closed = [item for item in disturbances if item.what == "campaign closed"]
        rendered = [report["seconds"] for report in reports if report["seconds"] is not None]
        lines += [
            f"While the endpoints were driven, the territory asked for its impact report every "
            f"{options.disturb_every} s ({len(disturbances) - len(closed)} requests; the "
            f"worker issued {len(rendered)} of {len(reports)}"
            + (
                f", each {min(rendered):.1f}–{max(rendered):.1f} s from request to issue"
                if rendered
                else ""
            )
            + ")"
            + (
                f" and closed the demo's open campaign {closed[0].at:.0f} s into the load "
                f"(answer {closed[0].status})"
                if closed
                else ""
            )
            + ".",
            "",
        ]
    if imports:
        lines += [
            "| filling | rows | seconds | rows/s | peak memory |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        if demo_seconds is not None:
            lines.append(f"| demo territory (`seed_demo`) | | {demo_seconds:.1f} | | |")
        lines += [
            f"| import {number} (`import_devices`, {run.commune}) | {run.rows:,} | "
            f"{run.seconds:.1f} | {run.rows / run.seconds:,.0f} | {run.peak_mb:.0f} MB |"
            for number, run in enumerate(imports, start=1)
        ]
        lines.append("")
    lines += [
        "| endpoint | as | rows | req/s | p50 | p95 | queries | bare req/s | bare p95 "
        "| bare queries | ratio |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        endpoint, figures, baseline = run.endpoint, run.figures, run.baseline
        role = next(
            (kind for kind, name in users.items() if name == endpoint.username),
            endpoint.username,
        )
        failures = f" ({figures['failures']:,} failed)" if figures["failures"] else ""
        lines.append(
            f"| {endpoint.label} | {role} ({endpoint.auth}) | {run.check.rows} | "
            f"{_rps(figures['rps'])}{failures} | "
            f"{_ms(figures['p50'])} | {_ms(figures['p95'])} | {run.check.queries} | "
            f"{_rps(baseline['rps'])} | {_ms(baseline['p95'])} | {run.check.baseline_queries} | "
            f"{_ratio(run.ratio)} |"
        )
    lines += ["", "| target | verdict | missed by |", "| --- | --- | --- |"]
    for text, misses, verdict in targets(runs):
        lines.append(f"| {text} | {verdict} | {'; '.join(misses) or '—'} |")
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "run"


# --- The whole run -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=1_000_000, help="devices imported")
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--users", type=int, default=4, help="Locust clients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--label",
        default="current code",
        help="the run's name in docs/PERFORMANCE.md, e.g. 'before the scale work'",
    )
    parser.add_argument("--database", default=DATABASE, help="the benchmark's own database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a database a previous run filled (with --keep) with as many devices",
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the database after")
    parser.add_argument(
        "--production",
        action="store_true",
        help="serve with the production set (Procfile: gunicorn, worker, beat); needs REDIS_URL",
    )
    parser.add_argument(
        "--disturb-every",
        type=int,
        default=0,
        metavar="SECONDS",
        help="with --production: ask for the territory's impact report every SECONDS during the "
        "load, and close the demo's open campaign once",
    )
    parser.add_argument(
        "--only", help="drive only the endpoints whose label contains this text (not written)"
    )
    options = parser.parse_args()
    if options.disturb_every and not options.production:
        parser.error("--disturb-every disturbs the production set: add --production")

    server = _server(os.environ.get("DATABASE_URL", ""))
    # The code measured: the commit checked out when the run starts.
    commit = _commit()
    # Tasks run inline while filling (the demo renders its documents); the served application
    # gets Redis back, for its cache, when REDIS_URL is set.
    redis_url = os.environ.pop("REDIS_URL", "")
    database_url = _database_url(server, options.database)
    environment = {
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(environment)

    reuse = options.reuse and _mark(server, options.database) == filled_mark(options.devices)
    if not reuse:
        print(f"Creating the database {options.database}…", flush=True)
        create_database(server, options.database)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils.timezone import now as django_now

    from demo.territory import DEMO_PASSWORD
    from inventory.models import Device
    from organisations.models import Organisation

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    demo_seconds, imports = None, []
    if not reuse:
        print(f"Filling it: the demo territory, then {options.devices:,} devices…", flush=True)
        with tempfile.TemporaryDirectory() as folder:
            demo_seconds, imports = fill(options.devices, Path(folder))
        _set_mark(server, options.database, filled_mark(options.devices))
        for number, run in enumerate(imports, start=1):
            print(
                f"  import {number}: {run.rows:,} rows in {run.seconds:.1f} s, {run.peak_mb:.0f} MB"
            )

    setup_test_environment()
    scenario = scenario_for(
        territory=Organisation.objects.get(slug=TERRITORY_SLUG),
        commune=Organisation.objects.get(insee_code=IMPORTING_COMMUNES[0]),
        partner=Organisation.objects.get(slug=PARTNER_SLUG),
    )
    driven = [
        endpoint
        for endpoint in endpoints(scenario)
        if not options.only or options.only in endpoint.label
    ]
    print("Counting queries and comparing rows with the test client…", flush=True)
    checks = check_endpoints(driven)
    devices = Device.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0].split()[0]
    connection.close()

    serving = {**os.environ, **environment}
    if redis_url:
        serving["REDIS_URL"] = redis_url
    runs = []
    load_average = os.getloadavg()[0]
    serving_set = serve_production if options.production else serve
    disturbances, reports = [], []
    began = django_now()
    with (
        tempfile.TemporaryDirectory() as folder,
        serving_set(serving, options.workers, Path(folder) / "server.log") as address,
    ):
        headers = {}
        for username in sorted(
            {*(endpoint.username for endpoint in driven), *scenario.users.values()}
        ):
            headers[username, "session"] = log_in(address, username, DEMO_PASSWORD)
            headers[username, "token"] = api_token(address, username, DEMO_PASSWORD)
        disturber = None
        if options.disturb_every:
            territory_user = scenario.users["territory"]
            disturber = Disturber(
                address,
                headers[territory_user, "session"],
                headers[territory_user, "token"],
                every=options.disturb_every,
            )
            disturber.start()
        for endpoint in driven:
            run = Run(endpoint, checks[endpoint.label])
            run.figures = drive(
                address, endpoint.path, headers[endpoint.username, endpoint.auth], options
            )
            run.baseline = drive(address, endpoint.baseline, PROXY_HEADERS, options)
            runs.append(run)
            print(
                f"{endpoint.label}: {run.check.rows} rows, {_rps(run.figures['rps'])} req/s, p50 "
                f"{_ms(run.figures['p50'])}, p95 {_ms(run.figures['p95'])}, "
                f"{run.check.queries} queries; bare {_rps(run.baseline['rps'])} req/s, p95 "
                f"{_ms(run.baseline['p95'])}; ratio {_ratio(run.ratio)}",
                flush=True,
            )
        if disturber is not None:
            disturbances = disturber.stop()
            # The last report asked for has its time to be rendered before the set stops.
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                reports = reports_rendered(began)
                if all(report["state"] in {"issued", "failed"} for report in reports):
                    break
                time.sleep(2)

    text = report(
        runs,
        imports,
        options=options,
        demo_seconds=demo_seconds,
        devices=devices,
        users=scenario.users,
        machine=_machine(server_version),
        load_average=load_average,
        commit=commit,
        disturbances=disturbances,
        reports=reports,
    )
    print()
    print(text)
    print()
    for description, misses, verdict in targets(runs):
        print(f"{verdict.upper()}: {description}")
        for miss in misses:
            print(f"    {miss}")
    if not options.only:
        write_section("load", METHOD)
        write_section(f"load:{_slug(options.label)}", text)
        print(f"\nWritten to {Path('docs/PERFORMANCE.md')}.")
    if not options.keep:
        drop_database(server, options.database)


if __name__ == "__main__":
    main()
