"""The devices API: list, detail, declare, edit, withdraw and history, and who may do what."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.choices import DeclarationSource, DeviceCategory, DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceEvent
from inventory.services import device_withdraw
from organisations.models import Membership
from tests.conftest import SiteFactory, UserFactory, device_description

DEVICES = "/api/v1/devices/"


def device_url(device: Device, suffix: str = "") -> str:
    return f"{DEVICES}{device.code}/{suffix}"


def snapshot(device: Device) -> dict:
    """Everything a refused request must leave as it was."""
    device = Device.objects.get(pk=device.pk)
    return {
        "state": device.state,
        "holder": device.holder_id,
        "description": {
            field: getattr(device, field)
            for field in ("category", "brand", "model", "serial_number", "ram_gb", "cpu")
        },
        "updated_at": device.updated_at,
        "events": list(device.events.values_list("kind", "from_state", "to_state", "note")),
    }


def codes(response) -> list[str]:
    return [device["code"] for device in response.json()["results"]]


# --- Reading ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_shows_every_field(client_for, declare, commune, commune_user, pickup_site):
    # given
    [device] = declare(
        brand="Lenovo",
        model="ThinkPad T480",
        serial_number="PF-1XK2",
        asset_tag="INV-2018-044",
        purchase_date=datetime.date(2018, 9, 3),
        cpu="Intel Core i5-8250U",
        ram_gb=Decimal("8"),
        storage_gb=256,
        storage_type="nvme",
        screen_size_inches=Decimal("14"),
        operating_system="Windows 10 Pro",
        condition_notes="Clavier usé",
    )

    # when
    response = client_for(commune_user).get(device_url(device))

    # then
    assert response.status_code == 200
    body = response.json()
    assert datetime.datetime.fromisoformat(body.pop("created_at")) == device.created_at
    assert datetime.datetime.fromisoformat(body.pop("updated_at")) == device.updated_at
    assert body == {
        "code": device.code,
        "url": f"http://testserver/api/v1/devices/{device.code}/",
        "category": "laptop",
        "brand": "Lenovo",
        "model": "ThinkPad T480",
        "serial_number": "PF-1XK2",
        "asset_tag": "INV-2018-044",
        "purchase_date": "2018-09-03",
        "cpu": "Intel Core i5-8250U",
        "ram_gb": "8.00",
        "storage_gb": 256,
        "storage_type": "nvme",
        "screen_size_inches": "14.0",
        "operating_system": "Windows 10 Pro",
        "data_bearing": True,
        "data_bearing_overridden": False,
        "condition_notes": "Clavier usé",
        "holds_sensitive_data": False,
        "commune": {"slug": "cachan", "name": "Cachan"},
        "pickup_site": {"id": pickup_site.pk, "name": "Hôtel de ville"},
        "holder": {"slug": "cachan", "name": "Cachan"},
        "claimed_by": None,
        "claimed_at": None,
        "state": "declared",
        "allowed_actions": ["withdraw"],
    }


@pytest.mark.django_db
def test_detail_by_code_ignores_case(client_for, declare, commune_user):
    [device] = declare()

    response = client_for(commune_user).get(f"{DEVICES}{device.code.lower()}/")

    assert response.status_code == 200
    assert response.json()["code"] == device.code


@pytest.mark.django_db
def test_unknown_code_is_404_json(client_for, commune_user):
    response = client_for(commune_user).get(f"{DEVICES}ZZZZZZZZ/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "device_not_found"


@pytest.mark.django_db
def test_allowed_actions_depend_on_the_user_and_the_state(
    client_for, declare, commune, commune_user, other_commune_user, partner_user
):
    # given
    [declared, withdrawn] = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)

    # then: only the declaring commune may withdraw, only a partner may claim, and only a
    # declared device
    assert client_for(commune_user).get(device_url(declared)).json()["allowed_actions"] == [
        "withdraw"
    ]
    assert client_for(commune_user).get(device_url(withdrawn)).json()["allowed_actions"] == []
    assert client_for(other_commune_user).get(device_url(declared)).json()["allowed_actions"] == []
    assert client_for(partner_user).get(device_url(declared)).json()["allowed_actions"] == ["claim"]


@pytest.mark.django_db
def test_list_shows_the_newest_first(client_for, declare, commune_user):
    # given: two declarations; devices of one declaration share their creation time
    first = declare(2)
    second = declare(3)

    # when
    response = client_for(commune_user).get(DEVICES)

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert body["previous"] is None
    expected = sorted(first + second, key=lambda device: (device.created_at, device.pk))
    assert codes(response) == [device.code for device in reversed(expected)]


# --- Visibility -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_commune_sees_the_shared_inventory_and_all_its_own_devices(
    client_for, declare, commune, commune_user, other_commune, other_commune_user
):
    # given
    [own_declared, own_withdrawn] = declare(2)
    device_withdraw(device=own_withdrawn, user=commune_user, organisation=commune)
    [other_declared, other_withdrawn] = declare(2, by=other_commune_user, for_commune=other_commune)
    device_withdraw(device=other_withdrawn, user=other_commune_user, organisation=other_commune)
    client = client_for(commune_user)

    # when
    response = client.get(DEVICES)

    # then
    assert set(codes(response)) == {own_declared.code, own_withdrawn.code, other_declared.code}
    assert client.get(device_url(other_declared)).status_code == 200
    assert client.get(device_url(own_withdrawn)).status_code == 200
    refused = client.get(device_url(other_withdrawn))
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "device_not_found"
    assert client.get(device_url(other_withdrawn, "events/")).status_code == 404


@pytest.mark.django_db
def test_a_partner_sees_declared_devices_only(
    client_for, declare, commune, commune_user, partner_user
):
    # given
    [declared, withdrawn] = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)

    # when
    response = client_for(partner_user).get(DEVICES)

    # then
    assert codes(response) == [declared.code]


@pytest.mark.django_db
def test_the_territory_sees_everything(client_for, declare, commune, commune_user, territory_user):
    [declared, withdrawn] = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)

    response = client_for(territory_user).get(DEVICES)

    assert set(codes(response)) == {declared.code, withdrawn.code}


@pytest.mark.django_db
def test_a_user_without_organisation_sees_nothing(client_for, declare):
    [device] = declare()
    client = client_for(UserFactory())

    assert client.get(DEVICES).json()["results"] == []
    assert client.get(device_url(device)).status_code == 404


@pytest.mark.django_db
def test_a_user_of_several_organisations_sees_what_any_of_them_sees(
    client_for, declare, commune, commune_user, other_commune, other_commune_user
):
    # given: a user of both communes
    [own_withdrawn] = declare()
    device_withdraw(device=own_withdrawn, user=commune_user, organisation=commune)
    [other_withdrawn] = declare(by=other_commune_user, for_commune=other_commune)
    device_withdraw(device=other_withdrawn, user=other_commune_user, organisation=other_commune)
    Membership.objects.create(user=commune_user, organisation=other_commune)

    # when
    response = client_for(commune_user).get(DEVICES)

    # then
    assert set(codes(response)) == {own_withdrawn.code, other_withdrawn.code}


# --- Filters, search, ordering, pagination ----------------------------------------------------


@pytest.mark.django_db
def test_filters_by_commune_category_state_and_text(
    client_for, declare, commune, commune_user, other_commune, other_commune_user
):
    # given
    [laptop] = declare(brand="Dell", serial_number="ABC-123")
    [monitor] = declare(category=DeviceCategory.MONITOR, brand="Iiyama", storage_gb=None)
    [withdrawn] = declare(brand="HP")
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    [elsewhere] = declare(by=other_commune_user, for_commune=other_commune, brand="Apple")
    client = client_for(commune_user)

    def found(query: str) -> set[str]:
        response = client.get(f"{DEVICES}?{query}")
        assert response.status_code == 200
        return set(codes(response))

    # then
    assert found("commune=cachan") == {laptop.code, monitor.code, withdrawn.code}
    assert found("commune=arcueil") == {elsewhere.code}
    assert found("category=monitor") == {monitor.code}
    assert found("category=monitor&category=laptop&commune=cachan") == {
        laptop.code,
        monitor.code,
        withdrawn.code,
    }
    assert found("state=withdrawn") == {withdrawn.code}
    assert found("state=declared&commune=cachan") == {laptop.code, monitor.code}
    assert found("q=abc-123") == {laptop.code}
    assert found(f"q={monitor.code}") == {monitor.code}
    assert found("search=iiyama") == {monitor.code}
    assert found(f"search={elsewhere.code.lower()}") == {elsewhere.code}


@pytest.mark.django_db
def test_an_unknown_filter_value_is_a_400_json(client_for, commune_user):
    response = client_for(commune_user).get(f"{DEVICES}?category=toaster")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["category"]


@pytest.mark.django_db
def test_ordering_by_brand(client_for, declare, commune_user):
    [dell] = declare(brand="Dell")
    [acer] = declare(brand="Acer")
    [hp] = declare(brand="HP")
    client = client_for(commune_user)

    assert codes(client.get(f"{DEVICES}?ordering=brand")) == [acer.code, dell.code, hp.code]
    assert codes(client.get(f"{DEVICES}?ordering=-brand")) == [hp.code, dell.code, acer.code]


def walk(client, url: str, link: str) -> tuple[list[list[str]], str]:
    """The codes of every page following ``link`` (``next`` or ``previous``) from ``url``,
    and the address of the last page reached."""
    pages = []
    while True:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        pages.append([device["code"] for device in body["results"]])
        if body[link] is None:
            return pages, url
        url = body[link]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering", ["", "&ordering=brand", "&ordering=-code", "&ordering=state,-brand"]
)
def test_cursor_pages_through_every_device_once_both_ways(
    client_for, declare, commune_user, ordering
):
    # given: devices of one declaration share their creation time, and most their brand
    devices = declare(6) + declare(1, brand="Acer")
    client = client_for(commune_user)

    # when
    forward, last_page = walk(client, f"{DEVICES}?page_size=2{ordering}", "next")
    backward, _first_page = walk(client, last_page, "previous")
    all_at_once = codes(client.get(f"{DEVICES}?page_size=200{ordering}"))

    # then
    assert [len(page) for page in forward] == [2, 2, 2, 1]
    assert [code for page in forward for code in page] == all_at_once
    assert sorted(all_at_once) == sorted(device.code for device in devices)
    assert list(reversed(backward)) == forward
    if not ordering:
        assert all_at_once == [device.code for device in reversed(devices)]


@pytest.mark.django_db
def test_cursor_links(client_for, declare, commune_user):
    # given
    devices = declare(3)
    client = client_for(commune_user)

    # when
    first = client.get(f"{DEVICES}?page_size=2").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    # then
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/devices/?cursor=")
    assert "page_size=2" in first["next"]
    assert [device["code"] for device in second["results"]] == [devices[0].code]
    assert second["next"] is None
    assert back["results"] == first["results"]
    assert back["previous"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "cD1ub3QganNvbg==",  # p=not json
        "cD0lNUIlMjJ4JTIyJTVE",  # p=["x"]: not the ordering's length
        "cD0lNUIlMjJub3QlMjBhJTIwZGF0ZSUyMiUyQyUyMDElNUQ=",  # p=["not a date", 1]
    ],
)
def test_a_broken_cursor_is_a_404_json(client_for, commune_user, cursor):
    response = client_for(commune_user).get(f"{DEVICES}?cursor={cursor}")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_page_size_is_capped_at_200(client_for, declare, commune_user):
    declare(201)

    body = client_for(commune_user).get(f"{DEVICES}?page_size=500").json()

    assert len(body["results"]) == 200
    assert body["next"] is not None


@pytest.mark.django_db
def test_default_page_size_is_50(client_for, declare, commune_user):
    declare(51)

    body = client_for(commune_user).get(DEVICES).json()

    assert len(body["results"]) == 50
    assert body["next"] is not None


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_10_and_100_devices(
    client_for, declare, commune, commune_user, other_commune, other_commune_user
):
    # given: 10 devices of two communes, with and without a pickup site
    declare(5)
    declare(5, by=other_commune_user, for_commune=other_commune)
    client = client_for(commune_user)

    def list_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{DEVICES}?page_size=200")
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    # when
    with_10 = list_queries()
    # 91 more, in two states, one of them withdrawn by the other commune (not visible)
    withdrawn = declare(46, by=other_commune_user, for_commune=other_commune)
    device_withdraw(device=withdrawn[0], user=other_commune_user, organisation=other_commune)
    mine = declare(45)
    device_withdraw(device=mine[0], user=commune_user, organisation=commune)
    with_100 = list_queries()

    # then: session, user with memberships, devices, their pickup sites, their organisations
    assert with_10 == (5, 10)
    assert with_100 == (5, 100)


# --- Declaring one device ---------------------------------------------------------------------


@pytest.mark.django_db
def test_declare_one_device(client_for, commune, commune_user, pickup_site):
    # given
    payload = {
        "commune": "cachan",
        "pickup_site": pickup_site.pk,
        "category": "desktop",
        "brand": " HP ",
        "model": "EliteDesk 800 G3",
        "serial_number": "CZC7401ABC",
        "purchase_date": "2017-11-20",
        "ram_gb": "16",
        "storage_gb": 512,
        "storage_type": "ssd",
    }

    # when
    response = client_for(commune_user).post(DEVICES, payload, format="json")

    # then
    assert response.status_code == 201
    device = Device.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/devices/{device.code}/"
    body = response.json()
    assert body["code"] == device.code
    assert body["brand"] == "HP"
    assert body["state"] == "declared"
    assert body["commune"] == {"slug": "cachan", "name": "Cachan"}
    assert body["pickup_site"] == {"id": pickup_site.pk, "name": "Hôtel de ville"}
    assert body["allowed_actions"] == ["withdraw"]
    assert (device.brand, device.ram_gb, device.purchase_date) == (
        "HP",
        Decimal("16.00"),
        datetime.date(2017, 11, 20),
    )
    assert device.declaration.source == DeclarationSource.API
    assert device.declaration.created_by == commune_user
    event = device.events.get()
    assert (event.kind, event.actor, event.organisation) == (
        EventKind.DECLARED,
        commune_user,
        commune,
    )


@pytest.mark.django_db
def test_declare_with_data_bearing_override(client_for, commune_user):
    payload = device_description(category="monitor", storage_gb=None, storage_type="")

    derived = client_for(commune_user).post(
        DEVICES, {"commune": "cachan", **payload}, format="json"
    )
    forced = client_for(commune_user).post(
        DEVICES,
        {"commune": "cachan", **device_description(category="monitor"), "data_bearing": True},
        format="json",
    )

    assert (derived.json()["data_bearing"], derived.json()["data_bearing_overridden"]) == (
        False,
        False,
    )
    assert (forced.json()["data_bearing"], forced.json()["data_bearing_overridden"]) == (True, True)


def assert_nothing_declared(response, status: int, code: str) -> dict:
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert Device.objects.count() == 0
    assert Declaration.objects.count() == 0
    assert DeviceEvent.objects.count() == 0
    return error


@pytest.mark.django_db
def test_declaring_for_a_commune_the_user_does_not_belong_to_is_refused(
    client_for, commune_user, other_commune
):
    payload = {"commune": "arcueil", **device_description()}

    response = client_for(commune_user).post(DEVICES, payload, format="json")

    assert_nothing_declared(response, 403, "not_a_member")


@pytest.mark.django_db
def test_a_partner_cannot_declare_for_itself(client_for, partner, partner_user):
    payload = {"commune": partner.slug, **device_description()}

    response = client_for(partner_user).post(DEVICES, payload, format="json")

    assert_nothing_declared(response, 403, "not_a_commune")


@pytest.mark.django_db
def test_declaring_with_another_communes_site_is_refused(client_for, commune_user, other_commune):
    site = SiteFactory(organisation=other_commune)
    payload = {"commune": "cachan", "pickup_site": site.pk, **device_description()}

    response = client_for(commune_user).post(DEVICES, payload, format="json")

    error = assert_nothing_declared(response, 400, "foreign_site")
    assert list(error["fields"]) == ["pickup_site"]


@pytest.mark.django_db
def test_declaring_for_an_unknown_commune_is_a_400(client_for, commune_user):
    payload = {"commune": "atlantis", **device_description()}

    response = client_for(commune_user).post(DEVICES, payload, format="json")

    error = assert_nothing_declared(response, 400, "invalid")
    assert list(error["fields"]) == ["commune"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"category": "toaster"}, "invalid", "category"),
        ({"ram_gb": -4}, "invalid", "ram_gb"),
        ({"storage_gb": -1}, "invalid", "storage_gb"),
        ({"ram_gb": "lots"}, "invalid", "ram_gb"),
        ({"brand": ""}, "invalid", "brand"),
        ({"purchase_date": "not a date"}, "invalid", "purchase_date"),
        (
            {"purchase_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()},
            "device_invalid",
            "purchase_date",
        ),
    ],
)
def test_bad_input_is_refused_with_its_field(client_for, commune_user, overrides, code, field):
    payload = {"commune": "cachan", **device_description(), **overrides}

    response = client_for(commune_user).post(DEVICES, payload, format="json")

    error = assert_nothing_declared(response, 400, code)
    assert list(error["fields"]) == [field]


@pytest.mark.django_db
def test_a_serial_already_active_is_refused_naming_the_device(
    client_for, declare, other_commune, other_commune_user, commune_user
):
    # given: the same laptop already declared by another commune
    [existing] = declare(by=other_commune_user, for_commune=other_commune, serial_number="5CG81-2")
    before = (Device.objects.count(), Declaration.objects.count(), DeviceEvent.objects.count())
    payload = {"commune": "cachan", **device_description(serial_number="5cg 812")}

    # when
    response = client_for(commune_user).post(DEVICES, payload, format="json")

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "duplicate_device"
    assert existing.code in error["message"]
    assert list(error["fields"]) == ["serial_number"]
    assert existing.code in error["fields"]["serial_number"][0]
    after = (Device.objects.count(), Declaration.objects.count(), DeviceEvent.objects.count())
    assert after == before


# --- Editing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_patch_corrects_the_description(client_for, declare, commune, commune_user):
    # given
    [device] = declare(ram_gb=8, cpu="")

    # when
    response = client_for(commune_user).patch(
        device_url(device),
        {"ram_gb": "16", "cpu": "Intel Core i7-8650U", "note": "Barrette ajoutée"},
        format="json",
    )

    # then
    assert response.status_code == 200
    assert (response.json()["ram_gb"], response.json()["cpu"]) == ("16.00", "Intel Core i7-8650U")
    device.refresh_from_db()
    assert (device.ram_gb, device.cpu, device.brand) == (
        Decimal("16"),
        "Intel Core i7-8650U",
        "Dell",
    )
    event = device.events.last()
    assert (event.kind, event.actor, event.organisation, event.note) == (
        EventKind.EDITED,
        commune_user,
        commune,
        "Barrette ajoutée",
    )
    assert event.details == {
        "changed": {"cpu": ["", "Intel Core i7-8650U"], "ram_gb": ["8.00", "16.00"]}
    }


@pytest.mark.django_db
def test_patch_cannot_touch_the_state_or_the_commune(
    client_for, declare, commune_user, other_commune
):
    [device] = declare()
    before = snapshot(device)

    response = client_for(commune_user).patch(
        device_url(device), {"state": "withdrawn", "commune": "arcueil"}, format="json"
    )

    assert response.status_code == 200
    assert snapshot(device) == before
    assert Device.objects.get(pk=device.pk).commune.slug == "cachan"


@pytest.mark.django_db
def test_patch_with_bad_input_changes_nothing(client_for, declare, commune_user):
    [device] = declare()
    before = snapshot(device)
    client = client_for(commune_user)

    negative = client.patch(device_url(device), {"ram_gb": -1}, format="json")
    future = client.patch(
        device_url(device),
        {"purchase_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
        format="json",
    )

    assert (negative.status_code, negative.json()["error"]["code"]) == (400, "invalid")
    assert (future.status_code, future.json()["error"]["code"]) == (400, "device_invalid")
    assert list(future.json()["error"]["fields"]) == ["purchase_date"]
    assert snapshot(device) == before


@pytest.mark.django_db
def test_patch_to_a_serial_already_active_is_refused(client_for, declare, commune_user):
    [first, second] = declare(2)
    before = snapshot(second)

    response = client_for(commune_user).patch(
        device_url(second), {"serial_number": first.serial_number}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "duplicate_device"
    assert first.code in response.json()["error"]["message"]
    assert snapshot(second) == before


@pytest.mark.django_db
def test_put_is_not_allowed(client_for, declare, commune_user):
    [device] = declare()

    response = client_for(commune_user).put(device_url(device), device_description(), format="json")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


# --- Withdrawing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_withdraw(client_for, declare, commune, commune_user):
    # given
    [device] = declare()

    # when
    response = client_for(commune_user).post(
        device_url(device, "withdraw/"), {"note": "Réaffecté à l'école"}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    assert response.json()["allowed_actions"] == []
    assert Device.objects.get(pk=device.pk).state == DeviceState.WITHDRAWN
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state, event.actor, event.note) == (
        EventKind.WITHDRAWN,
        DeviceState.DECLARED,
        DeviceState.WITHDRAWN,
        commune_user,
        "Réaffecté à l'école",
    )
    assert event.organisation == commune


@pytest.mark.django_db
def test_withdraw_without_a_body(client_for, declare, commune_user):
    [device] = declare()

    response = client_for(commune_user).post(device_url(device, "withdraw/"))

    assert response.status_code == 200
    assert Device.objects.get(pk=device.pk).events.last().note == ""


@pytest.mark.django_db
def test_withdrawing_twice_is_a_conflict(client_for, declare, commune_user):
    # given
    [device] = declare()
    client = client_for(commune_user)
    client.post(device_url(device, "withdraw/"))
    before = snapshot(device)

    # when
    response = client.post(device_url(device, "withdraw/"))

    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "transition_not_allowed"
    assert snapshot(device) == before


# --- Another commune's device -----------------------------------------------------------------


@pytest.mark.django_db
def test_another_commune_cannot_withdraw_a_device(client_for, declare, other_commune_user):
    [device] = declare()
    before = snapshot(device)

    response = client_for(other_commune_user).post(device_url(device, "withdraw/"))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "transition_forbidden"
    assert snapshot(device) == before


@pytest.mark.django_db
def test_another_commune_cannot_edit_a_device(client_for, declare, other_commune_user):
    [device] = declare()
    before = snapshot(device)

    response = client_for(other_commune_user).patch(
        device_url(device), {"brand": "Stolen", "ram_gb": 64}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_editable"
    assert snapshot(device) == before


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", ["partner_user", "territory_user"])
def test_partners_and_the_territory_cannot_withdraw_or_edit(
    client_for, declare, request, user_fixture
):
    [device] = declare()
    before = snapshot(device)
    client = client_for(request.getfixturevalue(user_fixture))

    withdraw = client.post(device_url(device, "withdraw/"))
    edit = client.patch(device_url(device), {"brand": "Other"}, format="json")

    assert (withdraw.status_code, edit.status_code) == (403, 403)
    assert snapshot(device) == before


@pytest.mark.django_db
def test_another_communes_withdrawn_device_is_not_found(
    client_for, declare, commune, commune_user, other_commune_user
):
    # given
    [device] = declare()
    device_withdraw(device=device, user=commune_user, organisation=commune)
    before = snapshot(device)
    client = client_for(other_commune_user)

    # when
    withdraw = client.post(device_url(device, "withdraw/"))
    edit = client.patch(device_url(device), {"brand": "Other"}, format="json")

    # then
    assert (withdraw.status_code, edit.status_code) == (404, 404)
    assert withdraw.json()["error"]["code"] == "device_not_found"
    assert snapshot(device) == before


@pytest.mark.django_db
def test_editing_a_withdrawn_device_is_refused(client_for, declare, commune, commune_user):
    [device] = declare()
    device_withdraw(device=device, user=commune_user, organisation=commune)
    before = snapshot(device)

    response = client_for(commune_user).patch(device_url(device), {"brand": "HP"}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_editable"
    assert snapshot(device) == before


# --- History ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_are_the_devices_history(client_for, declare, commune, commune_user):
    # given
    [device] = declare(model="Latitude 5490")
    client = client_for(commune_user)
    client.patch(device_url(device), {"model": "Latitude 5590"}, format="json")
    client.post(device_url(device, "withdraw/"), {"note": "Gardé"}, format="json")

    # when
    response = client.get(device_url(device, "events/"))

    # then
    assert response.status_code == 200
    events = response.json()
    for event in events:
        assert datetime.datetime.fromisoformat(event.pop("created_at")) <= timezone.now()
    cachan = {"slug": "cachan", "name": "Cachan"}
    user = commune_user.username
    assert events == [
        {
            "kind": "declared",
            "from_state": "",
            "to_state": "declared",
            "organisation": cachan,
            "actor": user,
            "note": "",
            "details": {"declaration": device.declaration_id},
        },
        {
            "kind": "edited",
            "from_state": "declared",
            "to_state": "declared",
            "organisation": cachan,
            "actor": user,
            "note": "",
            "details": {"changed": {"model": ["Latitude 5490", "Latitude 5590"]}},
        },
        {
            "kind": "withdrawn",
            "from_state": "declared",
            "to_state": "withdrawn",
            "organisation": cachan,
            "actor": user,
            "note": "Gardé",
            "details": {},
        },
    ]


@pytest.mark.django_db
def test_events_hide_who_acted_from_outsiders(client_for, declare, partner_user, territory_user):
    [device] = declare()

    seen_by_partner = client_for(partner_user).get(device_url(device, "events/")).json()
    seen_by_territory = client_for(territory_user).get(device_url(device, "events/")).json()

    assert [event["actor"] for event in seen_by_partner] == [None]
    assert [event["organisation"]["slug"] for event in seen_by_partner] == ["cachan"]
    assert [event["actor"] for event in seen_by_territory] == [device.events.get().actor.username]
