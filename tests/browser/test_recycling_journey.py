"""The recycling journey in headless Chromium, in French, from ``declared`` to ``recycled``.

A commune's staff member declares a laptop on the declare page. A member of an ESUS-approved
partner claims it from the device page, records its collection from "Mes réservations" and
diagnoses it « Irréparable »: it stays collected. « Recycler » on its page opens the shipment
form, where the laptop cannot be ticked while its data is not erased; the technician records
its SSD and its destruction by hand on the erasure page, comes back, ticks it and fills the
R.541-43 fields. A wrong SIREN is refused next to its field and nothing is recorded; once it is
corrected the laptop is recycled, the waste record shows the register's fields, and the
register's CSV export carries the shipment. The commune follows it to « Recyclé ».

The browser asks for French (``Accept-Language: fr-FR``), so the pages, their messages and the
CSV export are in French, as the users read them.
"""

from __future__ import annotations

import csv
import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from reuse.models import Diagnosis, ErasureRecord, StorageMedium, WasteRecord
from tests.browser.helpers import (
    answer_every_check,
    declare_laptop,
    expect_message,
    local_minutes,
    log_in,
    sign_collection,
)
from tests.conftest import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIAL = "5CG9214KQX"
MEDIUM_SERIAL = "S3Z2NB0K614208"
# Luhn-valid SIRENs of fictitious companies; the wrong one differs by its check digit.
TAKER_SIREN = "732829320"
WRONG_SIREN = "732829321"
TRANSPORTER_SIREN = "400000006"
TAKER = "Éco-organisme DEEE Pro"


def fill_shipment(tab, *, taker_siren: str) -> None:
    """The R.541-43 fields of the shipment form, the date and transporter left as given."""
    tab.select_option("#id_waste_code", "20 01 36")
    tab.fill("#id_weight_kg", "18,4")
    tab.select_option("#id_treatment_code", "R4")
    tab.get_by_label("Éco-organisme", exact=True).check()
    tab.fill("#id_taker_name", TAKER)
    tab.fill("#id_taker_siren", taker_siren)
    tab.fill("#id_destination_name", "Centre de traitement de Gennevilliers")
    tab.fill("#id_destination_address", "12 rue du Port, 92230 Gennevilliers")
    tab.fill("#id_transporter_siren", TRANSPORTER_SIREN)
    tab.fill("#id_tracking_slip", "BSD-20260402-7Q2K")


def test_a_laptop_goes_from_declared_to_recycled_through_the_pages(
    french_tab, live_server, commune, commune_user, pickup_site, partner
):
    url = live_server.url
    today = timezone.localdate()
    technician = member(partner)

    # given: a commune's staff member declares a laptop with its SSD
    commune_tab = french_tab()
    log_in(commune_tab, live_server, commune_user)
    expect(commune_tab.locator("html")).to_have_attribute("lang", "fr")
    declare_laptop(
        commune_tab,
        brand="HP",
        model="EliteBook 840 G3",
        serial_number=SERIAL,
        ram_gb="8",
        storage_gb="256",
        storage_type="ssd",
    )
    device = Device.objects.get(serial_number=SERIAL)
    code = device.code
    assert device.data_bearing
    expect(commune_tab.locator(".device-identity .badge")).to_have_text("Déclaré")

    # when: a technician of the ESUS-approved partner claims it from its page
    tab = french_tab()
    log_in(tab, live_server, technician)
    tab.goto(f"{url}/inventory/{code}/")
    tab.click(f".page-header__actions a[href='/reuse/devices/{code}/claim/']")
    expect(tab.locator("h1")).to_have_text(f"Réserver {code} ?")
    tab.click("form button[type=submit]:text-is('Réserver l’appareil')")
    tab.wait_for_url(f"{url}/inventory/{code}/")
    expect(tab.locator(".device-identity .badge")).to_have_text("Réservé")

    # and records its collection from "Mes réservations"
    tab.click(".site-nav a[href='/reuse/claims/']")
    expect(tab.locator("h1")).to_have_text("Mes réservations")
    tab.check(f"#collect-{code}")
    tab.click("button[form='collection-form']")
    tab.wait_for_url(re.compile(r"/reuse/collections/new/\?codes="))
    expect(tab.locator(".notice--warning")).to_have_count(0)  # ESUS-approved
    sign_collection(tab)
    tab.wait_for_url(re.compile(r"/reuse/collections/\d+/$"))
    expect_message(tab, "success", "Enlèvement enregistré")

    # when: from the device page, the technician diagnoses it: its motherboard is dead
    tab.goto(f"{url}/inventory/{code}/")
    expect(tab.locator(".device-identity .badge")).to_have_text("Collecté")
    tab.click(f".page-header__actions a[href='/reuse/devices/{code}/refurbishment/']")
    expect(tab.locator("h1")).to_have_text(f"Reconditionnement de l’appareil {code}")
    answer_every_check(tab)
    tab.select_option("#id_diagnosis-check_power", "fault")
    tab.fill("#id_diagnosis-note_power", "Carte mère hors service, ne démarre pas.")
    tab.select_option("#id_diagnosis-result", "not_repairable")
    expect(tab.locator("#id_diagnosis-diagnosed_on")).to_have_value(today.isoformat())
    tab.click(f"form[action='/reuse/devices/{code}/diagnosis/'] button[type=submit]")

    # then: the diagnosis is recorded and the laptop stays collected, for recycling
    tab.wait_for_url(f"{url}/reuse/devices/{code}/refurbishment/")
    expect_message(tab, "success", "Le diagnostic est enregistré.")
    expect(tab.locator(".lede")).to_contain_text("Collecté")
    history = tab.locator("#refurbishment-history-title").locator("..")
    expect(history.locator(".history-entry").first).to_contain_text("Irréparable")
    expect(history.locator(".history-entry").first).to_contain_text("Carte mère hors service")
    assert Device.objects.get(pk=device.pk).state == DeviceState.COLLECTED

    # when: « Recycler » on its page
    tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
    recycle = tab.locator(f".page-header__actions a[href='/reuse/devices/{code}/recycle/']")
    expect(recycle).to_have_text("Recycler")
    recycle.click()

    # then: the shipment form lists the laptop, which cannot be ticked: its data is not erased
    tab.wait_for_url(f"{url}/reuse/recycling/new/?codes={code}")
    expect(tab.locator("h1")).to_have_text("Envoyer des appareils au recyclage")
    checkbox = tab.locator(f"#recycle-{code}")
    expect(checkbox).to_be_disabled()
    expect(checkbox).not_to_be_checked()
    expect(checkbox).to_have_attribute("aria-describedby", f"recycle-{code}-data")
    data = tab.locator(f"#recycle-{code}-data")
    expect(data.locator("a")).to_have_text("Non effacé")
    expect(data).to_contain_text("aucun support de stockage enregistré")
    expect(tab.locator("#id_shipped_on")).to_have_value(today.isoformat())
    expect(tab.locator("#id_transporter_name")).to_have_value(partner.name)

    # when: « Non effacé » leads to the erasure page, where the SSD is recorded
    data.locator("a").click()
    tab.wait_for_url(f"{url}/reuse/devices/{code}/erasure/")
    expect(tab.locator("h1")).to_have_text(f"Effacement des données de l’appareil {code}")
    tab.select_option("#id_medium-type", "ssd")
    tab.fill("#id_medium-model", "Samsung PM871b")
    tab.fill("#id_medium-serial", MEDIUM_SERIAL)
    tab.fill("#id_medium-capacity_gb", "256")
    tab.click("form:has(input[name=action][value=medium]) button[type=submit]")
    expect_message(tab, "success", "Support enregistré.")
    expect(tab.locator("#erasure-refusal")).to_have_text(
        f"Pas encore effacé : le support {MEDIUM_SERIAL} n’a aucun effacement enregistré."
    )

    # and its destruction, by hand
    medium = StorageMedium.objects.get(device=device)
    finished = timezone.now() - datetime.timedelta(minutes=30)
    tab.select_option("#id_record-medium", str(medium.pk))
    tab.select_option("#id_record-level", "destroy")
    expect(tab.locator("#id_record-level option:checked")).to_have_text("Destruction")
    tab.fill("#id_record-method", "Broyage du SSD")
    tab.fill("#id_record-tool", "Broyeur à disques")
    tab.fill("#id_record-verification_method", "Contrôle visuel des fragments")
    tab.select_option("#id_record-result", "passed")
    tab.fill("#id_record-operator_name", "Karim Benali")
    tab.fill("#id_record-operator_title", "Responsable d’atelier")
    tab.fill("#id_record-verifier_name", "Sophie Martin")
    tab.fill("#id_record-verifier_title", "Technicienne")
    tab.fill("#id_record-started_at", local_minutes(finished - datetime.timedelta(minutes=15)))
    tab.fill("#id_record-finished_at", local_minutes(finished))
    tab.fill("#id_record-location", "Atelier du Réemploi, Ivry-sur-Seine")
    tab.fill("#id_record-destination", "Recyclage")
    tab.click("form:has(input[name=action][value=record]) button[type=submit]")

    # then: the SSD is destroyed
    expect_message(tab, "success", "Effacement enregistré.")
    expect(tab.locator("#erasure-refusal")).to_have_text("Chaque support de stockage est effacé.")
    record_row = tab.locator("#media-title + .table-scroll table tbody tr").first
    expect(record_row).to_contain_text("Destruction")
    expect(record_row).to_contain_text("Réussi")
    assert ErasureRecord.objects.get(medium=medium).level == "destroy"

    # when: back to the shipment form from the device page, the laptop can be ticked
    tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
    tab.click(f".page-header__actions a[href='/reuse/devices/{code}/recycle/']")
    tab.wait_for_url(f"{url}/reuse/recycling/new/?codes={code}")
    expect(checkbox).to_be_enabled()
    expect(checkbox).to_be_checked()
    expect(tab.locator(f"#recycle-{code}-data")).to_have_text("Effacé ou détruit")

    # and the shipment is filled in, with a wrong SIREN for the eco-organism
    fill_shipment(tab, taker_siren=WRONG_SIREN)
    tab.click("form[action='/reuse/recycling/new/'] button[type=submit]")

    # then: the error is next to the field, and nothing is recorded
    siren_error = tab.locator("#id_taker_siren_error")
    expect(siren_error).to_contain_text(
        "Un numéro SIREN comporte 9 chiffres avec une clé de contrôle valide."
    )
    expect(tab.locator(".field--error #id_taker_siren")).to_have_attribute("aria-invalid", "true")
    summary = tab.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#id_taker_siren']")).to_have_count(1)
    expect(tab.locator(".field__error")).to_have_count(1)
    assert WasteRecord.objects.count() == 0
    assert Device.objects.get(pk=device.pk).state == DeviceState.COLLECTED
    # what was typed is kept, the laptop still ticked
    expect(checkbox).to_be_checked()
    expect(tab.locator("#id_weight_kg")).to_have_value("18,4")
    expect(tab.locator("#id_taker_name")).to_have_value(TAKER)

    # when: the SIREN is corrected
    tab.fill("#id_taker_siren", TAKER_SIREN)
    tab.click("form[action='/reuse/recycling/new/'] button[type=submit]")

    # then: the waste record shows the register's fields and the laptop
    tab.wait_for_url(re.compile(r"/reuse/recycling/\d+/$"))
    record = WasteRecord.objects.get()
    assert tab.url == f"{url}/reuse/recycling/{record.pk}/"
    expect_message(
        tab, "success", "1 appareil recyclé : l’expédition est inscrite au registre des déchets."
    )
    expect(tab.locator("h1")).to_contain_text(f"Expédition vers {TAKER} le")
    facts = tab.locator("#waste-record-facts-title").locator("..")
    expect(facts).to_contain_text("20 01 36")
    expect(facts).to_contain_text("18,40 kg")
    expect(facts).to_contain_text("Éco-organisme")
    expect(facts).to_contain_text(TAKER_SIREN)
    expect(facts).to_contain_text("Centre de traitement de Gennevilliers")
    expect(facts).to_contain_text("12 rue du Port, 92230 Gennevilliers")
    expect(facts).to_contain_text("R4")
    expect(facts).to_contain_text(partner.name)
    expect(facts).to_contain_text(TRANSPORTER_SIREN)
    expect(facts).to_contain_text("BSD-20260402-7Q2K")
    devices = tab.locator("#waste-record-devices-title").locator("..")
    expect(tab.locator("#waste-record-devices-title")).to_have_text("1 appareil recyclé")
    expect(devices.locator(f"a[href='/inventory/{code}/']")).to_have_text(code)
    expect(devices).to_contain_text("HP EliteBook 840 G3")

    # and the laptop's page says it is recycled, its history ending with it
    tab.click(f"#waste-record-devices-title + ul a[href='/inventory/{code}/']")
    tab.wait_for_url(f"{url}/inventory/{code}/")
    expect(tab.locator(".device-identity .badge")).to_have_text("Recyclé")
    items = tab.locator(".timeline__item")
    expect(items.locator(".timeline__title strong")).to_have_text(
        ["Déclaré", "Réservé", "Collecté", "Recyclé"]
    )
    expect(items.nth(3)).to_contain_text(partner.name)
    expect(items.nth(3).locator(".timeline__states")).to_contain_text("Collecté")
    expect(items.nth(3).locator(".timeline__states")).to_contain_text("Recyclé")
    expect(tab.locator(f"a[href='/reuse/devices/{code}/recycle/']")).to_have_count(0)

    # when: the register is exported from « Recyclage »
    tab.click(".site-nav a[href='/reuse/recycling/']")
    expect(tab.locator("h1")).to_have_text("Recyclage")
    expect(tab.locator("#register-year option")).to_have_text(
        ["Toutes les années", str(today.year)]
    )
    tab.select_option("#register-year", str(today.year))
    export = tab.locator("button[type=submit]:text-is('Exporter le registre (CSV)')")
    with tab.expect_download() as download_info:
        export.click()

    # then: a French CSV file, one line for the shipment, naming the laptop
    download = download_info.value
    assert download.suggested_filename == f"boucle-registre-dechets-{today:%Y-%m-%d}.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        header, *lines = list(csv.reader(file, delimiter=";"))
    assert header[:4] == [
        "Date d’expédition",
        "Dénomination du déchet",
        "Code du déchet",
        "Quantité (t)",
    ]
    assert len(lines) == 1
    line = dict(zip(header, lines[0], strict=True))
    assert line["Code du déchet"] == "20 01 36"
    assert line["Appareils"] == code
    assert line["Pris en charge par"] == "Éco-organisme"
    assert line["SIREN de l’éco-organisme"] == TAKER_SIREN
    assert line["Code de traitement"] == "R4"
    assert line["Date d’expédition"] == f"{today:%d/%m/%Y}"
    assert "18,4" in line["Poids (kg)"]

    # and the commune sees the shipment in « Recyclage », and its laptop recycled
    commune_tab.click(".site-nav a[href='/reuse/recycling/']")
    expect(commune_tab.locator(".page-header__actions")).to_have_count(0)  # a partner records
    rows = commune_tab.locator("#waste-records-title + .table-scroll tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(partner.name)
    expect(rows.first).to_contain_text("20 01 36")
    expect(rows.first).to_contain_text(TAKER)
    rows.first.locator(f"a[href='/reuse/recycling/{record.pk}/']").click()
    commune_tab.wait_for_url(f"{url}/reuse/recycling/{record.pk}/")
    commune_tab.click(f"#waste-record-devices-title + ul a[href='/inventory/{code}/']")
    commune_tab.wait_for_url(f"{url}/inventory/{code}/")
    expect(commune_tab.locator(".device-identity .badge")).to_have_text("Recyclé")
    expect(commune_tab.locator(".timeline__item")).to_have_count(4)

    device.refresh_from_db()
    assert device.state == DeviceState.RECYCLED
    assert device.holder == partner
    assert list(device.events.order_by("pk").values_list("kind", flat=True)) == [
        EventKind.DECLARED,
        EventKind.CLAIMED,
        EventKind.COLLECTED,
        EventKind.RECYCLED,
    ]
    assert Diagnosis.objects.get(device=device).result == "not_repairable"
    assert list(record.devices.values_list("code", flat=True)) == [code]
    assert str(record.weight_kg) == "18.40"
    assert (record.taker_kind, record.taker_siren) == ("eco_organism", TAKER_SIREN)
