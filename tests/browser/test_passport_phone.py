"""A label's QR code opened on a phone: the device passport at /d/<code>/ in headless Chromium.

A partner logged in sees the action it may take, with large tap targets; an anonymous
visitor sees the public passport. Neither page scrolls sideways on a 390 px wide phone.
"""

from __future__ import annotations

import functools

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(new_tab):
    """Opens a new phone-sized tab, in English; fails the test on any JavaScript error."""
    return functools.partial(
        new_tab, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3, locale="en"
    )


def scroll_width(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth")


def test_partner_opens_a_label_on_a_phone_and_taps_claim(phone, live_server, declare, partner_user):
    # given: a declared device, and a partner logged in on a phone
    device = declare(1, model="Latitude 5490 avec un nom de modèle particulièrement long")[0]
    tab = phone()
    log_in(tab, live_server, partner_user)

    # when: opening the URL of the device's label
    tab.goto(f"{live_server.url}/d/{device.code}/")

    # then: the claim action, large enough to tap, and no sideways scrolling
    claim = tab.locator("a[data-action='claim']")
    expect(claim).to_be_visible()
    box = claim.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 300
    assert scroll_width(tab) <= PHONE["width"]

    # when: tapping it
    claim.tap()

    # then: the claim page of that device
    tab.wait_for_url(f"{live_server.url}/reuse/devices/{device.code}/claim/")


def test_anonymous_visitor_reads_the_public_passport_on_a_phone(
    phone, live_server, declare, commune_user
):
    # given
    device = declare(1, serial_number="SNPHONE0001")[0]
    tab = phone()

    # when
    tab.goto(f"{live_server.url}/d/{device.code}/")

    # then
    expect(tab.locator("h1")).to_have_text(device.code)
    expect(tab.locator(".passport__event")).to_have_count(1)
    expect(tab.locator("a[data-action]")).to_have_count(0)
    content = tab.content()
    assert "SNPHONE0001" not in content
    assert commune_user.username not in content
    assert scroll_width(tab) <= PHONE["width"]
