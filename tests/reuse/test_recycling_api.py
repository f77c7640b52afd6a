"""Recycling through the API: waste records, the register, and the journey from ``declared`` to
``recycled``."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Document
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from reuse.checklists import checklist_for
from reuse.models import WasteRecord
from reuse.services import waste_record_create
from tests.reuse.refurbishment import api_collected_device, collected_device, erase, snapshot
from tests.reuse.test_recycling_services import TAKER_SIREN, monitor, shipment

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"
URL = "/api/v1/waste-records/"


def payload(codes, **overrides) -> dict:
    values = {
        key: (str(value) if not isinstance(value, str) else value)
        for key, value in shipment(**overrides).items()
    }
    return {"codes": codes, **values}


def register_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_holder_records_a_waste_record(client_for, declare, partner, partner_user):
    device = monitor(declare, partner, partner_user)

    response = client_for(partner_user).post(URL, payload([device.code]), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["partner"] == partner.slug
    assert body["waste_code"] == "20 01 36"
    assert body["weight_kg"] == "18.40"
    assert body["taker_siren"] == TAKER_SIREN
    assert [item["code"] for item in body["devices"]] == [device.code]
    assert body["devices"][0]["state"] == "recycled"
    assert Device.objects.get(pk=device.pk).state == DeviceState.RECYCLED


def test_a_data_bearing_device_not_erased_answers_409_and_changes_nothing(
    client_for, declare, partner, partner_user
):
    device = collected_device(declare, partner, partner_user)
    before = (*snapshot(), WasteRecord.objects.count())

    response = client_for(partner_user).post(URL, payload([device.code]), format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_erased"
    assert device.code in response.json()["error"]["message"]
    assert (*snapshot(), WasteRecord.objects.count()) == before


def test_invalid_fields_answer_400_with_their_names(client_for, declare, partner, partner_user):
    device = monitor(declare, partner, partner_user)
    before = (*snapshot(), WasteRecord.objects.count())

    response = client_for(partner_user).post(
        URL,
        payload([device.code], taker_siren="732829321", waste_code="99", weight_kg="0"),
        format="json",
    )

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "waste_code" in fields
    assert (*snapshot(), WasteRecord.objects.count()) == before
    # the serializer passes; the service names the SIREN and the weight
    response = client_for(partner_user).post(
        URL, payload([device.code], taker_siren="732829321", weight_kg="0"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"taker_siren", "weight_kg"}
    assert (*snapshot(), WasteRecord.objects.count()) == before


def test_another_partner_and_a_commune_cannot_recycle_the_partners_devices(
    client_for, declare, partner, partner_user, other_partner_user, commune_user
):
    device = monitor(declare, partner, partner_user)
    before = (*snapshot(), WasteRecord.objects.count())

    by_other = client_for(other_partner_user).post(URL, payload([device.code]), format="json")
    by_commune = client_for(commune_user).post(URL, payload([device.code]), format="json")
    unknown = client_for(partner_user).post(URL, payload(["ZZZZZZZZ"]), format="json")

    assert by_other.status_code == 403
    assert by_other.json()["error"]["code"] == "not_holder"
    assert by_commune.status_code == 403
    assert unknown.status_code == 404
    assert (*snapshot(), WasteRecord.objects.count()) == before


def test_waste_records_are_read_by_the_producer_the_commune_and_the_territory_only(
    client_for,
    declare,
    partner,
    partner_user,
    other_partner_user,
    commune_user,
    territory_user,
    other_commune_user,
):
    # given
    device = monitor(declare, partner, partner_user)
    record = waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())
    detail = f"{URL}{record.pk}/"

    # then
    for user in (partner_user, commune_user, territory_user):
        api = client_for(user)
        assert [item["id"] for item in api.get(URL).json()["results"]] == [record.pk]
        assert api.get(detail).status_code == 200
    for user in (other_partner_user, other_commune_user):
        api = client_for(user)
        assert api.get(URL).json()["results"] == []
        assert api.get(detail).status_code == 404
    assert client_for(partner_user).get(f"{URL}abc/").status_code == 404


def test_the_register_export_has_the_r541_43_fields(
    client_for, declare, partner, partner_user, other_partner_user
):
    # given: two shipments, in two years
    first = monitor(declare, partner, partner_user)
    second = monitor(declare, partner, partner_user)
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[first],
        **shipment(shipped_on=datetime.date(2025, 11, 20)),
    )
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[second],
        **shipment(taker_kind="recycler", taker_name="Recycleur Martin", tracking_slip=""),
    )

    # when
    response = client_for(partner_user).get(f"{URL}register/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = register_rows(response)
    assert header[:4] == ["Shipping date", "Waste name", "Waste code", "Quantity (t)"]
    assert "Eco-organism's SIREN" in header
    line = dict(zip(header, rows[0], strict=True))
    assert line["Shipping date"] == "20/11/2025"
    assert line["Waste code"] == "20 01 36"
    assert line["Quantity (t)"] == "0,018"
    assert line["Weight (kg)"] == "18,40"
    assert line["Devices"] == first.code
    assert line["Producer"] == partner.name
    assert line["Producer's SIRET"] == partner.siret
    assert line["Transporter"] == "Transports Martin"
    assert line["Destination facility"] == "Centre de traitement de Gennevilliers"
    assert line["Treatment code"] == "R4"
    assert line["Tracking-slip number"] == "BSD-20260402-7Q2K"
    assert line["Eco-organism"] == "Éco-organisme DEEE Pro"
    assert line["Eco-organism's SIREN"] == TAKER_SIREN
    recycler = dict(zip(header, rows[1], strict=True))
    assert recycler["Eco-organism"] == recycler["Eco-organism's SIREN"] == ""
    assert recycler["SIREN of the eco-organism or recycler"] == TAKER_SIREN
    # one year only; another partner's register is empty; a bad year is refused
    assert len(register_rows(client_for(partner_user).get(f"{URL}register/?year=2025"))) == 2
    assert len(register_rows(client_for(other_partner_user).get(f"{URL}register/"))) == 1
    assert client_for(partner_user).get(f"{URL}register/?year=20x5").status_code == 400


def test_the_journey_from_declared_to_recycled_through_the_api(
    client_for, commune, commune_user, partner, partner_user
):
    commune_api = client_for(commune_user)
    partner_api = client_for(partner_user)

    # declared by the commune, claimed, collected
    code = api_collected_device(commune_api, partner_api, commune)
    device_url = f"/api/v1/devices/{code}/"

    # diagnosed: not repairable, so it stays collected
    diagnosed = partner_api.post(
        f"{device_url}diagnoses/",
        {
            "items": [{"check": check, "result": "fault"} for check in checklist_for("laptop")],
            "result": "not_repairable",
        },
        format="json",
    )
    assert diagnosed.status_code == 201, diagnosed.json()
    assert partner_api.get(device_url).json()["state"] == "collected"

    # refused while its data is not erased
    refused = partner_api.post(URL, payload([code]), format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_erased"

    # the drives wiped (the nwipe log matches the device's serial), then recycled
    imported = partner_api.post(
        "/api/v1/erasures/nwipe/",
        {
            "log": SimpleUploadedFile(
                "nwipe.log", SAMPLE.read_text().replace("|-FAILED-|", "| Erased |").encode()
            )
        },
        format="multipart",
    )
    assert imported.status_code == 201, imported.json()
    recycled = partner_api.post(URL, payload([code]), format="json")
    assert recycled.status_code == 201, recycled.json()

    device = Device.objects.get(code=code)
    assert device.state == DeviceState.RECYCLED
    assert list(
        DeviceEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True)
    ) == [EventKind.DECLARED, EventKind.CLAIMED, EventKind.COLLECTED, EventKind.RECYCLED]
    assert commune_api.get(device_url).json()["state"] == "recycled"
    commune_register = register_rows(client_for(commune_user).get(f"{URL}register/"))
    assert [row[6] for row in commune_register[1:]] == [code]


def test_a_destroyed_medium_lets_the_device_be_recycled(client_for, declare, partner, partner_user):
    device = collected_device(declare, partner, partner_user)
    erase(partner, partner_user, device, level="destroy")

    response = client_for(partner_user).post(URL, payload([device.code]), format="json")

    assert response.status_code == 201, response.json()


def test_the_register_pdf_is_requested_through_the_api(
    client_for, declare, partner, partner_user, commune_user
):
    device = monitor(declare, partner, partner_user)
    year = timezone.localdate().year
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[device],
        **shipment(shipped_on=datetime.date(year, 1, 5)),
    )
    url = f"{URL}register-document/"

    response = client_for(partner_user).post(url, {"year": year}, format="json")
    refused = client_for(commune_user).post(url, {"year": year}, format="json")
    invalid = client_for(partner_user).post(url, {"year": "soon"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["number"].startswith(f"RD-{year}-")
    assert response.json()["download"] == (
        f"/api/v1/documents/{response.json()['number']}/download/"
    )
    assert refused.status_code == 403
    assert invalid.status_code == 400
    assert Document.objects.filter(kind="waste_register").count() == 1


def test_the_list_and_the_register_cost_the_same_queries_for_one_record_or_many(
    client_for, declare, partner, partner_user
):
    def queries(url: str) -> int:
        api = client_for(partner_user)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(captured)

    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[monitor(declare, partner, partner_user)],
        **shipment(),
    )
    one = (queries(URL), queries(f"{URL}register/"))
    for _ in range(4):
        waste_record_create(
            partner=partner,
            user=partner_user,
            devices=[monitor(declare, partner, partner_user) for _ in range(2)],
            **shipment(),
        )

    assert (queries(URL), queries(f"{URL}register/")) == one


def test_each_organisation_reads_only_its_own_devices_of_a_shared_waste_record(
    client_for,
    page_client,
    declare,
    partner,
    partner_user,
    commune_user,
    other_commune,
    other_commune_user,
    territory_user,
):
    # given: one shipment holding a device of each commune
    ours = monitor(declare, partner, partner_user)

    def declare_elsewhere(count, **overrides):
        return declare(count, by=other_commune_user, for_commune=other_commune, **overrides)

    theirs = monitor(declare_elsewhere, partner, partner_user)
    record = waste_record_create(
        partner=partner, user=partner_user, devices=[ours, theirs], **shipment()
    )
    detail = f"{URL}{record.pk}/"

    # when
    commune_api = client_for(commune_user)
    commune_detail = commune_api.get(detail).json()
    commune_list = commune_api.get(URL).json()["results"]
    commune_register = register_rows(commune_api.get(f"{URL}register/"))
    commune_page = page_client(commune_user).get(f"/reuse/recycling/{record.pk}/")
    commune_csv = b"".join(
        page_client(commune_user).get("/reuse/recycling/register.csv").streaming_content
    ).decode("utf-8")

    # then: the commune reads its own device's line only, nowhere the other commune's
    assert [item["code"] for item in commune_detail["devices"]] == [ours.code]
    assert commune_detail["device_count"] == 1
    assert [item["device_count"] for item in commune_list] == [1]
    header, line = commune_register
    assert dict(zip(header, line, strict=True))["Devices"] == ours.code
    assert commune_page.status_code == 200
    for text in (commune_page.content.decode(), commune_csv):
        assert ours.code in text
        assert theirs.code not in text
        assert theirs.serial_number not in text
    # the other commune reads its own only; the producer and the territory read both
    other_detail = client_for(other_commune_user).get(detail).json()
    assert [item["code"] for item in other_detail["devices"]] == [theirs.code]
    both = sorted([ours.code, theirs.code])
    for user in (partner_user, territory_user):
        body = client_for(user).get(detail).json()
        assert [item["code"] for item in body["devices"]] == both
        assert body["device_count"] == 2
        header, line = register_rows(client_for(user).get(f"{URL}register/"))
        assert dict(zip(header, line, strict=True))["Devices"] == " ".join(both)
