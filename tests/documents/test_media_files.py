"""Uploaded and generated files are served only by the views that check who may read them,
with DEBUG on (the default of ``make run``) as in production: no public ``/media/`` route."""

from __future__ import annotations

import importlib

import pytest
from django.urls import clear_url_caches

import config.urls
from documents.services import document_render


@pytest.fixture
def debug_urls(settings):
    """The URL configuration as ``make run`` builds it: DEBUG on when it is imported."""
    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


def test_a_documents_file_is_not_served_under_media_with_debug_on(
    client, debug_urls, request_collection_note, other_commune_user, commune_user
):
    # given
    document, _ = request_collection_note(1)
    issued = document_render(document=document)
    media_path = f"/media/{issued.file.name}"

    # when
    anonymous = client.get(media_path)
    client.force_login(other_commune_user)
    other_organisation = client.get(media_path)
    client.force_login(commune_user)
    counterpart = client.get(media_path)
    download = client.get(f"/documents/{document.number}/download/")

    # then
    assert (anonymous.status_code, other_organisation.status_code) == (404, 404)
    assert counterpart.status_code == 404
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == issued.file.open("rb").read()


def test_no_url_pattern_serves_the_media_folder_with_debug_on(debug_urls):
    # given
    patterns = [str(pattern.pattern) for pattern in config.urls.urlpatterns]

    # when
    media_patterns = [pattern for pattern in patterns if "media" in pattern]

    # then
    assert media_patterns == []
