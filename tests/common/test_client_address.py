"""The client's address: X-Forwarded-For is read only behind the trusted proxies configured."""

import pytest
from django.test import RequestFactory

from common.client_address import client_address


def request_from(remote_address: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": remote_address}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/accounts/login/", **headers)


@pytest.mark.parametrize(
    ("trusted_proxies", "forwarded_for", "expected"),
    [
        # No proxy trusted: whatever the client writes is ignored.
        (0, None, "10.0.0.2"),
        (0, "203.0.113.9", "10.0.0.2"),
        (0, "198.51.100.1, 203.0.113.9", "10.0.0.2"),
        # One proxy: the address it appended, not what the client wrote before it.
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (1, " 198.51.100.1 ,203.0.113.9 ", "203.0.113.9"),
        # Two proxies: the address the outer one saw.
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
        # A proxy configured but no header: the connection's address.
        (1, None, "10.0.0.2"),
        # Not an address: the connection's address, never a value the lockout cannot store.
        (1, "198.51.100.1, not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings, trusted_proxies, forwarded_for, expected
):
    # given
    settings.BOUCLE_TRUSTED_PROXIES = trusted_proxies

    # when
    address = client_address(request_from("10.0.0.2", forwarded_for))

    # then
    assert address == expected
