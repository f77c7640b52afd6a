"""The device counts: kept by every change of a device in the change's own transaction, read by
the dashboards, rebuilt and checked by ``recount_devices``."""

from __future__ import annotations

import contextlib
import datetime
import importlib
import io
import itertools
import random
import threading
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.errors import PermissionDenied
from inventory.choices import DeviceCategory, DeviceState
from inventory.counts import count_key, device_counts_add, device_counts_batch
from inventory.models import Device, DeviceCount
from inventory.services import declaration_create, device_transition, device_update
from reuse.services import (
    claims_expire_overdue,
    collection_record,
    device_certify_ready,
    device_release,
    devices_claim,
    diagnosis_record,
    grading_record,
    waste_record_create,
)
from tests.conftest import PartnerFactory, device_description, member
from tests.fixtures.imports import csv_bytes, import_bytes
from tests.reuse.refurbishment import all_ok, erase
from tests.reuse.test_recycling_services import shipment

pytestmark = pytest.mark.django_db

KEY = ("commune", "holder", "claimed_by", "state", "category")


def stored() -> dict[tuple, int]:
    """The counts the table holds, zeros left out, by (commune, holder, claimant, state,
    category) primary keys."""
    return {
        tuple(row[:5]): row[5]
        for row in DeviceCount.objects.filter(count__gt=0).values_list(*KEY, "count")
    }


def recounted() -> dict[tuple, int]:
    """The same, counted from the devices here, independently of inventory.counts."""
    return dict(Counter(Device.objects.values_list(*KEY)))


def count_statements(queries) -> list[str]:
    return [query["sql"] for query in queries if DeviceCount._meta.db_table in query["sql"]]


class _Rollback(Exception):
    pass


# --- What each change counts. ---


def test_a_declaration_counts_its_devices_per_category(declare, commune, other_commune):
    # when
    declare(2)
    declare(1, category=DeviceCategory.MONITOR)

    # then
    assert stored() == {
        (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.LAPTOP): 2,
        (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.MONITOR): 1,
    }
    assert stored() == recounted()


def test_each_transition_moves_its_device_to_its_new_key(
    declare, commune, commune_user, partner, partner_user
):
    # given
    device, other = declare(2)
    declared = (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.LAPTOP)
    claimed = (commune.pk, commune.pk, partner.pk, DeviceState.CLAIMED, DeviceCategory.LAPTOP)
    collected = (commune.pk, partner.pk, partner.pk, DeviceState.COLLECTED, DeviceCategory.LAPTOP)
    withdrawn = (commune.pk, commune.pk, None, DeviceState.WITHDRAWN, DeviceCategory.LAPTOP)

    def run(transition, target, organisation, user, **arguments):
        device_transition(
            device=target, transition=transition, user=user, organisation=organisation, **arguments
        )
        return stored()

    # when / then
    assert run("withdraw", other, commune, commune_user) == {declared: 1, withdrawn: 1}
    assert run("claim", device, partner, partner_user, claimant=partner) == {
        claimed: 1,
        withdrawn: 1,
    }
    assert run("release", device, partner, partner_user) == {declared: 1, withdrawn: 1}
    run("claim", device, partner, partner_user, claimant=partner)
    assert run("collect", device, partner, partner_user) == {collected: 1, withdrawn: 1}
    assert stored() == recounted()


def test_a_refused_transition_changes_no_count(declare, commune, partner, partner_user):
    # given
    device = declare(1)[0]
    before = stored()

    # when
    with pytest.raises(PermissionDenied):
        device_transition(
            device=device, transition="withdraw", user=partner_user, organisation=partner
        )

    # then
    assert stored() == before == recounted()


def test_a_transition_rolled_back_leaves_the_counts_unchanged(declare, partner, partner_user):
    # given
    device = declare(1)[0]
    before = stored()

    # when
    with contextlib.suppress(_Rollback), transaction.atomic():
        device_transition(
            device=device,
            transition="claim",
            user=partner_user,
            organisation=partner,
            claimant=partner,
        )
        assert stored() != before  # counted in the transition's transaction
        raise _Rollback

    # then
    assert stored() == before == recounted()
    assert Device.objects.get(pk=device.pk).state == DeviceState.DECLARED


def test_a_batch_counts_only_the_transitions_that_stand(declare, commune, partner, partner_user):
    # given
    kept, undone = declare(2)

    # when: the second claim is rolled back to its savepoint inside the batch
    with device_counts_batch():
        device_transition(
            device=kept,
            transition="claim",
            user=partner_user,
            organisation=partner,
            claimant=partner,
        )
        with contextlib.suppress(_Rollback), transaction.atomic():
            device_transition(
                device=undone,
                transition="claim",
                user=partner_user,
                organisation=partner,
                claimant=partner,
            )
            raise _Rollback

    # then
    assert stored() == {
        (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.LAPTOP): 1,
        (commune.pk, commune.pk, partner.pk, DeviceState.CLAIMED, DeviceCategory.LAPTOP): 1,
    }
    assert stored() == recounted()


def test_a_batch_that_fails_counts_nothing(declare, partner, partner_user):
    # given
    devices = declare(3)
    before = stored()

    # when
    with contextlib.suppress(_Rollback), transaction.atomic(), device_counts_batch():
        for device in devices:
            device_transition(
                device=device,
                transition="claim",
                user=partner_user,
                organisation=partner,
                claimant=partner,
            )
        raise _Rollback

    # then
    assert stored() == before == recounted()


def test_a_claim_of_many_devices_writes_the_counts_once_whatever_their_number(
    declare, partner, partner_user
):
    def claim_statements(count: int) -> list[str]:
        devices = [
            device
            for category in (DeviceCategory.LAPTOP, DeviceCategory.MONITOR, DeviceCategory.TABLET)
            for device in declare(count, category=category)
        ]
        with CaptureQueriesContext(connection) as queries:
            devices_claim(devices=devices, partner=partner, user=partner_user)
        return count_statements(queries)

    # when
    few, many = claim_statements(1), claim_statements(5)

    # then: the keys' rows locked in order (PostgreSQL), one subtraction from the keys left,
    # one upsert of the keys reached
    assert len(few) == len(many) == (3 if connection.vendor == "postgresql" else 2)
    assert stored() == recounted()


def test_editing_the_category_moves_the_device_to_its_new_category(declare, commune, commune_user):
    # given
    device = declare(1)[0]

    # when
    device_update(
        device=device, user=commune_user, organisation=commune, category=DeviceCategory.DESKTOP
    )

    # then
    assert stored() == {
        (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.DESKTOP): 1
    }


def test_an_import_counts_its_devices_in_one_statement(commune, commune_user, declare):
    # given
    declare(1)
    rows = [["Type", "Marque", "N° de série"]]
    rows += [["Portable", "Dell", f"IMP{number:04d}"] for number in range(30)]
    rows += [["Écran", "Iiyama", f"ECR{number:04d}"] for number in range(12)]

    # when
    with CaptureQueriesContext(connection) as queries:
        device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == "imported"
    assert len(count_statements(queries)) == 1
    assert stored() == {
        (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.LAPTOP): 31,
        (commune.pk, commune.pk, None, DeviceState.DECLARED, DeviceCategory.MONITOR): 12,
    }


def test_a_rejected_import_counts_nothing(commune, commune_user, declare):
    # given
    existing = declare(1)[0]
    before = stored()
    rows = [
        ["Type", "Marque", "N° de série"],
        ["Portable", "Dell", "NEW0001"],
        ["Portable", existing.brand, existing.serial_number],
    ]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == "rejected"
    assert stored() == before == recounted()


def test_devices_of_many_keys_moved_at_once_cost_three_statements_whatever_their_keys(
    declare, other_commune, other_commune_user
):
    # given: devices under four keys (two communes, two categories)
    declare(3)
    declare(2, category=DeviceCategory.MONITOR)
    other = other_commune_user
    declare(2, by=other, for_commune=other_commune)
    declare(1, by=other, for_commune=other_commune, category=DeviceCategory.MONITOR)
    keys = Counter(count_key(device) for device in Device.objects.all())

    # when: all of them withdrawn by hand, and counted as a gateway counts many devices
    Device.objects.update(state=DeviceState.WITHDRAWN)
    changes = Counter()
    for key, number in keys.items():
        changes[key] -= number
        changes[key._replace(state=DeviceState.WITHDRAWN)] += number
    with CaptureQueriesContext(connection) as queries:
        device_counts_add(changes=changes)

    # then: the rows locked in the key's order (PostgreSQL), one update, one upsert
    assert len(count_statements(queries)) == (3 if connection.vendor == "postgresql" else 2)
    assert stored() == recounted()


def test_taking_devices_from_counts_not_there_is_refused_and_changes_nothing(declare, commune):
    # given
    declare(2)
    before = stored()
    key = count_key(Device.objects.first())

    # when: two keys taken from, one of them never counted
    with pytest.raises(IntegrityError), transaction.atomic():
        device_counts_add(changes={key: -1, key._replace(category=DeviceCategory.PRINTER): -1})

    # then
    assert stored() == before


def test_a_count_missing_for_a_transition_refuses_it_until_the_counts_are_rebuilt(
    declare, partner, partner_user
):
    # given: the counts lost (by hand, outside Boucle)
    device = declare(1)[0]
    DeviceCount.objects.all().delete()

    # when
    with pytest.raises(IntegrityError), transaction.atomic():
        device_transition(
            device=device,
            transition="claim",
            user=partner_user,
            organisation=partner,
            claimant=partner,
        )

    # then: nothing changed, and a rebuild puts the counts right
    assert Device.objects.get(pk=device.pk).state == DeviceState.DECLARED
    call_command("recount_devices", stdout=None)
    assert stored() == recounted()


def test_the_migration_counts_the_devices_already_there(declare, other_commune, other_commune_user):
    # given: devices declared before the counts existed
    declare(2)
    declare(1, by=other_commune_user, for_commune=other_commune, category=DeviceCategory.TABLET)
    expected = stored()
    DeviceCount.objects.all().delete()
    migration = importlib.import_module("inventory.migrations.0012_device_counts")

    # when
    with connection.cursor() as cursor:
        cursor.execute(migration.COUNT_EXISTING_DEVICES)

    # then
    assert stored() == expected == recounted()


# --- recount_devices. ---


def recount(*arguments: str) -> str:
    out = io.StringIO()
    call_command("recount_devices", *arguments, stdout=out)
    return out.getvalue()


def test_recount_check_passes_when_the_counts_match(declare):
    # given
    declare(3)

    # when
    output = recount("--check")

    # then
    assert output == "The device counts match the devices.\n"


def test_recount_check_lists_each_difference_and_changes_nothing(
    declare, commune, partner, partner_user
):
    # given: one count too high, one missing
    laptops = declare(2)
    declare(1, category=DeviceCategory.MONITOR)
    devices_claim(devices=laptops[:1], partner=partner, user=partner_user)
    DeviceCount.objects.filter(state=DeviceState.DECLARED, category=DeviceCategory.LAPTOP).update(
        count=F("count") + 3
    )
    DeviceCount.objects.filter(state=DeviceState.CLAIMED).delete()
    before = stored()

    # when
    with pytest.raises(CommandError) as failure:
        recount("--check")

    # then
    assert failure.value.returncode == 1
    assert str(failure.value) == (
        "2 device counts differ from the devices; rebuild the counts with recount_devices "
        "(without --check)."
    )
    assert stored() == before
    call_command("recount_devices", stdout=None)  # leave the test's database consistent


def test_recount_rebuilds_the_counts_and_lists_what_was_wrong(
    declare, commune, partner, partner_user
):
    # given
    laptops = declare(2)
    devices_claim(devices=laptops[:1], partner=partner, user=partner_user)
    DeviceCount.objects.filter(state=DeviceState.DECLARED).update(count=F("count") + 3)
    DeviceCount.objects.filter(state=DeviceState.CLAIMED).delete()

    # when
    output = recount()

    # then
    assert output.splitlines() == [
        "Cachan, held by Cachan, Declared, Laptop: 4 counted, 1 devices.",
        f"Cachan, held by Cachan, claimed by {partner.name}, Claimed, Laptop: 0 counted, "
        "1 devices.",
        "Device counts rebuilt: 2 counts were wrong.",
    ]
    assert stored() == recounted()
    assert recount("--check") == "The device counts match the devices.\n"
    assert recount() == "Device counts rebuilt: 0 counts were wrong.\n"


# --- Random changes, compared with a recount. ---

_serials = itertools.count(1)
CATEGORIES = [DeviceCategory.LAPTOP, DeviceCategory.MONITOR, DeviceCategory.TABLET]
FILE_CATEGORIES = {
    DeviceCategory.LAPTOP: "Portable",
    DeviceCategory.MONITOR: "Écran",
    DeviceCategory.TABLET: "Tablette",
}


class Territory:
    """Two communes and two partners, a user each, and a seeded random draw of what to do."""

    def __init__(self, commune, other_commune, rng: random.Random) -> None:
        self.rng = rng
        self.communes = [commune, other_commune]
        self.commune_users = {commune.pk: member(commune), other_commune.pk: member(other_commune)}
        self.partners = [PartnerFactory(), PartnerFactory()]
        self.partner_users = {partner.pk: member(partner) for partner in self.partners}

    def devices(self, state: str, **filters) -> list[Device]:
        """One to four of the devices in ``state``, drawn; maybe none."""
        candidates = list(Device.objects.filter(state=state, **filters).order_by("pk"))
        return self.rng.sample(candidates, min(len(candidates), self.rng.randint(1, 4)))

    def categories(self, most: int) -> list[str]:
        return self.rng.choices(CATEGORIES, k=self.rng.randint(1, most))


def declare_some(territory: Territory) -> None:
    commune = territory.rng.choice(territory.communes)
    declaration_create(
        user=territory.commune_users[commune.pk],
        commune=commune,
        pickup_site=None,
        descriptions=[
            device_description(category=category, serial_number=f"RND{next(_serials):06d}")
            for category in territory.categories(4)
        ],
    )


def import_some(territory: Territory) -> None:
    commune = territory.rng.choice(territory.communes)
    rows = [["Type", "Marque", "N° de série"]]
    rows += [
        [FILE_CATEGORIES[category], "Lenovo", f"FIL{next(_serials):06d}"]
        for category in territory.categories(6)
    ]
    if territory.rng.random() < 0.3:
        rows.append(rows[-1])  # a device twice: the whole file is rejected
    import_bytes(
        user=territory.commune_users[commune.pk],
        commune=commune,
        content=csv_bytes(rows),
        name=f"parc-{next(_serials)}.csv",
    )


def withdraw_some(territory: Territory) -> None:
    for device in territory.devices(DeviceState.DECLARED):
        device_transition(
            device=device,
            transition="withdraw",
            user=territory.commune_users[device.commune_id],
            organisation=device.commune,
        )


def claim_some(territory: Territory) -> None:
    devices = territory.devices(DeviceState.DECLARED)
    if devices:
        partner = territory.rng.choice(territory.partners)
        devices_claim(devices=devices, partner=partner, user=territory.partner_users[partner.pk])


def release_some(territory: Territory) -> None:
    for device in territory.devices(DeviceState.CLAIMED):
        device_release(
            device=device,
            partner=device.claimed_by,
            user=territory.partner_users[device.claimed_by_id],
        )


def expire_the_claims(territory: Territory) -> None:
    claims_expire_overdue(now=timezone.now() + datetime.timedelta(days=60))


def collect_some(territory: Territory) -> None:
    for claimed in territory.devices(DeviceState.CLAIMED)[:1]:
        partner = claimed.claimed_by
        devices = territory.devices(
            DeviceState.CLAIMED, claimed_by=partner, commune=claimed.commune
        )
        collection_record(
            partner=partner,
            user=territory.partner_users[partner.pk],
            devices=devices,
            collected_on=timezone.localdate(),
            site=None,
            commune_signatory="Claire Dubois",
            commune_signatory_title="DSI",
            partner_signatory="Karim Benali",
            partner_signatory_title="Technicien",
        )


def diagnose_some(territory: Territory) -> None:
    for device in territory.devices(DeviceState.COLLECTED):
        diagnosis_record(
            device=device,
            organisation=device.holder,
            user=territory.partner_users[device.holder_id],
            items=all_ok(device.category),
            result="works",
        )


def _erase(territory: Territory, device: Device) -> None:
    if device.data_bearing:
        user = territory.partner_users[device.holder_id]
        erase(device.holder, user, device, serial=f"MED{next(_serials):06d}")


def make_some_ready(territory: Territory) -> None:
    for device in territory.devices(DeviceState.IN_REFURBISHMENT):
        user = territory.partner_users[device.holder_id]
        _erase(territory, device)
        grading_record(device=device, organisation=device.holder, user=user, grade="B")
        device_certify_ready(device=device, partner=device.holder, user=user)


def recycle_some(territory: Territory) -> None:
    state = territory.rng.choice([DeviceState.COLLECTED, DeviceState.IN_REFURBISHMENT])
    for held in territory.devices(state)[:1]:
        partner = held.holder
        devices = territory.devices(state, holder=partner)
        for device in devices:
            _erase(territory, device)
        waste_record_create(
            partner=partner, user=territory.partner_users[partner.pk], devices=devices, **shipment()
        )


def edit_a_category(territory: Territory) -> None:
    for device in territory.devices(DeviceState.DECLARED)[:1]:
        device_update(
            device=device,
            user=territory.commune_users[device.commune_id],
            organisation=device.commune,
            category=territory.rng.choice(CATEGORIES),
        )


CHANGES = [
    declare_some,
    import_some,
    withdraw_some,
    claim_some,
    release_some,
    expire_the_claims,
    collect_some,
    diagnose_some,
    make_some_ready,
    recycle_some,
    edit_a_category,
]
# Declarations and claims more often than the rest, so that later steps find devices.
WEIGHTS = [3, 2, 2, 4, 1, 1, 3, 2, 2, 2, 1]


# Seeds whose runs reach every state built so far (the last assertion keeps them so).
@pytest.mark.parametrize("seed", [3, 5, 8])
def test_random_changes_keep_the_counts_equal_to_a_recount(seed, commune, other_commune):
    # given
    territory = Territory(commune, other_commune, random.Random(seed))
    states: set[str] = set()

    # when / then: after each change, the counts are the devices recounted
    for step in range(60):
        change = territory.rng.choices(CHANGES, weights=WEIGHTS)[0]
        change(territory)
        assert stored() == recounted(), f"seed {seed}, step {step}: {change.__name__}"
        states.update(Device.objects.values_list("state", flat=True))

    # The run went through the lifecycle, up to its ends.
    assert states == {
        DeviceState.DECLARED,
        DeviceState.WITHDRAWN,
        DeviceState.CLAIMED,
        DeviceState.COLLECTED,
        DeviceState.IN_REFURBISHMENT,
        DeviceState.READY,
        DeviceState.RECYCLED,
    }


# --- Concurrency (PostgreSQL: SQLite serialises every write). ---


@pytest.mark.django_db(transaction=True)
def test_partners_claiming_at_once_the_same_keys_in_opposite_orders_do_not_deadlock(declare):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    # given: each partner claims 20 devices at once, in primary key order: the first partner
    # its laptops before its monitors, the second its monitors before its laptops
    partners = [PartnerFactory(), PartnerFactory()]
    users = [member(partner) for partner in partners]
    first_laptops = declare(10)
    second_monitors = declare(10, category=DeviceCategory.MONITOR)
    first_monitors = declare(10, category=DeviceCategory.MONITOR)
    second_laptops = declare(10)
    selections = [first_laptops + first_monitors, second_monitors + second_laptops]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def claim(index: int) -> None:
        try:
            barrier.wait()
            devices_claim(devices=selections[index], partner=partners[index], user=users[index])
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=claim, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert stored() == recounted()
    assert Counter(Device.objects.values_list("claimed_by", flat=True)) == {
        partners[0].pk: 20,
        partners[1].pk: 20,
    }
