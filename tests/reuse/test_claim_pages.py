"""Claim pages by role: the list's selection, claim and release, my claims, dashboards."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.choices import DeviceState
from inventory.models import Declaration, Device
from reuse.services import devices_claim
from tests.conftest import SiteFactory


def fresh(device: Device) -> Device:
    return Device.objects.get(pk=device.pk)


@pytest.mark.django_db
def test_partner_sees_checkboxes_for_declared_devices_only(
    page_client, declare, partner, partner_user
):
    # given
    first, second = declare(2)
    devices_claim(devices=[second], partner=partner, user=partner_user)

    # when
    response = page_client(partner_user).get(reverse("inventory:device-list"))

    # then
    content = response.content.decode()
    assert reverse("reuse:claim-selection") in content
    assert "Claim the selection" in content
    assert f'name="codes" value="{first.code}"' in content
    assert f'name="codes" value="{second.code}"' not in content


@pytest.mark.django_db
def test_commune_has_no_claim_selection(page_client, declare, commune_user):
    declare(1)

    content = page_client(commune_user).get(reverse("inventory:device-list")).content.decode()

    assert reverse("reuse:claim-selection") not in content
    assert 'name="codes"' not in content


@pytest.mark.django_db
def test_claiming_the_selection_reports_the_unavailable(
    page_client, declare, partner, partner_user, other_partner, other_partner_user
):
    # given: one of three already claimed by another partner
    devices = declare(3)
    devices_claim(devices=devices[:1], partner=other_partner, user=other_partner_user)

    # when
    response = page_client(partner_user).post(
        reverse("reuse:claim-selection"),
        {"codes": [device.code for device in devices]},
        follow=True,
    )

    # then
    assert response.redirect_chain[-1][0] == reverse("reuse:claim-list")
    texts = [str(message) for message in response.context["messages"]]
    assert "2 devices claimed." in texts
    assert f"No longer available (already claimed or withdrawn): {devices[0].code}." in texts
    assert [fresh(d).claimed_by for d in devices] == [other_partner, partner, partner]
    content = response.content.decode()
    assert devices[1].code in content
    assert devices[2].code in content


@pytest.mark.django_db
def test_claiming_nothing_is_an_error_message(page_client, partner_user):
    response = page_client(partner_user).post(reverse("reuse:claim-selection"), {}, follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Select at least one device."]


@pytest.mark.django_db
def test_a_commune_may_not_post_a_claim(page_client, declare, commune_user):
    [device] = declare(1)

    response = page_client(commune_user).post(
        reverse("reuse:claim-selection"), {"codes": [device.code]}
    )

    assert response.status_code == 403
    assert fresh(device).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_device_page_offers_claim_then_release_to_the_partner(
    page_client, declare, partner, partner_user
):
    # given
    [device] = declare(1)
    client = page_client(partner_user)
    detail = reverse("inventory:device-detail", args=[device.code])
    claim_url = reverse("reuse:device-claim", args=[device.code])
    assert [a["name"] for a in client.get(detail).context["actions"]] == ["claim"]

    # when: confirm, then claim
    assert client.get(claim_url).status_code == 200
    response = client.post(claim_url, follow=True)

    # then
    assert response.redirect_chain[-1][0] == detail
    assert fresh(device).claimed_by == partner
    assert [a["name"] for a in response.context["actions"]] == ["collect", "release"]
    assert "Claimed by" in response.content.decode()

    # when: release
    release_url = reverse("reuse:device-release", args=[device.code])
    response = client.post(release_url, {"note": "Pas de place"}, follow=True)

    # then
    assert response.redirect_chain[-1][0] == reverse("reuse:claim-list")
    device = fresh(device)
    assert (device.state, device.claimed_by) == (DeviceState.DECLARED, None)
    assert device.events.last().note == "Pas de place"


@pytest.mark.django_db
def test_claim_page_is_forbidden_to_a_commune(page_client, declare, commune_user):
    [device] = declare(1)

    response = page_client(commune_user).post(reverse("reuse:device-claim", args=[device.code]))

    assert response.status_code == 403
    assert fresh(device).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_claim_page_of_a_claimed_device_says_why(page_client, declare, partner, partner_user):
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)

    response = page_client(partner_user).post(
        reverse("reuse:device-claim", args=[device.code]), follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "This action is not possible for a device in state “Claimed”."
    ]


@pytest.mark.django_db
def test_another_partner_neither_sees_nor_releases_a_claim(
    page_client, declare, partner, partner_user, other_partner_user
):
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    client = page_client(other_partner_user)

    assert client.get(reverse("inventory:device-detail", args=[device.code])).status_code == 404
    assert client.post(reverse("reuse:device-release", args=[device.code])).status_code == 404
    assert fresh(device).claimed_by == partner


@pytest.mark.django_db
def test_my_claims_lists_the_claims_with_since_and_until(
    page_client, declare, settings, partner, partner_user, other_partner, other_partner_user
):
    # given
    settings.BOUCLE_CLAIM_EXPIRY_DAYS = 10
    mine, theirs = declare(2)
    devices_claim(devices=[mine], partner=partner, user=partner_user)
    devices_claim(devices=[theirs], partner=other_partner, user=other_partner_user)

    # when
    response = page_client(partner_user).get(reverse("reuse:claim-list"))

    # then
    assert response.status_code == 200
    [claim] = response.context["claims"]
    assert claim["device"].code == mine.code
    claimed_at = fresh(mine).claimed_at
    assert claim["lapses_at"] - claimed_at == datetime.timedelta(days=10)
    content = response.content.decode()
    assert mine.code in content
    assert theirs.code not in content


@pytest.mark.django_db
def test_my_claims_is_for_partners_only(page_client, commune_user):
    assert page_client(commune_user).get(reverse("reuse:claim-list")).status_code == 403


@pytest.mark.django_db
def test_claiming_a_whole_declaration_and_a_site_from_my_claims(
    page_client, declare, commune, partner, partner_user
):
    # given
    batch = declare(2)
    site = SiteFactory(organisation=commune, name="Médiathèque")
    at_site = declare(2, site=site)
    client = page_client(partner_user)
    page = client.get(reverse("reuse:claim-list")).content.decode()
    assert "Claim a whole declaration" in page
    assert "Médiathèque" in page

    # when
    declaration = Declaration.objects.get(pk=batch[0].declaration_id)
    client.post(reverse("reuse:claim-declaration"), {"declaration": declaration.pk})
    response = client.post(reverse("reuse:claim-site"), {"site": site.pk}, follow=True)

    # then
    assert {fresh(d).claimed_by for d in batch + at_site} == {partner}
    assert "2 devices claimed." in [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_commune_sees_who_claimed_what_and_since_when(
    page_client, declare, commune_user, partner, partner_user
):
    # given
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    client = page_client(commune_user)

    # when
    detail = client.get(reverse("inventory:device-detail", args=[device.code])).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    # then
    assert "Claimed by" in detail
    assert partner.name in detail
    assert timezone.localtime(fresh(device).claimed_at).isoformat()[:16] in detail
    assert "Claimed by partners" in dashboard
    assert partner.name in dashboard
    assert device.code in dashboard


@pytest.mark.django_db
def test_partner_dashboard_lists_its_claims(page_client, declare, partner, partner_user):
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)

    dashboard = page_client(partner_user).get(reverse("dashboard")).content.decode()

    assert "My claims" in dashboard
    assert device.code in dashboard
    assert reverse("reuse:claim-list") in dashboard
