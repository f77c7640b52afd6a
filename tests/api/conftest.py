"""Clients for the API tests: logged in by session, as a browser or a script would be."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def client_for(db):
    """A client logged in as ``user``; each request loads the user afresh, as in production."""

    def _client_for(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return _client_for
