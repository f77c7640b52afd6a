"""The inventory's admin: pages that load at a bounded cost, a read-only event log, and a
withdraw action that goes through the lifecycle like any other withdrawal."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.choices import DeviceState, EventKind, ImportState
from inventory.imports.services import device_import_create
from inventory.models import Declaration, Device, DeviceEvent, DeviceImport
from inventory.services import device_withdraw
from organisations.choices import MembershipRole
from tests.conftest import MembershipFactory, UserFactory


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(client, operator):
    # The messages are asserted in English, whatever the default language.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(operator)
    return client


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def device_snapshot(device: Device) -> tuple:
    device = Device.objects.get(pk=device.pk)
    return (
        device.state,
        device.brand,
        device.serial_number,
        list(device.events.values_list("pk", "kind", "to_state", "note")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Device, Declaration, DeviceEvent])
def test_changelist_costs_the_same_for_few_and_many_rows(operator_client, declare, model):
    # given
    url = reverse(f"admin:inventory_{model._meta.model_name}_changelist")
    declare(2)
    few = queries_for(operator_client, url)

    # when
    for _ in range(5):
        declare(6)

    # then
    assert queries_for(operator_client, url) == few
    assert few <= 12


@pytest.mark.django_db
def test_device_page_shows_the_device_and_its_history(
    operator_client, declare, commune, commune_user
):
    # given
    [device] = declare(serial_number="ADMIN-SN-1")
    device_withdraw(device=device, user=commune_user, organisation=commune, note="Gardé")
    url = reverse("admin:inventory_device_change", args=[device.pk])

    # when
    with CaptureQueriesContext(connection) as context:
        response = operator_client.get(url)

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert device.code in content
    assert "ADMIN-SN-1" in content
    assert "Gardé" in content
    assert 'name="_save"' not in content
    assert len(context.captured_queries) <= 20


@pytest.mark.django_db
def test_declaration_and_event_pages_load(operator_client, declare):
    # given
    [device] = declare()
    event = device.events.get()

    # when
    declaration_page = operator_client.get(
        reverse("admin:inventory_declaration_change", args=[device.declaration_id])
    )
    event_page = operator_client.get(reverse("admin:inventory_deviceevent_change", args=[event.pk]))

    # then
    assert declaration_page.status_code == 200
    assert device.code in declaration_page.content.decode()
    assert event_page.status_code == 200
    assert 'name="_save"' not in event_page.content.decode()


@pytest.mark.django_db
def test_event_log_cannot_be_added_changed_or_deleted(operator_client, declare):
    # given
    [device] = declare()
    event = device.events.get()
    before = list(DeviceEvent.objects.values_list("pk", "kind", "to_state", "note"))
    change_url = reverse("admin:inventory_deviceevent_change", args=[event.pk])
    changelist_url = reverse("admin:inventory_deviceevent_changelist")

    # when
    add = operator_client.post(
        reverse("admin:inventory_deviceevent_add"),
        {"device": device.pk, "kind": EventKind.WITHDRAWN, "to_state": DeviceState.WITHDRAWN},
    )
    change = operator_client.post(
        change_url,
        {"device": device.pk, "kind": EventKind.WITHDRAWN, "to_state": DeviceState.WITHDRAWN},
    )
    delete = operator_client.post(
        reverse("admin:inventory_deviceevent_delete", args=[event.pk]), {"post": "yes"}
    )
    bulk_delete = operator_client.post(
        changelist_url, {"action": "delete_selected", "_selected_action": [event.pk]}
    )

    # then
    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert "delete_selected" not in operator_client.get(changelist_url).content.decode()
    assert bulk_delete.status_code in {200, 302}
    assert list(DeviceEvent.objects.values_list("pk", "kind", "to_state", "note")) == before


@pytest.mark.django_db
def test_device_cannot_be_added_edited_or_deleted_in_admin(operator_client, declare, commune):
    # given
    [device] = declare(brand="Dell", serial_number="KEEP-1")
    before = device_snapshot(device)
    devices_before = Device.objects.count()

    # when
    add = operator_client.post(
        reverse("admin:inventory_device_add"),
        {"category": "laptop", "brand": "HP", "commune": commune.pk, "holder": commune.pk},
    )
    change = operator_client.post(
        reverse("admin:inventory_device_change", args=[device.pk]),
        {"category": "laptop", "brand": "HP", "serial_number": "CHANGED"},
    )
    delete = operator_client.post(
        reverse("admin:inventory_device_delete", args=[device.pk]), {"post": "yes"}
    )

    # then
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert Device.objects.count() == devices_before
    assert device_snapshot(device) == before


def withdraw_in_admin(client, devices):
    return client.post(
        reverse("admin:inventory_device_changelist"),
        {"action": "withdraw_selected", "_selected_action": [device.pk for device in devices]},
        follow=True,
    )


@pytest.mark.django_db
def test_withdraw_action_withdraws_for_a_member_of_the_commune(
    operator_client, operator, declare, commune
):
    # given
    MembershipFactory(user=operator, organisation=commune, role=MembershipRole.ADMIN)
    first, second = declare(2)

    # when
    response = withdraw_in_admin(operator_client, [first, second])

    # then
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "2 devices withdrawn."
    ]
    for device in (first, second):
        assert Device.objects.get(pk=device.pk).state == DeviceState.WITHDRAWN
        event = device.events.last()
        assert (event.kind, event.actor, event.organisation) == (
            EventKind.WITHDRAWN,
            operator,
            commune,
        )


@pytest.mark.django_db
def test_withdraw_action_refused_for_an_operator_outside_the_commune(operator_client, declare):
    # given
    [device] = declare()
    before = device_snapshot(device)

    # when
    response = withdraw_in_admin(operator_client, [device])

    # then
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"{device.code} was not withdrawn: you are not a member of Cachan, its commune."
    ]
    assert device_snapshot(device) == before


@pytest.mark.django_db
def test_withdraw_action_refused_for_a_device_already_withdrawn(
    operator_client, operator, declare, commune, commune_user
):
    # given
    MembershipFactory(user=operator, organisation=commune)
    withdrawn, declared = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    before = device_snapshot(withdrawn)

    # when
    response = withdraw_in_admin(operator_client, [withdrawn, declared])

    # then
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"{withdrawn.code} was not withdrawn: "
        "This action is not possible for a device in state “Withdrawn”.",
        "1 device withdrawn.",
    ]
    assert device_snapshot(withdrawn) == before
    assert Device.objects.get(pk=declared.pk).state == DeviceState.WITHDRAWN


@pytest.mark.django_db
def test_withdraw_action_is_offered_only_with_the_change_permission(client, declare):
    # given
    declare()
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_device"))
    client.force_login(viewer)

    # when
    response = client.get(reverse("admin:inventory_device_changelist"))

    # then
    assert response.status_code == 200
    assert "withdraw_selected" not in response.content.decode()


@pytest.mark.django_db
def test_device_imports_are_shown_read_only(operator_client, commune, commune_user):
    # given: an import of two devices
    content = "Type;Marque;N° de série\nPortable;Dell;ADM1\nÉcran;Iiyama;ADM2\n".encode()
    device_import = device_import_create(
        user=commune_user,
        commune=commune,
        file=io.BytesIO(content),
        original_name="parc.csv",
        size=len(content),
    )

    # when
    listing = operator_client.get(reverse("admin:inventory_deviceimport_changelist"))
    page = operator_client.get(
        reverse("admin:inventory_deviceimport_change", args=[device_import.pk])
    )
    add = operator_client.get(reverse("admin:inventory_deviceimport_add"))
    delete = operator_client.post(
        reverse("admin:inventory_deviceimport_delete", args=[device_import.pk]), {"post": "yes"}
    )

    # then
    assert listing.status_code == 200
    assert "parc.csv" in listing.content.decode()
    assert page.status_code == 200
    assert add.status_code == 403
    assert delete.status_code == 403
    assert DeviceImport.objects.get(pk=device_import.pk).state == ImportState.IMPORTED


@pytest.mark.django_db
def test_declaration_changelist_counts_each_declarations_devices(
    operator_client, declare, commune_user, commune
):
    # given: a declaration of three devices, one of them withdrawn since, and one of one
    three = declare(3)
    device_withdraw(device=three[0], user=commune_user, organisation=commune)
    one = declare(1)
    url = reverse("admin:inventory_declaration_changelist")

    # when: sorted by the devices counted (the list's sixth column), fewest first
    response = operator_client.get(url, {"o": "6"})

    # then: every device counts, whatever its state
    listed = {
        declaration.pk: declaration.device_count
        for declaration in response.context["cl"].result_list
    }
    assert listed == {three[0].declaration_id: 3, one[0].declaration_id: 1}
    assert [d.pk for d in response.context["cl"].result_list] == [
        one[0].declaration_id,
        three[0].declaration_id,
    ]
