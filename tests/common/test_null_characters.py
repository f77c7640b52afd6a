"""NUL characters in paths and values: 404 for a path, 400 naming the field for a value,
never 500 (PostgreSQL refuses NUL in text; run these on PostgreSQL to see it)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIClient

from common.null_characters import field_with_null_character
from inventory.models import Declaration, Device, DeviceImport
from tests.conftest import device_description

NUL = "%00"


def _regex_route(regex: str) -> str:
    """A regex pattern's route with each named group replaced by a NUL."""
    route = []
    index = 0
    while index < len(regex):
        if regex.startswith("(?P<", index):
            depth = 0
            while True:
                depth += {"(": 1, ")": -1}.get(regex[index], 0)
                if regex[index] == "\\":
                    index += 1
                index += 1
                if depth == 0:
                    break
            route.append(NUL)
            continue
        route.append(regex[index])
        index += 1
    text = "".join(route).lstrip("^").rstrip("$").replace("/?", "/").replace("\\", "")
    return text


def _patterns(resolvers, prefix: str = ""):
    """Every URL pattern as a route with its parameters replaced by a NUL, and whether it
    had one."""
    for entry in resolvers:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            route = re.sub(r"<[^>]+>", NUL, str(pattern._route))
        elif isinstance(pattern, RegexPattern):
            route = _regex_route(pattern._regex)
        else:  # a locale prefix: none in Boucle
            route = str(pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def urls_with_a_parameter() -> list[str]:
    urls = sorted({"/" + route for route in _patterns(get_resolver().url_patterns)})
    return [url for url in urls if NUL in url]


URLS = urls_with_a_parameter()


def test_every_url_with_a_parameter_is_tried():
    # Those of the issue among them, so that a change of the URL walk cannot empty the list.
    assert {
        "/d/%00/",
        "/inventory/%00/",
        "/reuse/devices/%00/erasure/",
        "/documents/%00/download/",
        "/api/v1/organisations/%00/",
        "/api/v1/devices/%00/",
    } <= set(URLS)
    assert len(URLS) > 40
    assert all(re.fullmatch(r"[\w/%.\-]+", url) for url in URLS), URLS


@pytest.mark.django_db
@pytest.mark.parametrize("url", URLS)
def test_a_nul_in_a_path_parameter_answers_404(url, client, commune_user):
    # given
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    anonymous = APIClient()
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(commune_user)

    for http in (anonymous, client):
        # when
        responses = [http.get(url), http.post(url, {})]

        # then
        for response in responses:
            assert response.status_code == 404, (url, response.status_code)
            if url.startswith("/api/"):
                assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
            else:
                assert '<p class="error-page__code">404</p>' in response.content.decode()


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_answers_400_naming_it(client, commune_user, client_for):
    # given
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(commune_user)
    api = client_for(commune_user)

    # when
    page = client.get("/inventory/", {"q": "HP\x00"})
    listed = api.get("/api/v1/devices/", {"commune": "\x00"})
    cursor = api.get("/api/v1/devices/", {"cursor": "\x00"})

    # then
    assert page.status_code == 400
    assert "Invalid request" in page.content.decode()
    for response, field in ((listed, "commune"), (cursor, "cursor")):
        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": "invalid",
                "message": "The data sent is invalid.",
                "fields": {field: ["Null characters are not allowed."]},
            }
        }


def _refused(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert body["fields"] == {field: ["Null characters are not allowed."]}


@pytest.mark.django_db
def test_a_nul_in_an_api_field_answers_400_naming_it_and_changes_nothing(
    client_for, commune_user, pickup_site
):
    # given
    api = client_for(commune_user)
    before = (Declaration.objects.count(), Device.objects.count(), DeviceImport.objects.count())
    device = {**device_description(), "pickup_site": pickup_site.pk}

    # when
    device_json = api.post("/api/v1/devices/", {**device, "commune": "\x00"}, format="json")
    device_form = api.post("/api/v1/devices/", {**device, "commune": "cachan\x00"})
    declaration = api.post(
        "/api/v1/declarations/",
        {"commune": "\x00", "pickup_site": pickup_site.pk, "devices": [device_description()]},
        format="json",
    )
    nested = api.post(
        "/api/v1/declarations/",
        {
            "commune": "cachan",
            "pickup_site": pickup_site.pk,
            "devices": [device_description(), device_description(brand="H\x00P")],
        },
        format="json",
    )
    file = SimpleUploadedFile("devices.csv", b"code\n", content_type="text/csv")
    imported = api.post("/api/v1/imports/", {"commune": "\x00", "file": file}, format="multipart")

    # then
    _refused(device_json, "commune")
    _refused(device_form, "commune")
    _refused(declaration, "commune")
    _refused(nested, "devices[1].brand")
    _refused(imported, "commune")
    after = (Declaration.objects.count(), Device.objects.count(), DeviceImport.objects.count())
    assert after == before


@pytest.mark.django_db
def test_a_nul_in_a_page_form_answers_400(client, partner_user, declare):
    # given: the label sheet page reads its codes itself, without a form
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(partner_user)
    device = declare(1)[0]

    # when
    response = client.post(
        "/inventory/labels/", {"devices": [device.code, "\x00"], "layout": "3x8"}
    )

    # then
    assert response.status_code == 400


def test_the_field_named_is_the_one_holding_the_nul():
    assert field_with_null_character({"a": "x", "b": ["y", "z\x00"]}) == "b"
    assert field_with_null_character({"devices": [{"brand": "x"}, {"model": "\x00"}]}) == (
        "devices[1].model"
    )
    assert field_with_null_character({"k\x00": "v"}) == "k"
    assert field_with_null_character({"a": 1, "b": None, "c": ["x"]}) is None
