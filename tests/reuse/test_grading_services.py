"""Grades: the platform's scale (never "new") and the grading of devices in refurbishment."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from reuse.choices import Grade
from reuse.grade_scale import GRADE_DESCRIPTIONS, grade_scale
from reuse.selectors import device_grade, refurbishment_history
from reuse.services import grading_record
from tests.reuse.refurbishment import collected_device, snapshot

# The décret 2022-190 wording a grade must never use, in French or in English.
FORBIDDEN = re.compile(r"\b(neuf|neuve|comme neuf|à neuf|new|like new|as new)\b", re.IGNORECASE)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_grade_labels_and_descriptions_never_say_new(language):
    # when
    with translation.override(language):
        texts = [str(grade.label) for grade in Grade] + [
            str(text) for text in GRADE_DESCRIPTIONS.values()
        ]

    # then
    assert len(texts) == 6
    assert [text for text in texts if FORBIDDEN.search(text)] == []


def test_the_scale_is_a_b_c_best_first():
    # then
    assert [line["grade"] for line in grade_scale()] == ["A", "B", "C"]
    assert all(line["label"] and line["description"] for line in grade_scale())


@pytest.mark.django_db
def test_the_latest_grading_is_the_devices_grade(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    grading_record(
        device=device,
        organisation=partner,
        user=partner_user,
        grade="B",
        graded_on=datetime.date(2026, 3, 15),
    )

    # when
    latest = grading_record(
        device=device,
        organisation=partner,
        user=partner_user,
        grade="A",
        battery_health=91,
        notes="Coque remplacée.",
        graded_on=datetime.date(2026, 3, 17),
    )

    # then
    assert device_grade(device) == latest
    assert (latest.grade, latest.battery_health, latest.graded_by) == ("A", 91, partner_user)
    assert [g.grade for g in refurbishment_history(device).gradings] == ["A", "B"]
    assert refurbishment_history(device).grade == latest


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"grade": "D"}, "grade"),
        ({"grade": "a"}, "grade"),
        ({"battery_health": 120}, "battery_health"),
    ],
)
@pytest.mark.django_db
def test_grading_values_are_checked(declare, partner, partner_user, arguments, field):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    before = snapshot()

    # when
    with pytest.raises(ValidationFailed) as refused:
        grading_record(
            device=device, organisation=partner, user=partner_user, **{"grade": "A", **arguments}
        )

    # then
    assert list(refused.value.fields) == [field]
    assert snapshot() == before


@pytest.mark.django_db
def test_grading_needs_the_device_in_refurbishment_and_its_holder(
    declare, partner, partner_user, commune, commune_user
):
    # given
    collected = collected_device(declare, partner, partner_user)
    refurbishing = collected_device(declare, partner, partner_user, refurbishing=True)
    before = snapshot()

    # when / then
    with pytest.raises(TransitionNotAllowed):
        grading_record(device=collected, organisation=partner, user=partner_user, grade="A")
    with pytest.raises(PermissionDenied):
        grading_record(device=refurbishing, organisation=commune, user=commune_user, grade="A")
    assert snapshot() == before
    assert device_grade(refurbishing) is None
