"""The load benchmark (bench/load.py): its bare views show the rows of the endpoints they are
compared with, and it touches no database but its own. No timing is measured here."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.management import call_command

from bench.import_devices import generate
from bench.load import (
    IMPORTING_COMMUNES,
    PARTNER_SLUG,
    TERRITORY_SLUG,
    _maintenance,
    _server,
    _set_mark,
    add_import_sites,
    check_endpoints,
    create_database,
    drop_database,
    endpoints,
    filled_mark,
    scenario_for,
)
from inventory.imports.services import device_import_create
from organisations.models import Organisation

# Each list has rows to compare in the demo territory; planned pickups have none there.
EMPTY_IN_THE_DEMO = {"`/api/v1/pickups/`", "`/reuse/pickups/`"}


@pytest.fixture
def demo_with_an_import(db, tmp_path):
    """The demo territory, and a file of devices the first importing commune imported."""
    call_command("seed_demo", stdout=io.StringIO())
    commune = Organisation.objects.get(insee_code=IMPORTING_COMMUNES[0])
    add_import_sites(commune)
    path = tmp_path / "declaration.csv"
    generate(path, 30, first=500)
    with path.open("rb") as file:
        device_import = device_import_create(
            user=commune.memberships.first().user,
            commune=commune,
            file=file,
            original_name=path.name,
            size=path.stat().st_size,
            run_now=True,
        )
    assert device_import.rows_valid == 30
    return commune


@pytest.mark.urls("bench.load_urls")
def test_every_endpoint_shows_the_rows_of_its_bare_view(demo_with_an_import):
    # given
    scenario = scenario_for(
        territory=Organisation.objects.get(slug=TERRITORY_SLUG),
        commune=demo_with_an_import,
        partner=Organisation.objects.get(slug=PARTNER_SLUG),
    )
    driven = endpoints(scenario)

    # when
    checks = check_endpoints(driven)

    # then
    assert {label: check.mismatch for label, check in checks.items()} == {
        endpoint.label: None for endpoint in driven
    }
    assert {label for label, check in checks.items() if check.rows == 0} == EMPTY_IN_THE_DEMO
    assert checks["`/api/v1/devices/` (first page)"].rows == 50
    assert checks["`/api/v1/devices/?search=<serial>`"].rows == 1
    assert checks["`/inventory/?q=<serial>`"].rows == 1


@pytest.mark.urls("bench.load_urls")
def test_the_next_page_follows_the_first(demo_with_an_import):
    # given
    scenario = scenario_for(
        territory=Organisation.objects.get(slug=TERRITORY_SLUG),
        commune=demo_with_an_import,
        partner=Organisation.objects.get(slug=PARTNER_SLUG),
    )
    first, following = endpoints(scenario)[:2]

    # when
    checks = check_endpoints([first, following])

    # then: two full pages, in the API's order, none shown twice
    assert checks[following.label].mismatch is None
    assert checks[following.label].rows == 50


@pytest.mark.parametrize("database_url", ["sqlite:///db.sqlite3", ""])
def test_the_benchmark_refuses_sqlite(database_url):
    with pytest.raises(SystemExit, match="runs on PostgreSQL"):
        _server(database_url)


def _exists(server, name: str) -> bool:
    with _maintenance(server) as maintenance:
        query = "SELECT count(*) FROM pg_database WHERE datname = %s"
        return maintenance.execute(query, [name]).fetchone()[0] == 1


@pytest.fixture
def server():
    """The PostgreSQL server of the tests; a database name of the benchmark's, dropped after."""
    server = _server(os.environ["DATABASE_URL"])
    name = f"boucle_bench_load_test_{os.getpid()}"
    yield server, name
    with _maintenance(server) as maintenance:
        maintenance.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_the_benchmark_drops_no_database_it_did_not_create(server):
    # given: a database of the benchmark's name that it did not create
    server, name = server
    with _maintenance(server) as maintenance:
        maintenance.execute(f'CREATE DATABASE "{name}"')
    refusal = re.escape("was not created by bench/load.py")

    # when / then
    with pytest.raises(SystemExit, match=refusal):
        drop_database(server, name)
    with pytest.raises(SystemExit, match=refusal):
        create_database(server, name)
    assert _exists(server, name)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs PostgreSQL"
)
def test_the_benchmark_drops_the_database_it_created(server):
    # given: one it created, then marked as filled
    server, name = server
    create_database(server, name)
    _set_mark(server, name, filled_mark(20))

    # when
    drop_database(server, name)

    # then
    assert not _exists(server, name)
