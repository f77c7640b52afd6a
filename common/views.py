"""Pages of Boucle's plumbing, for machines rather than people."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from common.health import health_check


@never_cache
@require_safe
def health(request):
    """``/health/``: 200 when the database, Redis and the worker answer, 503 naming what fails.

    Open to anyone (a load balancer or a monitor asks it), it says which part fails and never
    why in detail: no host, no error message, no version.
    """
    result = health_check()
    body = {
        "status": "ok" if result.healthy else "failing",
        "checks": result.checks,
        "failing": result.failing,
    }
    return JsonResponse(body, status=200 if result.healthy else 503)
