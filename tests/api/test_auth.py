"""Token and session authentication, and the shape of every error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory.choices import DeviceState
from inventory.models import Device
from tests.conftest import UserFactory

TOKEN = "/api/v1/auth/token/"
DEVICES = "/api/v1/devices/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", DEVICES),
        ("post", DEVICES),
        ("get", "/api/v1/devices/ABCDEFGH/"),
        ("post", "/api/v1/devices/ABCDEFGH/withdraw/"),
        ("get", "/api/v1/devices/ABCDEFGH/events/"),
        ("post", "/api/v1/declarations/"),
        ("get", "/api/v1/organisations/"),
        ("get", "/api/v1/sites/"),
    ],
)
def test_anonymous_requests_are_refused_in_json(api_client, method, url):
    response = getattr(api_client, method)(url, {}, format="json")

    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.json()["error"]["message"]


@pytest.mark.django_db
def test_obtain_a_token_and_use_it(api_client, declare, commune_user):
    # given
    [device] = declare()

    # when
    response = api_client.post(
        TOKEN, {"username": commune_user.username, "password": "correct horse battery"}
    )
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get(DEVICES)
    withdrawn = client.post(f"{DEVICES}{device.code}/withdraw/", {"note": "Script"}, format="json")

    # then
    assert response.status_code == 200
    assert token == Token.objects.get(user=commune_user).key
    assert [item["code"] for item in listed.json()["results"]] == [device.code]
    assert withdrawn.status_code == 200
    assert Device.objects.get(pk=device.pk).state == DeviceState.WITHDRAWN


@pytest.mark.django_db
def test_the_same_token_is_returned_twice(api_client, commune_user):
    credentials = {"username": commune_user.username, "password": "correct horse battery"}

    first = api_client.post(TOKEN, credentials, format="json").json()["token"]
    second = api_client.post(TOKEN, credentials, format="json").json()["token"]

    assert first == second
    assert Token.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "marie", "password": "wrong"},
        {"username": "nobody", "password": "correct horse battery"},
        {"password": "correct horse battery"},
        {},
    ],
)
def test_wrong_credentials_get_no_token(api_client, credentials):
    UserFactory(username="marie")

    response = api_client.post(TOKEN, credentials, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert response.json()["error"]["message"]
    assert Token.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_token_is_refused(declare):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")

    response = client.get(DEVICES)

    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(declare, commune_user):
    # given: a browser session without its CSRF token
    [device] = declare()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(commune_user)

    # when
    response = client.post(f"{DEVICES}{device.code}/withdraw/")

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Device.objects.get(pk=device.pk).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_session_reads_work(declare, client_for, commune_user):
    [device] = declare()

    response = client_for(commune_user).get(f"{DEVICES}{device.code}/")

    assert response.status_code == 200


@pytest.mark.django_db
def test_errors_speak_the_users_language(client_for, commune_user):
    client = client_for(commune_user)

    french = client.get(f"{DEVICES}?category=toaster", HTTP_ACCEPT_LANGUAGE="fr")
    english = client.get(f"{DEVICES}?category=toaster", HTTP_ACCEPT_LANGUAGE="en")

    assert french.json()["error"]["message"] == "Les données envoyées ne sont pas valides."
    assert english.json()["error"]["message"] == "The data sent is invalid."


@pytest.mark.django_db
def test_token_endpoint_slows_down_password_guessing(settings, commune_user):
    # given: the login lockout set aside, to see the throttle alone
    settings.AXES_ENABLED = False
    client = APIClient()
    url = reverse("api-token")

    # when: more wrong guesses than the rate allows
    answers = [
        client.post(url, {"username": commune_user.username, "password": f"guess{attempt}"})
        for attempt in range(11)
    ]

    # then
    assert [answer.status_code for answer in answers[:10]] == [400] * 10
    assert answers[10].status_code == 429
    assert answers[10].json()["error"]["code"] == "throttled"
