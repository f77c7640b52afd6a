"""The visibility rule on devices: the declared inventory is shared, the rest is private."""

import pytest

from common.errors import NotFound
from inventory import permissions
from inventory.models import Device
from inventory.selectors import device_get_visible, devices_visible_to
from inventory.services import device_withdraw


@pytest.fixture
def devices(declare, commune, commune_user, other_commune, other_commune_user):
    """Cachan: one declared, one withdrawn. Arcueil: one declared, one withdrawn."""
    declared, withdrawn = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    other_declared, other_withdrawn = declare(2, by=other_commune_user, for_commune=other_commune)
    device_withdraw(device=other_withdrawn, user=other_commune_user, organisation=other_commune)
    named = {
        "declared": declared,
        "withdrawn": withdrawn,
        "other_declared": other_declared,
        "other_withdrawn": other_withdrawn,
    }
    return {name: Device.objects.get(pk=device.pk) for name, device in named.items()}


def visible_codes(organisations) -> set[str]:
    return set(devices_visible_to(organisations).values_list("code", flat=True))


@pytest.mark.django_db
def test_commune_sees_shared_inventory_and_its_own_devices(devices, commune):
    assert visible_codes([commune]) == {
        devices["declared"].code,
        devices["withdrawn"].code,
        devices["other_declared"].code,
    }


@pytest.mark.django_db
def test_partner_sees_only_the_declared_inventory(devices, partner):
    assert visible_codes([partner]) == {devices["declared"].code, devices["other_declared"].code}


@pytest.mark.django_db
def test_territory_reads_everything(devices, territory):
    assert visible_codes([territory]) == {device.code for device in devices.values()}


@pytest.mark.django_db
def test_a_user_of_several_organisations_sees_the_union(devices, commune, other_commune):
    assert visible_codes([commune, other_commune]) == {device.code for device in devices.values()}


@pytest.mark.django_db
def test_nobody_sees_anything_without_an_organisation(devices):
    assert visible_codes([]) == set()


@pytest.mark.django_db
def test_selector_and_rule_agree(devices, commune, partner, territory, buyer):
    for organisation in (commune, partner, territory, buyer):
        for device in devices.values():
            in_list = device.code in visible_codes([organisation])
            assert permissions.can_view_device([organisation], device) is in_list


@pytest.fixture
def claimed(declare, partner):
    """A device of Cachan claimed by the partner."""
    from reuse.services import devices_claim
    from tests.conftest import member

    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=member(partner))
    return Device.objects.get(pk=device.pk)


@pytest.mark.django_db
def test_claimed_device_is_seen_by_the_claimant_and_commune_not_other_partners(
    devices, claimed, commune, other_commune, partner, territory
):
    from tests.conftest import PartnerFactory

    other_partner = PartnerFactory()

    assert claimed.code in visible_codes([partner])
    assert claimed.code in visible_codes([commune])
    assert claimed.code in visible_codes([territory])
    assert claimed.code not in visible_codes([other_partner])
    assert claimed.code not in visible_codes([other_commune])


@pytest.mark.django_db
def test_selector_and_rule_agree_on_claimed_devices(
    devices, claimed, commune, other_commune, partner, territory, buyer
):
    from tests.conftest import PartnerFactory

    everything = [*devices.values(), claimed]
    for organisation in (commune, other_commune, partner, PartnerFactory(), territory, buyer):
        for device in everything:
            in_list = device.code in visible_codes([organisation])
            assert permissions.can_view_device([organisation], device) is in_list


@pytest.mark.django_db
def test_another_communes_withdrawn_device_is_not_found(devices, commune):
    with pytest.raises(NotFound):
        device_get_visible(code=devices["other_withdrawn"].code, organisations=[commune])


@pytest.mark.django_db
def test_device_found_by_code_in_any_case(devices, commune):
    code = devices["declared"].code

    assert device_get_visible(code=code.lower(), organisations=[commune]).code == code


@pytest.mark.django_db
def test_only_the_declaring_commune_edits_while_declared(
    devices, commune, other_commune, territory
):
    declared = devices["declared"]

    assert permissions.can_edit_device(commune, declared) is True
    assert permissions.can_edit_device(other_commune, declared) is False
    assert permissions.can_edit_device(territory, declared) is False
    assert permissions.can_edit_device(commune, devices["withdrawn"]) is False
