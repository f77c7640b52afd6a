"""The donation pages: a partner gives ready devices to an eligible association from its form,
reads the donation with its agreement; the association confirms the receipt; the donor may
cancel before; the lists and the dashboard panel; other organisations see nothing; French as
the French write it."""

from __future__ import annotations

import html
import re

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.choices import DeviceState
from inventory.models import Device
from organisations.choices import CessionEligibility
from procurement.choices import DonationState
from procurement.models import Donation
from procurement.services.donations import donation_create
from tests.conftest import BuyerFactory
from tests.french_typography import french_faults
from tests.procurement.donations import snapshot, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client):
    """A page client in the language given (English by default), logged in as the user."""

    def _as(user, language="en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        return client

    return _as


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def test_a_partner_gives_devices_from_the_form(page_client, parties, partner_user, ready_devices):
    _partner, buyer = parties
    devices = ready_devices(2)
    not_eligible = BuyerFactory(
        name="Club fermé", cession_eligibility=CessionEligibility.NOT_ELIGIBLE
    )
    client = page_client(partner_user)

    form = client.get(reverse("procurement:donation-new"))

    assert form.status_code == 200
    page = form.content.decode()
    assert buyer.name in page
    assert not_eligible.name not in page
    for device in devices:
        assert f'data-device="{device.code}"' in page

    # a value above the ceiling is refused on the page, nothing changed
    before = snapshot()
    refused = client.post(
        reverse("procurement:donation-new"),
        {
            "beneficiary": buyer.pk,
            f"give-{devices[0].pk}": "on",
            f"value-{devices[0].pk}": "350",
        },
    )
    assert refused.status_code == 400
    assert "A device given away is worth at most 300,00 €" in html.unescape(
        refused.content.decode()
    )
    assert snapshot() == before
    # a device ticked without its value, or nothing ticked
    for data in (
        {"beneficiary": buyer.pk, f"give-{devices[0].pk}": "on"},
        {"beneficiary": buyer.pk, f"value-{devices[0].pk}": "10"},
        {
            "beneficiary": not_eligible.pk,
            f"give-{devices[0].pk}": "on",
            f"value-{devices[0].pk}": "1",
        },
    ):
        assert client.post(reverse("procurement:donation-new"), data).status_code == 400
    assert snapshot() == before

    response = client.post(
        reverse("procurement:donation-new"),
        {
            "beneficiary": buyer.pk,
            f"give-{devices[0].pk}": "on",
            f"value-{devices[0].pk}": "120.50",
            f"value-{devices[1].pk}": "99",
        },
    )

    assert response.status_code == 302
    donation = Donation.objects.get()
    assert response["Location"] == reverse("procurement:donation-detail", args=[donation.pk])
    assert list(donation.items.values_list("device__code", "value")) == [
        (devices[0].code, donation.total_value)
    ]
    assert str(donation.total_value) == "120.50"
    assert Device.objects.get(pk=devices[1].pk).state == DeviceState.READY
    detail = client.get(response["Location"]).content.decode()
    assert donation.agreement.number in detail
    assert reverse("procurement:donation-cancel", args=[donation.pk]) in detail
    assert reverse("procurement:donation-receipt", args=[donation.pk]) not in detail


def test_the_association_confirms_the_receipt_from_its_pages(
    page_client, parties, partner_user, buyer_user, ready_devices
):
    partner, buyer = parties
    devices = ready_devices(1)
    donation = donation_create(
        donor=partner, user=partner_user, beneficiary=buyer, values={devices[0].code: "80"}
    )
    client = page_client(buyer_user)

    listed = client.get(reverse("procurement:donation-list")).content.decode()
    assert f'data-donation="{donation.pk}"' in listed
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert reverse("procurement:donation-detail", args=[donation.pk]) in dashboard
    assert "1 donation awaits your confirmation of receipt." in dashboard
    detail = client.get(reverse("procurement:donation-detail", args=[donation.pk])).content.decode()
    url = reverse("procurement:donation-receipt", args=[donation.pk])
    assert url in detail
    assert reverse("procurement:donation-cancel", args=[donation.pk]) not in detail
    assert client.get(url).status_code == 200

    response = client.post(url, {"received_on": today().isoformat()})

    assert response.status_code == 302
    donation.refresh_from_db()
    assert (donation.state, donation.received_on) == (DonationState.RECEIVED, today())
    assert Device.objects.get(pk=devices[0].pk).holder == buyer
    # twice: back to the donation with the reason, nothing changed
    before = snapshot()
    again = client.post(url, {"received_on": today().isoformat()}, follow=True)
    assert "This donation's receipt is confirmed already." in html.unescape(again.content.decode())
    assert snapshot() == before


def test_other_organisations_see_nothing_and_do_nothing(
    page_client,
    parties,
    partner_user,
    buyer_user,
    second_buyer_user,
    other_partner_user,
    ready_devices,
):
    partner, buyer = parties
    devices = ready_devices(1)
    donation = donation_create(
        donor=partner, user=partner_user, beneficiary=buyer, values={devices[0].code: "80"}
    )
    before = snapshot()

    for user in (second_buyer_user, other_partner_user):
        client = page_client(user)
        assert (
            f'data-donation="{donation.pk}"'
            not in client.get(reverse("procurement:donation-list")).content.decode()
        )
        for name in ("donation-detail", "donation-receipt", "donation-cancel"):
            url = reverse(f"procurement:{name}", args=[donation.pk])
            assert client.get(url).status_code == 404
        post = client.post(
            reverse("procurement:donation-receipt", args=[donation.pk]),
            {"received_on": today().isoformat()},
        )
        assert post.status_code == 404
    # the donor does not confirm the receipt; the association does not cancel nor give
    client = page_client(partner_user)
    url = reverse("procurement:donation-receipt", args=[donation.pk])
    assert client.post(url, {"received_on": today().isoformat()}).status_code == 403
    client = page_client(buyer_user)
    url = reverse("procurement:donation-cancel", args=[donation.pk])
    assert client.post(url, {"reason": "Non"}).status_code == 403
    assert client.get(reverse("procurement:donation-new")).status_code == 403
    assert snapshot() == before


def test_the_donor_cancels_with_a_reason(page_client, parties, partner_user, ready_devices):
    partner, buyer = parties
    devices = ready_devices(1)
    donation = donation_create(
        donor=partner, user=partner_user, beneficiary=buyer, values={devices[0].code: "80"}
    )
    client = page_client(partner_user)
    url = reverse("procurement:donation-cancel", args=[donation.pk])

    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Erreur de bénéficiaire"})

    assert response.status_code == 302
    donation.refresh_from_db()
    assert (donation.state, donation.cancel_reason) == (
        DonationState.CANCELLED,
        "Erreur de bénéficiaire",
    )
    assert Device.objects.get(pk=devices[0].pk).state == DeviceState.READY


def test_the_pages_read_as_the_french_write(
    page_client, parties, partner_user, buyer_user, ready_devices
):
    partner, buyer = parties
    devices = ready_devices(2)
    donation = donation_create(
        donor=partner,
        user=partner_user,
        beneficiary=buyer,
        values={devices[0].code: "80"},
    )
    pages = []
    client = page_client(partner_user, "fr")
    for url in (
        reverse("procurement:donation-list"),
        reverse("procurement:donation-new"),
        reverse("procurement:donation-detail", args=[donation.pk]),
        reverse("procurement:donation-cancel", args=[donation.pk]),
        reverse("dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append((url, visible_text(response)))
    client = page_client(buyer_user, "fr")
    for url in (
        reverse("procurement:donation-list"),
        reverse("procurement:donation-detail", args=[donation.pk]),
        reverse("procurement:donation-receipt", args=[donation.pk]),
        reverse("dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append((url, visible_text(response)))

    assert "Dons" in pages[0][1]
    assert "Confirmer la réception" in pages[-3][1]
    for url, text in pages:
        assert french_faults(text) == [], url
