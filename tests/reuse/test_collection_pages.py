"""Collection pages: record a collection from "My claims", read it, list it, download its note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory.choices import DeviceState
from inventory.models import Device
from reuse.models import Collection
from reuse.services import devices_claim
from tests.conftest import PartnerFactory, SiteFactory, member

FORM = {
    "collected_on": "2026-03-12",
    "commune_signatory": "Claire Dubois",
    "commune_signatory_title": "DSI",
    "partner_signatory": "Karim Benali",
    "partner_signatory_title": "Responsable d'atelier",
}


@pytest.fixture
def claimed(declare, partner, partner_user):
    def _claimed(count=2):
        devices = declare(count)
        devices_claim(devices=devices, partner=partner, user=partner_user)
        return devices

    return _claimed


@pytest.mark.django_db
def test_a_partner_records_a_collection_from_my_claims_and_downloads_its_note(
    page_client, claimed, partner, partner_user, pickup_site, django_capture_on_commit_callbacks
):
    # given
    devices = claimed(2)
    client = page_client(partner_user)
    claims_page = client.get(reverse("reuse:claim-list")).content.decode()
    assert f'name="codes" value="{devices[0].code}"' in claims_page
    codes = [device.code for device in devices]

    # when
    form_page = client.get(reverse("reuse:collection-new"), {"codes": codes})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reuse:collection-new"), {"codes": codes, "site": pickup_site.pk, **FORM}
        )

    # then
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["site"] == pickup_site
    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reuse:collection-detail", args=[collection.pk])
    assert {d.state for d in Device.objects.all()} == {DeviceState.COLLECTED}
    detail = client.get(response["Location"]).content.decode()
    download = reverse("documents:document-download", args=[collection.document.number])
    assert download in detail
    for code in codes:
        assert code in detail
    pdf = client.get(download)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    device_page = client.get(reverse("inventory:device-detail", args=[codes[0]])).content.decode()
    assert reverse("reuse:collection-detail", args=[collection.pk]) in device_page


@pytest.mark.django_db
def test_the_device_page_offers_collect_to_the_claimant(page_client, claimed, partner_user):
    # given
    [device] = claimed(1)
    client = page_client(partner_user)

    # when
    page = client.get(reverse("inventory:device-detail", args=[device.code]))
    response = client.get(reverse("reuse:device-collect", args=[device.code]))

    # then
    assert [action["name"] for action in page.context["actions"]] == ["collect", "release"]
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('reuse:collection-new')}?codes={device.code}"


@pytest.mark.django_db
def test_a_partner_without_esus_approval_sees_the_legal_reason(page_client, declare):
    # given
    uncertified = PartnerFactory(esus_approval_reference="")
    user = member(uncertified)
    devices = declare(1)
    devices_claim(devices=devices, partner=uncertified, user=user)

    # when
    response = page_client(user).post(
        reverse("reuse:collection-new"), {"codes": [devices[0].code], **FORM}
    )

    # then
    assert response.status_code == 200
    assert "Only an ESUS-approved organisation may receive a free cession" in (
        response.content.decode()
    )
    assert Collection.objects.count() == 0
    assert Device.objects.get().state == DeviceState.CLAIMED


@pytest.mark.django_db
def test_devices_of_two_communes_are_sent_back_to_my_claims(
    page_client, claimed, declare, other_commune, other_commune_user, partner, partner_user
):
    here = claimed(1)
    there = declare(
        1,
        by=other_commune_user,
        for_commune=other_commune,
        site=SiteFactory(organisation=other_commune),
    )
    devices_claim(devices=there, partner=partner, user=partner_user)

    response = page_client(partner_user).post(
        reverse("reuse:collection-new"),
        {"codes": [here[0].code, there[0].code], **FORM},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("reuse:claim-list")
    assert "A collection takes devices of one commune only: record one per commune." in [
        str(m) for m in response.context["messages"]
    ]
    assert Collection.objects.count() == 0


@pytest.mark.django_db
def test_a_commune_may_not_record_a_collection(page_client, claimed, commune_user):
    devices = claimed(1)

    response = page_client(commune_user).post(
        reverse("reuse:collection-new"), {"codes": [devices[0].code], **FORM}
    )

    assert response.status_code == 403
    assert Collection.objects.count() == 0


@pytest.mark.django_db
def test_the_commune_and_territory_see_the_collection_another_commune_gets_404(
    page_client,
    client,
    claimed,
    partner,
    partner_user,
    commune_user,
    territory_user,
    other_commune_user,
):
    # given
    devices = claimed(1)
    page_client(partner_user).post(
        reverse("reuse:collection-new"), {"codes": [devices[0].code], **FORM}
    )
    collection = Collection.objects.get()
    detail = reverse("reuse:collection-detail", args=[collection.pk])
    listing = reverse("reuse:collection-list")

    # then
    for user in (commune_user, territory_user):
        client.force_login(user)
        assert client.get(detail).status_code == 200
        assert list(client.get(listing).context["collections"]) == [collection]
    client.force_login(other_commune_user)
    assert client.get(detail).status_code == 404
    assert list(client.get(listing).context["collections"]) == []
