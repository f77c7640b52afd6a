"""The impact report PDF (``RI-…``): rendered in its task, read back with the figures of the
loop of 2025, and unchanged by a later version of the factors."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from pypdf import PdfReader

from documents.choices import DocumentState
from documents.models import Document
from impact.services import factor_version_publish, impact_report_issue
from organisations.choices import MembershipRole
from tests.conftest import member


def text_of(document: Document) -> str:
    document = Document.objects.get(pk=document.pk)
    assert document.state == DocumentState.ISSUED
    reader = PdfReader(io.BytesIO(document.file.read()))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_report_pdf_reads_back_with_its_figures(
    loop_2025, commune, commune_user, territory, django_capture_on_commit_callbacks
):
    # when: its rendering task runs once the request commits (eagerly in tests)
    with django_capture_on_commit_callbacks(execute=True):
        report = impact_report_issue(
            user=commune_user,
            viewer=commune,
            organisation=commune,
            start=datetime.date(2025, 1, 1),
            end=datetime.date(2025, 12, 31),
        )

    # then
    document = report.document
    assert document.number.startswith("RI-")
    assert document.owner == commune
    text = text_of(document)
    assert "Cachan" in text
    assert "202,6 – 220,3" in text  # CO2e avoided, kg
    assert "121,6" in text  # at 0.3
    assert "Arcueil" not in text
    assert "Décret n° 2023-266" in text

    # and a new version of the factors changes neither the report nor its PDF
    before = Document.objects.get(pk=document.pk).sha256
    factor_version_publish(
        user=member(territory, MembershipRole.ADMIN),
        organisation=territory,
        displacement_rate=Decimal("0.3"),
        displacement_source="Étude",
        source="ADEME",
        factors={},
        targets={},
    )
    assert Document.objects.get(pk=document.pk).sha256 == before
    report.refresh_from_db()
    assert report.figures["avoided"]["co2e_low_kg"] == "202.6"
