"""Every answer carries a Content-Security-Policy and a Permissions-Policy; the API
documentation loads nothing from another host."""

from __future__ import annotations

import re

import pytest

CSP = "Content-Security-Policy"


@pytest.mark.django_db
def test_a_page_carries_the_content_security_policy_and_the_permissions_policy(client):
    # when
    response = client.get("/accounts/login/")

    # then
    assert response.status_code == 200
    policy = response[CSP]
    assert policy.startswith("default-src 'self'; script-src 'self'; style-src 'self';")
    assert "img-src 'self' data:" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_an_api_answer_carries_both_headers(client_for, partner_user):
    # when
    response = client_for(partner_user).get("/api/v1/devices/")

    # then
    assert response.status_code == 200
    assert response[CSP].startswith("default-src 'self'")
    assert "microphone=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_an_error_answer_carries_both_headers(client):
    # when
    response = client.get("/api/v1/devices/")

    # then
    assert response.status_code in (401, 403)
    assert CSP in response
    assert "Permissions-Policy" in response


@pytest.mark.django_db
def test_the_api_documentation_loads_nothing_from_another_host(client):
    # when
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    # then
    assert page.status_code == 200
    assert script.status_code == 200
    content = page.content.decode()
    assert re.findall(r"(?:src|href)=\"(https?:)?//", content) == []
    assert "cdn" not in content.casefold()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in content
    # no inline script or style: the CSP would block them
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content) == []
    assert "<style" not in content
    assert "/api/schema/" in script.content.decode()
