"""The inventory pages: list, device page, declare, edit and withdraw, with their refusals."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.choices import DeclarationSource, DeviceCategory, DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceEvent
from inventory.services import device_update, device_withdraw
from tests.conftest import SiteFactory, device_description


@pytest.fixture
def english(client):
    """Pages in English, so that assertions on text do not depend on the translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_commune(english, commune_user):
    english.force_login(commune_user)
    return english


@pytest.fixture
def as_other_commune(english, other_commune_user):
    english.force_login(other_commune_user)
    return english


@pytest.fixture
def as_partner(english, partner_user):
    english.force_login(partner_user)
    return english


def codes(response) -> list[str]:
    return [device.code for device in response.context["devices"]]


def inventory_state() -> tuple:
    """Everything a refused page must leave as it was."""
    return (
        Declaration.objects.count(),
        list(Device.objects.order_by("pk").values_list("pk", "state", "brand", "serial_number")),
        DeviceEvent.objects.count(),
    )


def device_snapshot(device: Device) -> tuple:
    device = Device.objects.get(pk=device.pk)
    return (
        device.state,
        device.holder_id,
        [getattr(device, field) for field in ("brand", "model", "serial_number", "ram_gb")],
        device.events.count(),
    )


def declaration_data(rows, *, site=None, reference="", removed=()) -> dict[str, str]:
    """The POST of the declare page: the common part and one formset row per device."""
    data = {
        "pickup_site": str(site.pk) if site else "",
        "reference": reference,
        "devices-TOTAL_FORMS": str(len(rows)),
        "devices-INITIAL_FORMS": "0",
        "devices-MIN_NUM_FORMS": "1",
        "devices-MAX_NUM_FORMS": "100",
    }
    for index, row in enumerate(rows):
        values = {"data_bearing": "auto", **row}
        if index in removed:
            values["DELETE"] = "on"
        for name, value in values.items():
            data[f"devices-{index}-{name}"] = "" if value is None else str(value)
    return data


# --- The list ---


@pytest.mark.django_db
def test_list_requires_login(client):
    # when
    response = client.get(reverse("inventory:device-list"))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_list_shows_what_the_active_organisation_may_see(
    as_commune, declare, commune, commune_user, other_commune, other_commune_user
):
    # given
    own_withdrawn, own_declared = declare(2)
    device_withdraw(device=own_withdrawn, user=commune_user, organisation=commune)
    foreign_withdrawn, foreign_declared = declare(
        2, by=other_commune_user, for_commune=other_commune
    )
    device_withdraw(device=foreign_withdrawn, user=other_commune_user, organisation=other_commune)

    # when: the territory's shared inventory (a commune's list opens on its own devices)
    response = as_commune.get(reverse("inventory:device-list"), {"commune": ""})

    # then
    assert response.status_code == 200
    assert sorted(codes(response)) == sorted(
        [own_withdrawn.code, own_declared.code, foreign_declared.code]
    )
    table = response.content.decode()
    assert "<caption" in table
    assert '<th scope="col">' in table


@pytest.mark.django_db
def test_list_rows_escape_what_communes_wrote(as_commune, declare):
    # given: a description written to break the page's markup
    (device,) = declare(1, brand='<b>Acme & "Co"</b>', model="<script>alert(1)</script>")

    # when
    response = as_commune.get(reverse("inventory:device-list"))

    # then: shown as written, as text
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert (
        '<span class="cell-title">&lt;b&gt;Acme &amp; &quot;Co&quot;&lt;/b&gt; '
        "&lt;script&gt;alert(1)&lt;/script&gt;</span>"
    ) in page
    assert f'<a class="code" href="/inventory/{device.code}/">{device.code}</a>' in page


@pytest.mark.django_db
def test_list_filters_by_text_commune_category_and_state(
    as_commune, declare, commune, commune_user, other_commune, other_commune_user
):
    # given
    [laptop] = declare(1, brand="Lenovo", model="ThinkPad T480", serial_number="PF1ABCDE")
    [monitor] = declare(1, category=DeviceCategory.MONITOR, brand="Dell", model="P2419H")
    [withdrawn] = declare(1, brand="HP", model="ProDesk 600")
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    [foreign] = declare(1, by=other_commune_user, for_commune=other_commune, brand="Lenovo")
    url = reverse("inventory:device-list")

    # when / then
    assert sorted(codes(as_commune.get(url, {"q": "lenovo", "commune": ""}))) == sorted(
        [laptop.code, foreign.code]
    )
    assert codes(as_commune.get(url, {"q": "lenovo"})) == [laptop.code]
    assert codes(as_commune.get(url, {"q": "thinkpad pf1abc"})) == [laptop.code]
    assert codes(as_commune.get(url, {"q": monitor.code.lower()})) == [monitor.code]
    assert codes(as_commune.get(url, {"commune": "arcueil"})) == [foreign.code]
    assert codes(as_commune.get(url, {"category": "monitor"})) == [monitor.code]
    assert codes(as_commune.get(url, {"state": "withdrawn"})) == [withdrawn.code]
    assert sorted(
        codes(as_commune.get(url, {"state": ["declared", "withdrawn"], "commune": "cachan"}))
    ) == sorted([laptop.code, monitor.code, withdrawn.code])


@pytest.mark.django_db
def test_list_with_an_unknown_filter_value_shows_the_error(as_commune, declare):
    # given
    declare(2)

    # when
    response = as_commune.get(reverse("inventory:device-list"), {"category": "spaceship"})

    # then
    assert response.status_code == 200
    assert "category" in response.context["filter_form"].errors
    assert len(codes(response)) == 2


def page_link(response, rel: str) -> str | None:
    """The address of the list's ``rel`` ("next" or "prev") page link, or None."""
    match = re.search(rf'href="([^"]*)" rel="{rel}"', response.content.decode())
    return html.unescape(match.group(1)) if match else None


@pytest.mark.django_db
def test_list_pages_by_keyset_links_keeping_the_filters(as_commune, declare, settings):
    # given: one declaration, so that the devices share their creation time
    settings.BOUCLE_DEVICE_PAGE_SIZE = 5
    devices = declare(12)
    url = reverse("inventory:device-list")
    newest_first = [device.code for device in reversed(devices)]

    # when
    first = as_commune.get(url, {"state": "declared"})
    second = as_commune.get(url + page_link(first, "next"))
    third = as_commune.get(url + page_link(second, "next"))
    back = as_commune.get(url + page_link(third, "prev"))

    # then
    assert [codes(first), codes(second), codes(third)] == [
        newest_first[:5],
        newest_first[5:10],
        newest_first[10:],
    ]
    assert codes(back) == newest_first[5:10]
    assert page_link(first, "prev") is None
    assert page_link(third, "next") is None
    assert page_link(first, "next").startswith("?state=declared&cursor=")
    assert (first.context["page"].count, second.context["page"].count) == (12, 12)
    assert (third.context["page"].start, third.context["page"].end) == (11, 12)
    assert "12 devices" in third.content.decode()
    assert "11–12 shown" in third.content.decode()


@pytest.mark.django_db
def test_list_serves_old_page_number_links(as_commune, declare, settings):
    # given
    settings.BOUCLE_DEVICE_PAGE_SIZE = 5
    devices = declare(12)
    url = reverse("inventory:device-list")
    newest_first = [device.code for device in reversed(devices)]

    # when
    third = as_commune.get(url, {"state": "declared", "page": 3})
    beyond = as_commune.get(url, {"state": "declared", "page": 99})
    not_a_number = as_commune.get(url, {"state": "declared", "page": "x"})
    broken_cursor = as_commune.get(url, {"state": "declared", "cursor": "not-a-cursor"})

    # then
    assert codes(third) == newest_first[10:]
    assert codes(beyond) == newest_first[10:]
    assert codes(not_a_number) == newest_first[:5]
    assert codes(broken_cursor) == newest_first[:5]
    assert codes(as_commune.get(url + page_link(third, "prev"))) == newest_first[5:10]


@pytest.mark.django_db
def test_list_counts_up_to_a_limit(as_commune, declare, settings, monkeypatch):
    # given
    settings.BOUCLE_DEVICE_PAGE_SIZE = 2
    monkeypatch.setattr("inventory.views.DEVICE_COUNT_LIMIT", 4)
    declare(5)
    url = reverse("inventory:device-list")

    # when
    first = as_commune.get(url)
    last = as_commune.get(url, {"page": 3})

    # then
    assert first.context["page"].count is None
    assert "More than 4 devices" in first.content.decode()
    assert len(codes(last)) == 2
    assert last.context["page"].count_exceeds == 4
    assert as_commune.get(url, {"state": "withdrawn"}).context["page"].count == 0


@pytest.mark.django_db
def test_list_answers_htmx_with_the_results_only(as_commune, declare):
    # given
    [device] = declare(1, brand="Fairphone")
    declare(2)

    # when
    response = as_commune.get(
        reverse("inventory:device-list"), {"q": "fairphone"}, headers={"HX-Request": "true"}
    )

    # then
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "inventory/partials/device_results.html"
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="results-status"' in content
    assert 'hx-swap-oob="true"' in content
    assert codes(response) == [device.code]
    assert "HX-Request" in response["Vary"]


@pytest.mark.django_db
def test_list_costs_the_same_queries_for_10_and_60_devices(as_commune, declare):
    # given
    url = reverse("inventory:device-list")
    declare(10)
    with CaptureQueriesContext(connection) as ten:
        assert as_commune.get(url).status_code == 200

    declare(50)

    # when
    with CaptureQueriesContext(connection) as sixty:
        response = as_commune.get(url)

    # then
    assert len(codes(response)) == 50
    assert len(sixty) == len(ten)
    # session, user with memberships, the commune the list opens on, the commune and pickup site
    # choices of the filters, count, page of devices, their organisations (it shows no pickup
    # site)
    assert len(sixty) == 8


# --- The device page ---


@pytest.mark.django_db
def test_device_page_shows_description_and_history(as_commune, declare, commune, commune_user):
    # given
    [device] = declare(1, brand="Dell", model="Latitude 5490", ram_gb=8)
    device_update(
        device=device,
        user=commune_user,
        organisation=commune,
        note="Barrette ajoutée",
        ram_gb=Decimal("16"),
    )

    # when
    response = as_commune.get(reverse("inventory:device-detail", args=[device.code]))

    # then
    assert response.status_code == 200
    history = response.context["history"]
    assert [entry["event"].kind for entry in history] == [EventKind.DECLARED, EventKind.EDITED]
    assert history[1]["changes"] == [{"label": "memory (GB)", "old": "8", "new": "16"}]
    assert [action["name"] for action in response.context["actions"]] == ["edit", "withdraw"]
    content = response.content.decode()
    assert device.code in content
    assert "Barrette ajoutée" in content
    assert "Latitude 5490" in content


@pytest.mark.django_db
def test_device_page_hides_people_from_other_organisations(as_partner, declare, commune_user):
    # given
    commune_user.first_name, commune_user.last_name = "Claire", "Martin"
    commune_user.save()
    [device] = declare(1)

    # when
    response = as_partner.get(reverse("inventory:device-detail", args=[device.code]))

    # then
    assert response.status_code == 200
    assert response.context["history"][0]["actor"] == ""
    assert "Claire Martin" not in response.content.decode()
    assert [action["name"] for action in response.context["actions"]] == ["claim"]


@pytest.mark.django_db
def test_device_page_is_404_when_not_visible(
    as_commune, declare, other_commune, other_commune_user
):
    # given
    [device] = declare(1, by=other_commune_user, for_commune=other_commune)
    device_withdraw(device=device, user=other_commune_user, organisation=other_commune)

    # when
    response = as_commune.get(reverse("inventory:device-detail", args=[device.code]))
    unknown = as_commune.get(reverse("inventory:device-detail", args=["ZZZZZZZZ"]))

    # then
    assert response.status_code == 404
    assert unknown.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


# --- Declare ---


@pytest.mark.django_db
def test_declare_page_starts_with_one_device_row(as_commune, pickup_site):
    # when
    response = as_commune.get(reverse("inventory:declare"))

    # then
    assert response.status_code == 200
    assert len(response.context["formset"].forms) == 1
    content = response.content.decode()
    assert 'name="devices-TOTAL_FORMS" value="1"' in content
    assert "<template data-formset-empty>" in content
    assert "devices-__prefix__-brand" in content
    assert response.context["declaration_form"]["pickup_site"].value() == pickup_site.pk


@pytest.mark.django_db
def test_declare_one_device(as_commune, commune, commune_user, pickup_site):
    # given
    description = device_description(
        brand="Lenovo", model="ThinkPad T480", ram_gb="15.5", purchase_date="2019-03-01"
    )

    # when
    response = as_commune.post(
        reverse("inventory:declare"),
        declaration_data([description], site=pickup_site, reference="TICKET-42"),
    )

    # then
    device = Device.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("inventory:device-detail", args=[device.code])
    assert (device.commune, device.holder, device.pickup_site, device.state) == (
        commune,
        commune,
        pickup_site,
        DeviceState.DECLARED,
    )
    assert (device.brand, device.model, device.serial_number, device.ram_gb) == (
        "Lenovo",
        "ThinkPad T480",
        description["serial_number"],
        Decimal("15.5"),
    )
    assert device.purchase_date == datetime.date(2019, 3, 1)
    assert device.data_bearing is True
    assert device.data_bearing_overridden is False
    assert (device.declaration.source, device.declaration.reference) == (
        DeclarationSource.FORM,
        "TICKET-42",
    )
    event = device.events.get()
    assert (event.kind, event.to_state, event.actor, event.organisation) == (
        EventKind.DECLARED,
        DeviceState.DECLARED,
        commune_user,
        commune,
    )
    [message] = get_messages(response.wsgi_request)
    assert device.code in str(message)


@pytest.mark.django_db
def test_declare_several_devices_at_once(as_commune, commune, pickup_site):
    # given: three devices, a row removed by the person, and an empty row left at the end
    rows = [
        device_description(),
        device_description(
            category=DeviceCategory.MONITOR,
            brand="Dell",
            model="P2419H",
            ram_gb=None,
            storage_gb=None,
            storage_type="",
        ),
        device_description(brand="Removed", serial_number="GONE-1"),
        device_description(
            category=DeviceCategory.PRINTER,
            brand="Brother",
            data_bearing="yes",
            ram_gb=None,
            storage_gb=None,
            storage_type="",
        ),
        {},
    ]

    # when
    response = as_commune.post(
        reverse("inventory:declare"), declaration_data(rows, site=pickup_site, removed={2})
    )

    # then
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert response.url == f"{reverse('inventory:device-list')}?declaration={declaration.pk}"
    listed = as_commune.get(response.url)
    devices = list(Device.objects.order_by("pk"))
    assert list(listed.context["devices"]) == devices[::-1]
    assert [device.brand for device in devices] == ["Dell", "Dell", "Brother"]
    assert [device.category for device in devices] == ["laptop", "monitor", "printer"]
    assert [(d.data_bearing, d.data_bearing_overridden) for d in devices] == [
        (True, False),
        (False, False),
        (True, True),
    ]
    assert Declaration.objects.count() == 1
    assert list(DeviceEvent.objects.values_list("kind", flat=True)) == [EventKind.DECLARED] * 3


BAD_ROWS = {
    "unknown category": ({"category": "spaceship"}, "category"),
    "negative memory": ({"ram_gb": "-4"}, "ram_gb"),
    "purchase date in the future": (
        {"purchase_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat()},
        "purchase_date",
    ),
    "no brand": ({"brand": ""}, "brand"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_declare_shows_errors_on_the_row_and_saves_nothing(
    as_commune, declare, pickup_site, change, field
):
    # given
    declare(1)
    before = inventory_state()
    rows = [device_description(), device_description(**change)]

    # when
    response = as_commune.post(
        reverse("inventory:declare"), declaration_data(rows, site=pickup_site)
    )

    # then
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.forms[0].errors == {}
    assert list(formset.forms[1].errors) == [field]
    content = response.content.decode()
    assert f'id="id_devices-1-{field}_error"' in content
    assert f'href="#id_devices-1-{field}"' in content  # the error summary links to the field
    assert 'aria-invalid="true"' in content
    assert inventory_state() == before


@pytest.mark.django_db
def test_declare_refuses_a_serial_already_active_and_names_the_device(
    as_commune, declare, other_commune, other_commune_user, pickup_site
):
    # given
    [existing] = declare(
        1, by=other_commune_user, for_commune=other_commune, brand="Dell", serial_number="7XK2-91B"
    )
    before = inventory_state()
    rows = [device_description(), device_description(brand="DELL", serial_number="7xk291b")]

    # when
    response = as_commune.post(
        reverse("inventory:declare"), declaration_data(rows, site=pickup_site)
    )

    # then
    assert response.status_code == 200
    errors = response.context["formset"].forms[1].errors
    assert list(errors) == ["serial_number"]
    assert existing.code in errors["serial_number"][0]
    assert "Arcueil" in errors["serial_number"][0]
    assert existing.code in response.content.decode()
    assert inventory_state() == before


@pytest.mark.django_db
def test_declare_shows_a_service_error_on_the_right_row_past_a_removed_one(as_commune, pickup_site):
    # given: rows 1 and 4 are the same device; row 2 was removed, row 3 is fine
    rows = [
        device_description(serial_number="DUP-0001"),
        device_description(serial_number="DUP-0001", brand="Removed"),
        device_description(),
        device_description(serial_number="dup 0001"),
    ]
    before = inventory_state()

    # when
    response = as_commune.post(
        reverse("inventory:declare"), declaration_data(rows, site=pickup_site, removed={1})
    )

    # then
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert [list(form.errors) for form in forms] == [[], [], [], ["serial_number"]]
    assert "row 1" in forms[3].errors["serial_number"][0]
    assert [row["number"] for row in response.context["rows"] if not row["removed"]] == [1, 2, 3]
    assert response.context["errors"][0]["href"] == "#id_devices-3-serial_number"
    assert response.context["errors"][0]["text"].startswith("Device 3 — ")
    assert inventory_state() == before


@pytest.mark.django_db
def test_declare_refuses_a_pickup_site_of_another_commune(as_commune, other_commune, pickup_site):
    # given
    foreign_site = SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")
    before = inventory_state()

    # when
    response = as_commune.post(
        reverse("inventory:declare"), declaration_data([device_description()], site=foreign_site)
    )

    # then
    assert response.status_code == 200
    assert list(response.context["declaration_form"].errors) == ["pickup_site"]
    assert inventory_state() == before


@pytest.mark.django_db
def test_declare_adds_a_row_without_javascript(as_commune, pickup_site):
    # given
    data = declaration_data([device_description(brand="Fujitsu")], site=pickup_site)
    data["add_device"] = "1"

    # when
    response = as_commune.post(reverse("inventory:declare"), data)

    # then
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 2
    assert formset.forms[0]["brand"].value() == "Fujitsu"
    assert response.context["errors"] == []
    assert Device.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_declare_is_refused_when_the_active_organisation_is_not_a_commune(
    as_partner, method, pickup_site
):
    # given
    before = inventory_state()

    # when
    response = getattr(as_partner, method)(
        reverse("inventory:declare"), declaration_data([device_description()], site=pickup_site)
    )

    # then
    assert response.status_code == 403
    assert "Only a commune declares devices" in response.content.decode()
    assert inventory_state() == before


# --- Edit and withdraw, by the owner and by others ---


@pytest.mark.django_db
def test_owner_edits_the_description(as_commune, declare, commune_user):
    # given
    [device] = declare(1, ram_gb=8)
    data = {
        **device_description(serial_number=device.serial_number),
        "ram_gb": "16",
        "data_bearing": "auto",
        "note": "Barrette ajoutée",
    }
    data = {key: "" if value is None else value for key, value in data.items()}

    # when
    response = as_commune.post(reverse("inventory:device-edit", args=[device.code]), data)

    # then
    assert response.status_code == 302
    assert response.url == reverse("inventory:device-detail", args=[device.code])
    device.refresh_from_db()
    assert device.ram_gb == Decimal("16")
    event = device.events.last()
    assert (event.kind, event.note, event.actor) == (
        EventKind.EDITED,
        "Barrette ajoutée",
        commune_user,
    )
    assert event.details["changed"] == {"ram_gb": ["8.00", "16.00"]}


@pytest.mark.django_db
def test_edit_with_an_invalid_value_changes_nothing(as_commune, declare):
    # given
    [device] = declare(1)
    before = device_snapshot(device)
    data = {**device_description(), "ram_gb": "-1", "data_bearing": "auto"}

    # when
    response = as_commune.post(reverse("inventory:device-edit", args=[device.code]), data)

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["ram_gb"]
    assert device_snapshot(device) == before


@pytest.mark.django_db
def test_edit_to_a_serial_already_active_names_the_device_and_changes_nothing(
    as_commune, declare, other_commune, other_commune_user
):
    # given
    [existing] = declare(1, by=other_commune_user, for_commune=other_commune, brand="Dell")
    [device] = declare(1, brand="Dell")
    before = device_snapshot(device)
    data = {
        **device_description(brand="Dell", serial_number=existing.serial_number),
        "data_bearing": "auto",
    }

    # when
    response = as_commune.post(reverse("inventory:device-edit", args=[device.code]), data)

    # then
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["serial_number"]
    assert existing.code in errors["serial_number"][0]
    assert device_snapshot(device) == before


@pytest.mark.django_db
def test_edit_without_a_change_writes_no_event(as_commune, declare):
    # given
    [device] = declare(1)
    before = device_snapshot(device)
    form = as_commune.get(reverse("inventory:device-edit", args=[device.code])).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["note"] = "Rien à signaler"

    # when
    response = as_commune.post(reverse("inventory:device-edit", args=[device.code]), data)

    # then
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    assert str(message) == "Nothing was changed."
    assert device_snapshot(device) == before


@pytest.mark.django_db
def test_owner_withdraws_after_confirming(as_commune, declare, commune, commune_user):
    # given
    [device] = declare(1)
    url = reverse("inventory:device-withdraw", args=[device.code])

    # when
    confirmation = as_commune.get(url)
    response = as_commune.post(url, {"note": "Réaffecté à l'école"})

    # then
    assert confirmation.status_code == 200
    assert response.status_code == 302
    assert response.url == reverse("inventory:device-detail", args=[device.code])
    device.refresh_from_db()
    assert device.state == DeviceState.WITHDRAWN
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state, event.note, event.organisation) == (
        EventKind.WITHDRAWN,
        DeviceState.DECLARED,
        DeviceState.WITHDRAWN,
        "Réaffecté à l'école",
        commune,
    )
    page = as_commune.get(response.url)
    assert page.context["actions"] == []
    assert "Withdrawn" in page.content.decode()


@pytest.mark.django_db
def test_withdrawing_twice_is_refused_with_a_message(as_commune, declare, commune, commune_user):
    # given
    [device] = declare(1)
    device_withdraw(device=device, user=commune_user, organisation=commune)
    before = device_snapshot(device)

    # when
    response = as_commune.post(reverse("inventory:device-withdraw", args=[device.code]))

    # then
    assert response.status_code == 302
    assert response.url == reverse("inventory:device-detail", args=[device.code])
    [message] = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert "Withdrawn" in str(message)
    assert device_snapshot(device) == before


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["device-edit", "device-withdraw"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_commune_cannot_edit_or_withdraw(as_other_commune, declare, page, method):
    # given
    [device] = declare(1)
    before = device_snapshot(device)
    data = {**device_description(brand="Hacked"), "data_bearing": "auto", "note": "x"}

    # when
    response = getattr(as_other_commune, method)(
        reverse(f"inventory:{page}", args=[device.code]), data
    )

    # then
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert device_snapshot(device) == before


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["device-edit", "device-withdraw"])
def test_another_commune_gets_404_for_a_device_it_cannot_see(
    as_other_commune, declare, commune, commune_user, page
):
    # given
    [device] = declare(1)
    device_withdraw(device=device, user=commune_user, organisation=commune)
    before = device_snapshot(device)

    # when
    response = as_other_commune.post(reverse(f"inventory:{page}", args=[device.code]))

    # then
    assert response.status_code == 404
    assert device_snapshot(device) == before


@pytest.mark.django_db
def test_a_partner_cannot_withdraw(as_partner, declare):
    # given
    [device] = declare(1)
    before = device_snapshot(device)

    # when
    response = as_partner.post(reverse("inventory:device-withdraw", args=[device.code]))

    # then
    assert response.status_code == 403
    assert device_snapshot(device) == before


@pytest.mark.django_db
def test_a_decimal_comma_is_accepted_and_the_form_says_so(
    as_commune, commune, commune_user, pickup_site
):
    # given: numbers as French staff type them, on French pages
    as_commune.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    description = device_description(category="monitor", screen_size_inches="23,8", ram_gb="")
    description.pop("ram_gb", None)

    # when
    page = as_commune.get(reverse("inventory:declare")).content.decode()
    response = as_commune.post(
        reverse("inventory:declare"), declaration_data([description], site=pickup_site)
    )

    # then
    assert response.status_code == 302
    assert Device.objects.get().screen_size_inches == Decimal("23.8")
    assert "23,8" in page  # the help text shows the comma
    assert 'inputmode="decimal"' in page


# --- The list's scope, filters and sorting ---


@pytest.mark.django_db
def test_a_communes_list_opens_on_its_own_devices_the_territory_one_click_away(
    as_commune, declare, other_commune, other_commune_user
):
    # given
    own = declare(2)
    [theirs] = declare(1, by=other_commune_user, for_commune=other_commune)
    url = reverse("inventory:device-list")

    # when
    opened = as_commune.get(url)
    territory = as_commune.get(url, {"commune": ""})

    # then
    assert sorted(codes(opened)) == sorted(device.code for device in own)
    assert opened.context["scope"] == "own"
    assert 'href="?commune="' in opened.content.decode()
    assert sorted(codes(territory)) == sorted([*(d.code for d in own), theirs.code])
    assert territory.context["scope"] == "territory"


@pytest.mark.django_db
def test_the_columns_sort_both_ways(as_commune, declare):
    # given
    declare(1, brand="Lenovo")
    declare(1, brand="Dell")
    declare(1, brand="HP")
    url = reverse("inventory:device-list")

    # when
    ascending = as_commune.get(url, {"sort": "device"})
    descending = as_commune.get(url, {"sort": "-device"})

    # then
    assert [d.brand for d in ascending.context["devices"]] == ["Dell", "HP", "Lenovo"]
    assert [d.brand for d in descending.context["devices"]] == ["Lenovo", "HP", "Dell"]
    assert 'aria-sort="ascending"' in ascending.content.decode()
    assert "sort=-device" in ascending.content.decode()


@pytest.mark.django_db
def test_the_list_filters_by_pickup_site_and_declaration_dates(
    as_commune, declare, commune, pickup_site
):
    # given
    other_site = SiteFactory(organisation=commune, name="Centre technique municipal")
    at_town_hall = declare(1, site=pickup_site)
    at_workshop = declare(1, site=other_site)
    Device.objects.filter(pk=at_workshop[0].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    url = reverse("inventory:device-list")
    recent = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()

    # when
    by_site = as_commune.get(url, {"pickup_site": other_site.pk})
    by_date = as_commune.get(url, {"declared_from": recent})

    # then
    assert codes(by_site) == [at_workshop[0].code]
    assert codes(by_date) == [at_town_hall[0].code]


@pytest.mark.django_db
def test_a_declaration_filter_shows_as_a_filter_one_can_remove(as_commune, declare):
    # given
    [device] = declare(1)
    declare(1)
    url = reverse("inventory:device-list")

    # when
    response = as_commune.get(url, {"declaration": device.declaration_id})

    # then
    content = response.content.decode()
    assert codes(response) == [device.code]
    assert f"Declaration no. {device.declaration_id}" in content
    assert 'data-testid="remove-declaration"' in content
    assert (
        f"declaration={device.declaration_id}"
        not in content.split('data-testid="remove-declaration"')[0].rsplit("href=", 1)[1]
    )
