"""Fixtures of the documents tests: a collection note and its PDF's text (files go to the
test's own media folder: see ``media_root`` in tests/conftest.py)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from documents.choices import DocumentKind
from documents.services import document_request
from inventory.models import Device
from organisations.models import Organisation

COLLECTION_NOTE = "reuse/documents/collection_note.html"


def pdf_text(content: bytes) -> str:
    """Every page's text, joined."""
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def collection_context(
    *, commune: Organisation, partner: Organisation, devices: list[Device]
) -> dict:
    """What a collection records, as the reuse workflow will capture it."""
    return {
        "date": "2026-03-12",
        "commune": {
            "name": commune.name,
            "siret": commune.siret,
            "insee_code": commune.insee_code,
            "address": "Hôtel de ville, square de la Libération, 94230 Cachan",
        },
        "partner": {
            "name": partner.name,
            "siret": partner.siret,
            "esus_approval_reference": partner.esus_approval_reference,
            "esus_approval_valid_until": partner.esus_approval_valid_until,
        },
        "site": {"name": "Centre technique municipal", "address": "12 rue Gallieni, Cachan"},
        "devices": [
            {
                "code": device.code,
                "category": str(device.get_category_display()),
                "brand": device.brand,
                "model": device.model,
                "serial_number": device.serial_number,
            }
            for device in devices
        ],
        "signatories": {
            "commune": {"name": "Claire Dubois", "role": "Directrice des services informatiques"},
            "partner": {"name": "Karim Benali", "role": "Responsable d'atelier"},
        },
    }


@pytest.fixture
def request_collection_note(commune, partner, partner_user, declare):
    """Request a collection note of the commune's devices for the partner: (document, devices)."""

    def _request(count: int = 2, **overrides):
        devices = declare(count)
        arguments = {
            "kind": DocumentKind.COLLECTION_NOTE,
            "owner": partner,
            "counterpart": commune,
            "title": f"Collecte de {count} appareils à {commune.name}",
            "template": COLLECTION_NOTE,
            "context": collection_context(commune=commune, partner=partner, devices=devices),
            "created_by": partner_user,
        }
        arguments.update(overrides)
        return document_request(**arguments), devices

    return _request


@pytest.fixture
def client(client):
    """The pages' client, reading the pages in English (the messages asserted are)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
