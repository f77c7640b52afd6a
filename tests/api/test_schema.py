"""The OpenAPI document: valid, free of generator warnings, and covering every endpoint."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate

API_PREFIX = "/api/v1/"


def api_paths() -> set[str]:
    """Every route under /api/v1/, written as OpenAPI writes it (``{code}`` for a parameter)."""

    def walk(patterns, prefix: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield "/" + route

    def parameter(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        # drf-spectacular names a primary key parameter "id" (SCHEMA_COERCE_PATH_PK).
        return "{" + ("id" if name == "pk" else name) + "}"

    named = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")
    return {
        named.sub(parameter, route)
        for route in walk(get_resolver().url_patterns, "")
        if route.startswith(API_PREFIX)
    }


@pytest.mark.django_db
def test_schema_is_valid_openapi_and_covers_every_endpoint(api_client):
    # when
    response = api_client.get("/api/schema/?format=json")

    # then
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert api_paths() == {
        "/api/v1/auth/token/",
        "/api/v1/organisations/",
        "/api/v1/organisations/{slug}/",
        "/api/v1/organisations/{slug}/members/",
        "/api/v1/organisations/{slug}/sites/",
        "/api/v1/memberships/{id}/",
        "/api/v1/sites/",
        "/api/v1/sites/{id}/",
        "/api/v1/sites/{id}/close/",
        "/api/v1/devices/",
        "/api/v1/devices/{code}/",
        "/api/v1/devices/{code}/withdraw/",
        "/api/v1/devices/{code}/claim/",
        "/api/v1/devices/{code}/release/",
        "/api/v1/devices/{code}/events/",
        "/api/v1/devices/{code}/diagnoses/",
        "/api/v1/devices/{code}/repairs/",
        "/api/v1/devices/{code}/gradings/",
        "/api/v1/devices/{code}/ready/",
        "/api/v1/devices/{code}/media/",
        "/api/v1/media/{id}/erasures/",
        "/api/v1/devices/export/",
        "/api/v1/declarations/",
        "/api/v1/imports/",
        "/api/v1/imports/{id}/",
        "/api/v1/imports/{id}/cancel/",
        "/api/v1/imports/{id}/import/",
        "/api/v1/imports/{id}/report/",
        "/api/v1/claims/",
        "/api/v1/collections/",
        "/api/v1/collections/{id}/",
        "/api/v1/pickups/",
        "/api/v1/pickups/{id}/",
        "/api/v1/pickups/{id}/confirm/",
        "/api/v1/pickups/{id}/counter-propose/",
        "/api/v1/pickups/{id}/cancel/",
        "/api/v1/erasures/nwipe/",
        "/api/v1/erasure-certificates/",
        "/api/v1/waste-records/",
        "/api/v1/waste-records/{id}/",
        "/api/v1/waste-records/register/",
        "/api/v1/waste-records/register-document/",
        "/api/v1/documents/",
        "/api/v1/documents/{number}/",
        "/api/v1/documents/{number}/download/",
        "/api/v1/labels/",
        "/api/v1/offers/",
        "/api/v1/offers/{id}/",
        "/api/v1/offers/{id}/deactivate/",
        "/api/v1/offers/{id}/stock/",
        "/api/v1/offers/{id}/stock/remove/",
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{id}/",
        "/api/v1/campaigns/{id}/open/",
        "/api/v1/campaigns/{id}/close/",
        "/api/v1/campaigns/{id}/cancel/",
        "/api/v1/campaigns/{id}/commitments/",
        "/api/v1/campaigns/{id}/commitments/{commitment_pk}/",
        "/api/v1/campaigns/{id}/allocation/",
        "/api/v1/orders/",
        "/api/v1/orders/{id}/",
        "/api/v1/orders/{id}/cancel/",
        "/api/v1/deliveries/",
        "/api/v1/deliveries/{id}/",
        "/api/v1/deliveries/{id}/admission/",
        "/api/v1/invoices/",
        "/api/v1/invoices/{id}/",
        "/api/v1/invoices/{id}/credit-note/",
        "/api/v1/invoices/{id}/download/",
        "/api/v1/donations/",
        "/api/v1/donations/{id}/",
        "/api/v1/donations/{id}/receipt/",
        "/api/v1/donations/{id}/cancel/",
        "/api/v1/donations/{id}/download/",
        "/api/v1/returns/",
        "/api/v1/returns/{id}/",
        "/api/v1/returns/{id}/outcome/",
        "/api/v1/indicators/",
    }
    documented = {path for path in schema["paths"] if path.startswith(API_PREFIX)}
    assert documented == api_paths()


@pytest.mark.django_db
def test_schema_documents_methods_bodies_and_errors(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    schemas = "#/components/schemas/"

    def body(operation) -> str:
        return operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]

    def answer(operation, status: str) -> dict:
        return operation["responses"][status]["content"]["application/json"]["schema"]

    devices, device = paths["/api/v1/devices/"], paths["/api/v1/devices/{code}/"]
    assert set(devices) == {"get", "post"}
    assert set(device) == {"get", "patch"}
    assert body(devices["post"]) == f"{schemas}DeviceCreateRequest"
    assert answer(devices["post"], "201") == {"$ref": f"{schemas}Device"}
    assert body(device["patch"]) == f"{schemas}PatchedDeviceUpdateRequest"
    assert answer(device["patch"], "200") == {"$ref": f"{schemas}Device"}
    withdraw = paths["/api/v1/devices/{code}/withdraw/"]["post"]
    assert body(withdraw) == f"{schemas}WithdrawRequest"
    assert set(withdraw["responses"]) == {"200", "400", "403", "404", "409"}
    assert answer(withdraw, "409") == {"$ref": f"{schemas}Error"}
    events = paths["/api/v1/devices/{code}/events/"]["get"]
    assert answer(events, "200") == {
        "type": "array",
        "items": {"$ref": f"{schemas}DeviceEvent"},
    }
    assert {parameter["name"] for parameter in events.get("parameters", [])} == {"code"}
    listed = {parameter["name"] for parameter in devices["get"]["parameters"]}
    assert listed == {
        "category",
        "commune",
        "cursor",
        "declaration",
        "declared_from",
        "declared_until",
        "ordering",
        "page_size",
        "pickup_site",
        "q",
        "search",
        "state",
    }
    token = paths["/api/v1/auth/token/"]["post"]
    assert body(token) == f"{schemas}AuthTokenRequest"
    assert answer(token, "200") == {"$ref": f"{schemas}AuthTokenResponse"}
    declarations = paths["/api/v1/declarations/"]["post"]
    assert body(declarations) == f"{schemas}DeclarationCreateRequest"
    assert answer(declarations, "201") == {"$ref": f"{schemas}Declaration"}


@pytest.mark.django_db
def test_schema_generation_has_no_warning(tmp_path):
    # Fails (SchemaGenerationError) on any warning of drf-spectacular, and validates the result.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "api.yaml")
    )

    assert (tmp_path / "api.yaml").read_text().startswith("openapi: 3.0")


@pytest.mark.django_db
def test_interactive_docs_are_served(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
