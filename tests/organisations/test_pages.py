"""The organisation pages: log in and out, the dashboard of each kind, the organisation switcher."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse

from inventory.choices import DeviceState
from inventory.services import device_withdraw
from organisations.active import SESSION_KEY
from organisations.choices import MembershipRole
from tests.conftest import MembershipFactory, SiteFactory, UserFactory, member


@pytest.fixture
def english(client):
    """Pages in English, so that assertions on text do not depend on the translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def dashboard_of(client, user):
    client.force_login(user)
    return client.get(reverse("dashboard"))


@pytest.mark.django_db
def test_login_page_renders_in_the_default_language(client):
    # when
    response = client.get(reverse("login"))

    # then
    assert response.status_code == 200
    assert "registration/login.html" in [template.name for template in response.templates]
    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert 'for="id_username"' in content
    assert 'for="id_password"' in content
    assert 'class="skip-link" href="#main"' in content


@pytest.mark.django_db
def test_login_then_dashboard(client, commune_user):
    # when
    response = client.post(
        reverse("login"),
        {"username": commune_user.username, "password": "correct horse battery"},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_login_refused_shows_an_error_summary(english, commune_user):
    # when
    response = english.post(
        reverse("login"), {"username": commune_user.username, "password": "wrong"}
    )

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "data-error-summary" in content
    assert "Please enter a correct username and password." in content
    assert "_auth_user_id" not in english.session


@pytest.mark.django_db
def test_logout_is_a_post(client, commune_user):
    # given
    client.force_login(commune_user)

    # when
    response = client.post(reverse("logout"))

    # then
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_dashboard_requires_login(client):
    # when
    response = client.get(reverse("dashboard"))

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


@pytest.mark.django_db
def test_language_switcher_sets_english(client, commune_user):
    # given
    client.force_login(commune_user)

    # when
    response = client.post(reverse("set_language"), {"language": "en", "next": "/inventory/"})

    # then
    assert response.status_code == 302
    assert response.url == "/inventory/"
    page = client.get(reverse("inventory:device-list")).content.decode()
    assert '<html lang="en">' in page


@pytest.mark.django_db
def test_commune_dashboard_counts_its_devices(
    client, declare, commune, commune_user, other_commune, other_commune_user
):
    # given
    devices = declare(3)
    device_withdraw(device=devices[0], user=commune_user, organisation=commune)
    declare(2, by=other_commune_user, for_commune=other_commune)

    # when
    response = dashboard_of(client, commune_user)

    # then
    assert response.status_code == 200
    assert "inventory/panels/commune_awaiting.html" in [t.name for t in response.templates]
    assert response.context["awaiting_claim_count"] == 2
    assert [device.code for device in response.context["awaiting_claim"]] == [
        devices[2].code,
        devices[1].code,
    ]
    assert [(entry["state"], entry["count"]) for entry in response.context["state_counts"]] == [
        (DeviceState.DECLARED, 2),
        (DeviceState.WITHDRAWN, 1),
    ]
    assert response.context["device_total"] == 3
    assert reverse("inventory:declare") in response.content.decode()


@pytest.mark.django_db
def test_partner_dashboard_shows_what_is_claimable(
    client, declare, commune, commune_user, other_commune, other_commune_user, partner_user
):
    # given
    withdrawn, _kept = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    declare(3, by=other_commune_user, for_commune=other_commune)

    # when
    response = dashboard_of(client, partner_user)

    # then
    assert response.status_code == 200
    assert "inventory/panels/partner_claimable.html" in [t.name for t in response.templates]
    assert response.context["claimable_count"] == 4
    assert withdrawn.code not in [device.code for device in response.context["claimable"]]
    assert response.context["held_total"] == 0
    assert reverse("inventory:declare") not in response.content.decode()


@pytest.mark.django_db
def test_territory_dashboard_counts_by_state_and_commune(
    client, declare, commune, commune_user, other_commune, other_commune_user, territory_user
):
    # given
    first, _second = declare(2)
    device_withdraw(device=first, user=commune_user, organisation=commune)
    declare(3, by=other_commune_user, for_commune=other_commune)

    # when
    response = dashboard_of(client, territory_user)

    # then
    assert response.status_code == 200
    assert [(entry["state"], entry["count"]) for entry in response.context["state_counts"]] == [
        (DeviceState.DECLARED, 4),
        (DeviceState.WITHDRAWN, 1),
    ]
    assert [
        (row["commune__name"], row["awaiting_claim"], row["withdrawn"], row["total"])
        for row in response.context["by_commune"]
    ] == [("Arcueil", 3, 0, 3), ("Cachan", 1, 1, 2)]
    assert response.context["awaiting_claim_count"] == 4


@pytest.mark.django_db
def test_buyer_dashboard_shows_group_orders_sites_and_members(english, buyer, declare):
    # given
    declare(2)
    user = member(buyer, role=MembershipRole.ADMIN)
    colleague = UserFactory(username="colleague", first_name="Lina", last_name="Haddad")
    MembershipFactory(user=colleague, organisation=buyer)
    SiteFactory(organisation=buyer, name="École Paul Doumer", is_pickup=False, is_delivery=True)

    # when
    response = dashboard_of(english, user)

    # then
    assert response.status_code == 200
    assert "organisations/panels/sites.html" in [t.name for t in response.templates]
    assert [site.name for site in response.context["sites"]] == ["École Paul Doumer"]
    assert sorted(m.user.username for m in response.context["members"]) == sorted(
        [user.username, "colleague"]
    )
    content = response.content.decode()
    assert "Lina Haddad" in content
    assert "Group orders open to you" in content
    assert "awaiting_claim_count" not in response.context


@pytest.mark.django_db
def test_dashboard_without_membership_says_so(english):
    # given
    lonely = UserFactory(username="lonely")

    # when
    response = dashboard_of(english, lonely)

    # then
    assert response.status_code == 200
    assert "organisations/no_organisation.html" in [t.name for t in response.templates]
    assert "You belong to no organisation" in response.content.decode()


@pytest.fixture
def two_hats(commune, partner):
    """A user who works for a commune and for a partner."""
    user = member(commune)
    MembershipFactory(user=user, organisation=partner)
    return user


@pytest.mark.django_db
def test_switcher_activates_one_of_the_users_organisations(client, two_hats, commune, partner):
    # given
    client.force_login(two_hats)
    assert dashboard_of(client, two_hats).context["organisation"] == partner  # first by name

    # when
    response = client.post(
        reverse("organisation-switch"), {"organisation": commune.pk, "next": "/inventory/"}
    )

    # then
    assert response.status_code == 302
    assert response.url == "/inventory/"
    assert client.session[SESSION_KEY] == commune.pk
    assert client.get(reverse("dashboard")).context["organisation"] == commune


@pytest.mark.django_db
def test_switcher_refuses_an_organisation_the_user_does_not_belong_to(
    client, two_hats, commune, other_commune
):
    # given
    client.force_login(two_hats)
    client.post(reverse("organisation-switch"), {"organisation": commune.pk})

    # when
    response = client.post(reverse("organisation-switch"), {"organisation": other_commune.pk})

    # then
    assert response.status_code == 403
    assert client.session[SESSION_KEY] == commune.pk
    assert client.get(reverse("dashboard")).context["organisation"] == commune


@pytest.mark.django_db
def test_switcher_does_not_follow_an_unsafe_next(client, two_hats, commune):
    # given
    client.force_login(two_hats)

    # when
    response = client.post(
        reverse("organisation-switch"),
        {"organisation": commune.pk, "next": "https://elsewhere.example/phish"},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


@pytest.mark.django_db
def test_switcher_only_answers_post(client, two_hats, commune):
    # given
    client.force_login(two_hats)

    # when
    response = client.get(reverse("organisation-switch"), {"organisation": commune.pk})

    # then
    assert response.status_code == 405
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_header_lists_the_users_organisations_in_the_switcher(english, two_hats, commune, partner):
    # when
    content = dashboard_of(english, two_hats).content.decode()

    # then
    assert f'<option value="{commune.pk}">Cachan (Commune)</option>' in content
    assert f'<option value="{partner.pk}" selected>' in content


def test_the_500_page_renders_without_a_request_or_a_database():
    # when
    page = render_to_string("500.html")

    # then
    assert "<main" in page
    assert 'href="/"' in page


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_sites_icon(client):
    # when
    response = client.get("/favicon.ico")

    # then
    assert response.status_code == 301
    assert response.url == static("img/boucle-mark.svg")
    assert finders.find("img/boucle-mark.svg")
