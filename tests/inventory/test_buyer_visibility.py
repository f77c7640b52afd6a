"""A buyer's view of the inventory: its own devices only, never the communes' declared ones."""

import pytest
from django.conf import settings
from django.urls import reverse

from documents.models import Document
from inventory.permissions import can_view_device
from inventory.selectors import devices_visible_to
from tests.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_user(buyer):
    return member(buyer)


def test_the_declared_inventory_is_shared_with_communes_and_partners_not_buyers(
    declare, buyer, partner, other_commune
):
    # given
    [device] = declare(1)

    # then
    assert list(devices_visible_to([buyer])) == []
    assert not can_view_device([buyer], device)
    assert list(devices_visible_to([partner])) == [device]
    assert list(devices_visible_to([other_commune])) == [device]


def test_a_buyers_inventory_page_shows_no_communes_device_and_offers_no_labels(
    client, declare, buyer_user
):
    # given
    [device] = declare(1, serial_number="SN-SECRET-1")
    client.force_login(buyer_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    page = client.get(reverse("inventory:device-list"))
    detail = client.get(reverse("inventory:device-detail", args=[device.code]))

    # then
    content = page.content.decode()
    assert list(page.context["devices"]) == []
    assert "SN-SECRET-1" not in content
    assert device.code not in content
    assert 'id="label-selection"' not in content
    assert "Your organisation has received no device yet." in content
    assert detail.status_code == 404


def test_a_buyer_reads_no_declared_device_through_the_api_nor_prints_its_label(
    client_for, declare, buyer_user
):
    # given
    [device] = declare(1)
    api = client_for(buyer_user)
    documents = Document.objects.count()

    # when
    listing = api.get("/api/v1/devices/")
    detail = api.get(f"/api/v1/devices/{device.code}/")
    labels = api.post("/api/v1/labels/", {"codes": [device.code]}, format="json")

    # then
    assert listing.json()["results"] == []
    assert detail.status_code == 404
    assert labels.status_code == 403
    assert labels.json()["error"]["code"] == "labels_not_allowed"
    assert Document.objects.count() == documents
