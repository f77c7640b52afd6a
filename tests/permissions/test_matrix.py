"""Permissions, once for all: every route of the URL configuration, asked by every role about
its own organisation's objects and another's, answers exactly what the table says.

A route the table does not name fails (a new page or endpoint must say who may use it), and so
does an entry naming a route that no longer exists. A refused request must leave the database
as it was.

``BOUCLE_PERMISSIONS_OBSERVE=<file>`` writes the answers each route gives to that file, one
JSON line per test, instead of checking them: what a new route's entry is written from, once
each answer has been read and judged right.
"""

from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.permissions.matrix import ADMIN_LOGIN, LOGIN, ROLES, Context
from tests.permissions.routes import all_routes
from tests.permissions.table import TABLE

ROUTES = all_routes()
ROUTE_KEYS = {route.key for route in ROUTES}
# The apps whose rows a refused request must leave as they were (the users' last login, the
# sessions and the login lockout's records are the framework's own bookkeeping).
CHECKED_APPS = ("organisations", "inventory", "reuse", "procurement", "documents")
CHECKED_TABLES = frozenset(
    model._meta.db_table
    for model in apps.get_models()
    if model._meta.app_label in CHECKED_APPS and model._meta.managed
)
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
REFUSALS = {LOGIN, ADMIN_LOGIN, 400, 401, 403, 404, 405, 409}
OBSERVE = os.environ.get("BOUCLE_PERMISSIONS_OBSERVE")


def routes_without_entry() -> list[str]:
    return sorted({route.key for route in all_routes()} - set(TABLE))


def test_every_route_has_an_entry():
    missing = routes_without_entry()
    assert missing == [], f"routes with no entry in tests/permissions/table.py: {missing}"


def test_a_new_route_without_an_entry_is_named(settings):
    # given: the URL configuration with a page added
    settings.ROOT_URLCONF = "tests.permissions.extra_urls"

    # when / then
    assert routes_without_entry() == ["new-page"]


def test_every_entry_names_a_route():
    stale = sorted(set(TABLE) - ROUTE_KEYS)
    assert stale == [], f"entries in tests/permissions/table.py for no route: {stale}"


def _cases(*, admin: bool):
    for route in ROUTES:
        entry = TABLE.get(route.key)
        if entry is None or route.pattern.startswith("admin/") != admin:
            continue
        if admin:
            yield pytest.param(route, id=route.key)
            continue
        scopes = ("own", "other") if entry.kwargs is not None else ("any",)
        for role in ROLES:
            for scope in scopes:
                yield pytest.param(route, role, scope, id=f"{route.key}|{role}|{scope}")


def _kind(role: str) -> str:
    return "commune" if role == "anonymous" else role.split("_")[0]


def _context(world, role: str, scope: str) -> Context:
    side = world.sides["own" if scope == "any" else scope]
    kind = _kind(role)
    if kind == "territory":
        organisation = world.territory if scope != "other" else side.commune
    else:
        organisation = getattr(side, kind)
    return Context(side, organisation, world)


def _url(world, route, role: str, scope: str) -> str:
    entry = TABLE[route.key]
    if entry.path is not None:
        return entry.path
    if entry.kwargs is None:
        return reverse(route.key)
    return reverse(route.key, kwargs=entry.kwargs(_context(world, role, scope)))


def fingerprint() -> str:
    """A digest of every row of the checked apps' tables."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in sorted(CHECKED_TABLES):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def pristine(world, django_db_blocker) -> str:
    """The world's fingerprint, as every test finds it."""
    with django_db_blocker.unblock():
        return fingerprint()


def _request(client: Client, method: str, url: str, data: dict | None = None):
    """The answer, and whether the request wrote to a checked table."""
    with CaptureQueriesContext(connection) as queries:
        if data is None:
            response = getattr(client, method)(url)
        else:
            response = client.post(url, data, content_type="application/json")
    wrote = any(
        (match := WRITE.match(query["sql"])) and match.group(1) in CHECKED_TABLES
        for query in queries.captured_queries
    )
    return _answer(response), wrote


def _answer(response) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(f"{reverse('admin:login')}?next="):
            return ADMIN_LOGIN
        if location.startswith(f"{reverse(settings.LOGIN_URL)}?next="):
            return LOGIN
    return response.status_code


def _client(world, role: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if role != "anonymous":
        client.force_login(world.users.get(role) or world.sides["own"].users[role])
    return client


@pytest.mark.parametrize(("route", "role", "scope"), list(_cases(admin=False)))
def test_route_answers_each_role(world, pristine, db, route, role, scope):
    # given
    entry = TABLE[route.key]
    url = _url(world, route, role, scope)
    client = _client(world, role)

    # when
    read, read_wrote = _request(client, "get", url)
    before = fingerprint() if read_wrote else pristine
    data = entry.data(_context(world, role, scope)) if entry.data is not None else None
    written, post_wrote = _request(client, "post", url, data)

    # then
    if OBSERVE:
        changed = fingerprint() != before if post_wrote else False
        with open(OBSERVE, "a") as log:
            log.write(json.dumps([route.key, role, scope, read, written, read_wrote, changed]))
            log.write("\n")
        return
    assert (read, written) == (
        entry.expected("get", role, scope),
        entry.expected("post", role, scope),
    ), f"{url} as {role}"
    # A refusal that wrote anything must have undone it: the rows are those it found.
    if read in REFUSALS and read_wrote:
        assert before == pristine, f"a refused GET of {url} as {role} changed the database"
    if written in REFUSALS and post_wrote:
        assert fingerprint() == before, f"a refused POST to {url} as {role} changed the database"


@pytest.mark.parametrize("route", list(_cases(admin=True)))
def test_admin_route_answers_each_role(world, db, route):
    """The admin's answers depend on no organisation: one test per route asks as every role."""
    entry = TABLE[route.key]
    answers = {}
    for role in ROLES:
        client = _client(world, role)
        url = _url(world, route, role, "any")
        answers[role] = (_request(client, "get", url)[0], _request(client, "post", url)[0])
    expected = {
        role: (entry.expected("get", role, "any"), entry.expected("post", role, "any"))
        for role in ROLES
    }
    if OBSERVE:
        with open(OBSERVE, "a") as log:
            log.write(json.dumps([route.key, answers]) + "\n")
        return
    assert answers == expected
