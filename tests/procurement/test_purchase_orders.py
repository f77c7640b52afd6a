"""Purchase orders (bons de commande): one per order when the campaign closes, numbered
``BC-<year>-…`` without gaps, rendered by WeasyPrint and read back here from the PDF (both
parties with their SIRET, the groupement and the campaign, the buyer's service code and
engagement number, each line's quantity, unit price excl. VAT, VAT and totals); downloaded by
their buyer and partner (and the territory), by nobody else."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from procurement import selectors
from procurement.models import Order
from procurement.services import campaign_close
from procurement.services.purchase_orders import purchase_orders_request
from tests.french_typography import french_faults
from tests.procurement.conftest import tiers
from tests.procurement.pages import SECOND_SIRET, commit

pytestmark = pytest.mark.django_db

PARTNER_SIRET = "73282932000074"


def pdf_text(document: Document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def one_line(text: str) -> str:
    """The PDF's text on one line, its spaces (plain, non-breaking, narrow) as one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


@pytest.fixture
def closed_campaign(
    partner,
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
    territory_user,
    django_capture_on_commit_callbacks,
):
    """A campaign of two offers of the partner (20 % and 5.5 % VAT), two buyers committed,
    closed by the territory: two orders, their purchase orders rendered."""
    partner.siret = PARTNER_SIRET
    partner.save(update_fields=["siret"])
    monitors = stocked_offer(6, price_tiers=tiers((1, "60.00"), (5, "49.90")))
    screens = stocked_offer(
        2,
        title="Écran 27 pouces",
        vat_rate="5.5",
        price_tiers=tiers((1, "85.00")),
    )
    campaign = open_campaign(monitors, screens)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={monitors: 4, screens: 1})
    commit(
        campaign, second_buyer, second_buyer_user, second_buyer_site, SECOND_SIRET,
        quantities={monitors: 2},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        campaign_close(campaign=campaign, user=territory_user)
    return campaign


def test_closing_issues_one_purchase_order_per_order_with_its_lines_and_totals(
    closed_campaign, buyer, second_buyer, partner
):
    # given
    orders = list(Order.objects.order_by("pk"))
    year = timezone.localdate().year

    # when
    documents = selectors.purchase_orders_of(orders)

    # then: numbered in the orders' order, issued, the buyer owning it, the partner reading it
    assert [documents[order.pk].number for order in orders] == [
        f"BC-{year}-000001",
        f"BC-{year}-000002",
    ]
    first = documents[orders[0].pk]
    assert (first.kind, first.state, first.owner, first.counterpart) == (
        DocumentKind.PURCHASE_ORDER,
        DocumentState.ISSUED,
        buyer,
        partner,
    )
    assert sorted(first.device_links.values_list("device_code", flat=True)) == sorted(
        orders[0].items.values_list("device__code", flat=True)
    )

    # when: the PDF is read back
    raw = pdf_text(first)
    text = one_line(raw)

    # then: 4 monitors at 49.90 € (the tier of 5 reached by 6), 1 screen at 85.00 € (5.5 %)
    for expected in (
        "Bon de commande",
        f"BC-{year}-000001",
        "FCPE Cachan",
        "SIRET 44306184100013",
        "SERV-42",
        "EJ-2026-0042",
        "Atelier du Réemploi",
        f"SIRET {PARTNER_SIRET}",
        "Groupement de commandes du réemploi",
        "GC-2026-01",
        "Écrans 2026",
        "Écran 24 pouces",
        "4 49,90 € 199,60 € 39,92 € 20 % 239,52 €",
        "Écran 27 pouces",
        "1 85,00 € 85,00 € 4,68 € 5,5 % 89,68 €",
        "Total HT 284,60 €",
        "TVA 44,60 €",
        "Total TTC 329,20 €",
    ):
        assert expected in text, expected
    assert french_faults(raw) == []
    second = one_line(pdf_text(documents[orders[1].pk]))
    assert "École Jean Jaurès" in second
    assert f"SIRET {SECOND_SIRET}" in second
    assert "2 49,90 € 99,80 € 19,96 € 20 % 119,76 €" in second
    assert "Total TTC 119,76 €" in second
    # the order's own totals are those printed
    assert (orders[0].total_excl_vat, orders[0].total_vat, orders[0].total_incl_vat) == (
        Decimal("284.60"),
        Decimal("44.60"),
        Decimal("329.20"),
    )


def test_asking_again_gives_the_same_purchase_orders(closed_campaign):
    # given
    orders = list(Order.objects.order_by("pk"))
    before = list(Document.objects.order_by("pk").values_list("pk", "number"))

    # when
    documents = purchase_orders_request(orders=orders, user=None)

    # then
    assert [document.number for document in documents] == [
        selectors.purchase_orders_of(orders)[order.pk].number for order in orders
    ]
    assert list(Document.objects.order_by("pk").values_list("pk", "number")) == before


def test_its_buyer_its_partner_and_the_territory_download_it_and_nobody_else(
    client,
    closed_campaign,
    buyer_user,
    second_buyer_user,
    partner_user,
    other_partner_user,
    territory_user,
):
    # given
    order = Order.objects.order_by("pk").first()
    document = selectors.purchase_orders_of([order])[order.pk]
    url = reverse("documents:document-download", args=[document.number])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    answers = {}
    for name, user in (
        ("buyer", buyer_user),
        ("partner", partner_user),
        ("territory", territory_user),
        ("other buyer", second_buyer_user),
        ("other partner", other_partner_user),
    ):
        client.force_login(user)
        answers[name] = client.get(url).status_code

    # then
    assert answers == {
        "buyer": 200,
        "partner": 200,
        "territory": 200,
        "other buyer": 404,
        "other partner": 404,
    }


def test_the_order_pages_link_the_purchase_order(client, closed_campaign, buyer_user, partner_user):
    # given
    order = Order.objects.order_by("pk").first()
    document = selectors.purchase_orders_of([order])[order.pk]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    for user in (buyer_user, partner_user):
        client.force_login(user)
        # when
        listing = client.get(reverse("procurement:order-list")).content.decode()
        detail = client.get(reverse("procurement:order-detail", args=[order.pk])).content.decode()
        # then
        download = reverse("documents:document-download", args=[document.number])
        assert download in listing
        assert download in detail


def test_its_title_reads_in_each_readers_language(closed_campaign):
    document = Document.objects.filter(kind=DocumentKind.PURCHASE_ORDER).order_by("pk").first()

    with translation.override("fr"):
        french = document.display_title
    with translation.override("en"):
        english = document.display_title

    assert french == "Bon de commande — FCPE Cachan, fournisseur Atelier du Réemploi"
    assert english == "Purchase order — FCPE Cachan, supplier Atelier du Réemploi"
