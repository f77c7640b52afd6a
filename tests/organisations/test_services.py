"""Creating organisations, sites and memberships: identifiers and invariants checked first."""

import datetime

import pytest

from common.errors import ValidationFailed
from organisations.choices import MembershipRole, OrganisationKind
from organisations.models import Membership, Organisation, Site
from organisations.services import membership_create, organisation_create, site_create
from tests.conftest import UserFactory


@pytest.mark.django_db
def test_commune_created_with_its_identifiers():
    commune = organisation_create(
        kind=OrganisationKind.COMMUNE,
        name="Cachan",
        slug="cachan",
        insee_code="94016",
        siren="219400165",
    )

    assert Organisation.objects.get(slug="cachan") == commune
    assert commune.siren_number == "219400165"


@pytest.mark.django_db
def test_commune_without_insee_code_refused():
    with pytest.raises(ValidationFailed):
        organisation_create(kind=OrganisationKind.COMMUNE, name="Cachan", slug="cachan")

    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_wrong_siret_refused_with_its_field():
    with pytest.raises(ValidationFailed) as refusal:
        organisation_create(
            kind=OrganisationKind.PARTNER,
            name="Atelier",
            slug="atelier",
            siret="73282932000075",
        )

    assert list(refusal.value.fields) == ["siret"]
    assert not Organisation.objects.exists()


@pytest.mark.django_db
def test_partner_esus_approval_depends_on_its_validity(partner):
    assert partner.has_esus_approval() is True
    partner.esus_approval_valid_until = datetime.date(2020, 1, 1)
    assert partner.has_esus_approval() is False


@pytest.mark.django_db
def test_site_must_be_for_pickup_or_delivery(commune):
    with pytest.raises(ValidationFailed):
        site_create(
            organisation=commune,
            name="Nulle part",
            address="1 rue",
            postal_code="94230",
            city="Cachan",
            is_pickup=False,
            is_delivery=False,
        )

    assert not Site.objects.exists()


@pytest.mark.django_db
def test_one_membership_per_user_and_organisation(commune):
    user = UserFactory()
    membership_create(organisation=commune, user=user, role=MembershipRole.ADMIN)

    with pytest.raises(ValidationFailed):
        membership_create(organisation=commune, user=user)

    assert Membership.objects.get(user=user).role == MembershipRole.ADMIN
