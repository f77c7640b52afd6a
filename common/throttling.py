"""Throttles that answer 503, never 500, when their cache (Redis) does not answer."""

from __future__ import annotations

import logging

from django.utils.translation import gettext_lazy as _
from rest_framework import throttling

from common.client_address import client_address
from common.errors import ServiceUnavailable

logger = logging.getLogger(__name__)


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """DRF's scoped throttle, counting per client address as :func:`client_address` reads it
    (behind trusted proxies only), and closed while its cache is unreachable.

    The counters live in the cache. A throttle that let every request through while they
    cannot be read would let passwords be guessed at will during an outage of Redis, so it
    refuses with 503 and a message saying to retry shortly instead.
    """

    unavailable_message = _(
        "This service is unavailable for a moment; try again in a minute. "
        "Requests with an existing token are not affected."
    )

    def get_ident(self, request) -> str:
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache's connection error (redis' ConnectionError)
            logger.warning(
                "Throttle %s refused %s: its cache is unreachable: %s: %s",
                getattr(view, "throttle_scope", ""),
                request.path,
                type(error).__name__,
                error,
            )
            raise ServiceUnavailable(self.unavailable_message, code="cache_unavailable") from None
