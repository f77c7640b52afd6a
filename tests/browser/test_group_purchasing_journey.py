"""The group purchasing journey in headless Chromium, in French.

The territory's agent drafts a campaign of a partner's 24-inch monitors (5 in stock, 60 € excl.
VAT each, 50 € from 5) and opens it. Two buyers of the groupement commit from their dashboards,
4 and 3 monitors; the first one's campaign page shows the pooled total follow the second's
commitment in place. The territory previews the allocation (more asked than in stock: shared
pro rata, each buyer's shortfall explained), then closes the campaign. Each buyer opens its
order and downloads its purchase order, whose lines and totals are read back from the PDF.
"""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from procurement.choices import CampaignState
from procurement.models import Campaign, Order
from tests.browser.helpers import expect_message, local_minutes, log_in
from tests.procurement.conftest import (  # noqa: F401 - the fixtures
    buyer_site,
    buyer_user,
    groupement,
    make_offer,
    ready_devices,
    second_buyer,
    second_buyer_site,
    second_buyer_user,
    stocked_offer,
    tiers,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"


def one_line(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def commit_from_the_dashboard(tab, live_server, user, offer, quantity: str, siret: str) -> None:
    """Logs in as a buyer's agent, follows « S’engager » from the dashboard and commits."""
    log_in(tab, live_server, user)
    panel = tab.locator("section[aria-labelledby='member-campaigns-title']")
    expect(panel.locator("h2")).to_have_text("Commandes groupées ouvertes à votre organisation")
    panel.get_by_role("link", name="S’engager").click()
    tab.wait_for_url(re.compile(r"/procurement/campaigns/\d+/commitment/$"))
    tab.fill(f"#id_quantity_{offer.pk}", quantity)
    tab.fill("#id_contact_name", "Nadia Benali")
    tab.fill("#id_siret", siret)
    tab.fill("#id_service_code", "ECOLES-NUM")
    tab.fill("#id_engagement_number", "EJ-2026-0815")
    tab.get_by_role("button", name="S’engager").click()
    tab.wait_for_url(re.compile(r"/procurement/campaigns/\d+/$"))
    expect_message(
        tab, "success", f"Engagement enregistré{NBSP}: vous pouvez le modifier jusqu’à la clôture."
    )


def download_purchase_order(tab) -> str:
    """From the buyer's orders, opens its order and downloads its purchase order; its text."""
    tab.get_by_role("link", name="Commandes", exact=True).first.click()
    tab.wait_for_url(re.compile(r"/procurement/orders/$"))
    tab.locator("table a[href^='/procurement/orders/']").first.click()
    tab.wait_for_url(re.compile(r"/procurement/orders/\d+/$"))
    link = tab.locator("#purchase-order-title ~ p a[href$='/download/']")
    expect(link).to_be_visible(timeout=15_000)
    with tab.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(r"BC-\d{4}-\d{6}\.pdf", download.suggested_filename)
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    return one_line("\n".join(page.extract_text() for page in reader.pages))


def test_a_campaign_is_opened_committed_to_closed_and_its_purchase_orders_read_back(
    french_tab,
    live_server,
    groupement,  # noqa: F811
    stocked_offer,  # noqa: F811
    territory_user,
    buyer,
    buyer_user,  # noqa: F811
    buyer_site,  # noqa: F811
    second_buyer,  # noqa: F811
    second_buyer_user,  # noqa: F811
    second_buyer_site,  # noqa: F811
):
    offer = stocked_offer(5, price_tiers=tiers((1, "60.00"), (5, "50.00")))
    now = timezone.now()

    # given: the territory drafts a campaign of the offer and opens it
    territory_tab = french_tab()
    log_in(territory_tab, live_server, territory_user)
    territory_tab.click(".site-nav a[href='/procurement/campaigns/']")
    territory_tab.get_by_role("link", name="Nouvelle campagne").first.click()
    territory_tab.fill("#id_title", "Écrans pour les écoles")
    territory_tab.fill("#id_description", "Des écrans 24 pouces pour les salles de classe.")
    territory_tab.fill("#id_opens_at", local_minutes(now - datetime.timedelta(minutes=1)))
    territory_tab.fill("#id_closes_at", local_minutes(now + datetime.timedelta(days=2)))
    territory_tab.check(f"input[name=offers][value='{offer.pk}']")
    territory_tab.get_by_role("button", name="Préparer la campagne").click()
    territory_tab.wait_for_url(re.compile(r"/procurement/campaigns/\d+/$"))
    campaign_url = territory_tab.url
    expect(territory_tab.locator("#campaign-state")).to_have_text("Brouillon")
    territory_tab.get_by_role("link", name="Ouvrir la campagne").click()
    expect(territory_tab.locator("h1")).to_have_text(
        f"Ouvrir «{NBSP}Écrans pour les écoles{NBSP}»{NBSP}?"
    )
    territory_tab.get_by_role("button", name="Ouvrir la campagne").click()
    expect_message(
        territory_tab, "success", f"Campagne ouverte{NBSP}: ses membres sont prévenus par courriel."
    )
    expect(territory_tab.locator("#campaign-state")).to_have_text("Ouverte")

    # when: two buyers commit from their dashboards, 4 and 3 monitors
    first_tab = french_tab()
    commit_from_the_dashboard(first_tab, live_server, buyer_user, offer, "4", "44306184100013")
    pooled = first_tab.locator(f"#pooled-totals tr[data-offer='{offer.pk}'] [data-pooled]")
    expect(pooled).to_have_text("4")
    expect(first_tab.locator(f"tr[data-offer='{offer.pk}'] [data-price]")).to_contain_text(
        f"60,00{NBSP}€ HT"
    )
    second_tab = french_tab()
    commit_from_the_dashboard(
        second_tab, live_server, second_buyer_user, offer, "3", "77567227200017"
    )

    # then: the first buyer's page follows in place: 7 asked, 5 pooled (the stock), 50 €
    expect(pooled).to_have_text("5", timeout=15_000)
    expect(first_tab.locator(f"tr[data-offer='{offer.pk}'] [data-demand]")).to_contain_text("7")
    expect(first_tab.locator(f"tr[data-offer='{offer.pk}'] [data-price]")).to_contain_text(
        f"50,00{NBSP}€ HT"
    )
    assert first_tab.url == campaign_url

    # when: the territory previews the allocation, then closes the campaign
    territory_tab.goto(campaign_url)
    territory_tab.get_by_role("link", name="Aperçu de l’attribution").click()
    expect(territory_tab.locator("h1")).to_have_text("Aperçu de l’attribution")
    rows = territory_tab.locator(f"section[data-allocation-offer='{offer.pk}'] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("4 × 5 ÷ 7 = 2,86, arrondi à 2, plus une unité restante")
    expect(rows.nth(0).locator("[data-shortfall]")).to_have_text("1")
    expect(rows.nth(1)).to_contain_text("3 × 5 ÷ 7 = 2,14, arrondi à 2")
    territory_tab.get_by_role("link", name="Clore maintenant").click()
    territory_tab.get_by_role("button", name="Clore et attribuer").click()
    territory_tab.wait_for_url(re.compile(r"/procurement/campaigns/\d+/allocation/$"))
    expect(territory_tab.locator("h1")).to_have_text("Attribution")
    assert Campaign.objects.get().state == CampaignState.ALLOCATED
    assert Order.objects.count() == 2

    # then: each buyer downloads its purchase order and reads its lines and totals
    first = download_purchase_order(first_tab)
    for expected in (
        "Bon de commande",
        "FCPE Cachan",
        "SIRET 44306184100013",
        "ECOLES-NUM",
        "EJ-2026-0815",
        "Écrans pour les écoles",
        "Écran 24 pouces",
        "3 50,00 € 150,00 € 30,00 € 20 % 180,00 €",
        "Total HT 150,00 €",
        "TVA 30,00 €",
        "Total TTC 180,00 €",
    ):
        assert expected in first, expected
    second = download_purchase_order(second_tab)
    for expected in (
        "École Jean Jaurès",
        "SIRET 77567227200017",
        "2 50,00 € 100,00 € 20,00 € 20 % 120,00 €",
        "Total HT 100,00 €",
        "Total TTC 120,00 €",
    ):
        assert expected in second, expected
    assert buyer.name not in second
