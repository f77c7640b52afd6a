"""Security headers every answer carries: the Content-Security-Policy and the
Permissions-Policy.

Pages load their scripts, styles and images from Boucle itself (htmx is vendored, Swagger UI
comes from drf-spectacular's sidecar package); QR codes are ``data:`` PNG images. No page has
an inline script or style, so none is allowed. Both headers come from settings
(``BOUCLE_CONTENT_SECURITY_POLICY``, ``BOUCLE_PERMISSIONS_POLICY``); an empty one is not sent.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeaders:
    """Middleware: add the Content-Security-Policy and the Permissions-Policy to every answer
    that has not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for header, value in (
            ("Content-Security-Policy", settings.BOUCLE_CONTENT_SECURITY_POLICY),
            ("Permissions-Policy", settings.BOUCLE_PERMISSIONS_POLICY),
        ):
            if value and header not in response:
                response[header] = value
        return response
