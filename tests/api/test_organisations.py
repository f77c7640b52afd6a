"""The organisations directory and the sites, readable by every member of an organisation."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Organisation
from tests.conftest import PartnerFactory, SiteFactory, UserFactory

ORGANISATIONS = "/api/v1/organisations/"
SITES = "/api/v1/sites/"


def slugs(response) -> list[str]:
    assert response.status_code == 200
    return [organisation["slug"] for organisation in response.json()["results"]]


@pytest.mark.django_db
def test_list_organisations_by_name(
    client_for, commune, other_commune, partner, territory, buyer, commune_user
):
    response = client_for(commune_user).get(ORGANISATIONS)

    assert response.json()["count"] == 5
    assert slugs(response) == ["arcueil", "atelier-reemploi", "cachan", "fcpe-cachan", "gosb"]


@pytest.mark.django_db
def test_filter_organisations_by_kind(
    client_for, commune, other_commune, partner, territory, buyer, partner_user
):
    client = client_for(partner_user)

    assert slugs(client.get(f"{ORGANISATIONS}?kind=commune")) == ["arcueil", "cachan"]
    assert slugs(client.get(f"{ORGANISATIONS}?kind=buyer&kind=territory")) == [
        "fcpe-cachan",
        "gosb",
    ]
    refused = client.get(f"{ORGANISATIONS}?kind=bank")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["kind"]


@pytest.mark.django_db
def test_the_kinds_filter_selects_no_distinct_rows(client_for, commune, partner, partner_user):
    client = client_for(partner_user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{ORGANISATIONS}?kind=commune&kind=partner")

    assert slugs(response) == ["atelier-reemploi", "cachan"]
    assert [query["sql"] for query in queries if "DISTINCT" in query["sql"]] == []


@pytest.mark.django_db
def test_search_organisations(client_for, commune, other_commune, commune_user):
    assert slugs(client_for(commune_user).get(f"{ORGANISATIONS}?search=arcu")) == ["arcueil"]


@pytest.mark.django_db
def test_organisation_detail(client_for, partner, commune_user):
    # given
    partner.siret = "73282932000074"
    partner.esus_approval_valid_until = datetime.date(2027, 6, 30)
    partner.email = "contact@atelier.example"
    partner.save()

    # when
    response = client_for(commune_user).get(f"{ORGANISATIONS}atelier-reemploi/")

    # then
    assert response.status_code == 200
    body = response.json()
    assert datetime.datetime.fromisoformat(body.pop("created_at")) == partner.created_at
    assert body == {
        "url": "http://testserver/api/v1/organisations/atelier-reemploi/",
        "slug": "atelier-reemploi",
        "name": "Atelier du Réemploi",
        "kind": "partner",
        "siren": "",
        "siret": "73282932000074",
        "insee_code": "",
        "esus_approval_reference": partner.esus_approval_reference,
        "esus_approval_valid_until": "2027-06-30",
        "cession_eligibility": "not_eligible",
        "email": "contact@atelier.example",
        "phone": "",
    }


@pytest.mark.django_db
def test_inactive_organisations_are_not_listed(client_for, commune, commune_user):
    PartnerFactory(slug="closed", is_active=False)
    client = client_for(commune_user)

    assert slugs(client.get(ORGANISATIONS)) == ["cachan"]
    assert client.get(f"{ORGANISATIONS}closed/").status_code == 404


@pytest.mark.django_db
def test_a_user_without_organisation_reads_nothing(client_for, commune, pickup_site):
    client = client_for(UserFactory())

    assert client.get(ORGANISATIONS).json()["results"] == []
    assert client.get(SITES).json()["results"] == []
    missing = client.get(f"{ORGANISATIONS}cachan/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert client.get(f"{SITES}{pickup_site.pk}/").status_code == 404


@pytest.mark.django_db
def test_a_member_of_an_inactive_organisation_reads_nothing(client_for, commune, commune_user):
    Organisation.objects.filter(pk=commune.pk).update(is_active=False)

    assert client_for(commune_user).get(ORGANISATIONS).json()["results"] == []


@pytest.mark.django_db
def test_organisations_are_read_only(client_for, commune, commune_user):
    client = client_for(commune_user)

    created = client.post(ORGANISATIONS, {"slug": "new", "name": "New"}, format="json")
    changed = client.patch(f"{ORGANISATIONS}cachan/", {"name": "Other"}, format="json")
    deleted = client.delete(f"{ORGANISATIONS}cachan/")

    assert (created.status_code, changed.status_code, deleted.status_code) == (405, 405, 405)
    assert created.json()["error"]["code"] == "method_not_allowed"
    assert Organisation.objects.get(pk=commune.pk).name == "Cachan"


@pytest.mark.django_db
def test_sites_of_every_organisation(client_for, commune, pickup_site, partner, partner_user):
    # given
    workshop = SiteFactory(
        organisation=partner,
        name="Atelier",
        address="12 rue de la Gare",
        postal_code="94200",
        city="Ivry-sur-Seine",
        is_pickup=False,
        is_delivery=True,
        contact_name="Samia",
    )
    client = client_for(partner_user)

    # when
    listed = client.get(SITES).json()["results"]
    detail = client.get(f"{SITES}{workshop.pk}/").json()

    # then
    assert [site["id"] for site in listed] == [workshop.pk, pickup_site.pk]
    assert detail == {
        "id": workshop.pk,
        "url": f"http://testserver/api/v1/sites/{workshop.pk}/",
        "organisation": {
            "url": "http://testserver/api/v1/organisations/atelier-reemploi/",
            "slug": "atelier-reemploi",
            "name": "Atelier du Réemploi",
            "kind": "partner",
        },
        "name": "Atelier",
        "address": "12 rue de la Gare",
        "postal_code": "94200",
        "city": "Ivry-sur-Seine",
        "full_address": "12 rue de la Gare, 94200 Ivry-sur-Seine",
        "is_pickup": False,
        "is_delivery": True,
        "contact_name": "Samia",
        "contact_phone": "",
        "is_active": True,
    }


@pytest.mark.django_db
def test_filter_sites(client_for, commune, pickup_site, partner, partner_user):
    workshop = SiteFactory(organisation=partner, is_pickup=False, is_delivery=True)
    client = client_for(partner_user)

    def ids(query: str) -> list[int]:
        return [site["id"] for site in client.get(f"{SITES}?{query}").json()["results"]]

    assert ids("organisation=cachan") == [pickup_site.pk]
    assert ids("is_delivery=true") == [workshop.pk]
    assert ids("is_pickup=true&organisation=atelier-reemploi") == []
