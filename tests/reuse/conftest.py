"""Fixtures of the claim tests: a second partner, and page clients speaking English."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import PartnerFactory, member


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Recyclerie du Val", slug="recyclerie-val")


@pytest.fixture
def other_partner_user(other_partner):
    return member(other_partner)


@pytest.fixture
def page_client(client):
    """A page client in English, logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as
