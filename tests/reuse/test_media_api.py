"""The storage media and erasure records API: a device's media, a medium's erasure records."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import Device
from reuse.models import ErasureRecord, StorageMedium
from reuse.services import device_certify_ready, devices_claim, medium_add
from tests.conftest import MembershipFactory, PartnerFactory, member
from tests.reuse.refurbishment import collected_device
from tests.reuse.test_ready_services import erase, grade

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(declare, partner, partner_user) -> Device:
    """A device of the commune, claimed and collected by ``partner``."""
    return collected_device(declare, partner, partner_user)


def media_url(device: Device) -> str:
    return f"/api/v1/devices/{device.code}/media/"


def erasures_url(medium: StorageMedium | int) -> str:
    pk = medium if isinstance(medium, int) else medium.pk
    return f"/api/v1/media/{pk}/erasures/"


def record_payload(**overrides) -> dict:
    now = timezone.now()
    payload = {
        "level": "purge",
        "method": "Cryptographic erase",
        "tool": "nvme-cli",
        "tool_version": "2.4",
        "verification_method": "Sampling",
        "result": "passed",
        "operator_name": "Karim Benali",
        "operator_title": "Technicien",
        "verifier_name": "Inès Moreau",
        "verifier_title": "Qualité",
        "started_at": (now - datetime.timedelta(hours=1)).isoformat(),
        "finished_at": (now - datetime.timedelta(minutes=1)).isoformat(),
        "location": "Atelier de Cachan",
        "destination": "Réemploi",
    }
    payload.update(overrides)
    return payload


def counts() -> tuple[int, int]:
    return StorageMedium.objects.count(), ErasureRecord.objects.count()


def test_the_holder_adds_a_medium_and_reads_it_back(client_for, held, partner_user):
    # given
    client = client_for(partner_user)

    # when
    response = client.post(
        media_url(held),
        {"type": "nvme", "model": " Samsung PM981 ", "serial": "S4DXNX0M", "capacity_gb": 512},
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    medium = StorageMedium.objects.get()
    body = response.json()
    assert body == {
        "id": medium.pk,
        "device": held.code,
        "type": "nvme",
        "model": "Samsung PM981",
        "serial": "S4DXNX0M",
        "capacity_gb": 512,
        "created_at": body["created_at"],
        "latest_erasure": None,
    }
    assert (medium.device_id, medium.type, medium.capacity_gb) == (held.pk, "nvme", 512)
    listed = client.get(media_url(held))
    assert listed.status_code == 200
    assert listed.json() == [body]


def test_the_holder_records_an_erasure_with_its_evidence_and_sha256(
    client_for, held, partner, partner_user
):
    # given
    medium = medium_add(partner=partner, user=partner_user, device=held, type="ssd", serial="S1")
    content = b"nvme format /dev/nvme0n1 --ses=1\nSuccess formatting namespace:1\n"
    upload = SimpleUploadedFile("nvme-format.log", content, content_type="text/plain")
    client = client_for(partner_user)

    # when
    response = client.post(
        erasures_url(medium), {**record_payload(), "evidence": upload}, format="multipart"
    )

    # then
    assert response.status_code == 201, response.json()
    record = ErasureRecord.objects.get()
    body = response.json()
    assert body["evidence_sha256"] == hashlib.sha256(content).hexdigest()
    assert record.evidence_sha256 == hashlib.sha256(content).hexdigest()
    with record.evidence.open("rb") as stored:
        assert stored.read() == content
    assert "evidence" not in body
    assert (body["id"], body["medium"], body["device"]) == (record.pk, medium.pk, held.code)
    assert (body["level"], body["result"], body["verifier_name"]) == (
        "purge",
        "passed",
        "Inès Moreau",
    )
    assert record.created_by == partner_user

    # and the records and the medium's latest erasure read back
    assert client.get(erasures_url(medium)).json() == [body]
    [listed] = client.get(media_url(held)).json()
    assert listed["latest_erasure"] == body
    assert (
        listed["latest_erasure"]["level"],
        listed["latest_erasure"]["result"],
        datetime.datetime.fromisoformat(listed["latest_erasure"]["finished_at"]),
    ) == ("purge", "passed", record.finished_at)


def test_an_erasure_without_evidence_in_json_has_no_sha256(client_for, held, partner, partner_user):
    medium = medium_add(partner=partner, user=partner_user, device=held, type="hdd")

    response = client_for(partner_user).post(
        erasures_url(medium), record_payload(level="clear", result="failed"), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["evidence_sha256"] == ""
    record = ErasureRecord.objects.get()
    assert (record.level, record.result, record.evidence.name) == ("clear", "failed", "")


def test_the_latest_erasure_is_the_last_finished(client_for, held, partner, partner_user):
    # given: a failed pass, then a passed one
    medium = medium_add(partner=partner, user=partner_user, device=held, type="hdd")
    now = timezone.now()
    client = client_for(partner_user)
    for result, minutes_ago in (("failed", 50), ("passed", 5)):
        client.post(
            erasures_url(medium),
            record_payload(
                result=result,
                started_at=(now - datetime.timedelta(minutes=minutes_ago + 5)).isoformat(),
                finished_at=(now - datetime.timedelta(minutes=minutes_ago)).isoformat(),
            ),
            format="json",
        )

    # when
    records = client.get(erasures_url(medium)).json()
    [listed] = client.get(media_url(held)).json()

    # then
    assert [record["result"] for record in records] == ["passed", "failed"]
    assert listed["latest_erasure"]["result"] == "passed"


def test_an_invalid_medium_answers_400_with_its_fields(client_for, held, partner_user):
    response = client_for(partner_user).post(
        media_url(held), {"type": "floppy", "capacity_gb": -1}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"type", "capacity_gb"}
    assert counts() == (0, 0)


def test_an_incomplete_erasure_answers_400_with_its_fields(client_for, held, partner, partner_user):
    # given
    medium = medium_add(partner=partner, user=partner_user, device=held, type="ssd")
    client = client_for(partner_user)
    payload = record_payload(level="wipe", method="")
    del payload["operator_name"]

    # when
    missing = client.post(erasures_url(medium), payload, format="json")
    now = timezone.now()
    reversed_times = client.post(
        erasures_url(medium),
        record_payload(
            started_at=(now - datetime.timedelta(minutes=5)).isoformat(),
            finished_at=(now - datetime.timedelta(hours=1)).isoformat(),
        ),
        format="json",
    )

    # then
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"level", "method", "operator_name"}
    assert reversed_times.status_code == 400
    assert reversed_times.json()["error"]["fields"] == {
        "finished_at": ["The erasure cannot finish before it started."]
    }
    assert counts() == (1, 0)


def test_another_partner_cannot_see_a_held_device_nor_add_to_it(
    client_for, held, partner, partner_user, other_partner_user
):
    # given
    medium = medium_add(partner=partner, user=partner_user, device=held, type="ssd")
    client = client_for(other_partner_user)

    # when
    responses = [
        client.get(media_url(held)),
        client.post(media_url(held), {"type": "hdd"}, format="json"),
        client.get(erasures_url(medium)),
        client.post(erasures_url(medium), record_payload(), format="json"),
    ]

    # then
    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert responses[2].json() == client.get(erasures_url(medium.pk + 1000)).json()
    assert counts() == (1, 0)


def test_a_device_not_held_by_the_partner_is_refused_with_403(
    client_for, declare, partner, partner_user, other_partner_user
):
    # given: a declared device (in the shared inventory) and one claimed, not yet collected
    declared, claimed = declare(2)
    devices_claim(devices=[claimed], partner=partner, user=partner_user)

    # when
    by_another = client_for(other_partner_user).post(
        media_url(declared), {"type": "hdd"}, format="json"
    )
    by_claimant = client_for(partner_user).post(media_url(claimed), {"type": "hdd"}, format="json")

    # then
    for response in (by_another, by_claimant):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_holder"
    assert counts() == (0, 0)


def test_a_device_past_refurbishment_answers_409_and_nothing_changes(
    client_for, declare, partner, partner_user
):
    # given: a device erased, diagnosed, graded and ready
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    medium = erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    device_certify_ready(device=device, partner=partner, user=partner_user)
    before = counts()
    client = client_for(partner_user)

    # when
    added = client.post(media_url(device), {"type": "hdd"}, format="json")
    recorded = client.post(erasures_url(medium), record_payload(), format="json")

    # then
    for response in (added, recorded):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "erasure_not_allowed"
    assert counts() == before


def test_the_commune_and_the_territory_read_but_do_not_write(
    client_for, held, partner, partner_user, commune_user, territory_user
):
    # given
    medium = erase(partner, partner_user, held)

    for user in (commune_user, territory_user):
        client = client_for(user)

        # when
        media = client.get(media_url(held))
        records = client.get(erasures_url(medium))
        added = client.post(media_url(held), {"type": "hdd"}, format="json")
        recorded = client.post(erasures_url(medium), record_payload(), format="json")

        # then
        assert media.status_code == records.status_code == 200
        assert [item["id"] for item in media.json()] == [medium.pk]
        assert media.json()[0]["latest_erasure"]["result"] == "passed"
        assert len(records.json()) == 1
        assert added.status_code == recorded.status_code == 403
    assert counts() == (1, 1)


def test_another_commune_gets_404_like_an_unknown_device(
    client_for, held, partner, partner_user, other_commune_user
):
    medium = erase(partner, partner_user, held)
    client = client_for(other_commune_user)

    assert client.get(media_url(held)).status_code == 404
    assert client.get("/api/v1/devices/ZZZZZZZZ/media/").status_code == 404
    response = client.get(erasures_url(medium))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "medium_not_found"


def test_a_member_of_two_partners_names_the_holder(client_for, held, partner, partner_user):
    # given
    second = PartnerFactory()
    MembershipFactory(user=partner_user, organisation=second)
    client = client_for(partner_user)

    # when
    unnamed = client.post(media_url(held), {"type": "hdd"}, format="json")
    wrong = client.post(media_url(held), {"type": "hdd", "partner": second.slug}, format="json")
    named = client.post(media_url(held), {"type": "hdd", "partner": partner.slug}, format="json")

    # then
    assert unnamed.status_code == 403
    assert unnamed.json()["error"]["code"] == "partner_required"
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "not_holder"
    assert named.status_code == 201
    assert counts() == (1, 0)


def test_listing_media_costs_the_same_whatever_their_number(
    client_for, declare, partner, partner_user
):
    # given
    one = collected_device(declare, partner, partner_user)
    many = collected_device(declare, partner, partner_user)
    erase(partner, partner_user, one, serial="A")
    for serial in ("B", "C", "D", "E"):
        erase(partner, partner_user, many, serial=serial)
    client = client_for(member(partner))
    client.get(media_url(one))

    # when
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(media_url(one)).json()) == 1
    with CaptureQueriesContext(connection) as more:
        assert len(client.get(media_url(many)).json()) == 4

    # then
    assert len(more) == len(few)
