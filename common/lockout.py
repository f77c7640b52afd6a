"""What a client locked out after repeated login failures is answered (django-axes'
``AXES_LOCKOUT_CALLABLE``), on the pages and the API alike: 429 with a ``Retry-After`` header
and a message saying when to retry.

A failed attempt during the lockout starts the cool-off again
(``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``), so the lockout ends one cool-off after
this answer.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import ngettext

LOCKED_OUT_STATUS = 429


def lockout_message(retry_at: datetime, minutes: int) -> str:
    """When to retry, in the user's language."""
    return ngettext(
        "Too many failed login attempts for this account or from this address: logging in is "
        "locked. Try again after %(time)s (in %(minutes)d minute), or ask an administrator of "
        "your organisation to unlock your account.",
        "Too many failed login attempts for this account or from this address: logging in is "
        "locked. Try again after %(time)s (in %(minutes)d minutes), or ask an administrator of "
        "your organisation to unlock your account.",
        minutes,
    ) % {
        "time": formats.time_format(timezone.localtime(retry_at)),
        "minutes": minutes,
    }


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """429 with ``Retry-After``: the API's usual error shape under ``/api/``, a page elsewhere."""
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = math.ceil(cool_off.total_seconds())
    retry_at = timezone.now() + cool_off
    message = lockout_message(retry_at, math.ceil(seconds / 60))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"error": {"code": "locked_out", "message": message}}, status=LOCKED_OUT_STATUS
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message, "retry_at": retry_at},
            status=LOCKED_OUT_STATUS,
        )
    response["Retry-After"] = str(seconds)
    return response
