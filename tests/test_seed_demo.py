"""``seed_demo``: the demo territory, created once, the same on every run, with working logins."""

import hashlib
import io
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat

from inventory.choices import DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceEvent
from organisations.choices import CessionEligibility, MembershipRole, OrganisationKind
from organisations.demo import DEMO_PASSWORD
from organisations.models import Membership, Organisation, Site

User = get_user_model()
MODELS = (User, Organisation, Site, Membership, Declaration, Device, DeviceEvent)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def database_state() -> dict:
    """Counts and highest keys of every model, and a digest of every device and event."""
    devices = sorted(
        Device.objects.values_list(
            "code", "state", "brand", "serial_number", "asset_tag", "commune__slug", "holder_id"
        )
    )
    events = sorted(
        DeviceEvent.objects.values_list(
            "device__code", "kind", "from_state", "to_state", "actor__username", "note"
        )
    )
    return {
        "counts": {model._meta.label: model.objects.count() for model in MODELS},
        "last_keys": {
            model._meta.label: model.objects.order_by("-pk").values_list("pk", flat=True).first()
            for model in MODELS
        },
        "digest": hashlib.sha256(repr((devices, events)).encode()).hexdigest(),
    }


def printed_logins(output: str) -> list[tuple[str, str, str, str]]:
    """The rows of the logins table: organisation, kind, username, role."""
    lines = output.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Organisation"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        rows.append(tuple(re.split(r"\s{2,}", line.strip())))
    return rows


def description_fingerprint() -> list[tuple]:
    """What the random choices decided, without the codes (drawn at random by the model)."""
    return sorted(
        Device.objects.values_list(
            "commune__slug",
            "category",
            "brand",
            "model",
            "serial_number",
            "asset_tag",
            "purchase_date",
            "ram_gb",
            "storage_gb",
            "condition_notes",
            "state",
        )
    )


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_database():
    # given
    first_output = seed()
    after_first = database_state()

    # when
    second_output = seed()

    # then
    assert database_state() == after_first
    assert "nothing was created" in second_output
    assert "nothing was created" not in first_output
    assert printed_logins(second_output) == printed_logins(first_output)


@pytest.mark.django_db
def test_seed_demo_builds_the_territory():
    # when
    output = seed()

    # then
    kinds = Counter(Organisation.objects.values_list("kind", flat=True))
    assert kinds == {
        OrganisationKind.TERRITORY: 1,
        OrganisationKind.COMMUNE: 24,
        OrganisationKind.PARTNER: 3,
        OrganisationKind.BUYER: 4,
    }
    assert Organisation.objects.get(slug="gosb").kind == OrganisationKind.TERRITORY
    cachan = Organisation.objects.get(insee_code="94016")
    assert (cachan.name, cachan.slug, cachan.siren) == ("Cachan", "cachan", "219400165")
    for organisation in Organisation.objects.all():
        organisation.full_clean()  # SIREN, SIRET and INSEE codes pass their checks
        assert organisation.sites.count() == 1
        assert sorted(organisation.memberships.values_list("role", flat=True)) == [
            MembershipRole.ADMIN,
            MembershipRole.STAFF,
        ]
    for commune in Organisation.objects.communes():
        assert commune.sites.get().name == "Hôtel de ville"
        assert commune.sites.get().is_pickup
    assert all(partner.has_esus_approval() for partner in Organisation.objects.partners())
    assert sorted(
        Organisation.objects.filter(kind=OrganisationKind.BUYER).values_list(
            "cession_eligibility", flat=True
        )
    ) == sorted(
        [
            CessionEligibility.NOT_ELIGIBLE,
            CessionEligibility.NOT_ELIGIBLE,
            CessionEligibility.PARENTS_ASSOCIATION,
            CessionEligibility.PRECARITY_ASSOCIATION,
        ]
    )
    assert "Password of every demo login: boucle-demo" in output


@pytest.mark.django_db
def test_seed_demo_declares_a_few_hundred_devices_through_the_lifecycle():
    # when
    seed()

    # then
    devices = Device.objects.all()
    assert 200 <= devices.count() <= 500
    assert set(devices.values_list("commune__kind", flat=True)) == {OrganisationKind.COMMUNE}
    assert Device.objects.values("commune").distinct().count() == 24
    states = Counter(devices.values_list("state", flat=True))
    assert set(states) == {DeviceState.DECLARED, DeviceState.WITHDRAWN}
    assert 1 <= states[DeviceState.WITHDRAWN] <= 24
    # Every device was declared once, and withdrawn ones were withdrawn once, by their commune.
    events = Counter(DeviceEvent.objects.values_list("kind", flat=True))
    assert events == {
        EventKind.DECLARED: devices.count(),
        EventKind.WITHDRAWN: states[DeviceState.WITHDRAWN],
    }
    assert not DeviceEvent.objects.exclude(organisation=F("device__commune")).exists()
    assert not DeviceEvent.objects.exclude(
        actor__username=Concat(F("organisation__slug"), Value("-agent"))
    ).exists()
    assert not Device.objects.exclude(pickup_site__organisation=F("commune")).exists()


@pytest.mark.django_db
def test_seed_demo_is_deterministic():
    # given
    with transaction.atomic():
        seed()
        first = description_fingerprint()
        transaction.set_rollback(True)
    assert not Device.objects.exists()

    # when
    seed()

    # then
    assert description_fingerprint() == first


@pytest.mark.django_db
def test_printed_logins_can_log_in(client):
    # given
    output = seed()
    logins = printed_logins(output)
    assert DEMO_PASSWORD in output

    # when / then
    assert len(logins) == 64
    assert Counter(kind for _, kind, _, _ in logins) == {
        "Territory": 2,
        "Commune": 48,
        "Refurbishing partner": 6,
        "Buyer": 8,
    }
    assert ("Cachan", "Commune", "cachan-admin", "Administrator") in logins
    assert ("Cachan", "Commune", "cachan-agent", "Staff") in logins
    for organisation_name, _, username, role in logins:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        membership = Membership.objects.get(user__username=username)
        assert membership.organisation.name == organisation_name
        assert membership.role == {"Administrator": "admin", "Staff": "staff"}[role]
        client.logout()
