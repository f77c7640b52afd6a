"""A commune user's journey in headless Chromium: log in, declare, find, open, withdraw.

The pages run in the default language; the assertions use the structure of the pages and
accept the state's name in French or English.
"""

import re

import pytest
from playwright.sync_api import expect

from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WITHDRAWN = re.compile(r"^\s*(Retiré|Withdrawn)\s*$")


def test_commune_user_declares_finds_and_withdraws_a_device(
    page, live_server, commune, commune_user, pickup_site, declare
):
    # given: some devices already in the inventory
    declare(3)
    log_in(page, live_server, commune_user)

    # when: declaring a device through the form (a second row is added, then removed)
    page.click(".site-nav a[href='/inventory/declare/']")
    expect(page.locator("#id_pickup_site")).to_have_value(str(pickup_site.pk))
    page.click("[data-formset-add]")
    expect(page.locator("[data-formset-row]:visible")).to_have_count(2)
    expect(page.locator("#id_devices-1-category")).to_be_focused()
    page.locator("[data-formset-row]").nth(1).locator("[data-formset-remove]").click()
    expect(page.locator("[data-formset-row]:visible")).to_have_count(1)
    page.select_option("#id_devices-0-category", "laptop")
    page.fill("#id_devices-0-brand", "Framework")
    page.fill("#id_devices-0-model", "Laptop 13")
    page.fill("#id_devices-0-serial_number", "FRANPBCP4127")
    page.fill("#id_devices-0-ram_gb", "16")
    page.fill("#id_devices-0-purchase_date", "2022-05-04")
    page.click(".declare-form .form-actions button[type=submit]")

    # then: the device page of the new device
    page.wait_for_url(re.compile(r"/inventory/[0-9A-Z]{8}/$"))
    device = Device.objects.get(serial_number="FRANPBCP4127")
    assert page.url == f"{live_server.url}/inventory/{device.code}/"
    expect(page.locator("h1")).to_have_text("Framework Laptop 13")

    # when: looking for it in the inventory with the free-text filter (updated in place)
    page.click(".site-nav a[href='/inventory/']")
    expect(page.locator("table.table--devices tbody tr")).to_have_count(4)
    page.fill("#id_q", "franpbcp")
    expect(page.locator("table.table--devices tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/inventory/\?.*q=franpbcp"))
    page.click(f"table.table--devices a:text-is('{device.code}')")

    # and withdrawing it
    page.wait_for_url(f"{live_server.url}/inventory/{device.code}/")
    page.click(f".page-header__actions a[href='/inventory/{device.code}/withdraw/']")
    page.fill("#id_note", "Réaffecté à l'école Paul Doumer")
    page.click("form button.button--danger")

    # then: the device is withdrawn and its history tells how
    page.wait_for_url(f"{live_server.url}/inventory/{device.code}/")
    expect(page.locator(".device-identity .badge")).to_have_text(WITHDRAWN)
    expect(page.locator(".timeline__item")).to_have_count(2)
    expect(page.locator(".timeline__item").nth(1)).to_contain_text("Réaffecté à l'école")
    expect(page.locator(".page-header__actions")).to_have_count(0)
    device.refresh_from_db()
    assert device.state == DeviceState.WITHDRAWN
    assert list(device.events.values_list("kind", flat=True)) == [
        EventKind.DECLARED,
        EventKind.WITHDRAWN,
    ]


def test_declare_errors_are_summarised_and_linked_to_their_fields(
    page, live_server, commune_user, pickup_site
):
    # given
    log_in(page, live_server, commune_user)
    page.goto(f"{live_server.url}/inventory/declare/")

    # when: a negative memory and no brand
    page.select_option("#id_devices-0-category", "desktop")
    page.fill("#id_devices-0-ram_gb", "-8")
    page.click(".declare-form .form-actions button[type=submit]")

    # then: the summary has the focus and each entry leads to its field
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(2)
    summary.locator("a[href='#id_devices-0-ram_gb']").click()
    expect(page.locator("#id_devices-0-ram_gb")).to_be_focused()
    expect(page.locator("#id_devices-0-ram_gb")).to_have_attribute("aria-invalid", "true")
    assert Device.objects.count() == 0
