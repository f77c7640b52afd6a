"""The recycling pages: send devices to recycling, the waste records, the register export."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Document
from inventory.choices import DeviceState
from inventory.models import Device
from reuse.models import WasteRecord
from reuse.services import waste_record_create
from tests.reuse.refurbishment import collected_device, erase, snapshot
from tests.reuse.test_recycling_services import TAKER_SIREN, monitor, shipment

pytestmark = pytest.mark.django_db

NEW = "/reuse/recycling/new/"


def form_data(codes, **overrides) -> dict:
    values = shipment(**overrides)
    values["shipped_on"] = values["shipped_on"].isoformat()
    values["weight_kg"] = str(values["weight_kg"])
    return {"codes": codes, **values}


def recorded() -> tuple:
    return (*snapshot(), WasteRecord.objects.count())


def test_the_form_lists_the_held_devices_and_locks_those_with_data(
    page_client, declare, partner, partner_user
):
    # given
    free = monitor(declare, partner, partner_user)
    locked = collected_device(declare, partner, partner_user)

    # when
    response = page_client(partner_user).get(NEW, {"codes": free.code})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'value="{free.code}" id="recycle-{free.code}" checked' in page
    assert f'value="{locked.code}" id="recycle-{locked.code}" disabled' in page
    assert "no storage medium recorded" in page


def test_the_holder_sends_devices_to_recycling_from_the_page(
    page_client, declare, partner, partner_user
):
    # given
    free = monitor(declare, partner, partner_user)
    erased = collected_device(declare, partner, partner_user)
    erase(partner, partner_user, erased)

    # when
    response = page_client(partner_user).post(
        NEW, form_data([free.code, erased.code], weight_kg="18,40"), follow=True
    )

    # then
    record = WasteRecord.objects.get()
    assert response.redirect_chain[-1][0] == f"/reuse/recycling/{record.pk}/"
    assert "2 devices recycled" in response.content.decode()
    assert sorted(record.devices.values_list("code", flat=True)) == sorted([free.code, erased.code])
    states = Device.objects.filter(pk__in=[free.pk, erased.pk]).values_list("state", flat=True)
    assert set(states) == {DeviceState.RECYCLED}
    assert str(record.weight_kg) == "18.40"


def test_the_page_says_what_is_wrong_and_changes_nothing(
    page_client, declare, partner, partner_user
):
    # given
    device = monitor(declare, partner, partner_user)
    before = recorded()

    # when: no device ticked, a weight of zero
    invalid = page_client(partner_user).post(NEW, form_data([], weight_kg="0"))

    # then
    assert invalid.status_code == 200
    assert "Select at least one device." in invalid.content.decode()
    assert 'id="id_weight_kg_error"' in invalid.content.decode()
    assert recorded() == before
    assert Device.objects.get(pk=device.pk).state == DeviceState.COLLECTED


def test_a_wrong_siren_is_named_on_the_page(page_client, declare, partner, partner_user):
    device = monitor(declare, partner, partner_user)
    before = recorded()

    response = page_client(partner_user).post(
        NEW, form_data([device.code], taker_siren="732829321")
    )

    assert response.status_code == 200
    assert 'id="id_taker_siren_error"' in response.content.decode()
    assert recorded() == before


def test_a_device_with_data_not_erased_cannot_be_forced_through_the_form(
    page_client, declare, partner, partner_user
):
    device = collected_device(declare, partner, partner_user)
    before = recorded()

    response = page_client(partner_user).post(NEW, form_data([device.code]))

    assert response.status_code == 200
    assert "data-bearing device is recycled only once its media are erased" in (
        response.content.decode()
    )
    assert recorded() == before


def test_only_a_partner_opens_the_form(page_client, commune_user, territory_user):
    for user in (commune_user, territory_user):
        assert page_client(user).get(NEW).status_code == 403
        assert page_client(user).post(NEW, form_data([])).status_code == 403


def test_another_partner_cannot_recycle_devices_it_does_not_hold(
    page_client, declare, partner, partner_user, other_partner_user
):
    device = monitor(declare, partner, partner_user)
    before = recorded()

    response = page_client(other_partner_user).post(NEW, form_data([device.code]))

    assert response.status_code == 200  # the device is not among its choices
    assert recorded() == before
    assert Device.objects.get(pk=device.pk).state == DeviceState.COLLECTED


def test_the_device_page_offers_recycling_to_the_holder_only(
    page_client, declare, partner, partner_user, commune_user
):
    device = monitor(declare, partner, partner_user)
    recycle_url = f"/reuse/devices/{device.code}/recycle/"

    holder_page = page_client(partner_user).get(f"/inventory/{device.code}/")
    commune_page = page_client(commune_user).get(f"/inventory/{device.code}/")

    assert recycle_url in holder_page.content.decode()
    assert recycle_url not in commune_page.content.decode()
    redirect = page_client(partner_user).get(recycle_url)
    assert redirect.status_code == 302
    assert redirect["Location"] == f"{NEW}?codes={device.code}"


def test_records_and_register_are_visible_to_the_parties_only(
    page_client,
    declare,
    partner,
    partner_user,
    commune_user,
    territory_user,
    other_partner_user,
    other_commune_user,
):
    # given
    device = monitor(declare, partner, partner_user)
    record = waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())
    detail = f"/reuse/recycling/{record.pk}/"

    # then
    for user in (partner_user, commune_user, territory_user):
        client = page_client(user)
        assert detail in client.get("/reuse/recycling/").content.decode()
        page = client.get(detail)
        assert page.status_code == 200
        assert device.code in page.content.decode()
        assert TAKER_SIREN in page.content.decode()
    for user in (other_partner_user, other_commune_user):
        client = page_client(user)
        assert detail not in client.get("/reuse/recycling/").content.decode()
        assert client.get(detail).status_code == 404
        export = client.get("/reuse/recycling/register.csv")
        assert device.code not in b"".join(export.streaming_content).decode()
    assert page_client(partner_user).get("/reuse/recycling/register.csv?year=x").status_code == 404


def test_the_register_export_is_in_french_for_a_french_page(client, declare, partner, partner_user):
    # given
    device = monitor(declare, partner, partner_user)
    waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(partner_user)

    # when
    response = client.get("/reuse/recycling/register.csv?year=2026")

    # then
    assert response["Content-Disposition"].startswith(
        'attachment; filename="boucle-registre-dechets-'
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:4] == [
        "Date d’expédition",
        "Dénomination du déchet",
        "Code du déchet",
        "Quantité (t)",
    ]
    assert "SIREN de l’éco-organisme" in header
    line = dict(zip(header, row, strict=True))
    assert line["Code du déchet"] == "20 01 36"
    assert line["Dénomination du déchet"] == "Équipements électriques et électroniques mis au rebut"
    assert line["Pris en charge par"] == "Éco-organisme"


def test_the_partner_produces_the_register_pdf_from_the_page(
    page_client, declare, partner, partner_user, commune_user
):
    # given
    device = monitor(declare, partner, partner_user)
    year = timezone.localdate().year
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[device],
        **shipment(shipped_on=datetime.date(year, 1, 5)),
    )
    client = page_client(partner_user)
    listing = client.get("/reuse/recycling/").content.decode()
    assert 'action="/reuse/recycling/register.pdf"' in listing

    # when
    response = client.post("/reuse/recycling/register.pdf", {"year": year}, follow=True)

    # then
    document = Document.objects.get(kind="waste_register")
    assert response.redirect_chain[-1][0] == "/documents/"
    assert document.number in response.content.decode()
    assert document.owner == partner
    # a commune may not; a year without shipment is refused with a message
    assert (
        page_client(commune_user).post("/reuse/recycling/register.pdf", {"year": year}).status_code
        == 403
    )
    empty = page_client(partner_user).post(
        "/reuse/recycling/register.pdf", {"year": year - 3}, follow=True
    )
    assert f"recorded no shipment in {year - 3}" in empty.content.decode()
    assert Document.objects.filter(kind="waste_register").count() == 1


def test_a_recycled_devices_page_links_to_its_waste_record(
    page_client, declare, partner, partner_user, commune_user
):
    device = monitor(declare, partner, partner_user)
    record = waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    for user in (partner_user, commune_user):
        page = page_client(user).get(f"/inventory/{device.code}/").content.decode()
        assert f'href="/reuse/recycling/{record.pk}/"' in page
        assert "See the waste record" in page


def test_the_recycling_pages_cost_the_same_queries_for_one_record_or_many(
    page_client, declare, partner, partner_user
):
    client = page_client(partner_user)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[monitor(declare, partner, partner_user)],
        **shipment(),
    )
    monitor(declare, partner, partner_user)
    one = (queries("/reuse/recycling/"), queries(NEW))
    for _ in range(4):
        waste_record_create(
            partner=partner,
            user=partner_user,
            devices=[monitor(declare, partner, partner_user) for _ in range(2)],
            **shipment(),
        )
        monitor(declare, partner, partner_user)

    assert (queries("/reuse/recycling/"), queries(NEW)) == one
