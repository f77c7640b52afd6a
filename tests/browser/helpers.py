"""Steps the browser journeys share: logging in, reading a page's messages, filling dates."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "correct horse battery")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def expect_message(tab, level: str, text) -> None:
    expect(tab.locator(f".messages .message--{level}")).to_contain_text(text)


def local_minutes(moment: datetime.datetime) -> str:
    """A moment as a datetime-local field takes it, in the site's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def declare_laptop(tab, **fields: str) -> None:
    """Declares one laptop on the declare page, its description ``fields`` (brand, model,
    serial_number, ram_gb, storage_gb, storage_type) as the form names them; waits for its
    page."""
    tab.click(".site-nav a[href='/inventory/declare/']")
    tab.select_option("#id_devices-0-category", "laptop")
    for name, value in fields.items():
        field = f"#id_devices-0-{name}"
        if name == "storage_type":
            tab.select_option(field, value)
        else:
            tab.fill(field, value)
    tab.click(".declare-form .form-actions button[type=submit]")
    tab.wait_for_url(re.compile(r"/inventory/[0-9A-Z]{8}/$"))


def sign_collection(tab) -> None:
    """Names both signatories on the collection form, and records the collection."""
    tab.fill("#id_commune_signatory", "Claire Dubois")
    tab.fill("#id_commune_signatory_title", "Directrice des systèmes d’information")
    tab.fill("#id_partner_signatory", "Karim Benali")
    tab.fill("#id_partner_signatory_title", "Responsable d’atelier")
    tab.click("form[action='/reuse/collections/new/'] button[type=submit]")


def answer_every_check(tab, result: str = "ok") -> None:
    """Answers each check of the diagnosis checklist (none is answered beforehand)."""
    checks = tab.locator("select[id^='id_diagnosis-check_']")
    for index in range(checks.count()):
        checks.nth(index).select_option(result)
