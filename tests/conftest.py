"""Factories and fixtures shared by every test: a small territory with one of each kind."""

from __future__ import annotations

import itertools
from pathlib import Path

import factory
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation
from factory.django import DjangoModelFactory
from rest_framework.test import APIClient

from inventory.choices import DeviceCategory, StorageType
from inventory.counts import device_counts_differences
from inventory.services import declaration_create
from inventory.step_counts import step_counts_differences
from organisations.choices import CessionEligibility, MembershipRole, OrganisationKind
from organisations.models import Membership, Organisation, Site


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = OrganisationKind.PARTNER
    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")


class CommuneFactory(OrganisationFactory):
    kind = OrganisationKind.COMMUNE
    name = factory.Sequence(lambda n: f"Commune {n}")
    slug = factory.Sequence(lambda n: f"commune-{n}")
    # Val-d’Oise codes: never those of the fixtures (Cachan 94016, Arcueil 94003).
    insee_code = factory.Sequence(lambda n: f"95{n % 1000:03d}")


class PartnerFactory(OrganisationFactory):
    kind = OrganisationKind.PARTNER
    name = factory.Sequence(lambda n: f"Atelier {n}")
    slug = factory.Sequence(lambda n: f"atelier-{n}")
    esus_approval_reference = factory.Sequence(lambda n: f"ESUS-94-{n:04d}")


class BuyerFactory(OrganisationFactory):
    kind = OrganisationKind.BUYER
    name = factory.Sequence(lambda n: f"Association {n}")
    slug = factory.Sequence(lambda n: f"association-{n}")
    cession_eligibility = CessionEligibility.PARENTS_ASSOCIATION


class TerritoryFactory(OrganisationFactory):
    kind = OrganisationKind.TERRITORY
    name = "Grand-Orly Seine Bièvre"
    slug = "gosb"


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    address = "1 place de la République"
    postal_code = "94230"
    city = "Cachan"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(CommuneFactory)
    role = MembershipRole.STAFF


_serial_numbers = itertools.count(1)


def device_description(**overrides) -> dict:
    """A valid description of a laptop, with a fresh serial number."""
    description = {
        "category": DeviceCategory.LAPTOP,
        "brand": "Dell",
        "model": "Latitude 5490",
        "serial_number": f"SN{next(_serial_numbers):06d}",
        "ram_gb": 8,
        "storage_gb": 256,
        "storage_type": StorageType.SSD,
        "operating_system": "Windows 10 Pro",
    }
    description.update(overrides)
    return description


def member(organisation: Organisation, role: str = MembershipRole.STAFF):
    """A new user belonging to ``organisation``."""
    return MembershipFactory(organisation=organisation, role=role).user


def assert_read_with_memberships(user, read, memberships, names: list[str]) -> None:
    """``read`` (``user`` as an authentication read it) came with ``memberships``: those
    ``memberships_of`` reads itself (of active organisations, by name), each on ``read``,
    of the organisations ``names``."""
    expected = list(
        Membership.objects.filter(user=user, organisation__is_active=True).order_by(
            "organisation__name"
        )
    )
    assert memberships == expected
    assert all(membership.user is read for membership in memberships)
    assert [membership.organisation.name for membership in memberships] == sorted(names)


@pytest.fixture(autouse=True)
def device_counts_match_the_devices(request):
    """Every test that used the database ends with the device counts equal to a recount of
    its devices, and the step counts equal to a recount of the events, whatever it did to them
    (through the services, the factories, the pages or the API): the counts are kept by every
    write, not only by those their own tests try."""
    # pytest-django's own fixture behind ``db``, ``transactional_db`` and the marker: taken
    # first, so that the check runs before the test's database is rolled back or flushed.
    uses_database = (
        request.node.get_closest_marker("django_db") is not None
        or "_django_db_helper" in request.fixturenames
    )
    if uses_database:
        request.getfixturevalue("_django_db_helper")
    yield
    if uses_database:
        assert device_counts_differences() == []
        assert step_counts_differences() == []


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Service messages in English in tests; pages choose their language per request."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Every file a test writes (documents, imports, erasure evidence) goes to a folder of its
    own, never to the repository's media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def client_for(db):
    """An API client logged in as ``user``, asking for English; each request loads the user
    afresh, as in production."""

    def _client_for(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return _client_for


@pytest.fixture
def commune(db) -> Organisation:
    return CommuneFactory(name="Cachan", slug="cachan", insee_code="94016")


@pytest.fixture
def other_commune(db) -> Organisation:
    return CommuneFactory(name="Arcueil", slug="arcueil", insee_code="94003")


@pytest.fixture
def partner(db) -> Organisation:
    return PartnerFactory(name="Atelier du Réemploi", slug="atelier-reemploi")


@pytest.fixture
def territory(db) -> Organisation:
    return TerritoryFactory()


@pytest.fixture
def buyer(db) -> Organisation:
    return BuyerFactory(name="FCPE Cachan", slug="fcpe-cachan")


@pytest.fixture
def pickup_site(commune) -> Site:
    return SiteFactory(organisation=commune, name="Hôtel de ville")


@pytest.fixture
def commune_user(commune):
    return member(commune)


@pytest.fixture
def other_commune_user(other_commune):
    return member(other_commune)


@pytest.fixture
def partner_user(partner):
    return member(partner)


@pytest.fixture
def territory_user(territory):
    return member(territory)


@pytest.fixture
def declare(commune, commune_user, pickup_site):
    """Declare devices for ``commune`` (or another commune and its user): returns them."""

    def _declare(count: int = 1, *, by=None, for_commune=None, site=None, **overrides):
        declaration = declaration_create(
            user=by or commune_user,
            commune=for_commune or commune,
            pickup_site=site if for_commune else (site or pickup_site),
            descriptions=[device_description(**overrides) for _ in range(count)],
        )
        return list(declaration.devices.order_by("pk"))

    return _declare
