"""The refurbishment journey in headless Chromium, in French, from ``declared`` to ``ready``.

A commune's staff member declares a laptop on the declare page. A member of an ESUS-approved
partner claims it from the device page, records its collection from "Mes réservations" and
reads the collection note back, prints its label, records its storage medium, diagnoses and
grades it, finds « Marquer comme prêt » blocked while the data is not erased (on the refurbishment
page, the device page and the passport, with what is missing), records the erasure by hand and
marks it ready; the passport of its label then proves the reuse without naming anyone. Each
step shows where the user looks for it: the device history, the refurbishment page, the erasure
page, the public passport of its label.

The browser asks for French (``Accept-Language: fr-FR``), so the pages and their messages are
in French, as the users read them.
"""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from documents.choices import DocumentKind
from documents.models import Document
from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from reuse.models import Collection, Diagnosis, ErasureRecord, Grading, StorageMedium
from tests.browser.helpers import (
    answer_every_check,
    declare_laptop,
    expect_message,
    local_minutes,
    log_in,
    sign_collection,
)
from tests.conftest import member
from tests.reuse.refurbishment import collected_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIAL = "PF1RBCL8"
MEDIUM_SERIAL = "S4EVNX0R512703"
NWIPE_LOG = b"[2026/03/12 09:02:11] nwipe: notice: Verified that '/dev/sda' is empty.\n"


def pdf_text(path: str) -> str:
    with open(path, "rb") as file:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(file.read())).pages)


def test_a_laptop_goes_from_declared_to_ready_through_the_pages(
    french_tab, live_server, commune, commune_user, pickup_site, partner
):
    url = live_server.url
    today = timezone.localdate().isoformat()
    technician = member(partner)

    # given: a commune's staff member declares a laptop with its SSD
    commune_tab = french_tab()
    log_in(commune_tab, live_server, commune_user)
    expect(commune_tab.locator("html")).to_have_attribute("lang", "fr")
    declare_laptop(
        commune_tab,
        brand="Lenovo",
        model="ThinkPad T480",
        serial_number=SERIAL,
        ram_gb="8",
        storage_gb="512",
        storage_type="nvme",
    )
    device = Device.objects.get(serial_number=SERIAL)
    code = device.code
    assert device.data_bearing
    expect(commune_tab.locator(".device-identity .badge")).to_have_text("Déclaré")

    # when: a technician of the ESUS-approved partner looks for devices to claim and claims it
    tab = french_tab()
    log_in(tab, live_server, technician)
    tab.click(".site-nav a[href='/reuse/claims/']")
    expect(tab.locator("table.table--claims")).to_have_count(0)
    tab.click(".page-header__actions a[href='/inventory/?state=declared']")
    expect(tab.locator("table.table--devices tbody tr")).to_have_count(1)
    tab.click(f"table.table--devices a:text-is('{code}')")
    tab.wait_for_url(f"{url}/inventory/{code}/")
    tab.click(f".page-header__actions a[href='/reuse/devices/{code}/claim/']")
    expect(tab.locator("h1")).to_have_text(f"Réserver {code} ?")
    tab.click("form button[type=submit]:text-is('Réserver l’appareil')")

    # then: it is claimed by the partner
    tab.wait_for_url(f"{url}/inventory/{code}/")
    expect_message(tab, "success", f"{code} est réservé par votre organisation")
    expect(tab.locator(".device-identity .badge")).to_have_text("Réservé")

    # when: the collection is recorded from "Mes réservations", with both signatories
    tab.click(".site-nav a[href='/reuse/claims/']")
    expect(tab.locator("h1")).to_have_text("Mes réservations")
    tab.check(f"#collect-{code}")
    tab.click("button[form='collection-form']")
    tab.wait_for_url(re.compile(r"/reuse/collections/new/\?codes="))
    expect(tab.locator("h1")).to_have_text("Enregistrer un enlèvement à Cachan")
    expect(tab.locator(".notice--warning")).to_have_count(0)  # ESUS-approved
    expect(tab.locator("#id_collected_on")).to_have_value(today)
    expect(tab.locator("#id_site")).to_have_value(str(pickup_site.pk))
    sign_collection(tab)

    # then: the collection's page offers its note, which names the device and the signatories
    tab.wait_for_url(re.compile(r"/reuse/collections/\d+/$"))
    collection = Collection.objects.get()
    note = Document.objects.get(kind=DocumentKind.COLLECTION_NOTE)
    assert collection.document == note
    expect_message(tab, "success", "Enlèvement enregistré")
    expect(tab.locator("h1")).to_contain_text("Enlèvement à Cachan")
    with tab.expect_download() as download_info:
        tab.click(f".page-header__actions a[href='/documents/{note.number}/download/']")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    text = pdf_text(download.path())
    for expected in (code, SERIAL, "Claire Dubois", "Karim Benali", partner.name, "Cachan"):
        assert expected in text, f"{expected!r} missing from the collection note"
    assert partner.esus_approval_reference in text

    # and the note is listed in the partner's documents
    tab.click(".site-nav a[href='/documents/']")
    row = tab.locator("table.table--documents tbody tr", has_text=note.number)
    expect(row).to_contain_text("Bon d’enlèvement")
    expect(row.locator(f"a[href='/documents/{note.number}/download/']")).to_be_visible()

    # when: the partner lists the devices it collected and prints their labels
    # (by the state filter: a tick given just after typing in the search box may be lost, as
    # the box's "change" on leaving it reloads the list)
    tab.click(".site-nav a[href='/inventory/']")
    tab.check("#id_state input[value=collected]")
    expect(tab).to_have_url(re.compile(r"/inventory/\?.*state=collected"))
    expect(tab.locator("table.table--devices tbody tr")).to_have_count(1)
    tab.check(f"#label-{code}")
    with tab.expect_download() as download_info:
        tab.click("#label-selection button[type=submit]")

    # then: the label sheet carries the device's code
    assert code in pdf_text(download_info.value.path())

    # when: the collected device's page leads to its erasure, where its SSD is recorded
    tab.goto(f"{url}/inventory/{code}/")
    expect(tab.locator(".device-identity .badge")).to_have_text("Collecté")
    tab.click(f"a[href='/reuse/devices/{code}/erasure/']")
    expect(tab.locator("h1")).to_have_text(f"Effacement des données de l’appareil {code}")
    expect(tab.locator("#erasure-refusal")).to_have_text(
        "Pas encore effacé : aucun support de stockage enregistré."
    )
    tab.select_option("#id_medium-type", "nvme")
    tab.fill("#id_medium-model", "Samsung PM981")
    tab.fill("#id_medium-serial", MEDIUM_SERIAL)
    tab.fill("#id_medium-capacity_gb", "512")
    tab.click("form:has(input[name=action][value=medium]) button[type=submit]")

    # then: the medium is listed, not erased yet
    expect_message(tab, "success", "Support enregistré.")
    expect(tab.locator("#erasure-refusal")).to_have_text(
        f"Pas encore effacé : le support {MEDIUM_SERIAL} n’a aucun effacement enregistré."
    )
    media = tab.locator("#media-title + .table-scroll table tbody")
    expect(media).to_contain_text(MEDIUM_SERIAL)
    expect(media).to_contain_text("Aucun effacement enregistré.")

    # when: from the device page, the technician diagnoses it: everything works
    tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
    tab.click(f".page-header__actions a[href='/reuse/devices/{code}/refurbishment/']")
    expect(tab.locator("h1")).to_have_text(f"Reconditionnement de l’appareil {code}")
    expect(tab.locator("#diagnosis-form-title")).to_have_text("Enregistrer un diagnostic")
    answer_every_check(tab)
    tab.select_option("#id_diagnosis-result", "works")
    tab.fill("#id_diagnosis-battery_health", "83")
    tab.fill("#id_diagnosis-storage_health", "97")
    tab.fill("#id_diagnosis-notes", "Clavier et écran sans défaut.")
    expect(tab.locator("#id_diagnosis-diagnosed_on")).to_have_value(today)
    tab.click(f"form[action='/reuse/devices/{code}/diagnosis/'] button[type=submit]")

    # then: it is in refurbishment, and the diagnosis is in its refurbishment history
    tab.wait_for_url(f"{url}/reuse/devices/{code}/refurbishment/")
    expect_message(tab, "success", "Le diagnostic est enregistré.")
    expect(tab.locator(".lede")).to_contain_text("En reconditionnement")
    history = tab.locator("#refurbishment-history-title").locator("..")
    expect(history.locator(".history-entry").first).to_contain_text("Fonctionne")
    expect(history.locator(".history-entry").first).to_contain_text("batterie 83")

    # when: it is graded B
    tab.check("input[name='grade-grade'][value='B']")
    tab.fill("#id_grade-battery_health", "83")
    expect(tab.locator("#id_grade-graded_on")).to_have_value(today)
    tab.click(f"form[action='/reuse/devices/{code}/grade/'] button[type=submit]")

    # then: its grade shows
    tab.wait_for_url(f"{url}/reuse/devices/{code}/refurbishment/")
    expect_message(tab, "success", "Le grade est enregistré.")
    expect(tab.locator("#grade-title").locator("..")).to_contain_text("Grade B — bon état")
    expect(history).to_contain_text("Grade B — bon état")

    # and the page says what is still missing before « Marquer comme prêt »
    missing = tab.locator("[data-testid=ready-missing] li")
    expect(missing).to_have_count(1)
    expect(missing).to_have_text(
        f"Les données ne sont pas effacées : le support {MEDIUM_SERIAL} n’a aucun effacement "
        "enregistré"
    )

    # then: « Marquer comme prêt » shows as blocked, beside what is missing: it cannot be clicked
    ready = tab.locator(f"form[action='/reuse/devices/{code}/ready/'] button")
    expect(ready).to_have_text("Marquer comme prêt")
    expect(ready).to_be_disabled()
    expect(ready).to_have_attribute("aria-disabled", "true")
    expect(ready).to_have_attribute("aria-describedby", "ready-missing")
    assert ready.evaluate("button => getComputedStyle(button).cursor") == "not-allowed"
    enabled_colour = tab.locator(
        f"form[action='/reuse/devices/{code}/grade/'] button[type=submit]"
    ).evaluate("button => getComputedStyle(button).backgroundColor")
    assert ready.evaluate("button => getComputedStyle(button).backgroundColor") != enabled_colour

    # and the device page, and the passport its label opens, show the action blocked with its
    # reason, not as a link
    tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
    blocked = tab.locator(".page-header__actions [data-blocked-action=certify]")
    expect(blocked).to_have_attribute("aria-disabled", "true")
    expect(blocked).to_have_css("cursor", "not-allowed")
    expect(tab.locator("#blocked-certify li")).to_contain_text(["Les données ne sont pas effacées"])
    tab.goto(f"{url}/d/{code}/")
    expect(tab.locator("a[data-action=certify]")).to_have_count(0)
    expect(tab.locator("[data-blocked-action=certify]")).to_have_text("Marquer comme prêt")
    expect(tab.locator("#blocked-certify")).to_contain_text(
        "«\u00a0Marquer comme prêt\u00a0» n’est pas encore possible. Il manque\u00a0:"
    )
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT
    assert not device.events.filter(kind=EventKind.READY).exists()

    # when: the erasure of the SSD is recorded by hand, with the nwipe log as evidence
    tab.goto(f"{url}/inventory/{code}/")
    tab.click(f"a[href='/reuse/devices/{code}/erasure/']")
    medium = StorageMedium.objects.get(device=device)
    finished = timezone.now() - datetime.timedelta(minutes=30)
    tab.select_option("#id_record-medium", str(medium.pk))
    tab.select_option("#id_record-level", "purge")
    tab.fill("#id_record-method", "Effacement sécurisé NVMe (Format NVM, chiffrement)")
    tab.fill("#id_record-tool", "nwipe")
    tab.fill("#id_record-tool_version", "0.34")
    tab.fill("#id_record-verification_method", "Vérification de la dernière passe")
    tab.select_option("#id_record-result", "passed")
    tab.fill("#id_record-operator_name", "Karim Benali")
    tab.fill("#id_record-operator_title", "Responsable d’atelier")
    tab.fill("#id_record-verifier_name", "Sophie Martin")
    tab.fill("#id_record-verifier_title", "Technicienne")
    tab.fill("#id_record-started_at", local_minutes(finished - datetime.timedelta(hours=1)))
    tab.fill("#id_record-finished_at", local_minutes(finished))
    tab.fill("#id_record-location", "Atelier du Réemploi, Ivry-sur-Seine")
    tab.fill("#id_record-destination", "Réemploi")
    tab.set_input_files(
        "#id_record-evidence",
        files=[{"name": "nwipe.log", "mimeType": "text/plain", "buffer": NWIPE_LOG}],
    )
    tab.click("form:has(input[name=action][value=record]) button[type=submit]")

    # then: every medium is erased, and the record shows who did it
    expect_message(tab, "success", "Effacement enregistré.")
    expect(tab.locator("#erasure-refusal")).to_have_text("Chaque support de stockage est effacé.")
    record_row = tab.locator("#media-title + .table-scroll table tbody tr").first
    expect(record_row).to_contain_text("Purge")
    expect(record_row).to_contain_text("Réussi")
    expect(record_row).to_contain_text("Sophie Martin, Technicienne")
    record = ErasureRecord.objects.get(medium=medium)
    assert record.evidence_sha256
    expect(record_row).to_contain_text(record.evidence_sha256[:16])

    # when: back on the refurbishment page, nothing is missing and it is marked ready
    tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
    tab.click(f".page-header__actions a[href='/reuse/devices/{code}/refurbishment/']")
    expect(tab.locator("[data-testid=ready-missing]")).to_have_count(0)
    expect(tab.locator("#ready-title").locator("..")).to_contain_text("Ses données sont effacées")
    tab.click(f"form[action='/reuse/devices/{code}/ready/'] button:text-is('Marquer comme prêt')")

    # then: it is ready, in the partner's stock
    tab.wait_for_url(f"{url}/reuse/devices/{code}/refurbishment/")
    expect_message(tab, "success", "L’appareil est prêt : il est dans votre stock.")
    expect(tab.locator(".lede")).to_contain_text("Prêt")
    expect(tab.locator("#ready-title")).to_have_count(0)
    expect(tab.locator("#diagnosis-form-title")).to_have_count(0)

    # and its page tells the whole journey, each step by its organisation
    tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
    expect(tab.locator(".device-identity .badge")).to_have_text("Prêt")
    items = tab.locator(".timeline__item")
    expect(items.locator(".timeline__title strong")).to_have_text(
        ["Déclaré", "Réservé", "Collecté", "Diagnostiqué", "Prêt"]
    )
    expect(items.nth(0)).to_contain_text("Cachan")
    for step in range(1, 5):
        expect(items.nth(step)).to_contain_text(partner.name)
    expect(items.nth(4).locator(".timeline__states")).to_contain_text("En reconditionnement")
    expect(tab.locator(f"a[href='/reuse/collections/{collection.pk}/']")).to_be_visible()

    # and the commune follows it to « Prêt » on its own page of the device
    commune_tab.reload()
    expect(commune_tab.locator(".device-identity .badge")).to_have_text("Prêt")
    expect(commune_tab.locator(".timeline__item")).to_have_count(5)

    # and anyone who scans its label reads the same story on the public passport
    visitor = french_tab()
    visitor.goto(f"{url}/d/{code}/")
    expect(visitor.locator(".passport__state .badge")).to_have_text("Prêt")
    expect(visitor.locator(".passport__event strong")).to_have_text(
        ["Déclaré", "Réservé", "Collecté", "Diagnostiqué", "Prêt"]
    )
    # and, as proof of its reuse, its specification, refurbisher, grade and the erasure of its
    # data: the level, standard, method and day, never the medium's serial nor who erased it
    expect(visitor.locator("#specification-title")).to_have_text("Caractéristiques techniques")
    expect(visitor.locator("[data-fact=memory] dd")).to_have_text("8 Go")
    expect(visitor.locator("[data-fact=refurbisher] dd")).to_have_text(partner.name)
    expect(visitor.locator("[data-fact=grade] dd")).to_have_text("Grade B — bon état")
    expect(visitor.locator("[data-fact=erasure] dd")).to_have_text(
        "Chaque support de stockage effacé ou détruit (NIST SP 800-88)"
    )
    expect(visitor.locator("[data-fact=erasure-1] dd")).to_have_text(
        "Purge (NIST SP 800-88), Effacement sécurisé NVMe (Format NVM, chiffrement), le "
        + timezone.localtime(finished).strftime("%d/%m/%Y")
    )
    for secret in (SERIAL, MEDIUM_SERIAL, "Karim Benali", "Sophie Martin", technician.username):
        assert secret not in visitor.content(), secret

    device.refresh_from_db()
    assert device.state == DeviceState.READY
    assert device.holder == partner
    assert list(device.events.order_by("pk").values_list("kind", flat=True)) == [
        EventKind.DECLARED,
        EventKind.CLAIMED,
        EventKind.COLLECTED,
        EventKind.DIAGNOSED,
        EventKind.READY,
    ]
    assert Diagnosis.objects.get(device=device).result == "works"
    assert Grading.objects.get(device=device).grade == "B"


def test_refurbishment_dates_default_to_today_on_french_pages(
    french_tab, live_server, declare, partner, partner_user
):
    # given: a device collected by the partner, and one in refurbishment
    collected = collected_device(declare, partner, partner_user)
    refurbishing = collected_device(declare, partner, partner_user, refurbishing=True)
    today = timezone.localdate().isoformat()
    tab = french_tab()
    log_in(tab, live_server, partner_user)

    # when
    tab.goto(f"{live_server.url}/reuse/devices/{collected.code}/refurbishment/")
    diagnosed_on = tab.locator("#id_diagnosis-diagnosed_on").input_value()
    tab.goto(f"{live_server.url}/reuse/devices/{refurbishing.code}/refurbishment/")
    repaired_on = tab.locator("#id_repair-repaired_on").input_value()
    graded_on = tab.locator("#id_grade-graded_on").input_value()

    # then: each date field shows today, as it does on English pages
    assert (diagnosed_on, repaired_on, graded_on) == (today, today, today)
