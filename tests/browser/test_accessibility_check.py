"""The axe-core check the journeys use finds what it must, and names the page, the rule and
the elements; a page the journey loaded and never looked at is reported."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import AccessibilityCheck, page_kind

pytestmark = pytest.mark.browser

FAULTY = """<!doctype html><html><head><title>Faulty</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="unexplained">
<input type="text" id="unlabelled">
<p>Fine</p></main></body></html>"""
SOUND = """<!doctype html><html lang="fr"><head><title>Correct</title></head><body><main>
<h1>Correct</h1><label for="name">Nom</label><input type="text" id="name"></main></body></html>"""


def test_page_kinds_put_numbers_and_device_codes_aside():
    assert page_kind("http://host/reuse/devices/HF8HMTVE/erasure/") == (
        "/reuse/devices/<code>/erasure/"
    )
    assert page_kind("http://host/procurement/campaigns/12/allocation/?year=2026") == (
        "/procurement/campaigns/<n>/allocation/"
    )
    assert page_kind("http://host/inventory/imports/new/") == "/inventory/imports/new/"


def test_serious_and_critical_violations_are_named_with_their_elements(browser):
    # given
    context = browser.new_context()
    tab = context.new_page()
    check = AccessibilityCheck()
    try:
        # when
        tab.set_content(FAULTY)
        check.check(tab)
        tab.set_content(SOUND)
        check.check(tab, again=True)
    finally:
        context.close()

    # then: the faulty page's missing language, alternative text and label, nothing else
    assert [violation.split(":")[1].split()[0] for violation in check.violations] == [
        "html-has-lang",
        "image-alt",
        "label",
    ]
    assert "#unexplained" in check.violations[1]
    assert "#unlabelled" in check.violations[2]


def test_a_page_loaded_and_never_checked_is_reported(browser, live_server):
    # given
    context = browser.new_context()
    tab = context.new_page()
    check = AccessibilityCheck()
    check.follow(tab)
    try:
        # when
        tab.goto(f"{live_server.url}/accounts/login/")
        tab.goto(f"{live_server.url}/d/ABCD1234/")
        check.check(tab)
    finally:
        context.close()

    # then
    assert check.unchecked() == ["/accounts/login/"]
