"""What the device lists cost, on every database: a constant number of queries whatever the
rows and the page, no DISTINCT where no join multiplies rows, and the allowed actions of each
row without building the refusal messages only a device's own page shows."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_fsm import has_transition_perm

from inventory import lifecycle
from inventory.services import device_withdraw
from reuse.services import devices_claim

DEVICES = "/api/v1/devices/"


@pytest.fixture
def as_commune(client, commune_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(commune_user)
    return client


def sql_of(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = run()
        if response.streaming:  # an export reads the devices as it streams them
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


# --- No DISTINCT ---


@pytest.mark.django_db
def test_the_filtered_lists_select_no_distinct_rows(declare, client_for, commune_user, as_commune):
    # given: filters of several values, which django-filter would make DISTINCT
    declare(3)
    query = "category=laptop&category=monitor&state=declared&state=claimed"
    client = client_for(commune_user)

    # when
    queries = (
        sql_of(lambda: client.get(f"{DEVICES}?{query}"))
        + sql_of(lambda: as_commune.get(f"{reverse('inventory:device-list')}?{query}"))
        + sql_of(lambda: as_commune.get(f"{reverse('inventory:export-csv')}?{query}"))
    )

    # then
    device_queries = [sql for sql in queries if '"inventory_device"' in sql]
    assert len(device_queries) >= 4
    assert [sql for sql in device_queries if "DISTINCT" in sql] == []


@pytest.mark.django_db
def test_the_filtered_lists_find_each_device_once(declare, client_for, commune_user):
    devices = declare(2) + declare(1, category="monitor", storage_gb=None)

    body = client_for(commune_user).get(f"{DEVICES}?category=laptop&category=monitor").json()

    assert sorted(device["code"] for device in body["results"]) == sorted(
        device.code for device in devices
    )


# --- Constant queries ---


@pytest.mark.django_db
def test_a_later_page_and_a_search_cost_the_same_queries_for_few_or_many_devices(
    declare, as_commune
):
    # given
    url = reverse("inventory:device-list")
    declare(60, brand="Lenovo")

    def costs() -> tuple[int, int, int]:
        first = as_commune.get(url)
        cursor = first.context["page"].next_cursor
        following = sql_of(lambda: as_commune.get(url, {"cursor": cursor}))
        search = sql_of(lambda: as_commune.get(url, {"q": "lenovo"}))
        old_link = sql_of(lambda: as_commune.get(url, {"page": 2}))
        return len(following), len(search), len(old_link)

    few = costs()

    # when
    declare(120, brand="Lenovo")
    many = costs()

    # then
    assert many == few
    # session, user with memberships, the commune the list opens on, the page's devices (after a
    # cursor; their keys first otherwise), their organisations (the page shows no pickup site),
    # the filters' choices of communes and sites
    assert few == (7, 8, 8)


# --- The allowed actions of each row ---


def allowed_the_long_way(device, organisations) -> list[str]:
    """What allowed_transitions answered before it stopped building refusal messages."""
    return [
        name
        for name in lifecycle.transition_names()
        if lifecycle.transition_refusal(device, name) is None
        and any(
            has_transition_perm(getattr(device, name), organisation)
            for organisation in organisations
        )
    ]


@pytest.mark.django_db
def test_the_allowed_actions_are_the_lifecycles_answer(
    declare, commune, commune_user, other_commune, partner, partner_user, territory
):
    # given: devices declared, withdrawn, and claimed by a partner with and without ESUS
    declared, withdrawn, claimed = declare(3)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    devices_claim(codes=[claimed.code], partner=partner, user=partner_user)
    claimed.refresh_from_db()
    readers = [[commune], [other_commune], [partner], [territory], [commune, partner], []]

    for device in (declared, withdrawn, claimed):
        for organisations in readers:
            # when
            allowed = lifecycle.allowed_transitions(device, organisations)

            # then
            assert allowed == allowed_the_long_way(device, organisations)
    assert lifecycle.allowed_transitions(declared, [commune]) == ["withdraw"]
    assert lifecycle.allowed_transitions(claimed, [partner]) == ["collect", "release"]


@pytest.mark.django_db
def test_the_api_list_builds_no_refusal_message(
    declare, client_for, commune_user, partner_user, monkeypatch
):
    # given
    declare(3)

    def refuse_to_build(*args, **kwargs):
        raise AssertionError("A list built a refusal message.")

    monkeypatch.setattr(lifecycle, "_refusal", refuse_to_build)

    # when
    for_commune = client_for(commune_user).get(DEVICES)
    for_partner = client_for(partner_user).get(DEVICES)

    # then
    assert [device["allowed_actions"] for device in for_commune.json()["results"]] == [
        ["withdraw"]
    ] * 3
    assert [device["allowed_actions"] for device in for_partner.json()["results"]] == [
        ["claim"]
    ] * 3


# --- A page's organisations and sites, read for all its devices ---


@pytest.mark.django_db
def test_a_page_reads_its_devices_organisations_and_sites_once_for_them_all(
    declare, commune, other_commune, other_commune_user, partner, partner_user, pickup_site
):
    # given: devices of two communes, with and without a pickup site, some claimed
    from inventory.models import Device
    from inventory.selectors import devices_with_relations

    declare(3)
    declare(2, by=other_commune_user, for_commune=other_commune)
    devices_claim(devices=declare(2), partner=partner, user=partner_user)
    joined = {
        device.pk: (device.commune, device.holder, device.claimed_by, device.pickup_site)
        for device in Device.objects.with_related()
    }

    # when
    devices = list(Device.objects.order_by("pk"))
    with CaptureQueriesContext(connection) as queries:
        devices_with_relations(devices)
        read = {
            device.pk: (device.commune, device.holder, device.claimed_by, device.pickup_site)
            for device in devices
        }
        names = [
            (device.commune.name, device.claimed_by and device.claimed_by.name)
            for device in devices
        ]
        site_names = {str(device.pickup_site) for device in devices if device.pickup_site}

    # then: the same organisations and sites as joined, the sites' organisations with them,
    # in two queries
    assert read == joined
    assert len(queries) == 2
    assert {name for name, _ in names} == {commune.name, other_commune.name}
    assert {claimant for _, claimant in names} == {None, partner.name}
    assert {device.pickup_site for device in devices} == {pickup_site, None}
    assert site_names == {f"{pickup_site.name} — {pickup_site.organisation.name}"}


@pytest.mark.django_db
def test_a_list_that_shows_no_pickup_site_reads_its_organisations_alone(
    declare, partner, partner_user
):
    # given: devices waiting at a pickup site, some claimed
    from inventory.models import Device
    from inventory.selectors import devices_with_relations

    devices_claim(devices=declare(2), partner=partner, user=partner_user)
    declare(1)
    joined = {
        (device.commune, device.holder, device.claimed_by)
        for device in Device.objects.with_related()
    }
    devices = list(Device.objects.order_by("pk"))

    # when
    with CaptureQueriesContext(connection) as queries:
        devices_with_relations(devices, sites=False)
        read = {(device.commune, device.holder, device.claimed_by) for device in devices}

    # then: one query; the sites are left to be read if asked for
    assert len(queries) == 1
    assert read == joined
    assert {claimant for _, _, claimant in read} == {None, partner}
    assert all(not Device.pickup_site.is_cached(device) for device in devices)
