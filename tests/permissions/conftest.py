"""The permission matrix's world, built once for the module inside a transaction that is rolled
back at its end; each test runs in a savepoint of its own within it."""

from __future__ import annotations

import pytest
from django.test import TestCase

from tests.permissions.world import World, world_build


@pytest.fixture(scope="module")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("permissions-media")


@pytest.fixture(autouse=True)
def media_root(settings, world_media):
    """The world's files (its import, its documents) stay where the world wrote them."""
    settings.MEDIA_ROOT = world_media
    return world_media


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, world_media) -> World:
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=world_media):
        # Marked as a test case's atomic blocks, so that the services' durable blocks nest.
        atomics = TestCase._enter_atomics()
        try:
            yield world_build()
        finally:
            TestCase._rollback_atomics(atomics)
