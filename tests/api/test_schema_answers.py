"""The answers the schema promises: nullable fields declared so, the 400 and 404 of every list
documented, JSON errors under /api/ whatever was asked, bad query values refused."""

from __future__ import annotations

import pytest

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(api_client, db) -> dict:
    return api_client.get("/api/schema/?format=json").json()


def test_a_documents_replaces_is_declared_nullable(schema):
    # when
    replaces = schema["components"]["schemas"]["Document"]["properties"]["replaces"]

    # then
    assert replaces["type"] == "string"
    assert replaces["nullable"] is True


@pytest.mark.parametrize(
    "path",
    ["/api/v1/devices/", "/api/v1/documents/", "/api/v1/imports/", "/api/v1/waste-records/"],
)
def test_a_list_documents_its_400_and_404_in_the_error_shape(schema, path):
    # when
    responses = schema["paths"][path]["get"]["responses"]

    # then
    for status in ("400", "404"):
        assert responses[status]["content"]["application/json"]["schema"] == ERROR


def test_an_unknown_path_under_the_api_answers_the_json_404(client_for, commune_user):
    # given
    client = client_for(commune_user)

    # when
    response = client.get("/api/v1/no-such-thing/")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_an_unknown_page_outside_the_api_still_answers_the_404_page(client_for, commune_user):
    # given
    client = client_for(commune_user)

    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_a_refused_register_asked_as_csv_answers_json(client_for, partner_user):
    # given
    client = client_for(partner_user)

    # when
    response = client.get("/api/v1/waste-records/register/", {"format": "csv", "year": "625"})

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Give a year between 2000 and 2100.",
            "fields": {"year": ["Give a year between 2000 and 2100."]},
        }
    }


@pytest.mark.parametrize("value", ["null", "0", "-1", "1.5", "２"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_refused(
    client_for, commune_user, declare, value
):
    # given
    declare(2)
    client = client_for(commune_user)

    # when
    response = client.get("/api/v1/devices/", {"page_size": value})

    # then
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["Give a whole number from 1."]}


def test_a_page_size_over_the_maximum_gives_the_maximum(client_for, commune_user, declare):
    # given
    declare(3)
    client = client_for(commune_user)

    # when
    response = client.get("/api/v1/devices/", {"page_size": "2"})
    capped = client.get("/api/v1/devices/", {"page_size": "100000"})

    # then
    assert len(response.json()["results"]) == 2
    assert len(capped.json()["results"]) == 3


def test_a_declaration_that_is_not_a_whole_number_is_refused(client_for, commune_user, declare):
    # given
    devices = declare(1)
    client = client_for(commune_user)

    # when
    response = client.get("/api/v1/devices/", {"declaration": "0.5"})
    whole = client.get("/api/v1/devices/", {"declaration": str(devices[0].declaration_id)})

    # then
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["declaration"]
    assert [device["code"] for device in whole.json()["results"]] == [devices[0].code]


@pytest.mark.django_db
def test_a_request_django_refuses_before_any_view_answers_json_under_the_api(
    client, commune_user, settings
):
    # given: more form fields than Django reads
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client.force_login(commune_user)
    body = "&".join(f"codes=X{index}" for index in range(50))

    # when
    api = client.post("/api/v1/labels/", body, content_type="application/x-www-form-urlencoded")
    page = client.post("/inventory/labels/", body, content_type="application/x-www-form-urlencoded")

    # then
    assert api.status_code == 400
    assert api["Content-Type"] == "application/json"
    assert api.json()["error"]["code"] == "invalid"
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
