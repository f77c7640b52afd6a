"""Headless Chromium for the browser journeys: Debian's own build, driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium (or the path in
``BOUCLE_CHROMIUM``). Without it, the browser tests are skipped and say why; in CI (``CI`` set
to true) they fail instead, so a machine without a browser cannot pass for a green run.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("BOUCLE_CHROMIUM") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
DESKTOP = {"width": 1280, "height": 800}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        reason = f"Chromium is not installed ({CHROMIUM} is missing): sudo apt-get install chromium"
        if in_ci():
            pytest.fail(f"{reason}. CI runs the browser tests: they may not be skipped there.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_tab(browser, live_server):
    """Opens a new tab in a browser context of the options given (viewport, locale…); fails the
    test on any JavaScript error in any of them."""
    contexts = []
    errors: list[str] = []

    def _new_tab(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        return tab

    yield _new_tab
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(new_tab):
    """A fresh browser tab on a desktop-sized window; fails the test on any JavaScript error."""
    return new_tab(viewport=DESKTOP)


@pytest.fixture
def french_tab(new_tab):
    """Opens a new desktop tab whose browser asks for French; fails on any JavaScript error."""
    return functools.partial(new_tab, viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
