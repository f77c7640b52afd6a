"""Where the inventory page's time goes, in one process, beside its bare view (issue 11).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle \
        .venv/bin/python bench/page_costs.py

It reads the load benchmark's database (``boucle_bench_load``, ``--database``) as
``bench/load.py --keep`` left it filled (a million devices), and changes nothing in it. In one
process, through Django's test client, with the load benchmark's settings (``DEBUG`` off, its
bare views under ``/__bench__/``), it asks in turn, ``--requests`` times each and for
``--rounds`` rounds, for: the bare view of the partner's device list (``values()``,
anonymous), the signed-in layout alone (``base.html`` with an empty content, a view this
script mounts), the API's device list (the partner's token) and the inventory page (the
partner's session). The best round of each counts. During the page's requests, it adds up the
time spent in its parts (the session and user, the filter set, the keyset read and the rows'
relations, each filter field's rendering, the templates).

No HTTP server and no concurrency: the load benchmark measures the throughput the targets
name; this says what a page spends its time on, and how much of it any signed-in page
spends before its own content. Results go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import write_section
from bench.load import (
    DATABASE,
    PARTNER_SLUG,
    PROXY_HEADERS,
    _agent,
    _client,
    _database_url,
    _mark,
    _server,
    filled_mark,
)

REQUESTS = 300
ROUNDS = 3
RELATIONS = "rows' organisations and sites"


def _layout(request):
    """The signed-in layout alone: the page every page extends, with no content of its own."""
    from django.shortcuts import render

    return render(request, "base.html", {})


@contextlib.contextmanager
def _layout_mounted() -> Iterator[str]:
    """:func:`_layout` mounted before the benchmark's URLs, behind the login as pages are,
    while the block runs; its path."""
    from django.contrib.auth.decorators import login_required
    from django.urls import clear_url_caches, path

    from bench import load_urls

    pattern = path("__bench__/layout/", login_required(_layout))
    load_urls.urlpatterns.insert(0, pattern)
    clear_url_caches()
    try:
        yield "/__bench__/layout/"
    finally:
        load_urls.urlpatterns.remove(pattern)
        clear_url_caches()


class Parts:
    """Time spent in named functions during the requests, added up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = collections.defaultdict(float)

    @contextlib.contextmanager
    def timing(self, target: Any, attribute: str, name: str | Callable[..., str]) -> Iterator:
        """Time ``target.attribute`` while the block runs; ``name`` may name each call from
        its arguments."""
        original = getattr(target, attribute)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                key = name(*args, **kwargs) if callable(name) else name
                self.seconds[key] += time.perf_counter() - started

        setattr(target, attribute, timed)
        try:
            yield
        finally:
            setattr(target, attribute, original)


def _requests(client, path: str, count: int, headers: dict[str, str]) -> float:
    """Seconds per request, ``path`` asked ``count`` times; each answer must be 200."""
    started = time.perf_counter()
    for _ in range(count):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return (time.perf_counter() - started) / count


def _page_parts(stack: contextlib.ExitStack, parts: Parts) -> None:
    """What the inventory page's time is added up in."""
    from django.contrib.auth import middleware as auth_middleware
    from django.forms.boundfield import BoundField

    from inventory import selectors
    from inventory import views as inventory_views
    from organisations import active

    stack.enter_context(parts.timing(auth_middleware, "get_user", "session and user read"))
    stack.enter_context(parts.timing(active, "memberships_of", "memberships read"))
    stack.enter_context(parts.timing(inventory_views, "device_filter_for_page", "filter set built"))
    stack.enter_context(parts.timing(inventory_views, "keyset_page", "keyset read"))
    stack.enter_context(parts.timing(selectors, "devices_with_relations", RELATIONS))
    stack.enter_context(parts.timing(inventory_views, "render", "templates"))
    stack.enter_context(
        parts.timing(BoundField, "__str__", lambda field: f"filter field “{field.name}”")
    )


def measure(requests: int, rounds: int, *, warm_up: int = 20) -> dict[str, Any]:
    """The best round's seconds per request of each request, and the page's parts in it."""
    from django.test import Client

    from organisations.active import SESSION_KEY
    from organisations.models import Organisation

    partner = Organisation.objects.get(slug=PARTNER_SLUG)
    username = _agent(partner)
    session = _client(username, "session")
    stored = session.session
    stored[SESSION_KEY] = partner.pk
    stored.save()
    api = _client(username, "token")

    with _layout_mounted() as layout:
        requests_of = {
            "bare": (Client(), f"/__bench__/devices/?organisation={partner.slug}"),
            "layout": (session, layout),
            "api": (api, "/api/v1/devices/"),
            "page": (session, "/inventory/"),
        }
        for client, path in requests_of.values():  # the per-process caches filled first
            _requests(client, path, warm_up, PROXY_HEADERS)

        best: dict[str, float] = {}
        best_parts: dict[str, float] = {}
        for _ in range(rounds):
            for key, (client, path) in requests_of.items():
                parts = Parts()
                with contextlib.ExitStack() as stack:
                    if key == "page":
                        _page_parts(stack, parts)
                    seconds = _requests(client, path, requests, PROXY_HEADERS)
                if seconds < best.get(key, float("inf")):
                    best[key] = seconds
                    if key == "page":
                        best_parts = {
                            name: spent / requests for name, spent in parts.seconds.items()
                        }
    return {"seconds": best, "parts": best_parts}


def report(figures: dict[str, Any], *, requests: int, rounds: int, devices: int) -> str:
    seconds, parts = figures["seconds"], figures["parts"]
    bare = seconds["bare"]

    def ms(value: float) -> str:
        return f"{value * 1000:.2f}"

    requests_rows = [
        ("bare view: the partner's 50 devices with `values()`, anonymous", "bare"),
        ("the signed-in layout alone (`base.html`, empty)", "layout"),
        ("`/api/v1/devices/`, the partner's token", "api"),
        ("`/inventory/`, the partner's session", "page"),
    ]
    fields = sorted(
        (name for name in parts if name.startswith("filter field")),
        key=lambda name: -parts[name],
    )
    field_total = sum(parts[name] for name in fields)
    relations = parts.get(RELATIONS, 0.0)
    keyset_own = parts.get("keyset read", 0.0) - relations
    templates_own = parts.get("templates", 0.0) - field_total
    counted = (
        parts.get("session and user read", 0.0)
        + parts.get("memberships read", 0.0)
        + parts.get("filter set built", 0.0)
        + parts.get("keyset read", 0.0)
        + parts.get("templates", 0.0)
    )
    page = seconds["page"]
    parts_rows = [
        (
            "the session, the user and their memberships read (authentication middleware)",
            "session and user read",
        ),
        (
            "the active organisation picked among the memberships (read with the user)",
            "memberships read",
        ),
        ("the filter set built (its fields, their querysets)", "filter set built"),
    ]
    lines = [
        "## Where the inventory page's time goes, in one process (issue 11)",
        "",
        "Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle "
        ".venv/bin/python bench/page_costs.py` (after `bench/load.py --keep` filled its "
        "database)",
        "",
        f"Measured {datetime.date.today():%Y-%m-%d} on the load benchmark's {devices:,} "
        f"devices: one process, Django's test client, `DEBUG` off; each request asked "
        f"{requests} times a round, {rounds} round{'s' if rounds > 1 else ''} in turn, the "
        "best round counting.",
        "",
        "| request | ms per request | × the bare view's time |",
        "| --- | ---: | ---: |",
        *(
            f"| {label} | {ms(seconds[key])} | {seconds[key] / bare:.2f} |"
            for label, key in requests_rows
        ),
        "",
        "The inventory page's parts, in the same round (each function's time, what it calls "
        "included; a part inside another is subtracted from it):",
        "",
        "| part of `/inventory/` | ms per request | share |",
        "| --- | ---: | ---: |",
        *(
            f"| {label} | {ms(parts.get(key, 0.0))} | {parts.get(key, 0.0) / page:.0%} |"
            for label, key in parts_rows
        ),
        f"| the keys read (up to 1,001) and the page's 50 rows | {ms(keyset_own)} | "
        f"{keyset_own / page:.0%} |",
        f"| the rows' organisations (the page shows no site) | {ms(relations)} | "
        f"{relations / page:.0%} |",
        *(
            f"| rendering the {name.removeprefix('filter ')} | {ms(parts[name])} | "
            f"{parts[name] / page:.0%} |"
            for name in fields
        ),
        f"| the templates, but the filter fields | {ms(templates_own)} | "
        f"{templates_own / page:.0%} |",
        f"| the rest (middleware, routing, the view's own work, the response) | "
        f"{ms(page - counted)} | {(page - counted) / page:.0%} |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests a round")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds, the best counting")
    parser.add_argument("--database", default=DATABASE, help="the load benchmark's database")
    parser.add_argument("--devices", type=int, default=1_000_000, help="devices it was filled with")
    options = parser.parse_args()

    server = _server(os.environ.get("DATABASE_URL", ""))
    if _mark(server, options.database) != filled_mark(options.devices):
        print(
            f"The database {options.database!r} is not filled with {options.devices:,} devices: "
            "fill it first with bench/load.py --keep (see its docstring).",
            file=sys.stderr,
        )
        raise SystemExit(2)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.load_settings",
            "DATABASE_URL": _database_url(server, options.database),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )

    import django

    django.setup()
    from django.core.management import call_command

    from inventory.models import Device

    # The manifest the pages' static URLs are read from, as the load benchmark makes it.
    call_command("collectstatic", interactive=False, verbosity=0)
    figures = measure(options.requests, options.rounds)
    text = report(
        figures,
        requests=options.requests,
        rounds=options.rounds,
        devices=Device.objects.count(),
    )
    print(text)
    write_section("page_costs", text)


if __name__ == "__main__":
    main()
