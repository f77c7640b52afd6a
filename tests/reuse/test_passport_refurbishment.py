"""The public passport proves the reuse: specification, refurbisher, grade and the erasure of
the data (level, standard, method, date), never a person's name nor a serial number."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import timezone

from inventory import passport
from reuse.passport import passport_facts
from reuse.services import grading_record
from tests.reuse.refurbishment import collected_device, erase

MEDIUM_SERIAL = "S3YJNB0K77341"
PEOPLE = ("Karim Benali", "Inès Moreau", "Claire Dubois")


@pytest.fixture
def anonymous(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def facts(html: str) -> dict[str, str]:
    """The passport's facts by their key, their text without tags and extra spaces."""
    found = {}
    for key, body in re.findall(r'<div data-fact="([^"]+)">(.*?)</div>', html, re.S):
        text = re.sub(r"<[^>]+>", " ", body)
        found[key] = " ".join(text.split())
    return found


def refurbished(declare, partner, partner_user, **description):
    device = collected_device(
        declare, partner, partner_user, refurbishing=True, cpu="Intel Core i5-8350U", **description
    )
    erase(partner, partner_user, device, serial=MEDIUM_SERIAL)
    grading_record(
        device=device, organisation=partner, user=partner_user, grade="B", battery_health=81
    )
    return device


@pytest.mark.django_db
def test_the_passport_shows_the_specification_grade_erasure_and_refurbisher(
    declare, partner, partner_user, anonymous
):
    # given
    device = refurbished(declare, partner, partner_user)
    today = timezone.localdate().strftime("%m/%d/%Y")

    # when
    html = anonymous.get(f"/d/{device.code}/").content.decode()

    # then
    shown = facts(html)
    assert shown["cpu"] == "Processor Intel Core i5-8350U"
    assert shown["memory"] == "Memory 8 GB"
    assert shown["storage"] == "Storage 256 GB · SSD (SATA)"
    assert shown["os"] == "Operating system Windows 10 Pro"
    assert shown["refurbisher"] == f"Refurbished by {partner.name}"
    assert shown["grade"] == "Grade Grade B — good condition"
    assert (
        shown["erasure"] == "Data erasure Every storage medium erased or destroyed (NIST SP 800-88)"
    )
    assert shown["erasure-1"] == (
        f"Storage medium 1 (SSD) Purge (NIST SP 800-88), Cryptographic erase, on {today}"
    )


@pytest.mark.django_db
def test_the_passport_shows_no_person_and_no_serial_number(
    declare, partner, partner_user, anonymous
):
    # given
    device = refurbished(declare, partner, partner_user, asset_tag="INV-2019-0042")

    # when
    html = anonymous.get(f"/d/{device.code}/").content.decode()

    # then: neither the device's serial, its asset tag, the medium's serial, nor anybody's name
    for secret in (device.serial_number, "INV-2019-0042", MEDIUM_SERIAL, *PEOPLE):
        assert secret not in html, secret
    assert partner_user.get_username() not in html


@pytest.mark.django_db
def test_a_device_not_erased_yet_says_so_without_its_media(declare, partner, partner_user):
    # given: diagnosed, graded, not erased
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device, serial=MEDIUM_SERIAL, result="failed")

    # when
    shown = {fact.key: fact.value for fact in passport_facts(device)}

    # then
    assert shown == {"refurbisher": partner.name, "erasure": "Not complete yet"}


@pytest.mark.django_db
def test_a_declared_device_has_no_refurbishment_on_its_passport(declare, anonymous):
    # given
    device = declare(1)[0]

    # when
    html = anonymous.get(f"/d/{device.code}/").content.decode()

    # then: its specification, but nothing of a refurbishment it has not had
    assert 'data-fact="memory"' in html
    assert 'id="refurbishment-title"' not in html
    assert passport.passport_details(device) == []


def test_reuse_registers_its_passport_facts():
    # the hook inventory offers, filled by reuse from its AppConfig.ready()
    assert passport_facts in passport._passport_detail_providers
