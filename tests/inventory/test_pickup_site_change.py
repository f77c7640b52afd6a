"""A declared device's pickup site is corrected by its commune, among its open pickup sites;
the change is in the device's history like other edits."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from common.errors import ValidationFailed
from inventory.choices import EventKind
from inventory.services import device_update
from organisations.choices import MembershipRole
from organisations.services import site_close
from tests.conftest import SiteFactory, device_description, member


@pytest.fixture
def as_commune(client, commune_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(commune_user)
    return client


@pytest.mark.django_db
def test_the_commune_moves_a_declared_device_to_another_pickup_site(
    as_commune, declare, commune, commune_user
):
    # given
    [device] = declare(1)
    annex = SiteFactory(organisation=commune, name="Centre technique")
    data = {
        **device_description(serial_number=device.serial_number),
        "data_bearing": "auto",
        "pickup_site": annex.pk,
        "note": "Stocké au centre technique",
    }

    # when
    response = as_commune.post(reverse("inventory:device-edit", args=[device.code]), data)

    # then
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.pickup_site == annex
    event = device.events.last()
    assert (event.kind, event.actor, event.note) == (
        EventKind.EDITED,
        commune_user,
        "Stocké au centre technique",
    )
    assert event.details["changed"] == {"pickup_site": ["Hôtel de ville", "Centre technique"]}


@pytest.mark.django_db
def test_the_edit_form_offers_only_the_communes_open_pickup_sites(
    as_commune, declare, commune, other_commune
):
    # given
    [device] = declare(1)
    admin = member(commune, MembershipRole.ADMIN)
    closed = SiteFactory(organisation=commune, name="Ancienne école")
    site_close(site=closed, actor=admin)
    SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")
    annex = SiteFactory(organisation=commune, name="Centre technique")

    # when
    response = as_commune.get(reverse("inventory:device-edit", args=[device.code]))

    # then
    offered = list(response.context["form"].fields["pickup_site"].queryset)
    assert offered == [annex, device.pickup_site]
    assert 'name="pickup_site"' in response.content.decode()


@pytest.mark.django_db
def test_a_closed_or_foreign_site_is_refused_and_nothing_changes(
    declare, commune, commune_user, other_commune
):
    # given
    [device] = declare(1)
    admin = member(commune, MembershipRole.ADMIN)
    closed = SiteFactory(organisation=commune, name="Ancienne école")
    site_close(site=closed, actor=admin)
    foreign = SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")
    events_before = device.events.count()

    # when
    refusals = []
    for site in (closed, foreign):
        with pytest.raises(ValidationFailed) as refusal:
            device_update(device=device, user=commune_user, organisation=commune, pickup_site=site)
        refusals.append(refusal.value.code)

    # then
    assert refusals == ["closed_site", "foreign_site"]
    device.refresh_from_db()
    assert device.pickup_site.name == "Hôtel de ville"
    assert device.events.count() == events_before


@pytest.mark.django_db
def test_the_api_moves_a_declared_device(client_for, declare, commune, commune_user):
    # given
    [device] = declare(1)
    annex = SiteFactory(organisation=commune, name="Centre technique")

    # when
    response = client_for(commune_user).patch(
        f"/api/v1/devices/{device.code}/", {"pickup_site": annex.pk}, format="json"
    )

    # then
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.pickup_site == annex
