"""Label sheets: the PDF read back, its pages per layout, visibility, the QR code, API and page."""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal

import pytest
import qrcode
from django.conf import settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader
from rest_framework.test import APIClient

from common.errors import NotFound, PermissionDenied, ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.models import Document, DocumentSequence
from documents.services import document_render
from inventory import labels
from inventory.choices import DeviceCategory
from inventory.services import device_withdraw
from tests.conftest import MembershipFactory, member

PASSPORT_BASE = "https://boucle.example/d/"


def passport_url(code: str) -> str:
    return f"{PASSPORT_BASE}{code}/"


def pdf_reader(document: Document) -> PdfReader:
    document.refresh_from_db()
    return PdfReader(io.BytesIO(document.file.read()))


def flat_text(reader: PdfReader) -> str:
    return " ".join("\n".join(page.extract_text() for page in reader.pages).split())


def request_sheet(organisation, devices, layout="3x8", user=None):
    return labels.label_sheet_request(
        organisation=organisation,
        codes=[device.code for device in devices],
        layout=layout,
        user=user,
        passport_url=passport_url,
    )


def test_the_layouts_fill_an_a4_page_exactly():
    three_by_eight = labels.LAYOUTS["3x8"]
    two_by_seven = labels.LAYOUTS["2x7"]

    assert three_by_eight.per_sheet == 24
    assert (three_by_eight.label_width, three_by_eight.label_height) == (70, 37)
    assert three_by_eight.margin_left == three_by_eight.margin_right == 0
    assert three_by_eight.margin_top == three_by_eight.margin_bottom == Decimal("0.5")
    assert two_by_seven.per_sheet == 14
    assert (two_by_seven.label_width, two_by_seven.label_height) == (
        Decimal("99.1"),
        Decimal("38.1"),
    )
    assert two_by_seven.margin_left == two_by_seven.margin_right == Decimal("4.65")
    assert two_by_seven.margin_top == two_by_seven.margin_bottom == Decimal("15.15")
    # The last label of a sheet ends on the bottom right margin; the next sheet starts over.
    assert three_by_eight.position(23) == (Decimal("259"), Decimal("140"))
    assert three_by_eight.position(24) == (0, 0)
    assert two_by_seven.position(13) == (Decimal("228.6"), Decimal("101.6"))


def test_the_qr_code_is_a_png_of_the_passport_url():
    # given
    url = "https://boucle.example/d/AB12CD34/"

    # when
    data_uri = labels.qr_code_data_uri(url)

    # then: each module of the image is the module of the URL's QR code
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(data_uri.removeprefix(prefix)))).convert("1")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    box = image.width // len(matrix)
    assert image.width == box * len(matrix) == image.height
    pixels = [
        [
            image.getpixel((column * box + box // 2, row * box + box // 2)) == 0
            for column in range(len(matrix))
        ]
        for row in range(len(matrix))
    ]
    assert pixels == matrix
    assert data_uri != labels.qr_code_data_uri("https://boucle.example/d/ZZ99ZZ99/")


@pytest.mark.django_db
def test_each_label_links_its_device_passport(commune, declare):
    # given
    first, second = declare(2)

    # when
    document = request_sheet(commune, [second, first])

    # then
    placed = document.context["sheets"][0]
    assert [label["code"] for label in placed] == [second.code, first.code]
    assert placed[0]["qr_code"] == labels.qr_code_data_uri(passport_url(second.code))
    assert placed[1]["qr_code"] == labels.qr_code_data_uri(passport_url(first.code))
    assert placed[1] | {"qr_code": ""} == {
        "code": first.code,
        "category": "Laptop",
        "brand": "Dell",
        "model": "Latitude 5490",
        "qr_code": "",
        "slot": 1,
    }
    assert labels.LAYOUTS["3x8"].as_context()["slots"][1] == {"slot": 1, "top": "0", "left": "70"}


@pytest.mark.django_db
@pytest.mark.parametrize(("layout", "per_page"), [("3x8", 24), ("2x7", 14)])
def test_25_devices_fill_two_sheets_with_every_code_brand_and_model(
    commune, commune_user, declare, layout, per_page, django_capture_on_commit_callbacks
):
    # given
    devices = declare(24, brand="Lenovo", model="ThinkPad T480") + declare(
        1, category=DeviceCategory.DESKTOP, brand="HP", model="EliteDesk 800 G4"
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = request_sheet(commune, devices, layout=layout, user=commune_user)

    # then
    document.refresh_from_db()
    assert document.kind == DocumentKind.LABEL_SHEET
    assert document.owner == commune
    assert document.state == DocumentState.ISSUED
    assert document.number.startswith("ET-")
    reader = pdf_reader(document)
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (
        210,
        297,
    )
    first_page = " ".join(reader.pages[0].extract_text().split())
    second_page = " ".join(reader.pages[1].extract_text().split())
    assert [device.code in first_page for device in devices] == [True] * per_page + [False] * (
        25 - per_page
    )
    assert all(device.code in second_page for device in devices[per_page:])
    text = flat_text(reader)
    assert text.count("Lenovo") == 24
    assert text.count("ThinkPad T480") == 24
    assert text.count("HP EliteDesk 800 G4") == 1
    # The category is printed in capitals.
    assert text.count("LAPTOP") == 24
    assert text.count("DESKTOP") == 1


@pytest.mark.django_db
def test_a_device_not_visible_to_the_organisation_is_refused_and_nothing_issued(
    commune, other_commune, other_commune_user, declare
):
    # given: Arcueil took its device back: only Arcueil (and the territory) see it now
    visible = declare(1)[0]
    hidden = declare(1, by=other_commune_user, for_commune=other_commune)[0]
    device_withdraw(device=hidden, user=other_commune_user, organisation=other_commune)

    # when
    with pytest.raises(NotFound) as refusal:
        request_sheet(commune, [visible, hidden])

    # then
    assert refusal.value.code == "device_not_found"
    assert refusal.value.fields == {"codes": [hidden.code]}
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_layout_or_an_empty_selection_is_refused(commune, declare):
    device = declare(1)[0]

    with pytest.raises(ValidationFailed) as unknown_layout:
        request_sheet(commune, [device], layout="4x10")
    with pytest.raises(ValidationFailed) as empty:
        request_sheet(commune, [])

    assert unknown_layout.value.fields == {"layout": ["4x10"]}
    assert list(empty.value.fields) == ["codes"]
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_api_answers_201_with_the_number_and_download_url(
    commune, commune_user, declare, client_for, django_capture_on_commit_callbacks
):
    # given
    devices = declare(15)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(commune_user).post(
            "/api/v1/labels/", {"codes": [d.code.lower() for d in devices], "layout": "2x7"}
        )

    # then
    assert response.status_code == 201
    body = response.json()
    document = Document.objects.get()
    assert body == {
        "number": document.number,
        "state": "pending",
        "pages": 2,
        "download_url": f"http://testserver/api/v1/documents/{document.number}/download/",
    }
    document.refresh_from_db()
    assert document.state == DocumentState.ISSUED
    assert document.context["layout"]["key"] == "2x7"
    first = document.context["sheets"][0][0]
    assert first["qr_code"] == labels.qr_code_data_uri(f"http://testserver/d/{devices[0].code}/")
    download = client_for(commune_user).get(body["download_url"])
    assert download.status_code == 200


@pytest.mark.django_db
def test_api_refuses_devices_not_visible_and_bad_requests(
    commune, commune_user, other_commune, other_commune_user, declare, client_for
):
    # given
    hidden = declare(1, by=other_commune_user, for_commune=other_commune)[0]
    device_withdraw(device=hidden, user=other_commune_user, organisation=other_commune)
    client = client_for(commune_user)

    # when
    not_visible = client.post("/api/v1/labels/", {"codes": [hidden.code]}, format="json")
    bad_layout = client.post(
        "/api/v1/labels/", {"codes": [hidden.code], "layout": "9x9"}, format="json"
    )
    empty = client.post("/api/v1/labels/", {"codes": []}, format="json")
    anonymous = APIClient().post("/api/v1/labels/", {"codes": [hidden.code]}, format="json")

    # then
    assert not_visible.status_code == 404
    assert not_visible.json()["error"]["code"] == "device_not_found"
    assert bad_layout.status_code == 400
    assert list(bad_layout.json()["error"]["fields"]) == ["layout"]
    assert empty.status_code == 400
    assert anonymous.status_code in (401, 403)
    assert Document.objects.count() == 0


@pytest.mark.django_db
def test_api_asks_a_member_of_several_organisations_to_name_one(
    commune, partner, declare, client_for
):
    # given
    device = declare(1)[0]
    user = member(commune)
    MembershipFactory(organisation=partner, user=user)

    # when
    unnamed = client_for(user).post("/api/v1/labels/", {"codes": [device.code]}, format="json")
    named = client_for(user).post(
        "/api/v1/labels/", {"codes": [device.code], "organisation": partner.slug}, format="json"
    )

    # then
    assert unnamed.status_code == 403
    assert unnamed.json()["error"]["code"] == "organisation_required"
    assert named.status_code == 201
    assert Document.objects.get().owner == partner


@pytest.fixture
def page_as(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.mark.django_db
def test_the_inventory_list_offers_every_layout_and_a_checkbox_per_device(
    declare, page_as, partner_user
):
    devices = declare(2)

    content = page_as(partner_user).get(reverse("inventory:device-list")).content.decode()

    assert f'action="{reverse("inventory:label-sheet-print")}"' in content
    assert set(re.findall(r'<option value="(\w+)">', content)) >= set(labels.LAYOUTS)
    for device in devices:
        assert f'name="devices" value="{device.code}" form="label-selection"' in content


@pytest.mark.django_db
def test_printing_from_the_list_redirects_to_the_issued_sheet(
    partner, partner_user, declare, page_as, django_capture_on_commit_callbacks
):
    # given
    devices = declare(3)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = page_as(partner_user).post(
            reverse("inventory:label-sheet-print"),
            {"devices": [device.code for device in devices], "layout": "2x7"},
        )

    # then
    document = Document.objects.get()
    assert document.owner == partner
    assert response.status_code == 302
    assert response.url == reverse("documents:document-download", args=[document.number])
    download = page_as(partner_user).get(response.url)
    assert download.status_code == 200
    reader = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert all(device.code in flat_text(reader) for device in devices)


@pytest.mark.django_db
def test_printing_nothing_from_the_list_says_so(partner_user, page_as):
    response = page_as(partner_user).post(
        reverse("inventory:label-sheet-print"), {"layout": "3x8"}, follow=True
    )

    assert response.redirect_chain == [(reverse("inventory:device-list"), 302)]
    assert "Select at least one device." in response.content.decode()
    assert Document.objects.count() == 0


def test_the_sheet_is_rendered_with_the_layout_geometry(db, commune, declare):
    # given
    document = request_sheet(commune, declare(1), layout="2x7")

    # when
    issued = document_render(document=document)

    # then
    from documents.rendering import render_html

    html = render_html(issued)
    assert "size: A4;" in html
    assert "margin: 15.15mm 4.65mm 15.15mm 4.65mm;" in html
    assert "width: 99.1mm; height: 38.1mm;" in html
    assert len(pdf_reader(issued).pages) == 1


def _sequence_numbers() -> list[tuple[str, int, int]]:
    return list(DocumentSequence.objects.values_list("kind", "year", "last_number"))


@pytest.mark.django_db
def test_the_territory_may_not_issue_a_label_sheet_and_nothing_is_numbered(territory, declare):
    # given
    device = declare(1)[0]
    numbers_before = _sequence_numbers()

    # when
    with pytest.raises(PermissionDenied) as refusal:
        request_sheet(territory, [device])

    # then
    assert refusal.value.code == "labels_not_allowed"
    assert Document.objects.count() == 0
    assert _sequence_numbers() == numbers_before


@pytest.mark.django_db
def test_api_refuses_a_label_sheet_to_the_territory(territory_user, declare, client_for):
    # given
    device = declare(1)[0]
    numbers_before = _sequence_numbers()

    # when
    response = client_for(territory_user).post(
        "/api/v1/labels/", {"codes": [device.code]}, format="json"
    )

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "labels_not_allowed"
    assert Document.objects.count() == 0
    assert _sequence_numbers() == numbers_before


@pytest.mark.django_db
def test_the_page_refuses_a_label_sheet_to_the_territory(territory_user, declare, page_as):
    # given
    device = declare(1)[0]
    numbers_before = _sequence_numbers()

    # when
    response = page_as(territory_user).post(
        reverse("inventory:label-sheet-print"), {"devices": [device.code], "layout": "3x8"}
    )

    # then
    assert response.status_code == 403
    assert Document.objects.count() == 0
    assert _sequence_numbers() == numbers_before


@pytest.mark.django_db
def test_the_inventory_list_offers_no_labels_to_the_territory(territory_user, declare, page_as):
    # given
    device = declare(1)[0]

    # when
    content = page_as(territory_user).get(reverse("inventory:device-list")).content.decode()

    # then
    assert device.code in content
    assert reverse("inventory:label-sheet-print") not in content
    assert 'form="label-selection"' not in content
