"""Label sheets print the platform's cosmetic grade of a graded device, and only its own."""

from __future__ import annotations

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from documents.models import Document
from inventory import labels
from reuse.services import grading_record
from tests.reuse.refurbishment import collected_device


def passport_url(code: str) -> str:
    return f"https://boucle.example/d/{code}/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def labels_text(document: Document) -> str:
    """The text of the issued sheet's PDF, words separated by single spaces."""
    document.refresh_from_db()
    reader = PdfReader(io.BytesIO(document.file.read()))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text


def label_of(text: str, code: str, codes: list[str]) -> str:
    """The text from ``code`` to the next label's code (or the end)."""
    start = text.index(code)
    ends = [text.index(other) for other in codes if other != code and text.index(other) > start]
    return text[start : min(ends, default=len(text))]


@pytest.mark.django_db
def test_the_grade_is_printed_on_the_label_of_a_graded_device_only(
    declare, partner, partner_user, django_capture_on_commit_callbacks
):
    # given: two devices in refurbishment, one graded B (after an earlier C), one not graded
    graded = collected_device(declare, partner, partner_user, refurbishing=True)
    ungraded = collected_device(
        declare, partner, partner_user, refurbishing=True, brand="HP", model="EliteDesk 800 G4"
    )
    grading_record(device=graded, organisation=partner, user=partner_user, grade="C")
    grading_record(device=graded, organisation=partner, user=partner_user, grade="B")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = labels.label_sheet_request(
            organisation=partner,
            codes=[ungraded.code, graded.code],
            layout="3x8",
            user=partner_user,
            passport_url=passport_url,
        )

    # then: the context keeps the latest grade, the PDF prints it on that label only
    placed = document.context["sheets"][0]
    assert [label.get("grade") for label in placed] == [None, "B"]
    text = labels_text(document)
    codes = [ungraded.code, graded.code]
    assert re.search(r"\bGrade B\b", label_of(text, graded.code, codes))
    assert "Grade" not in label_of(text, ungraded.code, codes)
    assert "Grade C" not in text
    assert text.count("Grade") == 1


@pytest.mark.django_db
def test_the_grades_of_a_sheet_are_read_in_one_query(declare, partner, partner_user):
    # given
    devices = [
        collected_device(declare, partner, partner_user, refurbishing=True) for _ in range(4)
    ]
    for device, grade in zip(devices[:3], "ABC", strict=True):
        grading_record(device=device, organisation=partner, user=partner_user, grade=grade)

    # when
    with CaptureQueriesContext(connection) as queries:
        document = labels.label_sheet_request(
            organisation=partner,
            codes=[device.code for device in devices],
            layout="2x7",
            user=partner_user,
            passport_url=passport_url,
        )

    # then
    assert [label.get("grade") for label in document.context["sheets"][0]] == [
        "A",
        "B",
        "C",
        None,
    ]
    assert sum("reuse_grading" in query["sql"] for query in queries.captured_queries) == 1
