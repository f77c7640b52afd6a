"""The pages a phone user works with, on a 390 px wide screen in headless Chromium: nothing
scrolls sideways (a wide table scrolls inside its frame), and the declaration form's action
bar hides the fields it floats over."""

from __future__ import annotations

import functools

import pytest

from reuse.services import devices_claim
from tests.browser.helpers import log_in
from tests.conftest import member
from tests.reuse.refurbishment import collected_device, erase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

# Elements wider than the screen, for the failure message.
# Elements wider than the screen and not inside a frame that scrolls, for the failure message.
OVERFLOWING = """() => {
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const inFrame = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (scrolls(p)) return true; } return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                 && !inFrame(e))
    .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id);
}"""


@pytest.fixture
def phone(new_tab):
    return functools.partial(
        new_tab, viewport=PHONE, is_mobile=True, has_touch=True, locale="fr-FR"
    )


def assert_no_sideways_scroll(tab) -> None:
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (tab.url, tab.evaluate(OVERFLOWING))


def test_inventory_claims_and_erasure_pages_fit_a_phone(
    phone, live_server, declare, partner, partner_user
):
    # given: a partner with claims and a collected device with two drives
    technician = member(partner)
    declared = declare(3)
    devices_claim(devices=declared[:2], partner=partner, user=partner_user)
    device = collected_device(declare, partner, technician, refurbishing=True)
    erase(partner, technician, device)
    tab = phone()
    log_in(tab, live_server, technician)

    for path in ("/inventory/", "/reuse/claims/", f"/reuse/devices/{device.code}/erasure/"):
        # when
        tab.goto(f"{live_server.url}{path}")

        # then
        assert_no_sideways_scroll(tab)


def test_the_declaration_forms_action_bar_is_opaque(phone, live_server, commune_user):
    # given
    tab = phone()
    log_in(tab, live_server, commune_user)

    # when
    tab.goto(f"{live_server.url}/inventory/declare/")
    background = tab.eval_on_selector(
        ".form-actions--sticky", "element => getComputedStyle(element).backgroundColor"
    )

    # then: no alpha below 1 (rgb(…) or rgba(…, 1))
    assert background.startswith("rgb(") or background.endswith(", 1)"), background
    assert_no_sideways_scroll(tab)
