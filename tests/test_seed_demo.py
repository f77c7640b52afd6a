"""``seed_demo``: the demo territory and its partners' activity, created once, the same on every
run, with working logins."""

import hashlib
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F, Value
from django.db.models.functions import Concat

from demo.territory import DEMO_PASSWORD, seed_demo
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from inventory.choices import DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceCount, DeviceEvent
from organisations.choices import CessionEligibility, MembershipRole, OrganisationKind
from organisations.models import Membership, Organisation, Site
from procurement.choices import (
    AdmissionDecision,
    AllocationReason,
    CampaignState,
    DeliveryItemOutcome,
    DeliveryState,
    InvoiceState,
    OrderState,
)
from procurement.models import (
    Admission,
    AllocationLine,
    Campaign,
    Commitment,
    Delivery,
    DeliveryDevice,
    Groupement,
    GroupementMember,
    Invoice,
    Offer,
    OfferDevice,
    Order,
    OrderDevice,
)
from procurement.selectors import purchase_orders_of
from reuse import selectors
from reuse.choices import DiagnosisResult, SanitisationLevel
from reuse.models import (
    Collection,
    CollectionDevice,
    Diagnosis,
    ErasureRecord,
    Grading,
    Repair,
    StorageMedium,
    WasteRecord,
    WasteRecordDevice,
)
from reuse.services import devices_claim

User = get_user_model()
MODELS = (
    User,
    Organisation,
    Site,
    Membership,
    Declaration,
    Device,
    DeviceEvent,
    DeviceCount,
    Collection,
    CollectionDevice,
    StorageMedium,
    ErasureRecord,
    Diagnosis,
    Repair,
    Grading,
    WasteRecord,
    WasteRecordDevice,
    Document,
    Groupement,
    GroupementMember,
    Offer,
    OfferDevice,
    Campaign,
    Commitment,
    AllocationLine,
    Order,
    OrderDevice,
    Delivery,
    DeliveryDevice,
    Admission,
    Invoice,
)
TERRITORY_EVENTS = (EventKind.DECLARED, EventKind.WITHDRAWN)


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
            "holder__slug",
            "claimed_by__slug",
        )
    )


def activity_fingerprint() -> dict:
    """What the partners' activity recorded, devices named by serial number."""
    return {
        "events": sorted(
            DeviceEvent.objects.exclude(kind__in=TERRITORY_EVENTS).values_list(
                "device__serial_number", "kind", "to_state", "organisation__slug", "note"
            )
        ),
        "collections": sorted(
            CollectionDevice.objects.values_list(
                "collection__partner__slug",
                "collection__commune__slug",
                "collection__collected_on",
                "collection__commune_signatory",
                "device__serial_number",
            )
        ),
        "diagnoses": sorted(
            Diagnosis.objects.values_list(
                "device__serial_number", "result", "battery_health", "storage_health"
            )
        ),
        "erasures": sorted(
            ErasureRecord.objects.values_list(
                "medium__device__serial_number",
                "medium__type",
                "medium__serial",
                "level",
                "result",
                "started_at",
                "finished_at",
            )
        ),
        "repairs": sorted(Repair.objects.values_list("device__serial_number", "parts", "cost")),
        "gradings": sorted(Grading.objects.values_list("device__serial_number", "grade")),
        "waste": sorted(
            WasteRecordDevice.objects.values_list(
                "waste_record__partner__slug",
                "waste_record__weight_kg",
                "waste_record__tracking_slip",
                "device__serial_number",
            )
        ),
        "offers": sorted(OfferDevice.objects.values_list("offer__title", "device__serial_number")),
        "orders": sorted(
            OrderDevice.objects.values_list(
                "order__buyer__slug", "order__partner__slug", "device__serial_number"
            )
        ),
        "deliveries": sorted(
            DeliveryDevice.objects.values_list(
                "delivery__buyer__slug",
                "delivery__partner__slug",
                "delivery__state",
                "device__serial_number",
                "outcome",
                "refusal_reason",
            )
        ),
        "invoices": sorted(
            Invoice.objects.values_list("partner__slug", "buyer__slug", "total_incl_vat")
        ),
    }


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
    withdrawn = devices.filter(state=DeviceState.WITHDRAWN).count()
    assert 1 <= withdrawn <= 24
    # Every device was declared once, and withdrawn ones were withdrawn once, by their commune.
    territory_events = DeviceEvent.objects.filter(kind__in=TERRITORY_EVENTS)
    assert Counter(territory_events.values_list("kind", flat=True)) == {
        EventKind.DECLARED: devices.count(),
        EventKind.WITHDRAWN: withdrawn,
    }
    assert not territory_events.exclude(organisation=F("device__commune")).exists()
    assert not territory_events.exclude(
        actor__username=Concat(F("organisation__slug"), Value("-agent"))
    ).exists()
    assert not Device.objects.exclude(pickup_site__organisation=F("commune")).exists()


@pytest.mark.django_db
def test_seed_demo_leaves_counts_that_match_its_devices():
    # when
    seed()

    # then
    out = io.StringIO()
    call_command("recount_devices", "--check", stdout=out)
    assert out.getvalue() == "The device counts match the devices.\n"
    states = Counter(Device.objects.values_list("state", flat=True))
    stored = Counter()
    for state, count in DeviceCount.objects.values_list("state", "count"):
        stored[state] += count
    assert +stored == states
    assert len(states) >= 6  # declared, withdrawn, claimed, collected, in refurbishment, ready…


@pytest.mark.django_db(transaction=True)
def test_seed_demo_is_deterministic():
    # given: a first demo, its collection notes produced once each collection commits
    seed()
    first = (description_fingerprint(), activity_fingerprint())
    notes = Document.objects.filter(kind=DocumentKind.COLLECTION_NOTE)
    assert list(notes.values_list("state", flat=True)) == [DocumentState.ISSUED] * 4
    call_command("flush", interactive=False, verbosity=0)
    assert not Device.objects.exists()

    # when
    seed()

    # then
    assert (description_fingerprint(), activity_fingerprint()) == first


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
        # Through the login page, as a person would (the lockout backend needs the request).
        answer = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, username
        membership = Membership.objects.get(user__username=username)
        assert membership.organisation.name == organisation_name
        assert membership.role == {"Administrator": "admin", "Staff": "staff"}[role]
        client.logout()


def devices_in(state: str):
    return Device.objects.filter(state=state)


@pytest.mark.django_db
def test_seed_demo_gives_the_partners_activity_at_every_step():
    # when
    output = seed()

    # then
    states = Counter(Device.objects.values_list("state", flat=True))
    assert {state: states[state] for state in states if state != DeviceState.DECLARED} == {
        DeviceState.WITHDRAWN: 7,
        DeviceState.CLAIMED: 12,
        DeviceState.COLLECTED: 7,
        DeviceState.IN_REFURBISHMENT: 5,
        DeviceState.READY: 7,
        DeviceState.RESERVED: 2,
        DeviceState.DELIVERED: 3,
        DeviceState.RECYCLED: 4,
    }
    assert (
        "Partners' activity created: they claimed 42 devices and released 2, collected 28 in 4 "
        "collections, diagnosed 21, repaired 1, erased or destroyed 17 media, graded 12, marked "
        "12 ready and recycled 4 in 2 shipments." in output
    )
    partners = set(Organisation.objects.partners())
    assert all(partner.has_esus_approval() for partner in partners)
    assert {device.claimed_by for device in devices_in(DeviceState.CLAIMED)} <= partners
    # Every step was taken by an agent of the partner, through the lifecycle (the
    # reservations of the group order are the territory's closing, the delivery and the
    # refusal at the door the buyer's admission, those of the donation the donation's, and its
    # receipt the association's).
    activity = DeviceEvent.objects.exclude(
        kind__in=(
            *TERRITORY_EVENTS,
            EventKind.RESERVED,
            EventKind.DELIVERED,
            EventKind.UNRESERVED,
        )
    )
    assert set(activity.values_list("organisation__kind", flat=True)) == {OrganisationKind.PARTNER}
    assert not activity.exclude(
        actor__username=Concat(F("organisation__slug"), Value("-agent"))
    ).exists()
    released = Device.objects.filter(events__kind=EventKind.RELEASED)
    assert released.count() == 2
    assert set(released.values_list("state", flat=True)) == {DeviceState.DECLARED}


@pytest.mark.django_db
def test_seed_demo_collections_have_their_note():
    # when
    seed()

    # then
    collections = Collection.objects.all()
    assert collections.count() == 4
    for collection in collections:
        devices = collection.devices.all()
        assert {device.commune for device in devices} == {collection.commune}
        assert collection.site.organisation == collection.commune
        assert collection.document.kind == DocumentKind.COLLECTION_NOTE
        assert collection.document.owner == collection.partner
        assert len(collection.document.context["devices"]) == devices.count()
    assert (
        Device.objects.filter(collections__isnull=False).exclude(state=DeviceState.CLAIMED).count()
        == 28
    )


@pytest.mark.django_db
def test_seed_demo_ready_devices_are_tested_erased_and_graded():
    # when
    seed()

    # then: the twelve made ready, four of them since reserved by a group order, of which
    # one delivered and one refused at the door, ready again; two given to an association
    ready = Device.objects.filter(events__kind=EventKind.READY)
    assert ready.count() == 12
    assert Counter(ready.values_list("state", flat=True)) == {
        DeviceState.READY: 7,
        DeviceState.RESERVED: 2,
        DeviceState.DELIVERED: 3,
    }
    grades = Counter()
    for device in ready:
        grading = selectors.device_grade(device)
        # graded by the partner that made it ready (a delivered one is its buyer's since)
        assert grading.organisation == device.events.get(kind=EventKind.READY).organisation
        grades[grading.grade] += 1
        assert device.diagnoses.first().result == DiagnosisResult.WORKS
        if device.data_bearing:
            # At least one medium, and the latest erasure of each passed.
            assert selectors.erasure_refusal(selectors.device_for_erasure(device.pk)) is None
        for medium in device.media.all():
            assert selectors.latest_erasure(medium).level == SanitisationLevel.PURGE
        assert device.events.filter(kind=EventKind.READY).count() == 1
    assert grades == {"A": 4, "B": 4, "C": 4}
    assert ready.filter(data_bearing=False).exists()  # a monitor: tested and graded only


@pytest.mark.django_db
def test_seed_demo_refurbishment_shows_each_stage():
    # when
    seed()

    # then
    refurbishing = devices_in(DeviceState.IN_REFURBISHMENT)
    assert refurbishing.count() == 5
    assert not Grading.objects.filter(device__in=refurbishing).exists()
    repaired = Repair.objects.get()
    assert repaired.device.state == DeviceState.IN_REFURBISHMENT
    assert repaired.device.diagnoses.first().result == DiagnosisResult.NEEDS_REPAIR
    assert (
        Diagnosis.objects.filter(
            device__in=refurbishing, result=DiagnosisResult.NEEDS_REPAIR
        ).count()
        == 2
    )
    failed = ErasureRecord.objects.filter(result="failed")
    assert [record.medium.device.state for record in failed] == [DeviceState.IN_REFURBISHMENT]
    # The last collected wait for their test.
    assert not Diagnosis.objects.filter(device__state=DeviceState.COLLECTED).exists()


@pytest.mark.django_db
def test_seed_demo_recycled_devices_have_a_waste_record_and_destroyed_media():
    # when
    seed()

    # then
    recycled = devices_in(DeviceState.RECYCLED)
    assert recycled.count() == 4
    records = WasteRecord.objects.all()
    assert records.count() == 2
    for record in records:
        record.full_clean()  # the fictitious eco-organism's SIREN passes the check
        assert record.eco_organism
        assert {device.holder for device in record.devices.all()} == {record.partner}
    for device in recycled:
        assert device.waste_item.waste_record.covers(device)
        assert device.diagnoses.first().result == DiagnosisResult.NOT_REPAIRABLE
        assert device.events.filter(kind=EventKind.RECYCLED).count() == 1
        if device.data_bearing:
            assert selectors.erasure_refusal(selectors.device_for_erasure(device.pk)) is None
        for medium in device.media.all():
            assert selectors.latest_erasure(medium).level == SanitisationLevel.DESTROY


@pytest.mark.django_db
def test_seed_demo_adds_no_activity_once_a_partner_claimed():
    # given: the territory, and a visitor's claim made before the activity was seeded
    seed_demo()
    atelier = Organisation.objects.get(slug="atelier-numerique-solidaire")
    agent = User.objects.get(username="atelier-numerique-solidaire-agent")
    device = Device.objects.filter(state=DeviceState.DECLARED).order_by("pk").first()
    devices_claim(partner=atelier, user=agent, devices=[device])
    events = DeviceEvent.objects.count()

    # when
    output = seed()

    # then
    assert "nothing was created" in output
    assert DeviceEvent.objects.count() == events
    assert not Collection.objects.exists()
    assert Counter(Device.objects.values_list("state", flat=True))[DeviceState.CLAIMED] == 1


@pytest.mark.django_db
def test_seed_demo_runs_group_purchasing_through_its_services():
    # when
    output = seed()

    # then: the groupement and its members, approved before both campaigns opened
    groupement = Groupement.objects.get()
    assert groupement.coordinator.slug == "gosb"
    members = GroupementMember.objects.filter(groupement=groupement)
    assert members.count() == 7
    assert set(members.values_list("organisation__kind", flat=True)) == {
        OrganisationKind.BUYER,
        OrganisationKind.COMMUNE,
    }
    # the partners' offers hold their ready devices that match
    assert Offer.objects.count() == 4
    for item in OfferDevice.objects.select_related("device", "offer"):
        assert item.device.state == DeviceState.READY
        assert item.device.holder == item.offer.partner
    # one campaign open with its commitments, one allocated with its orders
    open_campaign = Campaign.objects.get(state=CampaignState.OPEN)
    closed = Campaign.objects.get(state=CampaignState.ALLOCATED)
    assert open_campaign.commitments.count() == 3
    assert closed.commitments.count() == 2
    assert AllocationLine.objects.filter(campaign=closed, reason=AllocationReason.PRO_RATA).exists()
    orders = list(Order.objects.filter(campaign=closed))
    assert len(orders) == 3
    assert {order.state for order in orders} == {OrderState.PLACED}
    reserved = Device.objects.filter(order_items__order__in=orders)
    assert reserved.count() == 4
    # since then, one delivered and one refused at the door (test_seed_demo_delivers_…)
    assert Counter(reserved.values_list("state", flat=True)) == {
        DeviceState.RESERVED: 2,
        DeviceState.DELIVERED: 1,
        DeviceState.READY: 1,
    }
    for device in reserved:
        event = device.events.get(kind=EventKind.RESERVED)
        assert event.organisation.slug == "gosb"
    documents = purchase_orders_of(orders)
    assert sorted(documents) == sorted(order.pk for order in orders)
    assert {document.kind for document in documents.values()} == {DocumentKind.PURCHASE_ORDER}
    assert (
        "Group purchasing created: a groupement of 7 members, 4 offers holding 10 ready "
        "devices, 2 campaigns with 5 commitments, of which one closed with 3 orders reserving 4 "
        "devices, each with its purchase order." in output
    )


@pytest.mark.django_db
def test_seed_demo_delivers_admits_and_invoices_through_the_services(
    django_capture_on_commit_callbacks,
):
    # when: as in production, each document rendered once its request commits
    with django_capture_on_commit_callbacks(execute=True):
        output = seed()

    # then: the collège's two desktops delivered, one admitted and one refused at the door
    admitted = Delivery.objects.get(state=DeliveryState.ADMITTED)
    assert (admitted.buyer.slug, admitted.partner.slug) == (
        "college-romain-rolland",
        "atelier-numerique-solidaire",
    )
    outcomes = Counter(admitted.items.values_list("outcome", flat=True))
    assert outcomes == {DeliveryItemOutcome.ADMITTED: 1, DeliveryItemOutcome.REFUSED: 1}
    delivered = admitted.items.get(outcome=DeliveryItemOutcome.ADMITTED).device
    assert (delivered.state, delivered.holder) == (DeviceState.DELIVERED, admitted.buyer)
    assert delivered.events.get(kind=EventKind.DELIVERED).organisation == admitted.buyer
    refused = admitted.items.get(outcome=DeliveryItemOutcome.REFUSED)
    assert refused.refusal_reason
    assert (refused.device.state, refused.device.holder) == (DeviceState.READY, admitted.partner)
    assert OfferDevice.objects.filter(device=refused.device).exists()  # back in its offer
    admission = Admission.objects.get()
    assert (admission.decision, admission.delivery) == (AdmissionDecision.ADMISSION, admitted)
    # its documents: the note, the signed note replacing it, the record; then the invoice of
    # the admitted desktop, 172.00 € excl. VAT, 20 % VAT
    assert admitted.signed_note.replaces == admitted.note
    assert admission.record.kind == DocumentKind.ADMISSION_RECORD
    invoice = Invoice.objects.get()
    assert (invoice.delivery, invoice.state) == (admitted, InvoiceState.ISSUED)
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("172.00"),
        Decimal("34.40"),
        Decimal("206.40"),
    )
    assert invoice.document.kind == DocumentKind.INVOICE
    documents = [admitted.note, admitted.signed_note, admission.record, invoice.document]
    assert {Document.objects.get(pk=document.pk).state for document in documents} == {
        DocumentState.ISSUED
    }
    # the collège's screen awaits its decision; the lycée's desktop is still to deliver
    awaiting = Delivery.objects.get(state=DeliveryState.PREPARED)
    assert (awaiting.buyer.slug, awaiting.partner.slug) == (
        "college-romain-rolland",
        "recyclerie-bievre",
    )
    assert not Delivery.objects.filter(buyer__slug="lycee-guillaume-apollinaire").exists()
    assert (
        "Deliveries created: 2, with their delivery notes; admissions: 1 (devices delivered: 1, "
        "refused at the door: 1); Factur-X invoices: 1." in output
    )
