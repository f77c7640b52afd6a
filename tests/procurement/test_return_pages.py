"""The warranty return pages: a buyer's devices with their warranty end and the report of a
fault, the partner's returns to settle and the outcome recorded on the return's page, the
dashboard panels linking them; other organisations get 404 or 403 with nothing changed; the
French pages written as the French write."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from lxml import html

from inventory.choices import DeviceState
from procurement.choices import ReturnState
from procurement.models import DeliveryDevice, WarrantyReturn
from procurement.services import return_report
from tests.french_typography import french_faults
from tests.procurement.returns import deliver, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client):
    """A page client in the language given (English by default), logged in as the user."""

    def _as(user, language="en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def delivered(placed_order, partner, partner_user, buyer_user, buyer_site):
    return deliver(placed_order, partner, partner_user, buyer_user, buyer_site)


def visible_text(response) -> str:
    tree = html.fromstring(response.content.decode())
    for hidden in tree.xpath("//script|//style"):
        hidden.drop_tree()
    # Plain white space as one space; the non-breaking spaces kept (str.split would drop them).
    return re.sub(r"[ \t\r\n]+", " ", tree.xpath("//main")[0].text_content()).strip()


def test_the_buyer_sees_its_devices_and_reports_a_fault(
    page_client, delivered, buyer_user, partner_user
):
    client = page_client(buyer_user)
    first, second = delivered.devices
    # the second one's warranty ended yesterday
    ended = timezone.localdate() - datetime.timedelta(days=1)
    DeliveryDevice.objects.filter(device=second).update(warranty_ends_on=ended)

    response = client.get(reverse("procurement:return-devices"))

    assert response.status_code == 200
    page = html.fromstring(response.content.decode())
    [row] = page.xpath(f"//tr[@data-device='{first.code}']")
    end = DeliveryDevice.objects.get(device=first).warranty_ends_on
    assert end.isoformat() in row.xpath(".//time/@datetime")
    assert row.xpath(".//a/@href")[-1] == reverse("procurement:return-report", args=[first.code])
    [row] = page.xpath(f"//tr[@data-device='{second.code}']")
    assert "Out of warranty" in row.text_content()
    assert not row.xpath(".//a[contains(@href, 'report')]")
    assert not page.xpath(f"//tr[@data-device='{delivered.spares[0].code}']")

    url = reverse("procurement:return-report", args=[first.code])
    assert client.get(url).status_code == 200
    response = client.post(url, {"fault": ""})
    assert response.status_code == 200
    assert WarrantyReturn.objects.count() == 0

    response = client.post(url, {"fault": "L’écran reste noir"})

    warranty_return = WarrantyReturn.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("procurement:return-detail", args=[warranty_return.pk])
    assert warranty_return.state == ReturnState.OPEN
    response = client.get(reverse("procurement:return-devices"))
    page = html.fromstring(response.content.decode())
    [row] = page.xpath(f"//tr[@data-device='{first.code}']")
    assert "Return open" in row.text_content()
    # out of warranty: refused with its reason, nothing changed
    before = snapshot()
    response = client.post(
        reverse("procurement:return-report", args=[second.code]), {"fault": "Noir"}, follow=True
    )
    assert "ended on" in visible_text(response)
    assert snapshot() == before


def test_the_partner_records_the_outcome_on_the_return_page(
    page_client, delivered, buyer, buyer_user, partner_user
):
    device, spare = delivered.devices[0], delivered.spares[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    client = page_client(partner_user)

    listed = client.get(reverse("procurement:return-list"))
    page = html.fromstring(listed.content.decode())
    assert page.xpath(
        f"//section[@aria-labelledby='open-returns-title']//tr[@data-return='{warranty_return.pk}']"
    )
    url = reverse("procurement:return-detail", args=[warranty_return.pk])
    detail = html.fromstring(client.get(url).content.decode())
    options = detail.xpath("//select[@name='replacement']/option/@value")
    assert options == ["", *[device.code for device in delivered.spares]]
    outcome_url = reverse("procurement:return-outcome", args=[warranty_return.pk])
    # a replacement of the same device: refused on the form, nothing changed
    before = snapshot()
    response = client.post(outcome_url, {"outcome": "replaced", "replacement": "NOPE"})
    assert response.status_code == 200
    assert snapshot() == before

    response = client.post(outcome_url, {"outcome": "replaced", "replacement": spare.code})

    assert response.status_code == 302
    warranty_return.refresh_from_db()
    assert (warranty_return.state, warranty_return.replacement) == (ReturnState.REPLACED, spare)
    spare.refresh_from_db()
    assert spare.state == DeviceState.DELIVERED
    detail = client.get(url)
    assert spare.code in visible_text(detail)
    assert not html.fromstring(detail.content.decode()).xpath(f"//form[@action='{outcome_url}']")
    # twice: refused, nothing changed
    before = snapshot()
    response = client.post(outcome_url, {"outcome": "repaired", "note": "Fait"})
    assert response.status_code == 302
    assert snapshot() == before
    # the device's history shows the return and its outcome
    history = visible_text(
        page_client(buyer_user).get(reverse("inventory:device-detail", args=[spare.code]))
    )
    assert "Delivered as a replacement under warranty" in history


def test_other_organisations_are_refused_with_nothing_changed(
    page_client, delivered, buyer, buyer_user, second_buyer_user, other_partner_user, partner_user
):
    device = delivered.devices[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    before = snapshot()
    report_url = reverse("procurement:return-report", args=[device.code])
    detail_url = reverse("procurement:return-detail", args=[warranty_return.pk])
    outcome_url = reverse("procurement:return-outcome", args=[warranty_return.pk])
    client = page_client(second_buyer_user)
    assert client.get(report_url).status_code == 404
    assert client.post(report_url, {"fault": "Noir"}).status_code == 404
    assert client.get(detail_url).status_code == 404
    assert client.post(outcome_url, {"outcome": "repaired", "note": "x"}).status_code == 404
    client = page_client(other_partner_user)
    assert client.get(detail_url).status_code == 404
    assert client.post(outcome_url, {"outcome": "repaired", "note": "x"}).status_code == 404
    assert client.get(reverse("procurement:return-devices")).status_code == 403
    client = page_client(buyer_user)
    assert client.post(outcome_url, {"outcome": "repaired", "note": "x"}).status_code == 403
    client = page_client(partner_user)
    assert client.get(report_url).status_code == 403
    assert snapshot() == before


def test_the_dashboards_link_the_pages(page_client, delivered, buyer, buyer_user, partner_user):
    return_report(device=delivered.devices[0], buyer=buyer, user=buyer_user, fault="Noir")
    page = html.fromstring(page_client(buyer_user).get(reverse("dashboard")).content.decode())
    links = page.xpath("//section[@aria-labelledby='returns-panel-title']//a/@href")
    assert reverse("procurement:return-devices") in links
    assert reverse("procurement:return-list") in links
    page = html.fromstring(page_client(partner_user).get(reverse("dashboard")).content.decode())
    panel = page.xpath("//section[@aria-labelledby='returns-panel-title']")[0]
    assert "Warranty returns to settle" in panel.text_content()
    assert delivered.devices[0].code in panel.text_content()


def test_the_french_pages_are_written_as_the_french_write(
    page_client, delivered, buyer, buyer_user, partner_user
):
    device = delivered.devices[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    buyer_client = page_client(buyer_user, "fr")
    pages = [
        buyer_client.get(reverse("procurement:return-devices")),
        buyer_client.get(reverse("procurement:return-report", args=[delivered.devices[1].code])),
        buyer_client.get(reverse("procurement:return-list")),
    ]
    partner_client = page_client(partner_user, "fr")
    pages.append(
        partner_client.get(reverse("procurement:return-detail", args=[warranty_return.pk]))
    )
    for response in pages:
        assert response.status_code == 200
        text = visible_text(response)
        assert french_faults(text) == [], text
    devices_page = visible_text(pages[0])
    assert "Vos appareils et leurs garanties" in devices_page
    end = DeliveryDevice.objects.get(device=delivered.devices[1]).warranty_ends_on
    assert end.strftime("%d/%m/%Y") in devices_page
    assert "Enregistrer la suite donnée" in visible_text(pages[3])


def test_returns_are_shown_read_only_in_the_admin(client, delivered, buyer, buyer_user):
    from tests.conftest import UserFactory

    warranty_return = return_report(
        device=delivered.devices[0], buyer=buyer, user=buyer_user, fault="Noir"
    )
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    change = reverse("admin:procurement_warrantyreturn_change", args=[warranty_return.pk])
    listing = client.get(reverse("admin:procurement_warrantyreturn_changelist"))
    page = client.get(change)
    posted = client.post(change, {})
    assert (listing.status_code, page.status_code, posted.status_code) == (200, 200, 403)
    assert WarrantyReturn.objects.get().state == ReturnState.OPEN
