"""The organisations' admin: operators set up organisations, their sites and their members."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.choices import MembershipRole, OrganisationKind
from organisations.models import Membership, Organisation, Site
from tests.conftest import CommuneFactory, SiteFactory, UserFactory, member


@pytest.fixture
def operator_client(client, db):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def communes_with_sites_and_members(count: int) -> list[Organisation]:
    communes = CommuneFactory.create_batch(count)
    for commune in communes:
        SiteFactory(organisation=commune, name="Hôtel de ville")
        member(commune, role=MembershipRole.ADMIN)
        member(commune)
    return communes


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Organisation, Site, Membership])
def test_changelist_costs_the_same_for_few_and_many_rows(operator_client, model):
    # given
    url = reverse(f"admin:organisations_{model._meta.model_name}_changelist")
    communes_with_sites_and_members(2)
    few = queries_for(operator_client, url)

    # when
    communes_with_sites_and_members(20)

    # then
    assert queries_for(operator_client, url) == few
    assert few <= 10


@pytest.mark.django_db
def test_organisation_page_lists_its_sites_and_members(operator_client):
    # given
    [commune] = communes_with_sites_and_members(1)
    usernames = list(commune.memberships.values_list("user__username", flat=True))

    # when
    with CaptureQueriesContext(connection) as context:
        response = operator_client.get(
            reverse("admin:organisations_organisation_change", args=[commune.pk])
        )

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "Hôtel de ville" in content
    assert all(username in content for username in usernames)
    assert len(context.captured_queries) <= 15


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Site, Membership])
def test_site_and_membership_pages_load(operator_client, model):
    # given
    communes_with_sites_and_members(1)
    obj = model.objects.first()

    # when
    response = operator_client.get(
        reverse(f"admin:organisations_{model._meta.model_name}_change", args=[obj.pk])
    )

    # then
    assert response.status_code == 200


@pytest.mark.django_db
def test_operator_creates_a_commune_with_its_site_and_admin(operator_client):
    # given
    person = UserFactory(username="marie.curie")

    # when
    response = operator_client.post(
        reverse("admin:organisations_organisation_add"),
        {
            "kind": OrganisationKind.COMMUNE,
            "name": "Cachan",
            "slug": "cachan",
            "is_active": "on",
            "siren": "219400165",
            "insee_code": "94016",
            "cession_eligibility": "not_eligible",
            "sites-TOTAL_FORMS": "1",
            "sites-INITIAL_FORMS": "0",
            "sites-0-name": "Hôtel de ville",
            "sites-0-address": "Square de la Libération",
            "sites-0-postal_code": "94230",
            "sites-0-city": "Cachan",
            "sites-0-is_pickup": "on",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": person.pk,
            "memberships-0-role": MembershipRole.ADMIN,
        },
    )

    # then
    assert response.status_code == 302
    commune = Organisation.objects.get(slug="cachan")
    assert (commune.kind, commune.insee_code, commune.siren) == (
        OrganisationKind.COMMUNE,
        "94016",
        "219400165",
    )
    assert list(commune.sites.values_list("name", "is_pickup", "is_delivery")) == [
        ("Hôtel de ville", True, False)
    ]
    assert list(commune.memberships.values_list("user__username", "role")) == [
        ("marie.curie", MembershipRole.ADMIN)
    ]


@pytest.mark.django_db
def test_admin_refuses_an_invalid_siren(operator_client):
    # when
    response = operator_client.post(
        reverse("admin:organisations_organisation_add"),
        {
            "kind": OrganisationKind.COMMUNE,
            "name": "Cachan",
            "slug": "cachan",
            "siren": "219400166",
            "insee_code": "94016",
            "cession_eligibility": "not_eligible",
            "sites-TOTAL_FORMS": "0",
            "sites-INITIAL_FORMS": "0",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )

    # then
    assert response.status_code == 200
    assert "A SIREN number has 9 digits with a valid check digit." in response.content.decode()
    assert not Organisation.objects.exists()
