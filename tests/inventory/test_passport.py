"""The device passport at /d/<code>/: public history without personal data, actions to members."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.choices import DeviceState
from inventory.models import Device, DeviceEvent
from inventory.services import device_update, device_withdraw
from reuse.services import devices_claim
from tests.conftest import MembershipFactory, PartnerFactory, UserFactory, member

SERIAL = "SNPASSPORT42"
CONDITION_NOTE = "Charnière gauche fendue, signalée par l'agent"
EDIT_NOTE = "Corrigé après inventaire du service"
WITHDRAW_NOTE = "Repris pour la médiathèque"


@pytest.fixture
def visitor(client):
    """A page client in English: anonymous, or logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user=None):
        if user is not None:
            client.force_login(user)
        return client

    return _as


@pytest.fixture
def device(commune, declare):
    """A declared laptop of Cachan, its description edited with a note by a named person."""
    editor = UserFactory(username="claire.dubois", first_name="Claire", last_name="Dubois")
    member_device = declare(1, serial_number=SERIAL, condition_notes=CONDITION_NOTE)[0]
    MembershipFactory(user=editor, organisation=commune)
    return device_update(
        device=member_device,
        user=editor,
        organisation=commune,
        note=EDIT_NOTE,
        model="Latitude 7490",
    )


def passport(client, code: str):
    return client.get(reverse("device-passport", args=[code]))


@pytest.mark.django_db
def test_anonymous_visitor_reads_the_public_passport_without_personal_data(
    device, commune_user, visitor
):
    # given
    device_withdraw(
        device=device, user=commune_user, organisation=device.commune, note=WITHDRAW_NOTE
    )
    events = list(DeviceEvent.objects.filter(device=device).order_by("pk"))

    # when
    response = passport(visitor(), device.code)

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert device.code in content
    assert "Laptop" in content
    assert "Dell" in content
    assert "Latitude 7490" in content
    assert "Withdrawn" in content
    assert [event.kind for event in events] == ["declared", "edited", "withdrawn"]
    for label in ("Declared", "Description edited", "Withdrawn"):
        assert f"<strong>{label}</strong>" in content
    assert content.count("· Cachan") == 3
    for secret in (
        SERIAL,
        CONDITION_NOTE,
        EDIT_NOTE,
        WITHDRAW_NOTE,
        "claire.dubois",
        "Claire",
        "Dubois",
        commune_user.username,
        commune_user.email,
    ):
        assert secret not in content, secret
    assert 'data-action="' not in content
    assert reverse("inventory:device-detail", args=[device.code]) not in content


@pytest.mark.django_db
def test_declaring_commune_sees_the_withdraw_action_and_the_device_page(
    device, commune_user, visitor
):
    content = passport(visitor(commune_user), device.code).content.decode()

    assert f'href="{reverse("inventory:device-withdraw", args=[device.code])}"' in content
    assert 'data-action="withdraw"' in content
    assert f'href="{reverse("inventory:device-edit", args=[device.code])}"' in content
    assert f'href="{reverse("inventory:device-detail", args=[device.code])}"' in content
    assert 'data-action="claim"' not in content


@pytest.mark.django_db
def test_a_partner_sees_the_claim_action_then_the_release_once_claimed(
    device, partner, partner_user, visitor
):
    before = passport(visitor(partner_user), device.code).content.decode()
    devices_claim(devices=[device], partner=partner, user=partner_user)
    after = passport(visitor(partner_user), device.code).content.decode()

    assert f'href="{reverse("reuse:device-claim", args=[device.code])}"' in before
    assert 'data-action="withdraw"' not in before
    assert 'data-action="claim"' not in after
    assert f'href="{reverse("reuse:device-release", args=[device.code])}"' in after


@pytest.mark.django_db
def test_another_commune_reads_the_public_passport(device, other_commune_user, visitor):
    content = passport(visitor(other_commune_user), device.code).content.decode()

    assert 'data-action="' not in content
    assert SERIAL not in content
    assert CONDITION_NOTE not in content
    # The device is declared, so in the shared inventory: its full page is open to them.
    assert f'href="{reverse("inventory:device-detail", args=[device.code])}"' in content


@pytest.mark.django_db
def test_a_partner_member_sees_no_action_on_a_device_claimed_by_another(
    device, partner, partner_user, visitor
):
    devices_claim(devices=[device], partner=partner, user=partner_user)
    other = member(PartnerFactory(name="Recyclerie du Val", slug="recyclerie-val"))

    response = passport(visitor(other), device.code)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-action="' not in content
    assert reverse("inventory:device-detail", args=[device.code]) not in content
    assert "Claimed" in content


@pytest.mark.django_db
def test_the_code_is_read_in_any_case_and_an_unknown_code_is_404(device, visitor):
    assert passport(visitor(), device.code.lower()).status_code == 200
    missing = passport(visitor(), "ZZZZ9999")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()


@pytest.mark.django_db
def test_a_withdrawn_device_still_has_its_passport(device, commune_user, visitor):
    device_withdraw(device=device, user=commune_user, organisation=device.commune)

    response = passport(visitor(commune_user), device.code)

    assert Device.objects.get(pk=device.pk).state == DeviceState.WITHDRAWN
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-action="' not in content
    assert "<strong>Withdrawn</strong>" in content
