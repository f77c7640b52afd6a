"""Every role's journey in headless Chromium, in French, through the pages only, end to end.

A commune declares two laptops by file. A partner claims the declaration, plans the pickup
(the commune confirms it), collects, diagnoses and grades each laptop, imports its nwipe log,
marks it ready, and puts both in an offer. The territory opens a campaign of the offer; two
buyers commit to one laptop each; the territory closes it. The partner delivers the first
buyer's order, the buyer admits it, the partner invoices it; the territory produces and
downloads its impact report.

The documents (collection note, purchase orders, delivery notes, invoice, impact report) are
produced by a real Celery worker on Redis when the tests run on PostgreSQL with ``REDIS_URL``
(as in CI, where running without them fails); elsewhere, inline, as in the other journeys.

Every page the journey reaches is checked by axe-core (no serious or critical violation) and
read for French typography; the guide's screenshots (``docs/guide/``) are taken on the way,
into the test's own folder, or into ``docs/guide/img/`` with ``BOUCLE_GUIDE_SCREENSHOTS=1``
(``make guide``).
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from documents.models import Document
from impact.models import ImpactReport
from inventory.choices import DeviceState
from inventory.models import Device
from procurement.choices import CampaignState, DeliveryState
from procurement.models import Campaign, Delivery, Invoice, Offer, OfferDevice, Order
from tests.browser.accessibility import AccessibilityCheck
from tests.browser.conftest import in_ci
from tests.browser.helpers import (
    answer_every_check,
    expect_message,
    local_minutes,
    log_in,
    sign_collection,
)
from tests.conftest import SiteFactory, member
from tests.procurement.conftest import (  # noqa: F401 - the fixtures
    PARTNER_SIRET,
    buyer_site,
    buyer_user,
    groupement,
    second_buyer,
    second_buyer_site,
    second_buyer_user,
)
from tests.worker.conftest import eager_tasks_off, start_worker  # noqa: F401 - the fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
GUIDE_IMAGES = Path(settings.BASE_DIR) / "docs" / "guide" / "img"
# The guide's screenshots, each taken once by the journey, in this order; the guide's pages
# show every one of them (tests/test_guide.py).
SCREENSHOTS = (
    "commune-1-import.png",
    "commune-2-import-termine.png",
    "partenaire-1-reservations.png",
    "partenaire-2-planifier.png",
    "commune-3-enlevement-a-confirmer.png",
    "partenaire-3-enlevement.png",
    "partenaire-4-diagnostic.png",
    "partenaire-5-nwipe.png",
    "partenaire-6-pret.png",
    "partenaire-7-offre.png",
    "partenaire-8-stock.png",
    "territoire-1-campagne.png",
    "territoire-2-campagne-ouverte.png",
    "acheteur-1-engagement.png",
    "acheteur-2-campagne.png",
    "territoire-3-attribution.png",
    "partenaire-9-livraison.png",
    "acheteur-3-admission.png",
    "acheteur-4-livraison-admise.png",
    "partenaire-10-facture.png",
    "territoire-4-impact.png",
    "territoire-5-rapport.png",
)
LAPTOPS = ("PF3ABCD9", "PF3ABCE7")
HEADER = "Type;Marque;Modèle;N° de série;Mémoire (Go);Date d'achat;Lieu d'enlèvement\n"
DECLARATION = HEADER + "".join(
    f"Portable;Lenovo;ThinkPad T14;{serial};16;15/09/2021;Hôtel de ville\n" for serial in LAPTOPS
)
# Documents are produced in the background: a worker renders them one after the other.
DOCUMENT_TIMEOUT = 60_000


def nwipe_log(serial: str, index: int) -> bytes:
    """nwipe 0.38's log of the laptop ``serial``: its one NVMe drive, erased and verified."""
    log = (SAMPLES / "nwipe-0.38.log").read_text()
    return (
        log.replace("PF3ABCD9", serial)
        .replace("S69ENF0R812345X", f"S69ENF0R81234{index}X")
        .encode()
    )


class Guide:
    """Takes the guide's screenshots, in the journey's order, each of a desktop window."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[str] = []

    def shoot(self, tab, name: str) -> None:
        assert name in SCREENSHOTS, f"{name} is not one of the guide's screenshots"
        assert name not in self.taken, f"{name} is taken twice"
        self.folder.mkdir(parents=True, exist_ok=True)
        # The page from its top, as one arrives on it, with no field in focus.
        tab.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
        tab.screenshot(path=str(self.folder / name), animations="disabled", caret="hide")
        self.taken.append(name)


@pytest.fixture
def guide(tmp_path):
    wanted = os.environ.get("BOUCLE_GUIDE_SCREENSHOTS", "").strip().lower() in {"1", "true", "yes"}
    guide = Guide(GUIDE_IMAGES if wanted else tmp_path / "guide")
    yield guide
    assert guide.taken == list(SCREENSHOTS), "the journey took other screenshots than it names"


@pytest.fixture
def tasks(request):
    """A real Celery worker on PostgreSQL and Redis; inline tasks on SQLite or without Redis,
    except in CI, where the journey must run with its worker."""
    if os.environ.get("REDIS_URL") and connection.vendor == "postgresql":
        return request.getfixturevalue("start_worker")()
    if in_ci():
        pytest.fail(
            "CI runs this journey with a worker: set DATABASE_URL (PostgreSQL) and REDIS_URL"
        )
    return None


@pytest.fixture
def axe(french_tab):
    """Opens French desktop tabs whose pages are checked by axe-core: ``axe.tab()`` opens one,
    ``axe.look(tab)`` checks the page it shows. The test fails on a serious or critical
    violation, or on a page loaded and never checked."""
    check = AccessibilityCheck()

    class Tabs:
        @staticmethod
        def tab():
            tab = french_tab()
            check.follow(tab)
            return tab

        @staticmethod
        def look(tab, *, again: bool = False) -> None:
            check.check(tab, again=again)

    yield Tabs
    print(f"axe-core checked {len(check.checked)} pages: {sorted(check.checked)}")
    assert check.violations == [], "Accessibility violations:\n" + "\n".join(check.violations)
    assert check.unchecked() == [], (
        f"Pages the journey loaded but never checked: {check.unchecked()}"
    )


def named(user, first_name: str, last_name: str):
    """Gives ``user`` a person's name, as the guide's screenshots show it."""
    user.first_name, user.last_name = first_name, last_name
    user.save(update_fields=["first_name", "last_name"])
    return user


def go(tab, axe, url: str) -> None:
    tab.goto(url)
    axe.look(tab)


def wait_for(tab, axe, pattern: str) -> None:
    try:
        tab.wait_for_url(re.compile(pattern))
    except PlaywrightTimeoutError as error:
        # Most often a form the page refused: what it says is the reason.
        shown = tab.locator("main").inner_text()[:2000]
        raise AssertionError(f"Still on {tab.url}, not {pattern}:\n{shown}") from error
    axe.look(tab)


def sign_in(tab, axe, live_server, user) -> None:
    """Logs in from the login page, checked first."""
    go(tab, axe, f"{live_server.url}/accounts/login/")
    log_in(tab, live_server, user)
    axe.look(tab)


def test_every_role_from_the_declaration_to_the_impact_report(
    tasks,
    axe,
    guide,
    live_server,
    commune,
    commune_user,
    pickup_site,
    partner,
    territory,
    territory_user,
    groupement,  # noqa: F811
    buyer,
    buyer_user,  # noqa: F811
    buyer_site,  # noqa: F811
    second_buyer,  # noqa: F811
    second_buyer_user,  # noqa: F811
    second_buyer_site,  # noqa: F811
):
    url = live_server.url
    today = timezone.localdate()
    technician = named(member(partner), "Karim", "Benali")
    named(commune_user, "Claire", "Dubois")
    named(territory_user, "Inès", "Moreau")
    named(buyer_user, "Nadia", "Haddad")
    named(second_buyer_user, "Paul", "Girard")
    # The partner's SIRET and address, which its invoices carry.
    partner.siret = PARTNER_SIRET
    partner.save(update_fields=["siret"])
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )

    # --- The commune declares its two laptops by file.
    commune_tab = axe.tab()
    sign_in(commune_tab, axe, live_server, commune_user)
    commune_tab.click(".site-nav a[href='/inventory/']")
    axe.look(commune_tab)
    commune_tab.click(".page-header__actions a[href='/inventory/imports/new/']")
    axe.look(commune_tab)
    commune_tab.set_input_files(
        "#id_file",
        files=[{"name": "parc-mairie.csv", "mimeType": "text/csv", "buffer": DECLARATION.encode()}],
    )
    guide.shoot(commune_tab, "commune-1-import.png")
    commune_tab.click(".import-form button[type=submit]")
    wait_for(commune_tab, axe, r"/inventory/imports/\d+/$")
    expect(commune_tab.locator("#import-status")).to_have_attribute("data-import-state", "imported")
    guide.shoot(commune_tab, "commune-2-import-termine.png")
    codes = sorted(Device.objects.values_list("code", flat=True))
    assert len(codes) == 2

    # --- The partner claims the declaration and plans the pickup.
    partner_tab = axe.tab()
    sign_in(partner_tab, axe, live_server, technician)
    partner_tab.click(".site-nav a[href='/reuse/claims/']")
    axe.look(partner_tab)
    partner_tab.select_option("#id_declaration", index=1)
    partner_tab.get_by_role("button", name="Réserver la déclaration").click()
    for code in codes:
        expect(partner_tab.locator(f"#collect-{code}")).to_be_visible()
    axe.look(partner_tab, again=True)
    for code in codes:
        partner_tab.check(f"#collect-{code}")
    guide.shoot(partner_tab, "partenaire-1-reservations.png")
    partner_tab.get_by_role("button", name="Planifier un enlèvement").click()
    wait_for(partner_tab, axe, r"/reuse/pickups/new/")
    partner_tab.fill("#id_date", today.isoformat())
    partner_tab.fill("#id_starts_at", "00:00")
    partner_tab.fill("#id_ends_at", "23:30")
    partner_tab.fill("#id_note", "Camionnette blanche, quai de la cour.")
    guide.shoot(partner_tab, "partenaire-2-planifier.png")
    partner_tab.get_by_role("button", name="Proposer l’enlèvement").click()
    wait_for(partner_tab, axe, r"/reuse/pickups/\d+/$")
    expect_message(partner_tab, "success", f"Enlèvement proposé{NBSP}: la commune est prévenue.")
    plan_url = partner_tab.url

    # --- The commune confirms it.
    commune_tab.goto(f"{url}/")
    axe.look(commune_tab)
    expect(commune_tab.get_by_text("1 enlèvement attend votre réponse.")).to_be_visible()
    commune_tab.click(f"a[href='{plan_url.removeprefix(url)}']")
    wait_for(commune_tab, axe, r"/reuse/pickups/\d+/$")
    guide.shoot(commune_tab, "commune-3-enlevement-a-confirmer.png")
    commune_tab.get_by_role("button", name="Confirmer l’enlèvement").click()
    expect(commune_tab.locator("#pickup-state")).to_have_text("Confirmé")
    axe.look(commune_tab, again=True)

    # --- The partner collects both laptops.
    partner_tab.reload()
    axe.look(partner_tab)
    partner_tab.get_by_role("link", name="Enregistrer l’enlèvement").click()
    wait_for(partner_tab, axe, r"/reuse/collections/new/\?plan=")
    guide.shoot(partner_tab, "partenaire-3-enlevement.png")
    sign_collection(partner_tab)
    wait_for(partner_tab, axe, r"/reuse/collections/\d+/$")
    expect_message(partner_tab, "success", "Enlèvement enregistré")

    # --- Each laptop: diagnosed, graded, its nwipe log imported, marked ready.
    for index, code in enumerate(codes):
        serial = Device.objects.get(code=code).serial_number
        go(partner_tab, axe, f"{url}/inventory/{code}/")
        partner_tab.click(f".page-header__actions a[href='/reuse/devices/{code}/refurbishment/']")
        wait_for(partner_tab, axe, rf"/reuse/devices/{code}/refurbishment/$")
        answer_every_check(partner_tab)
        partner_tab.select_option("#id_diagnosis-result", "works")
        partner_tab.fill("#id_diagnosis-battery_health", "88")
        partner_tab.fill("#id_diagnosis-storage_health", "96")
        if index == 0:
            guide.shoot(partner_tab, "partenaire-4-diagnostic.png")
        partner_tab.click(f"form[action='/reuse/devices/{code}/diagnosis/'] button[type=submit]")
        expect_message(partner_tab, "success", "Le diagnostic est enregistré.")
        axe.look(partner_tab, again=index == 0)
        partner_tab.check("input[name='grade-grade'][value='B']")
        partner_tab.fill("#id_grade-battery_health", "88")
        partner_tab.click(f"form[action='/reuse/devices/{code}/grade/'] button[type=submit]")
        expect_message(partner_tab, "success", "Le grade est enregistré.")

        partner_tab.click(f".breadcrumbs a[href='/inventory/{code}/']")
        wait_for(partner_tab, axe, rf"/inventory/{code}/$")
        partner_tab.click(f"a[href='/reuse/devices/{code}/erasure/']")
        wait_for(partner_tab, axe, rf"/reuse/devices/{code}/erasure/$")
        partner_tab.set_input_files(
            "#id_nwipe-log",
            files=[
                {"name": "nwipe.log", "mimeType": "text/plain", "buffer": nwipe_log(serial, index)}
            ],
        )
        partner_tab.fill("#id_nwipe-verifier_name", "Sophie Martin")
        partner_tab.fill("#id_nwipe-verifier_title", "Technicienne")
        partner_tab.click("form:has(input[name=action][value=nwipe]) button[type=submit]")
        expect(partner_tab.locator("#erasure-refusal")).to_have_text(
            "Chaque support de stockage est effacé."
        )
        axe.look(partner_tab, again=index == 0)
        if index == 0:
            guide.shoot(partner_tab, "partenaire-5-nwipe.png")

        go(partner_tab, axe, f"{url}/reuse/devices/{code}/refurbishment/")
        partner_tab.click(
            f"form[action='/reuse/devices/{code}/ready/'] button:text-is('Marquer comme prêt')"
        )
        expect_message(partner_tab, "success", "L’appareil est prêt : il est dans votre stock.")
        axe.look(partner_tab, again=index == 0)
        if index == 0:
            guide.shoot(partner_tab, "partenaire-6-pret.png")
    assert set(Device.objects.values_list("state", flat=True)) == {DeviceState.READY}

    # --- The partner offers them, at 150 € excl. VAT each.
    partner_tab.click(".site-nav a[href='/procurement/campaigns/']")
    axe.look(partner_tab)
    go(partner_tab, axe, f"{url}/procurement/offers/")
    partner_tab.get_by_role("link", name="Nouvelle offre").first.click()
    wait_for(partner_tab, axe, r"/procurement/offers/new/$")
    partner_tab.fill("#id_title", "Portable Lenovo ThinkPad T14")
    partner_tab.fill("#id_description", "Reconditionné, 16 Go de mémoire, chargeur fourni.")
    partner_tab.select_option("#id_category", "laptop")
    partner_tab.select_option("#id_grade", "B")
    partner_tab.fill("#id_warranty_months", "12")
    partner_tab.fill("#id_minimum_quantity", "1")
    partner_tab.fill("#id_tiers-0-threshold", "1")
    partner_tab.fill("#id_tiers-0-unit_price", "150")
    guide.shoot(partner_tab, "partenaire-7-offre.png")
    partner_tab.get_by_role("button", name="Publier l’offre").click()
    wait_for(partner_tab, axe, r"/procurement/offers/\d+/$")
    partner_tab.click(
        "form[action$='/stock/add/']:has(input[name=every_match]) button[type=submit]"
    )
    offer = Offer.objects.get()
    expect(partner_tab.locator(".messages")).to_contain_text("2 appareils")
    axe.look(partner_tab, again=True)
    guide.shoot(partner_tab, "partenaire-8-stock.png")
    assert OfferDevice.objects.filter(offer=offer).count() == 2

    # --- The territory opens a campaign of the offer.
    territory_tab = axe.tab()
    sign_in(territory_tab, axe, live_server, territory_user)
    territory_tab.click(".site-nav a[href='/procurement/campaigns/']")
    axe.look(territory_tab)
    territory_tab.get_by_role("link", name="Nouvelle campagne").first.click()
    wait_for(territory_tab, axe, r"/procurement/campaigns/new/$")
    now = timezone.now()
    territory_tab.fill("#id_title", "Portables pour les écoles")
    territory_tab.fill("#id_description", "Des portables reconditionnés pour les classes.")
    territory_tab.fill("#id_opens_at", local_minutes(now - datetime.timedelta(minutes=1)))
    territory_tab.fill("#id_closes_at", local_minutes(now + datetime.timedelta(days=7)))
    territory_tab.check(f"input[name=offers][value='{offer.pk}']")
    guide.shoot(territory_tab, "territoire-1-campagne.png")
    territory_tab.get_by_role("button", name="Préparer la campagne").click()
    wait_for(territory_tab, axe, r"/procurement/campaigns/\d+/$")
    campaign_url = territory_tab.url
    territory_tab.get_by_role("link", name="Ouvrir la campagne").click()
    wait_for(territory_tab, axe, r"/procurement/campaigns/\d+/open/$")
    territory_tab.get_by_role("button", name="Ouvrir la campagne").click()
    expect(territory_tab.locator("#campaign-state")).to_have_text("Ouverte")
    axe.look(territory_tab, again=True)
    guide.shoot(territory_tab, "territoire-2-campagne-ouverte.png")

    # --- Two buyers commit, one laptop each, from their dashboards.
    buyer_tabs = []
    for user, siret in ((buyer_user, "44306184100013"), (second_buyer_user, "77567227200017")):
        tab = axe.tab()
        sign_in(tab, axe, live_server, user)
        panel = tab.locator("section[aria-labelledby='member-campaigns-title']")
        panel.get_by_role("link", name="S’engager").click()
        wait_for(tab, axe, r"/procurement/campaigns/\d+/commitment/$")
        tab.fill(f"#id_quantity_{offer.pk}", "1")
        tab.fill("#id_contact_name", user.get_full_name())
        tab.fill("#id_siret", siret)
        tab.fill("#id_service_code", "ECOLES-NUM")
        tab.fill("#id_engagement_number", "EJ-2026-1129")
        if not buyer_tabs:
            guide.shoot(tab, "acheteur-1-engagement.png")
        tab.get_by_role("button", name="S’engager").click()
        wait_for(tab, axe, r"/procurement/campaigns/\d+/$")
        expect_message(
            tab,
            "success",
            f"Engagement enregistré{NBSP}: vous pouvez le modifier jusqu’à la clôture.",
        )
        buyer_tabs.append(tab)
    first_buyer_tab = buyer_tabs[0]
    pooled = first_buyer_tab.locator(f"#pooled-totals tr[data-offer='{offer.pk}'] [data-pooled]")
    expect(pooled).to_have_text("2", timeout=15_000)
    guide.shoot(first_buyer_tab, "acheteur-2-campagne.png")

    # --- The territory closes the campaign: one laptop for each buyer.
    territory_tab.goto(campaign_url)
    territory_tab.get_by_role("link", name="Aperçu de l’attribution").click()
    wait_for(territory_tab, axe, r"/procurement/campaigns/\d+/allocation/$")
    guide.shoot(territory_tab, "territoire-3-attribution.png")
    territory_tab.get_by_role("link", name="Clore maintenant").click()
    wait_for(territory_tab, axe, r"/procurement/campaigns/\d+/close/$")
    territory_tab.get_by_role("button", name="Clore et attribuer").click()
    territory_tab.wait_for_url(re.compile(r"/procurement/campaigns/\d+/allocation/$"))
    expect(territory_tab.locator("h1")).to_have_text("Attribution")
    axe.look(territory_tab, again=True)
    assert Campaign.objects.get().state == CampaignState.ALLOCATED
    order = Order.objects.get(buyer=buyer)
    assert Order.objects.count() == 2

    # --- The buyer finds its order and its purchase order, produced in the background.
    first_buyer_tab.get_by_role("link", name="Commandes", exact=True).first.click()
    wait_for(first_buyer_tab, axe, r"/procurement/orders/$")
    first_buyer_tab.click(f"a[href='/procurement/orders/{order.pk}/']")
    wait_for(first_buyer_tab, axe, r"/procurement/orders/\d+/$")
    expect(
        first_buyer_tab.locator("#purchase-order-title ~ p a[href$='/download/']")
    ).to_be_visible(timeout=DOCUMENT_TIMEOUT)

    # --- The partner delivers the first buyer's order.
    go(partner_tab, axe, f"{url}/procurement/deliveries/")
    to_prepare = partner_tab.locator(f"[data-order-to-deliver='{order.pk}']")
    to_prepare.get_by_role("link", name="Préparer une livraison").click()
    wait_for(partner_tab, axe, r"/procurement/orders/\d+/deliveries/new/$")
    guide.shoot(partner_tab, "partenaire-9-livraison.png")
    partner_tab.get_by_role("button", name="Préparer la livraison").click()
    wait_for(partner_tab, axe, r"/procurement/deliveries/\d+/$")
    delivery = Delivery.objects.get()
    expect(partner_tab.locator("[data-document-role='note'] a[href$='/download/']")).to_be_visible(
        timeout=DOCUMENT_TIMEOUT
    )

    # --- The buyer admits it.
    first_buyer_tab.goto(f"{url}/")
    axe.look(first_buyer_tab)
    first_buyer_tab.locator(f"[data-delivery-to-admit='{delivery.pk}'] a").click()
    wait_for(first_buyer_tab, axe, rf"/procurement/deliveries/{delivery.pk}/$")
    first_buyer_tab.get_by_role("link", name="Enregistrer la décision").click()
    wait_for(first_buyer_tab, axe, rf"/procurement/deliveries/{delivery.pk}/admission/$")
    first_buyer_tab.get_by_label("Admission", exact=True).check()
    first_buyer_tab.fill("#id_signatory_name", buyer_user.get_full_name())
    first_buyer_tab.fill("#id_signatory_title", "Présidente")
    guide.shoot(first_buyer_tab, "acheteur-3-admission.png")
    first_buyer_tab.get_by_role("button", name="Enregistrer la décision").click()
    wait_for(first_buyer_tab, axe, rf"/procurement/deliveries/{delivery.pk}/$")
    expect(first_buyer_tab.locator("#delivery-state")).to_have_text("Admise")
    expect(
        first_buyer_tab.locator("[data-document-role='record'] a[href$='/download/']")
    ).to_be_visible(timeout=DOCUMENT_TIMEOUT)
    axe.look(first_buyer_tab, again=True)
    guide.shoot(first_buyer_tab, "acheteur-4-livraison-admise.png")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ADMITTED

    # --- The partner invoices it.
    partner_tab.reload()
    axe.look(partner_tab, again=True)
    partner_tab.get_by_role("link", name="Émettre la facture").click()
    wait_for(partner_tab, axe, rf"/procurement/deliveries/{delivery.pk}/invoice/$")
    partner_tab.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 189")
    guide.shoot(partner_tab, "partenaire-10-facture.png")
    partner_tab.get_by_role("button", name="Émettre la facture").click()
    wait_for(partner_tab, axe, r"/procurement/invoices/$")
    invoice = Invoice.objects.get()
    invoice_link = partner_tab.locator(f"tr[data-invoice='{invoice.pk}'] a[href$='/download/']")
    expect(invoice_link).to_be_visible(timeout=DOCUMENT_TIMEOUT)
    with partner_tab.expect_download() as download_info:
        invoice_link.click()
    assert download_info.value.suggested_filename == f"{invoice.document.number}.pdf"

    # --- The territory reads its impact and downloads the report.
    territory_tab.click(".site-nav a[href='/impact/']")
    wait_for(territory_tab, axe, r"/impact/$")
    guide.shoot(territory_tab, "territoire-4-impact.png")
    territory_tab.get_by_role("button", name="Produire le rapport d’impact (PDF)").click()
    wait_for(territory_tab, axe, r"/documents/$")
    report = ImpactReport.objects.get()
    link = territory_tab.locator(f"#document-state-{report.document.number} a[href$='/download/']")
    expect(link).to_be_visible(timeout=DOCUMENT_TIMEOUT)
    guide.shoot(territory_tab, "territoire-5-rapport.png")
    with territory_tab.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{report.document.number}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    assert report.organisation == territory
    if tasks is not None:
        # the worker, not this process, rendered every document of the journey
        rendered = re.findall(
            r"Task documents\.tasks\.render_document\[[^]]+\] succeeded", tasks.output()
        )
        assert len(rendered) == Document.objects.count() == 8
        assert set(Document.objects.values_list("state", flat=True)) == {"issued"}
