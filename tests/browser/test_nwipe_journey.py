"""A laptop whose nwipe run failed on one of its two drives, in headless Chromium, in French.

The technician imports the nwipe log on the erasure page: the first drive is erased, the second
failed. The failed drive is then destroyed, recorded by hand on the same page, and the laptop
is marked ready. Recording an erasure on any drive but the first once answered a server error,
so that such a device could never become ready.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.choices import DeviceState
from reuse.models import ErasureRecord, StorageMedium
from reuse.services import grading_record
from tests.browser.helpers import expect_message, local_minutes, log_in
from tests.conftest import member
from tests.reuse.refurbishment import collected_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NWIPE_LOG = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"
FAILED_DRIVE = "Z3TABC12"


def test_a_failed_drive_destroyed_by_hand_lets_the_laptop_become_ready(
    french_tab, live_server, declare, partner
):
    url = live_server.url
    technician = member(partner)
    # given: the laptop of the log (its system serial), collected, diagnosed and graded
    device = collected_device(
        declare,
        partner,
        technician,
        refurbishing=True,
        brand="Dell",
        model="Latitude 5490",
        serial_number="7HXK2Q2",
    )
    grading_record(device=device, organisation=partner, user=technician, grade="A")
    tab = french_tab()
    log_in(tab, live_server, technician)

    # when: the nwipe log is imported on the laptop's erasure page
    tab.goto(f"{url}/reuse/devices/{device.code}/erasure/")
    tab.set_input_files("#id_nwipe-log", str(NWIPE_LOG))
    tab.fill("#id_nwipe-verifier_name", "Sophie Martin")
    tab.fill("#id_nwipe-verifier_title", "Technicienne")
    tab.click("form:has(input[name=action][value=nwipe]) button[type=submit]")

    # then: the second drive failed, so the data is not erased yet
    expect(tab.locator("#erasure-refusal")).to_contain_text(FAILED_DRIVE)
    failed = StorageMedium.objects.get(device=device, serial=FAILED_DRIVE)
    assert StorageMedium.objects.filter(device=device).count() == 2

    # when: the failed drive is destroyed, recorded by hand
    finished = timezone.now() - datetime.timedelta(minutes=10)
    tab.select_option("#id_record-medium", str(failed.pk))
    tab.select_option("#id_record-level", "destroy")
    tab.fill("#id_record-method", "Broyage")
    tab.fill("#id_record-tool", "Broyeur de disques")
    tab.fill("#id_record-verification_method", "Contrôle visuel des fragments")
    tab.select_option("#id_record-result", "passed")
    tab.fill("#id_record-operator_name", "Karim Benali")
    tab.fill("#id_record-operator_title", "Responsable d’atelier")
    tab.fill("#id_record-verifier_name", "Sophie Martin")
    tab.fill("#id_record-verifier_title", "Technicienne")
    tab.fill("#id_record-started_at", local_minutes(finished - datetime.timedelta(minutes=20)))
    tab.fill("#id_record-finished_at", local_minutes(finished))
    tab.fill("#id_record-location", "Atelier du Réemploi, Ivry-sur-Seine")
    tab.fill("#id_record-destination", "Recyclage des fragments")
    tab.click("form:has(input[name=action][value=record]) button[type=submit]")

    # then: recorded, and every medium is erased or destroyed
    expect_message(tab, "success", "Effacement enregistré.")
    expect(tab.locator("#erasure-refusal")).to_have_text("Chaque support de stockage est effacé.")
    assert ErasureRecord.objects.get(medium=failed, level="destroy").result == "passed"

    # when: the laptop is marked ready on its refurbishment page
    tab.goto(f"{url}/reuse/devices/{device.code}/refurbishment/")
    tab.click(
        f"form[action='/reuse/devices/{device.code}/ready/'] button:text-is('Marquer comme prêt')"
    )

    # then
    expect_message(tab, "success", "L’appareil est prêt : il est dans votre stock.")
    device.refresh_from_db()
    assert device.state == DeviceState.READY
