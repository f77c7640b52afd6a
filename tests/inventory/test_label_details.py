"""The labels' hook: an app above inventory adds what a label shows (reuse, the grade) without
inventory importing it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import inventory.labels
from inventory import labels
from reuse.selectors import label_grades
from reuse.services import grading_record
from tests.reuse.refurbishment import collected_device


def passport_url(code: str) -> str:
    return f"https://boucle.example/d/{code}/"


@pytest.fixture
def provider():
    """A provider giving every even device a shelf, registered for one test only."""
    calls: list[list[int]] = []

    def shelves(devices):
        calls.append([device.pk for device in devices])
        return {
            device.pk: {"shelf": f"S{device.pk}", "code": "OVERWRITTEN", "empty": ""}
            for device in devices
            if device.pk % 2 == 0
        }

    shelves.calls = calls
    labels.register_label_details(shelves)
    yield shelves
    labels.unregister_label_details(shelves)


def test_labels_import_nothing_of_the_apps_above_inventory():
    # given
    tree = ast.parse(Path(inventory.labels.__file__).read_text())

    # when
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }

    # then
    assert not {name for name in imported if name and name.split(".")[0] == "reuse"}


def test_reuse_registers_the_grade_once():
    assert labels._label_detail_providers.count(label_grades) == 1

    # when: registering again (a second ready(), say)
    labels.register_label_details(label_grades)

    # then
    assert labels._label_detail_providers.count(label_grades) == 1


@pytest.mark.django_db
def test_a_registered_provider_adds_its_details_to_the_labels(declare, partner, provider):
    # given
    devices = declare(2)
    even = next(device for device in devices if device.pk % 2 == 0)
    odd = next(device for device in devices if device.pk % 2 == 1)

    # when
    document = labels.label_sheet_request(
        organisation=partner,
        codes=[odd.code, even.code],
        layout="3x8",
        user=None,
        passport_url=passport_url,
    )

    # then: the details of the device that has some, never replacing its own, empty ones left out
    placed = document.context["sheets"][0]
    assert [label.get("shelf") for label in placed] == [None, f"S{even.pk}"]
    assert [label["code"] for label in placed] == [odd.code, even.code]
    assert all("empty" not in label for label in placed)
    assert [sorted(call) for call in provider.calls] == [sorted([odd.pk, even.pk])]


@pytest.mark.django_db
def test_an_unregistered_provider_adds_nothing(declare, partner, provider):
    # given
    [device] = declare(1)
    labels.unregister_label_details(provider)

    # when
    details = labels.label_details([device])

    # then
    assert provider.calls == []
    assert "shelf" not in details.get(device.pk, {})


@pytest.mark.django_db
def test_the_grade_reaches_the_labels_through_the_hook(declare, partner, partner_user):
    # given: one device graded C then B, one not graded
    graded = collected_device(declare, partner, partner_user, refurbishing=True)
    ungraded = collected_device(declare, partner, partner_user, refurbishing=True)
    grading_record(device=graded, organisation=partner, user=partner_user, grade="C")
    grading_record(device=graded, organisation=partner, user=partner_user, grade="B")

    # when
    details = labels.label_details([graded, ungraded])

    # then: the latest grade, nothing for the ungraded device
    assert details == {graded.pk: {"grade": "B"}}
