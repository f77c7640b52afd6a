"""A partner's claim journey in headless Chromium: tick devices, claim them, see and release.

Reuses the browser fixtures of tests/browser (Debian's Chromium; skipped without it).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.choices import DeviceState
from inventory.models import Device
from tests.browser.conftest import browser, new_tab, page  # noqa: F401 - the fixtures
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_ticks_devices_claims_them_and_releases_one(
    page,  # noqa: F811 - the fixture
    live_server,
    declare,
    commune,
    partner,
    partner_user,
):
    # given: three declared devices
    devices = declare(3)
    log_in(page, live_server, partner_user)

    # when: ticking two of them in the inventory and claiming the selection
    page.goto(f"{live_server.url}/inventory/")
    for device in devices[:2]:
        page.check(f"#select-{device.code}")
    page.click("#claim-selection button[type=submit]")

    # then: my claims lists them, with when each claim lapses
    page.wait_for_url(f"{live_server.url}/reuse/claims/")
    rows = page.locator("table.table--claims tbody tr")
    expect(rows).to_have_count(2)
    claimed = Device.objects.filter(claimed_by=partner)
    assert set(claimed.values_list("code", flat=True)) == {d.code for d in devices[:2]}

    # when: releasing one from the list
    page.click(f"a[href='/reuse/devices/{devices[0].code}/release/']")
    page.click("form button.button--danger")

    # then
    page.wait_for_url(f"{live_server.url}/reuse/claims/")
    expect(page.locator("table.table--claims tbody tr")).to_have_count(1)
    assert Device.objects.get(pk=devices[0].pk).state == DeviceState.DECLARED
