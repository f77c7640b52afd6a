"""The anonymous client of the API tests (``client_for``, logged in by session, is in
tests/conftest.py)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api_client() -> APIClient:
    """An anonymous client."""
    return APIClient()
