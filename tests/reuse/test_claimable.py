"""What the claim page offers to claim at once: the declarations and pickup sites with devices
still declared, with how many, read from partial indexes whatever the number of devices."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from inventory.services import device_withdraw
from reuse.selectors import claimable_count_label, claimable_declarations, claimable_sites
from reuse.services import devices_claim
from tests.conftest import SiteFactory

pytestmark = pytest.mark.django_db


def declaration_of(devices):
    return devices[0].declaration


def test_declarations_and_sites_listed_with_their_devices_still_declared(
    declare, commune, commune_user, partner, partner_user, pickup_site
):
    # given: the oldest declaration half claimed, half withdrawn; one left whole; one claimed
    library = SiteFactory(organisation=commune, name="Médiathèque")
    older = declare(4)
    devices_claim(devices=older[:2], partner=partner, user=partner_user)
    device_withdraw(device=older[2], user=commune_user, organisation=commune)
    whole = declare(3, site=library)
    gone = declare(2, site=library)
    devices_claim(devices=gone, partner=partner, user=partner_user)

    # when
    declarations = list(claimable_declarations())
    sites = list(claimable_sites())

    # then: newest first, each counting its devices still declared only
    assert [(declaration.pk, declaration.claimable) for declaration in declarations] == [
        (declaration_of(whole).pk, 3),
        (declaration_of(older).pk, 1),
    ]
    assert declaration_of(gone) not in declarations
    assert sorted((site.pk, site.claimable) for site in sites) == sorted(
        [(pickup_site.pk, 1), (library.pk, 3)]
    )


def test_nothing_listed_when_nothing_is_declared(declare, partner, partner_user):
    # given
    devices_claim(devices=declare(2), partner=partner, user=partner_user)

    # then
    assert not claimable_declarations().exists()
    assert not claimable_sites().exists()


def test_the_claim_page_costs_the_same_whatever_the_devices_and_declarations(
    page_client, declare, commune, partner_user, other_commune, other_commune_user
):
    # given: one declaration of one device
    declare(1)
    client = page_client(partner_user)
    client.get(reverse("reuse:claim-list"))
    with CaptureQueriesContext(connection) as one_device:
        first = client.get(reverse("reuse:claim-list"))
    assert [
        choice.claimable
        for choice in first.context["declaration_form"].fields["declaration"].queryset
    ] == [1]
    # and then 25 more devices, in four more declarations, at three more sites, two communes
    for number in range(3):
        declare(5, site=SiteFactory(organisation=commune, name=f"École {number}"))
    declare(
        5,
        by=other_commune_user,
        for_commune=other_commune,
        site=SiteFactory(organisation=other_commune),
    )

    # when
    with CaptureQueriesContext(connection) as many_devices:
        response = client.get(reverse("reuse:claim-list"))

    # then
    assert len(many_devices) == len(one_device)
    content = response.content.decode()
    assert content.count("(5 to claim)") == 4 + 4
    assert "(1 to claim)" in content


def test_counts_stop_past_the_limit_and_say_more_than(declare, commune, monkeypatch):
    """A declaration of a file import holds 200,000 devices: its count stops past the limit,
    which the page says ("more than 1,000 to claim"); below it, the exact count."""
    monkeypatch.setattr("reuse.selectors.CLAIMABLE_COUNT_LIMIT", 3)
    big = declare(5)
    small = declare(3, site=SiteFactory(organisation=commune, name="Mairie annexe"))

    counts = {declaration.pk: declaration.claimable for declaration in claimable_declarations()}
    sites = {site.pk: site.claimable for site in claimable_sites()}

    assert counts == {declaration_of(big).pk: 4, declaration_of(small).pk: 3}
    assert sites == {big[0].pickup_site_id: 4, small[0].pickup_site_id: 3}
    assert claimable_count_label(4) == "more than 3 to claim"
    assert claimable_count_label(3) == "3 to claim"
    monkeypatch.setattr("reuse.selectors.CLAIMABLE_COUNT_LIMIT", 1000)
    with translation.override("fr"):
        assert claimable_count_label(1001) == "plus de 1\xa0000 à réserver"
        assert claimable_count_label(12) == "12 à réserver"


# --- The plans (PostgreSQL): the counts read the partial indexes, never every device. ---


def plan(queryset) -> str:
    """The plan of ``queryset`` once the devices are analysed, with sequential and bitmap scans
    ruled out unless nothing else can answer: the tables of the tests are too small for the
    planner to prefer an index otherwise. What is left to choose is which index answers."""
    ruled_out = ("enable_seqscan", "enable_bitmapscan")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_device")
        for setting in ruled_out:
            cursor.execute(f"SET LOCAL {setting} = off")
    try:
        return queryset.explain()
    finally:
        with connection.cursor() as cursor:
            for setting in ruled_out:
                cursor.execute(f"RESET {setting}")


@pytest.mark.parametrize(
    ("selector", "index", "column"),
    [
        (claimable_declarations, "inventory_device_declared_decl", "declaration_id"),
        (claimable_sites, "inventory_device_declared_site", "pickup_site_id"),
    ],
)
def test_the_claimable_counts_read_a_partial_index_of_the_declared_devices(
    declare, commune, selector, index, column
):
    if connection.vendor != "postgresql":
        pytest.skip("The plan is PostgreSQL's")
    # given: three declarations at three sites, their devices still declared
    for number in range(3):
        declare(20, site=SiteFactory(organisation=commune, name=f"École {number}"))

    # when
    text = plan(selector())

    # then: the devices are read through the index alone, one declaration or site at a time
    assert re.search(rf"Index Only Scan (Backward )?using {index} on inventory_device", text), text
    assert f"Index Cond: ({column} = " in text, text
    assert f"Filter: ({column} = " not in text, text
    assert "Seq Scan on inventory_device " not in text, text
    assert list(selector().values_list("claimable", flat=True)) == [20, 20, 20]
