"""Claims: one device, a selection, a declaration, a site; release; expiry with its e-mails."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceEvent
from inventory.services import device_withdraw
from reuse.services import (
    claims_expire_overdue,
    declaration_claim,
    device_release,
    devices_claim,
    site_claim,
)
from reuse.tasks import expire_overdue_claims
from tests.conftest import SiteFactory


def fresh(device: Device) -> Device:
    return Device.objects.get(pk=device.pk)


def snapshot(devices) -> list[tuple]:
    return [
        (
            device.state,
            device.claimed_by_id,
            device.claimed_at,
            list(device.events.values_list("kind", flat=True)),
        )
        for device in Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk")
    ]


@pytest.mark.django_db
def test_claim_of_a_selection_claims_every_declared_device(
    declare, partner, partner_user, commune, commune_user, django_capture_on_commit_callbacks
):
    # given
    devices = declare(3)
    device_withdraw(device=devices[2], user=commune_user, organisation=commune)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        claimed = devices_claim(
            codes=[device.code.lower() for device in devices], partner=partner, user=partner_user
        )

    # then: the withdrawn one is left out
    assert sorted(device.code for device in claimed) == sorted(d.code for d in devices[:2])
    for device in devices[:2]:
        device = fresh(device)
        assert device.state == DeviceState.CLAIMED
        assert device.claimed_by == partner
        assert device.claimed_at is not None
        event = device.events.last()
        assert (event.kind, event.from_state, event.to_state) == (
            EventKind.CLAIMED,
            DeviceState.DECLARED,
            DeviceState.CLAIMED,
        )
        assert (event.actor, event.organisation) == (partner_user, partner)
    assert fresh(devices[2]).state == DeviceState.WITHDRAWN
    # the commune is told, in the site's language (French)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [commune_user.email]
    assert mail.outbox[0].subject == f"[Boucle] {partner.name} a réservé 2 de vos appareils"
    assert devices[0].code in mail.outbox[0].body


@pytest.mark.django_db
def test_claim_by_a_commune_is_refused_and_changes_nothing(
    declare, other_commune, other_commune_user
):
    # given
    devices = declare(2)
    before = snapshot(devices)

    # when
    with pytest.raises(PermissionDenied):
        devices_claim(devices=devices, partner=other_commune, user=other_commune_user)

    # then
    assert snapshot(devices) == before


@pytest.mark.django_db
def test_claim_for_a_partner_one_does_not_belong_to_is_refused(declare, partner, commune_user):
    devices = declare(1)
    before = snapshot(devices)

    with pytest.raises(PermissionDenied):
        devices_claim(devices=devices, partner=partner, user=commune_user)

    assert snapshot(devices) == before


@pytest.mark.django_db
def test_claim_of_a_claimed_device_is_refused_and_changes_nothing(
    declare, partner, partner_user, other_partner, other_partner_user
):
    # given
    devices = declare(1)
    devices_claim(devices=devices, partner=partner, user=partner_user)
    before = snapshot(devices)

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        devices_claim(devices=devices, partner=other_partner, user=other_partner_user)

    # then
    assert refusal.value.code == "not_available"
    assert snapshot(devices) == before
    assert fresh(devices[0]).claimed_by == partner


@pytest.mark.django_db
def test_claim_of_unknown_codes_is_refused(partner, partner_user):
    with pytest.raises(TransitionNotAllowed):
        devices_claim(codes=["ZZZZZZZZ"], partner=partner, user=partner_user)


@pytest.mark.django_db
def test_declaration_claim_takes_its_declared_devices_only(
    declare, partner, partner_user, other_partner, other_partner_user
):
    # given: three devices in one declaration, one already claimed by another partner
    devices = declare(3)
    devices_claim(devices=devices[:1], partner=other_partner, user=other_partner_user)
    declaration = Declaration.objects.get(pk=devices[0].declaration_id)

    # when
    claimed = declaration_claim(declaration=declaration, partner=partner, user=partner_user)

    # then
    assert sorted(d.pk for d in claimed) == [d.pk for d in devices[1:]]
    assert fresh(devices[0]).claimed_by == other_partner

    # and a second claim of the declaration finds nothing left
    with pytest.raises(TransitionNotAllowed):
        declaration_claim(declaration=declaration, partner=partner, user=partner_user)


@pytest.mark.django_db
def test_site_claim_takes_the_declared_devices_of_that_site(
    declare, commune, partner, partner_user
):
    # given
    other_site = SiteFactory(organisation=commune, name="Médiathèque")
    at_site = declare(2, site=other_site)
    elsewhere = declare(1)

    # when
    claimed = site_claim(site=other_site, partner=partner, user=partner_user)

    # then
    assert sorted(d.pk for d in claimed) == [d.pk for d in at_site]
    assert fresh(elsewhere[0]).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_release_by_the_claimant_returns_the_device(declare, partner, partner_user):
    # given
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)

    # when
    device_release(device=device, partner=partner, user=partner_user, note="Trop lourd")

    # then
    device = fresh(device)
    assert (device.state, device.claimed_by, device.claimed_at) == (
        DeviceState.DECLARED,
        None,
        None,
    )
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state, event.note) == (
        EventKind.RELEASED,
        DeviceState.CLAIMED,
        DeviceState.DECLARED,
        "Trop lourd",
    )
    assert event.organisation == partner


@pytest.mark.django_db
def test_release_tells_the_commune_by_email(
    declare, partner, partner_user, commune_user, django_capture_on_commit_callbacks
):
    # given
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        device_release(device=device, partner=partner, user=partner_user, note="Trop lourd")

    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [commune_user.email]
    assert message.subject == (
        f"[Boucle] {partner.name} a libéré sa réservation de 1 de vos appareils"
    )
    assert device.code in message.body
    assert "Trop lourd" in message.body
    assert "inventaire partagé" in message.body


@pytest.mark.django_db
def test_a_refused_release_sends_no_email(
    declare,
    partner,
    partner_user,
    other_partner,
    other_partner_user,
    django_capture_on_commit_callbacks,
):
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        device_release(device=device, partner=other_partner, user=other_partner_user)

    assert mail.outbox == []


@pytest.mark.django_db
def test_release_by_another_partner_is_refused_and_changes_nothing(
    declare, partner, partner_user, other_partner, other_partner_user
):
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    before = snapshot([device])

    with pytest.raises(PermissionDenied):
        device_release(device=device, partner=other_partner, user=other_partner_user)

    assert snapshot([device]) == before


@pytest.mark.django_db
def test_release_of_a_declared_device_is_refused(declare, partner, partner_user):
    [device] = declare(1)
    before = snapshot([device])

    with pytest.raises(TransitionNotAllowed):
        device_release(device=device, partner=partner, user=partner_user)

    assert snapshot([device]) == before


def claim_at(devices, partner, user, at: datetime.datetime):
    """Claim ``devices`` as if at ``at``: the claim time is what the expiry compares."""
    claimed = devices_claim(devices=devices, partner=partner, user=user)
    Device.objects.filter(pk__in=[d.pk for d in claimed]).update(claimed_at=at)
    return claimed


@pytest.mark.django_db
def test_overdue_claims_expire_and_fresh_ones_do_not(
    declare,
    settings,
    commune,
    commune_user,
    partner,
    partner_user,
    django_capture_on_commit_callbacks,
):
    # given: the delay is 14 days; one claim 15 days old, one 13 days old
    settings.BOUCLE_CLAIM_EXPIRY_DAYS = 14
    now = timezone.now()
    overdue, fresh_claim = declare(2)
    claim_at([overdue], partner, partner_user, now - datetime.timedelta(days=15))
    claim_at([fresh_claim], partner, partner_user, now - datetime.timedelta(days=13))
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        count = claims_expire_overdue(now=now)

    # then
    assert count == 1
    expired = fresh(overdue)
    assert (expired.state, expired.claimed_by, expired.claimed_at) == (
        DeviceState.DECLARED,
        None,
        None,
    )
    event = expired.events.last()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.CLAIM_EXPIRED,
        DeviceState.CLAIMED,
        DeviceState.DECLARED,
    )
    assert (event.actor, event.organisation) == (None, None)
    assert "14 days" in event.note
    assert event.details["claimed_by"] == partner.pk
    kept = fresh(fresh_claim)
    assert (kept.state, kept.claimed_by) == (DeviceState.CLAIMED, partner)
    # both sides are told, each once
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [commune_user.email, partner_user.email]
    )
    for message in mail.outbox:
        assert message.subject == (
            "[Boucle] Une réservation a expiré\u00a0: 1 appareil de retour dans l’inventaire"
        )
        assert overdue.code in message.body
        assert fresh_claim.code not in message.body
    [to_partner] = [m for m in mail.outbox if m.to == [partner_user.email]]
    assert "Votre réservation de 1 appareil de Cachan a expiré" in to_partner.body
    [to_commune] = [m for m in mail.outbox if m.to == [commune_user.email]]
    assert f"La réservation par {partner.name} de 1 de vos appareils" in to_commune.body

    # and a second run finds nothing more
    assert claims_expire_overdue(now=now) == 0


@pytest.mark.django_db
def test_a_claim_lapses_exactly_after_the_delay(declare, settings, partner, partner_user):
    # given: a claim made now, the delay 14 days
    settings.BOUCLE_CLAIM_EXPIRY_DAYS = 14
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    claimed_at = fresh(device).claimed_at

    # then: still held a second before the delay, expired at it
    delay = datetime.timedelta(days=14)
    assert claims_expire_overdue(now=claimed_at + delay - datetime.timedelta(seconds=1)) == 0
    assert fresh(device).state == DeviceState.CLAIMED
    assert claims_expire_overdue(now=claimed_at + delay) == 1
    assert fresh(device).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_expiry_writes_to_the_organisation_address_without_members(
    declare, settings, partner, partner_user, django_capture_on_commit_callbacks
):
    # given: a commune without members but with a contact address
    from tests.conftest import CommuneFactory, member

    lonely = CommuneFactory(email="mairie@example.org")
    declarer = member(lonely)
    [device] = declare(1, by=declarer, for_commune=lonely)
    declarer.memberships.all().delete()
    now = timezone.now()
    claim_at([device], partner, partner_user, now - datetime.timedelta(days=30))
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        claims_expire_overdue(now=now)

    # then
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["mairie@example.org", partner_user.email]
    )


@pytest.mark.django_db
def test_expire_is_never_run_by_an_organisation(declare, partner, partner_user, commune):
    # given
    from inventory.services import device_transition

    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    before = snapshot([device])

    # when / then: neither the claimant nor the commune may expire a claim
    for organisation, user in ((partner, partner_user), (commune, None)):
        with pytest.raises(PermissionDenied):
            device_transition(
                device=device, transition="expire", user=user, organisation=organisation
            )
    assert snapshot([device]) == before


@pytest.mark.django_db
def test_the_task_and_the_command_expire_overdue_claims(declare, partner, partner_user, capsys):
    # given
    long_ago = timezone.now() - datetime.timedelta(days=400)
    first, second = declare(2)
    claim_at([first], partner, partner_user, long_ago)

    # when / then
    assert expire_overdue_claims() == 1
    claim_at([second], partner, partner_user, long_ago)
    call_command("expire_claims")
    assert capsys.readouterr().out.strip() == "1 claim expired."
    assert DeviceEvent.objects.filter(kind=EventKind.CLAIM_EXPIRED).count() == 2
