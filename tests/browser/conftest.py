"""Headless Chromium for the browser journeys: Debian's own build, driven by Playwright.

Playwright never downloads a browser here: it launches /usr/bin/chromium (or the path in
``BOUCLE_CHROMIUM``). Without it, the browser tests are skipped and say why; in CI (``CI`` set
to true) they fail instead, so a machine without a browser cannot pass for a green run.

Every French page is also read as French staff read it: the visible text of each page a tab
loads in French (and of each page as the test leaves it) and the text of each PDF downloaded from
a French page are checked against ``tests.french_typography``; a journey that shows a fault
fails, naming the page or the PDF.
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

import pytest

from tests.french_typography import french_faults

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


# The text a person reads on the page: what is shown, without the codes, serial numbers and
# samples set in a monospaced face, nor what people typed (in a field, or shown back as typed:
# ``data-user-text``); the choices of each list.
VISIBLE_TEXT = """() => {
  const skipped = [...document.querySelectorAll(
    "code, pre, kbd, samp, .mono, .code, textarea, select, [translate=no], [data-user-text]"
  )];
  const displays = skipped.map((element) => element.style.display);
  skipped.forEach((element) => { element.style.display = "none"; });
  try {
    const options = [...document.querySelectorAll("select:not([translate=no]) option")];
    const text = [document.body.innerText, ...options.map((option) => option.text)];
    return {language: document.documentElement.lang, text: text.join("\\n")};
  } finally {
    skipped.forEach((element, index) => { element.style.display = displays[index]; });
  }
}"""


class FrenchReader:
    """Reads what the tabs show in French: each page when it has loaded and as the test leaves
    it, and each PDF downloaded from a French page; lists the typography faults, with where."""

    def __init__(self):
        self.texts: dict[tuple[str, str], str] = {}
        self.tabs = []
        self.downloads = []

    def follow(self, tab) -> None:
        self.tabs.append(tab)
        tab.on("load", lambda: self.read_page(tab))
        tab.on("download", lambda download: self.read_download_later(tab, download))

    def read_download_later(self, tab, download) -> None:
        if any(url == tab.url for (url, _) in self.texts):
            self.downloads.append(download)

    def read_page(self, tab) -> None:
        try:
            page = tab.evaluate(VISIBLE_TEXT)
        except Exception:
            return
        if page["language"].startswith("fr"):
            self.texts[(tab.url, page["text"])] = page["text"]

    def read_downloads(self) -> None:
        from pypdf import PdfReader

        for download in self.downloads:
            if download.suggested_filename.endswith(".pdf"):
                reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
                text = "\n".join(page.extract_text() for page in reader.pages)
                self.texts[(download.suggested_filename, text)] = text

    def faults(self) -> list[str]:
        for tab in self.tabs:
            if not tab.is_closed():
                self.read_page(tab)
        self.read_downloads()
        return sorted(
            {f"{where}: {fault}" for (where, text) in self.texts for fault in french_faults(text)}
        )


@pytest.fixture
def new_tab(browser, live_server):
    """Opens a new tab in a browser context of the options given (viewport, locale…); fails the
    test on any JavaScript error in any of them, and on any French typography fault in the French
    pages they show and the PDFs downloaded from them."""
    contexts = []
    errors: list[str] = []
    french = FrenchReader()

    def _new_tab(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        french.follow(tab)
        return tab

    yield _new_tab
    faults = french.faults()
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert faults == [], "French typography faults:\n" + "\n".join(faults)


@pytest.fixture
def page(new_tab):
    """A fresh browser tab on a desktop-sized window, asking for French as Boucle's users do;
    fails the test on any JavaScript error or French typography fault."""
    return new_tab(viewport=DESKTOP, locale="fr-FR")


@pytest.fixture
def french_tab(new_tab):
    """Opens a new desktop tab whose browser asks for French; fails on any JavaScript error."""
    return functools.partial(new_tab, viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
