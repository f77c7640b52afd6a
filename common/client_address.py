"""The client's address, read from a proxy's ``X-Forwarded-For`` only when told to trust it.

One rule for every part of Boucle that counts requests per client: the login lockout
(django-axes, ``AXES_CLIENT_IP_CALLABLE``) and the API's throttles
(:class:`common.throttling.ScopedRateThrottle`, and DRF's ``NUM_PROXIES`` for any other).
``BOUCLE_TRUSTED_PROXIES`` is the number of reverse proxies in front of Boucle, each appending
the address it was reached from to ``X-Forwarded-For``:

- 0 (the default): the header is ignored, the address is the connection's (``REMOTE_ADDR``), so
  a client cannot change it by sending the header;
- n: the n-th address from the right of the header, the one the outermost trusted proxy saw;
  whatever the client wrote to the left of it is ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as the trusted proxies saw it."""
    remote_address = request.META.get("REMOTE_ADDR", "")
    trusted_proxies = settings.BOUCLE_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted_proxies <= 0 or not forwarded:
        return remote_address
    addresses = [address.strip() for address in forwarded.split(",")]
    candidate = addresses[-min(trusted_proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Not an address: a proxy that does not write the header as configured.
        return remote_address
