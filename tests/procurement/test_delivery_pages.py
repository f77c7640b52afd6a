"""The delivery and invoice pages: the partner prepares a delivery of part of an order and
invoices it once admitted, then cancels the invoice by a credit note; the buyer admits with a
device refused at the door, or with a réfaction over two VAT rates; each organisation reads its
own (the territory all, with every order's progress); another organisation's delivery or
invoice answers 404, the other side's action 403, a bad input 400, nothing changed."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from inventory.models import Device, DeviceEvent
from procurement.choices import (
    AdmissionDecision,
    DeliveryItemOutcome,
    DeliveryState,
    InvoiceState,
)
from procurement.dashboard_deliveries import deliveries as deliveries_panel
from procurement.models import Admission, CreditNote, Delivery, DeliveryDevice, Invoice
from procurement.services import delivery_decide, delivery_prepare, invoice_issue
from tests.conftest import SiteFactory
from tests.procurement.test_invoices import two_rate_order  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client):
    """A page client in English, logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def invoiceable_partner(partner):
    """The partner with an address to invoice from (its SIRET comes with the order)."""
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    return partner


def today() -> str:
    return timezone.localdate().isoformat()


def codes_of(order) -> list[str]:
    return sorted(order.items.values_list("device__code", flat=True))


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder")),
        DeviceEvent.objects.count(),
        sorted(Delivery.objects.values_list("pk", "state")),
        sorted(DeliveryDevice.objects.values_list("pk", "outcome")),
        Admission.objects.count(),
        sorted(Invoice.objects.values_list("pk", "state")),
        CreditNote.objects.count(),
        Document.objects.count(),
    )


def prepared(order, partner_user, site):
    return delivery_prepare(
        order=order, user=partner_user, site=site, delivery_date=timezone.localdate()
    )


def admission_data(delivery, decision=AdmissionDecision.ADMISSION, refusals=None, **overrides):
    """What the admission page posts: the decision, signed today, and the refusals at the
    door (by device code, with their reasons)."""
    data = {
        "decision": decision,
        "decided_on": today(),
        "signatory_name": "Claire Dubois",
        "signatory_title": "Présidente",
        "reduction_amount": "",
        "reason": "",
        **overrides,
    }
    for item in delivery.items.select_related("device"):
        reason = (refusals or {}).get(item.device.code)
        if reason is not None:
            data[f"refuse_{item.pk}"] = "on"
            data[f"refusal_reason_{item.pk}"] = reason
    return data


def test_the_partner_prepares_a_delivery_of_part_of_an_order_from_its_page(
    page_client, placed_order, partner_user, buyer_site
):
    # given: an order of 3 monitors; its page offers the delivery
    order = placed_order(3)
    client = page_client(partner_user)
    order_page = client.get(reverse("procurement:order-detail", args=[order.pk])).content.decode()
    assert reverse("procurement:delivery-new", args=[order.pk]) in order_page
    form = client.get(reverse("procurement:delivery-new", args=[order.pk])).content.decode()
    for code in codes_of(order):
        assert f'value="{code}"' in form
    first_two = codes_of(order)[:2]

    # when
    response = client.post(
        reverse("procurement:delivery-new", args=[order.pk]),
        {"codes": first_two, "site": buyer_site.pk, "delivery_date": today()},
    )

    # then: the delivery of two, with its delivery note to download, one device left
    delivery = Delivery.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("procurement:delivery-detail", args=[delivery.pk])
    assert sorted(delivery.items.values_list("device__code", flat=True)) == first_two
    detail = client.get(response.url).content.decode()
    assert delivery.note.number in detail
    assert "Delivery of 2 devices prepared" in detail
    progress = client.get(reverse("procurement:order-detail", args=[order.pk])).content.decode()
    assert 'data-progress="delivered">2<' in progress
    assert 'data-progress="to_deliver">1<' in progress
    listing = client.get(reverse("procurement:delivery-list")).content.decode()
    assert f'data-order-to-deliver="{order.pk}"' in listing
    assert f'data-delivery="{delivery.pk}"' in listing


def test_a_bad_delivery_is_refused_with_nothing_changed(
    page_client, placed_order, partner_user, buyer_user, other_partner_user, buyer_site, buyer
):
    # given
    order = placed_order(2)
    foreign_site = SiteFactory(organisation=order.partner, is_pickup=False, is_delivery=True)
    url = reverse("procurement:delivery-new", args=[order.pk])
    data = {"codes": codes_of(order), "site": buyer_site.pk, "delivery_date": today()}
    before = snapshot()

    # when
    no_device = page_client(partner_user).post(url, {**data, "codes": []})
    not_the_buyers_site = page_client(partner_user).post(url, {**data, "site": foreign_site.pk})
    not_in_the_order = page_client(partner_user).post(url, {**data, "codes": ["ZZZZZZZZ"]})
    by_the_buyer = page_client(buyer_user).post(url, data)
    by_another_partner = page_client(other_partner_user).post(url, data)

    # then
    assert (
        no_device.status_code,
        not_the_buyers_site.status_code,
        not_in_the_order.status_code,
        by_the_buyer.status_code,
        by_another_partner.status_code,
    ) == (400, 400, 400, 403, 404)
    assert "Select at least one device." in no_device.content.decode()
    assert snapshot() == before


def test_the_buyer_admits_with_a_device_refused_at_the_door_then_the_partner_invoices(
    page_client,
    placed_order,
    partner_user,
    buyer_user,
    buyer_site,
    invoiceable_partner,
    territory_user,
):
    # given: a delivery of 3 monitors at 60 € excl. VAT, 20 % VAT
    order = placed_order(3)
    delivery = prepared(order, partner_user, buyer_site)
    refused = codes_of(order)[0]
    buyer = page_client(buyer_user)
    assert f'data-delivery="{delivery.pk}"' in (
        buyer.get(reverse("procurement:delivery-list")).content.decode()
    )
    form = buyer.get(reverse("procurement:delivery-admission", args=[delivery.pk]))
    assert form.status_code == 200

    # when: the buyer admits it, the first monitor refused at the door
    response = buyer.post(
        reverse("procurement:delivery-admission", args=[delivery.pk]),
        admission_data(delivery, refusals={refused: "Écran fissuré"}),
    )

    # then: two delivered, one refused; the record and the signed note on the page
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ADMITTED
    outcomes = dict(delivery.items.values_list("device__code", "outcome"))
    assert outcomes[refused] == DeliveryItemOutcome.REFUSED
    assert sorted(outcomes.values()).count(DeliveryItemOutcome.ADMITTED) == 2
    detail = buyer.get(response.url).content.decode()
    record = delivery.admissions.get().record
    assert record.number in detail
    assert delivery.signed_note.number in detail
    assert "Écran fissuré" in detail
    assert reverse("procurement:delivery-admission", args=[delivery.pk]) not in detail

    # when: the partner issues the invoice from the delivery's page
    partner = page_client(partner_user)
    partner_detail = partner.get(reverse("procurement:delivery-detail", args=[delivery.pk]))
    assert reverse("procurement:invoice-new", args=[delivery.pk]) in partner_detail.content.decode()
    issued = partner.post(
        reverse("procurement:invoice-new", args=[delivery.pk]),
        {"iban": "FR76 3000 6000 0112 3456 7890 189"},
    )

    # then: the two admitted monitors, 120.00 € excl. VAT, 24.00 € VAT, 144.00 € incl. VAT
    assert issued.status_code == 302
    invoice = Invoice.objects.get()
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("120.00"),
        Decimal("24.00"),
        Decimal("144.00"),
    )
    for user in (partner_user, buyer_user, territory_user):
        listing = page_client(user).get(reverse("procurement:invoice-list")).content.decode()
        assert invoice.document.number in listing
        assert 'data-invoice-total="incl_vat">144.00\u00a0€<' in listing
    assert reverse("procurement:invoice-credit-note", args=[invoice.pk]) in (
        page_client(partner_user).get(reverse("procurement:invoice-list")).content.decode()
    )
    assert reverse("procurement:invoice-credit-note", args=[invoice.pk]) not in (
        page_client(buyer_user).get(reverse("procurement:invoice-list")).content.decode()
    )
    # the territory reads the order's progress: 3 ordered, 2 admitted and invoiced, 1 refused
    progress = page_client(territory_user).get(reverse("procurement:order-progress"))
    row = progress.content.decode().split(f'data-progress-order="{order.pk}"')[1]
    for expected in (
        'data-progress="ordered">3<span class="cell-meta">180.00\u00a0€',
        'data-progress="delivered">2<span class="cell-meta">120.00\u00a0€',
        'data-progress="admitted">2<span class="cell-meta">120.00\u00a0€',
        'data-progress="invoiced">2<span class="cell-meta">120.00\u00a0€',
        'data-progress="refused">1<',
    ):
        assert expected in row, expected


def test_a_decision_is_not_recorded_twice_nor_by_the_partner_nor_another_buyer(
    page_client, placed_order, partner_user, buyer_user, second_buyer_user, buyer_site
):
    # given: an admitted delivery, and another one waiting
    order = placed_order(3)
    codes = codes_of(order)
    first = delivery_prepare(
        order=order,
        user=partner_user,
        site=buyer_site,
        delivery_date=timezone.localdate(),
        codes=codes[:1],
    )
    delivery_decide(
        delivery=first,
        user=buyer_user,
        decision=AdmissionDecision.ADMISSION,
        decided_on=timezone.localdate(),
        signatory_name="Claire Dubois",
    )
    waiting = delivery_prepare(
        order=order,
        user=partner_user,
        site=buyer_site,
        delivery_date=timezone.localdate(),
        codes=codes[1:],
    )
    before = snapshot()

    # when
    again = page_client(buyer_user).post(
        reverse("procurement:delivery-admission", args=[first.pk]), admission_data(first)
    )
    by_the_partner = page_client(partner_user).post(
        reverse("procurement:delivery-admission", args=[waiting.pk]), admission_data(waiting)
    )
    by_another_buyer = page_client(second_buyer_user).post(
        reverse("procurement:delivery-admission", args=[waiting.pk]), admission_data(waiting)
    )
    read_by_another_buyer = page_client(second_buyer_user).get(
        reverse("procurement:delivery-detail", args=[waiting.pk])
    )
    refused_without_reason = page_client(buyer_user).post(
        reverse("procurement:delivery-admission", args=[waiting.pk]),
        admission_data(waiting, refusals={codes[1]: ""}),
    )
    every_one_refused = page_client(buyer_user).post(
        reverse("procurement:delivery-admission", args=[waiting.pk]),
        admission_data(waiting, refusals={codes[1]: "Rayé", codes[2]: "Rayé"}),
    )

    # then
    assert again.status_code == 302
    assert again.url == reverse("procurement:delivery-detail", args=[first.pk])
    assert (by_the_partner.status_code, by_another_buyer.status_code) == (403, 404)
    assert read_by_another_buyer.status_code == 404
    assert refused_without_reason.status_code == 400
    assert "Say why this device is refused." in refused_without_reason.content.decode()
    assert every_one_refused.status_code == 400
    assert "reject the delivery instead" in every_one_refused.content.decode()
    assert snapshot() == before


def test_a_reduction_over_two_vat_rates_is_admitted_and_invoiced_from_the_pages(
    page_client,
    two_rate_order,  # noqa: F811
    partner_user,
    buyer_user,
    buyer_site,
):
    # given: 3 monitors at 60.00 € (20 %) and 2 at 33.33 € (5.5 %), one 60 € refused
    order, standard, _reduced = two_rate_order
    delivery = prepared(order, partner_user, buyer_site)
    refused = order.items.filter(line__offer=standard).order_by("device__code").first()

    # when: the buyer admits with a réfaction of 10,00 € typed the French way
    client = page_client(buyer_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    admitted = client.post(
        reverse("procurement:delivery-admission", args=[delivery.pk]),
        admission_data(
            delivery,
            decision=AdmissionDecision.REDUCTION,
            refusals={refused.device.code: "Écran fissuré"},
            reduction_amount="10,00",
            reason="Rayures",
        ),
    )
    invoiced = page_client(partner_user).post(
        reverse("procurement:invoice-new", args=[delivery.pk]), {"iban": ""}
    )

    # then, by hand: 2 × 60.00 = 120.00 at 20 %, 2 × 33.33 = 66.66 at 5.5 %; the réfaction
    # shared 10 × 120 / 186.66 = 6.43 and 3.57; bases 113.57 and 63.09; VAT 22.71 and 3.47
    assert (admitted.status_code, invoiced.status_code) == (302, 302)
    assert Admission.objects.get().reduction_amount == Decimal("10.00")
    invoice = Invoice.objects.get()
    assert invoice.total_excl_vat == Decimal("120.00") + Decimal("66.66") - Decimal("10.00")
    assert invoice.total_vat == Decimal("22.71") + Decimal("3.47")
    assert invoice.total_incl_vat == Decimal("202.84")


def test_an_invoice_is_cancelled_by_a_credit_note_only_by_its_partner(
    page_client,
    placed_order,
    partner_user,
    buyer_user,
    second_buyer_user,
    other_partner_user,
    buyer_site,
    invoiceable_partner,
):
    # given: an invoiced delivery
    order = placed_order(2)
    delivery = prepared(order, partner_user, buyer_site)
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision=AdmissionDecision.ADMISSION,
        decided_on=timezone.localdate(),
        signatory_name="Claire Dubois",
    )
    invoice = invoice_issue(delivery=delivery, user=partner_user)
    url = reverse("procurement:invoice-credit-note", args=[invoice.pk])
    before = snapshot()

    # when: the buyer, another buyer and another partner try, and the partner without reason
    by_the_buyer = page_client(buyer_user).post(url, {"reason": "Erreur"})
    by_another_buyer = page_client(second_buyer_user).post(url, {"reason": "Erreur"})
    by_another_partner = page_client(other_partner_user).post(url, {"reason": "Erreur"})
    invoice_again = page_client(partner_user).post(
        reverse("procurement:invoice-new", args=[delivery.pk]), {"iban": ""}
    )
    without_reason = page_client(partner_user).post(url, {"reason": "  "})
    invoiced_by_the_buyer = page_client(buyer_user).post(
        reverse("procurement:invoice-new", args=[delivery.pk]), {"iban": ""}
    )
    seen_by_another_buyer = page_client(second_buyer_user).get(reverse("procurement:invoice-list"))

    # then: nothing changed
    assert (
        by_the_buyer.status_code,
        by_another_buyer.status_code,
        by_another_partner.status_code,
        invoice_again.status_code,
        without_reason.status_code,
        invoiced_by_the_buyer.status_code,
    ) == (403, 404, 404, 302, 400, 403)
    assert invoice.document.number not in seen_by_another_buyer.content.decode()
    assert snapshot() == before

    # when: the partner cancels it, saying why
    cancelled = page_client(partner_user).post(url, {"reason": "Prix erroné"})

    # then: the credit note, on the list with its reason; the delivery may be invoiced again
    assert cancelled.status_code == 302
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.CANCELLED
    listing = page_client(partner_user).get(reverse("procurement:invoice-list")).content.decode()
    assert invoice.credit_note.document.number in listing
    assert "Prix erroné" in listing
    assert f'data-delivery-to-invoice="{delivery.pk}"' in listing


def test_the_dashboards_show_what_to_do_about_deliveries(
    page_client, placed_order, partner_user, buyer_user, buyer_site
):
    # given: an order with a device still to deliver, and a delivery awaiting the decision
    order = placed_order(2)
    delivery = delivery_prepare(
        order=order,
        user=partner_user,
        site=buyer_site,
        delivery_date=timezone.localdate(),
        codes=codes_of(order)[:1],
    )

    # when
    partner_dashboard = page_client(partner_user).get(reverse("dashboard")).content.decode()
    buyer_dashboard = page_client(buyer_user).get(reverse("dashboard")).content.decode()

    # then
    assert f'data-order-to-deliver="{order.pk}"' in partner_dashboard
    assert f'data-delivery-to-admit="{delivery.pk}"' in buyer_dashboard
    assert f'data-delivery-to-admit="{delivery.pk}"' not in partner_dashboard


def test_the_progress_page_costs_the_same_queries_for_more_orders(
    page_client, placed_order, partner_user, buyer_user, territory_user, buyer_site
):
    # given: an order delivered in part
    first = placed_order(3)
    prepared(first, partner_user, buyer_site)
    client = page_client(territory_user)
    url = reverse("procurement:order-progress")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    with_one = queries()

    # when: a second order, delivered, admitted and invoiced
    second = placed_order(2, title="Écran 27 pouces")
    delivery = prepared(second, partner_user, buyer_site)
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision=AdmissionDecision.ADMISSION,
        decided_on=timezone.localdate(),
        signatory_name="Claire Dubois",
    )

    # then
    assert queries() == with_one


def test_the_deliveries_page_costs_the_same_queries_for_more_orders_and_devices(
    page_client, placed_order, partner_user, buyer_site
):
    # given: an order of one device delivered, another still to deliver
    prepared(placed_order(1), partner_user, buyer_site)
    placed_order(1, title="Écran 27 pouces")
    client = page_client(partner_user)
    url = reverse("procurement:delivery-list")

    def answer() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        # the orders' and deliveries' devices are counted, never read
        assert not [sql for sql in captured if '"inventory_device"."code"' in sql["sql"]]
        return response.content.decode(), len(captured)

    _page, with_few = answer()

    # when: larger orders, one of them delivered
    larger = placed_order(4, title="Portable 14 pouces")
    delivery = prepared(larger, partner_user, buyer_site)
    placed_order(5, title="Tour de bureau")
    page, with_more = answer()

    # then: each delivery's devices counted, the orders left to deliver listed
    assert with_more == with_few
    assert re.search(
        rf'data-delivery="{delivery.pk}".*?data-device-count>4<', page, flags=re.DOTALL
    )
    assert page.count("data-order-to-deliver=") == 2


def test_a_partners_deliveries_panel_reads_what_it_shows(
    placed_order, partner, partner_user, buyer_site, django_assert_num_queries
):
    # given: an order to deliver
    order = placed_order(2)

    # when: the orders to deliver and the deliveries to invoice; a partner admits nothing
    with django_assert_num_queries(2):
        context = deliveries_panel(partner)

    # then
    assert context["to_prepare"] == [order]
    assert (context["to_invoice"], context["to_admit"]) == ([], [])
