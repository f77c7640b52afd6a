"""Planned pickups: the partner proposes, the commune confirms or proposes another date, the
partner confirms it; either side cancels; the collection recorded from the plan ends it; an
open plan holds its devices' claims until its day plus the margin."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory.choices import DeviceState
from inventory.models import Device
from reuse.choices import PickupState
from reuse.models import PickupPlan
from reuse.selectors import claim_lapses_at, claims_of
from reuse.services import (
    claims_expire_overdue,
    collection_record,
    device_release,
    pickup_cancel,
    pickup_confirm,
    pickup_counter_propose,
)
from tests.conftest import PartnerFactory, SiteFactory, member
from tests.reuse.pickups import AFTERNOON, MORNING, claim, in_days, pickup_snapshot, propose


@pytest.fixture
def claimed(declare, partner, partner_user):
    def _claimed(count=2, **declare_arguments):
        return claim(declare(count, **declare_arguments), partner, partner_user)

    return _claimed


@pytest.fixture
def plan(claimed, partner, partner_user, pickup_site):
    return propose(partner, partner_user, claimed(2), pickup_site)


@pytest.mark.django_db
def test_the_claimant_proposes_a_pickup_and_the_commune_is_told(
    claimed,
    partner,
    partner_user,
    commune,
    commune_user,
    pickup_site,
    django_capture_on_commit_callbacks,
):
    # given
    devices = claimed(2)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        plan = propose(partner, partner_user, devices, pickup_site, days=5, note="Quai B")

    # then
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert (plan.state, plan.partner, plan.commune, plan.site) == (
        PickupState.PROPOSED,
        partner,
        commune,
        pickup_site,
    )
    assert (plan.date, plan.starts_at, plan.ends_at, plan.note) == (
        in_days(5),
        *MORNING,
        "Quai B",
    )
    assert plan.proposed_by == partner_user
    assert plan.proposed_at is not None
    assert sorted(plan.devices.values_list("pk", flat=True)) == [d.pk for d in devices]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [commune_user.email]
    # in the site's language (French), the date as the French write it
    day = in_days(5).strftime("%d/%m/%Y")
    assert mail.outbox[0].subject == f"[Boucle] Atelier du Réemploi propose un enlèvement le {day}"
    assert (
        f"Atelier du Réemploi propose d’enlever les appareils ci-dessous le {day} entre 09:00 "
        "et 11:00, à Hôtel de ville." in mail.outbox[0].body
    )
    assert "rubrique «\u00a0Enlèvements planifiés\u00a0»" in mail.outbox[0].body
    assert "Quai B" in mail.outbox[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": in_days(-1)}, "date"),
        ({"date": in_days(61)}, "date"),
        ({"starts_at": datetime.time(11, 0), "ends_at": datetime.time(9, 0)}, "ends_at"),
    ],
)
def test_a_past_day_a_far_day_or_a_reversed_slot_is_refused(
    claimed, partner, partner_user, pickup_site, overrides, field
):
    # given
    devices = claimed(1)
    before = pickup_snapshot()

    # when
    with pytest.raises(ValidationFailed) as refusal:
        propose(partner, partner_user, devices, pickup_site, **overrides)

    # then
    assert list(refusal.value.fields) == [field]
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_today_is_a_valid_day(claimed, partner, partner_user, pickup_site):
    # when
    plan = propose(partner, partner_user, claimed(1), pickup_site, days=0)

    # then
    assert plan.date == timezone.localdate()


@pytest.mark.django_db
def test_another_partner_cannot_plan_the_pickup_of_devices_it_did_not_claim(claimed, pickup_site):
    # given
    devices = claimed(1)
    other = PartnerFactory()
    other_user = member(other)
    before = pickup_snapshot()

    # when
    with pytest.raises(PermissionDenied):
        propose(other, other_user, devices, pickup_site)

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_a_device_is_in_one_open_plan_only(plan, partner, partner_user, pickup_site):
    # given
    before = pickup_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        propose(partner, partner_user, list(plan.devices.all()), pickup_site, days=4)

    # then
    assert refusal.value.code == "already_planned"
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_site_must_be_a_pickup_site_of_the_devices_commune(
    claimed, partner, partner_user, other_commune
):
    # given
    devices = claimed(1)
    before = pickup_snapshot()

    # when
    with pytest.raises(ValidationFailed) as refusal:
        propose(partner, partner_user, devices, SiteFactory(organisation=other_commune))

    # then
    assert refusal.value.code == "foreign_site"
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_commune_confirms_and_the_partner_is_told(
    plan, partner_user, commune_user, django_capture_on_commit_callbacks
):
    # given
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        pickup_confirm(plan=plan, user=commune_user)

    # then
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert plan.state == PickupState.CONFIRMED
    assert plan.confirmed_by == commune_user
    assert plan.confirmed_at is not None
    assert [message.to for message in mail.outbox] == [[partner_user.email]]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["partner", "other_commune", "territory"])
def test_only_the_commune_confirms_a_proposal(
    plan, partner_user, other_commune_user, territory_user, who
):
    # given
    user = {
        "partner": partner_user,
        "other_commune": other_commune_user,
        "territory": territory_user,
    }[who]
    before = pickup_snapshot()

    # when
    with pytest.raises(PermissionDenied):
        pickup_confirm(plan=plan, user=user)

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_commune_proposes_another_date_which_the_partner_confirms(
    plan, partner_user, commune_user, django_capture_on_commit_callbacks
):
    # given
    first_date = plan.date
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        pickup_counter_propose(
            plan=plan,
            user=commune_user,
            date=in_days(7),
            starts_at=AFTERNOON[0],
            ends_at=AFTERNOON[1],
            note="Le matin, la cour est fermée.",
        )
        countered = PickupPlan.objects.get(pk=plan.pk)
        pickup_confirm(plan=countered, user=partner_user)

    # then
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert plan.state == PickupState.CONFIRMED
    assert countered.state == PickupState.COUNTER_PROPOSED
    assert (plan.date, plan.starts_at, plan.ends_at) == (in_days(7), *AFTERNOON)
    assert plan.proposed_date == first_date
    assert (plan.counter_proposed_by, plan.confirmed_by) == (commune_user, partner_user)
    assert plan.note == "Le matin, la cour est fermée."
    assert [message.to for message in mail.outbox] == [[partner_user.email], [commune_user.email]]


@pytest.mark.django_db
def test_the_commune_cannot_confirm_its_own_other_date(plan, commune_user):
    # given
    pickup_counter_propose(
        plan=plan, user=commune_user, date=in_days(6), starts_at=MORNING[0], ends_at=MORNING[1]
    )
    before = pickup_snapshot()

    # when
    with pytest.raises(PermissionDenied):
        pickup_confirm(plan=plan, user=commune_user)

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_partner_cannot_propose_another_date(plan, partner_user):
    # given
    before = pickup_snapshot()

    # when
    with pytest.raises(PermissionDenied):
        pickup_counter_propose(
            plan=plan, user=partner_user, date=in_days(6), starts_at=MORNING[0], ends_at=MORNING[1]
        )

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_a_past_other_date_is_refused(plan, commune_user):
    # given
    before = pickup_snapshot()

    # when
    with pytest.raises(ValidationFailed):
        pickup_counter_propose(
            plan=plan, user=commune_user, date=in_days(-2), starts_at=MORNING[0], ends_at=MORNING[1]
        )

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("side", ["partner", "commune"])
def test_either_side_cancels_and_the_other_is_told(
    plan, partner_user, commune_user, side, django_capture_on_commit_callbacks
):
    # given
    user, told = (partner_user, commune_user) if side == "partner" else (commune_user, partner_user)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        pickup_cancel(plan=plan, user=user)

    # then
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert (plan.state, plan.cancelled_by) == (PickupState.CANCELLED, user)
    assert not plan.items.filter(is_open=True).exists()
    assert set(plan.devices.values_list("state", flat=True)) == {DeviceState.CLAIMED}
    assert [message.to for message in mail.outbox] == [[told.email]]


@pytest.mark.django_db
def test_a_cancelled_plan_is_neither_confirmed_nor_cancelled_again(
    plan, partner_user, commune_user
):
    # given
    pickup_cancel(plan=plan, user=partner_user)
    before = pickup_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed):
        pickup_confirm(plan=plan, user=commune_user)
    with pytest.raises(TransitionNotAllowed):
        pickup_cancel(plan=plan, user=commune_user)

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_another_organisation_cannot_cancel(plan, other_commune_user):
    # given
    other_partner_user = member(PartnerFactory())
    before = pickup_snapshot()

    # when
    for user in (other_commune_user, other_partner_user):
        with pytest.raises(PermissionDenied):
            pickup_cancel(plan=plan, user=user)

    # then
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_an_open_plan_holds_its_claims_until_its_day_plus_the_margin(
    declare, settings, partner, partner_user, pickup_site, django_capture_on_commit_callbacks
):
    # given: claims 20 days old (the delay is 14), a pickup planned in 10 days for one
    settings.BOUCLE_CLAIM_EXPIRY_DAYS = 14
    settings.BOUCLE_PICKUP_MARGIN_DAYS = 2
    planned, unplanned = claim(declare(2), partner, partner_user)
    plan = propose(partner, partner_user, [planned], pickup_site, days=10)
    Device.objects.filter(pk__in=[planned.pk, unplanned.pk]).update(
        claimed_at=timezone.now() - datetime.timedelta(days=20)
    )

    # when: now, then on the day after the margin
    with django_capture_on_commit_callbacks(execute=True):
        expired_now = claims_expire_overdue()
    lapses_at = claim_lapses_at(claims_of(partner).get(pk=planned.pk))
    later = timezone.now() + datetime.timedelta(days=13)
    with django_capture_on_commit_callbacks(execute=True):
        expired_later = claims_expire_overdue(now=later)

    # then
    assert expired_now == 1
    assert timezone.localtime(lapses_at) == timezone.make_aware(
        datetime.datetime.combine(in_days(13), datetime.time.min)
    )
    assert Device.objects.get(pk=unplanned.pk).state == DeviceState.DECLARED
    assert expired_later == 1
    assert Device.objects.get(pk=planned.pk).state == DeviceState.DECLARED
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert plan.state == PickupState.CANCELLED
    assert not plan.items.filter(is_open=True).exists()


@pytest.mark.django_db
def test_the_margin_keeps_the_claim_the_day_after_the_pickup(
    declare, settings, partner, partner_user, pickup_site
):
    # given: a claim 20 days old, its pickup planned today
    settings.BOUCLE_CLAIM_EXPIRY_DAYS = 14
    settings.BOUCLE_PICKUP_MARGIN_DAYS = 2
    [device] = claim(declare(1), partner, partner_user)
    propose(partner, partner_user, [device], pickup_site, days=0)
    Device.objects.filter(pk=device.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(days=20)
    )

    # when: two days later
    expired = claims_expire_overdue(now=timezone.now() + datetime.timedelta(days=2))

    # then
    assert expired == 0
    assert Device.objects.get(pk=device.pk).state == DeviceState.CLAIMED


def _collect(partner, user, devices, plan=None, site=None):
    return collection_record(
        partner=partner,
        user=user,
        devices=devices,
        collected_on=timezone.localdate(),
        site=site,
        commune_signatory="Claire Dubois",
        commune_signatory_title="DSI",
        partner_signatory="Karim Benali",
        partner_signatory_title="Responsable d’atelier",
        plan=plan,
    )


@pytest.mark.django_db
def test_the_collection_recorded_from_a_confirmed_plan_makes_it_done(
    plan, partner, partner_user, commune_user, pickup_site
):
    # given
    pickup_confirm(plan=plan, user=commune_user)
    devices = list(plan.devices.all())

    # when
    collection = _collect(partner, partner_user, devices, plan=plan, site=pickup_site)

    # then
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert (plan.state, plan.collection) == (PickupState.DONE, collection)
    assert plan.done_at is not None
    assert not plan.items.filter(is_open=True).exists()
    assert set(plan.devices.values_list("state", flat=True)) == {DeviceState.COLLECTED}


@pytest.mark.django_db
def test_a_plan_not_yet_confirmed_is_not_recorded_as_collected(
    plan, partner, partner_user, pickup_site
):
    # given
    before = pickup_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        _collect(partner, partner_user, list(plan.devices.all()), plan=plan, site=pickup_site)

    # then
    assert refusal.value.code == "pickup_not_confirmed"
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_a_released_device_leaves_its_plan_and_an_empty_plan_is_cancelled(
    claimed, partner, partner_user, pickup_site
):
    # given
    [device] = claimed(1)
    plan = propose(partner, partner_user, [device], pickup_site)

    # when
    device_release(device=device, partner=partner, user=partner_user)

    # then
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert plan.state == PickupState.CANCELLED
    assert not plan.items.filter(is_open=True).exists()
