"""The anonymous client of the API tests (``client_for``, logged in by session, is in
tests/conftest.py), and the tokens of the schema fuzzing tests."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from reuse.services import devices_claim


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def fuzzing_tokens(declare, partner, partner_user, commune_user, territory) -> dict[str, str]:
    """A commune with devices declared, a partner holding claims on some, a token for each."""
    devices = declare(4)
    devices_claim(partner=partner, user=partner_user, devices=devices[:2])
    return {
        "commune": Token.objects.create(user=commune_user).key,
        "partner": Token.objects.create(user=partner_user).key,
    }
