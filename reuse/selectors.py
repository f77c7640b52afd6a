"""Reads of the reuse loop: claimed devices and who to tell, visible collections, erasure and
refurbishment evidence, waste records and the waste register."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common.errors import NotFound
from inventory import lifecycle
from inventory.choices import DeviceState
from inventory.models import Declaration, Device, DeviceCount
from organisations.models import Organisation, Site
from reuse import permissions
from reuse.choices import PickupState
from reuse.models import (
    GRADING_LATEST_FIRST,
    Collection,
    CollectionDevice,
    Diagnosis,
    ErasureRecord,
    Grading,
    PickupPlan,
    PickupPlanDevice,
    Repair,
    StorageMedium,
    WasteRecord,
    WasteRecordDevice,
)


def _count_per_row(rows: QuerySet, outer: str) -> Coalesce:
    """How many of ``rows`` (filtered on the outer row, through ``outer``) each row of a list
    has, as a correlated subquery: the list reads its own rows in its index's order, one page
    at a time, where a ``Count`` would join and group all of them before sorting."""
    counts = rows.order_by().values(outer).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def _plan_size() -> Coalesce:
    return _count_per_row(PickupPlanDevice.objects.filter(plan=OuterRef("pk")), "plan")


def claim_expiry_delay() -> datetime.timedelta:
    return datetime.timedelta(days=settings.BOUCLE_CLAIM_EXPIRY_DAYS)


def pickup_margin() -> datetime.timedelta:
    return datetime.timedelta(days=settings.BOUCLE_PICKUP_MARGIN_DAYS)


def pickup_holds_until(planned_on: datetime.date) -> datetime.datetime:
    """When a pickup planned on ``planned_on`` stops holding its devices' claims: the end of
    that day in Europe/Paris, plus the margin."""
    day = planned_on + datetime.timedelta(days=1) + pickup_margin()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def with_planned_pickup(devices: QuerySet[Device]) -> QuerySet[Device]:
    """Annotate each device with the day and id of its open planned pickup (or ``None``)."""
    # One open plan per device at most (a constraint): nothing to order, nor to join for it.
    open_item = PickupPlanDevice.objects.filter(device=OuterRef("pk"), is_open=True).order_by()
    return devices.annotate(
        planned_pickup_on=Subquery(open_item.values("plan__date")[:1]),
        planned_pickup_pk=Subquery(open_item.values("plan")[:1]),
    )


def claim_lapses_at(device: Device) -> datetime.datetime | None:
    """When the device's claim expires unless the partner collects it first.

    An open planned pickup holds the claim until the end of its day plus the margin, when
    that is later than the claim's own delay (read from :func:`with_planned_pickup`'s
    annotation).
    """
    if device.state != DeviceState.CLAIMED or device.claimed_at is None:
        return None
    lapses_at = device.claimed_at + claim_expiry_delay()
    planned_on = getattr(device, "planned_pickup_on", None)
    if planned_on is not None:
        lapses_at = max(lapses_at, pickup_holds_until(planned_on))
    return lapses_at


def claims_of(partner: Organisation) -> QuerySet[Device]:
    """The devices ``partner`` claimed and has not collected yet, oldest claim first, with
    their planned pickup."""
    return with_planned_pickup(
        Device.objects.filter(state=DeviceState.CLAIMED, claimed_by=partner)
        .with_related()
        .order_by("claimed_at", "pk")
    )


def claim_count_of(partner: Organisation) -> int:
    """How many devices :func:`claims_of` holds, read from the device counts."""
    return DeviceCount.objects.filter(state=DeviceState.CLAIMED, claimed_by=partner).total()


def claims_on(commune: Organisation) -> QuerySet[Device]:
    """The devices of ``commune`` under a claim, with who claimed them, oldest first."""
    return with_planned_pickup(
        Device.objects.filter(state=DeviceState.CLAIMED, commune=commune)
        .with_related()
        .order_by("claimed_at", "pk")
    )


def claims_by_partner(commune: Organisation) -> list[dict]:
    """Per claiming partner: how many of the commune's devices, since when (first, last)."""
    return list(
        Device.objects.filter(state=DeviceState.CLAIMED, commune=commune)
        .order_by()
        .values("claimed_by__name")
        .annotate(count=Count("pk"), since=Min("claimed_at"), latest=Max("claimed_at"))
        .order_by("claimed_by__name")
    )


def overdue_claims(*, now: datetime.datetime | None = None) -> QuerySet[Device]:
    """Claims older than the delay: the devices the expiry returns to the inventory."""
    now = now or timezone.now()
    cutoff = now - claim_expiry_delay()
    # A pickup planned on a day at most the margin ago still holds the claim.
    held_since = timezone.localdate(now) - pickup_margin()
    return (
        Device.objects.filter(
            state__in=lifecycle.transition_sources("expire"), claimed_at__lte=cutoff
        )
        .exclude(
            pk__in=PickupPlanDevice.objects.filter(is_open=True, plan__date__gte=held_since).values(
                "device"
            )
        )
        .order_by("pk")
    )


# The claim page counts each declaration's and site's devices still declared up to this many;
# beyond, it says "more than" (a file import declares 200,000 at once: counting them all
# would read them all at each visit of the page).
CLAIMABLE_COUNT_LIMIT = 1000


def _count_by(devices: QuerySet[Device], field: str) -> Func:
    """How many ``devices`` there are, as a subquery filtered on one value of ``field``,
    counted up to ``CLAIMABLE_COUNT_LIMIT + 1``: it reads ``field`` (never null there), so
    nothing but the index on it, and stops past the limit."""
    return Func(
        Subquery(devices.order_by().values(field)[: CLAIMABLE_COUNT_LIMIT + 1]),
        template="(SELECT COUNT(*) FROM %(expressions)s AS bounded)",
        output_field=IntegerField(),
    )


def claimable_count_label(count: int) -> str:
    """How many devices a declaration or site offers to claim, as the claim page says it."""
    if count > CLAIMABLE_COUNT_LIMIT:
        return _("more than %(count)s to claim") % {
            "count": formats.number_format(CLAIMABLE_COUNT_LIMIT, force_grouping=True)
        }
    return _("%(count)d to claim") % {"count": count}


def claimable_declarations() -> QuerySet[Declaration]:
    """Declarations with devices still declared, with how many (up to a limit), newest first.

    Each declaration listed has its own devices counted, by a subquery; which have any is an
    ``EXISTS``. Both read only the partial index of the claimable devices by declaration
    (``inventory_device_declared_decl``, an index-only scan on PostgreSQL), never a
    join of every declared device with its declaration.
    """
    claimable = Device.objects.claimable().filter(declaration=OuterRef("pk"))
    return (
        Declaration.objects.filter(Exists(claimable))
        .select_related("commune", "pickup_site")
        .annotate(claimable=_count_by(claimable, "declaration"))
        .order_by("-created_at", "-pk")
    )


def claimable_sites() -> QuerySet[Site]:
    """Pickup sites with devices still declared, with how many (up to a limit).

    Read as :func:`claimable_declarations`, from the partial index of the claimable devices
    by pickup site (``inventory_device_declared_site``).
    """
    claimable = Device.objects.claimable().filter(pickup_site=OuterRef("pk"))
    return (
        Site.objects.filter(Exists(claimable))
        .select_related("organisation")
        .annotate(claimable=_count_by(claimable, "pickup_site"))
        .order_by("organisation__name", "name")
    )


def devices_by_codes(codes: Iterable[str]) -> QuerySet[Device]:
    return Device.objects.filter(code__in={code.strip().upper() for code in codes})


def devices_held_by(partner: Organisation, codes: Iterable[str]) -> QuerySet[Device]:
    """The devices of these codes that ``partner`` holds; the others are left out, whether
    no device has the code or another organisation holds it."""
    return devices_by_codes(codes).filter(holder=partner)


def notification_addresses(organisation: Organisation) -> list[str]:
    """Where to write to an organisation: its members' addresses, else its contact e-mail."""
    addresses = sorted(
        {
            email
            for email in organisation.memberships.filter(user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        }
    )
    if addresses:
        return addresses
    return [organisation.email] if organisation.email else []


def declaration_by_id(pk: int) -> Declaration | None:
    return Declaration.objects.select_related("commune").filter(pk=pk).first()


def site_by_id(pk: int) -> Site | None:
    return Site.objects.select_related("organisation").filter(pk=pk).first()


def device_exists(code: str) -> bool:
    """Whether a device has this code (printed on its label, so public)."""
    return Device.objects.filter(code=code.strip().upper()).exists()


def collections_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Collection]:
    """The collections the organisations may read, newest first, with their parties."""
    q = permissions.visible_collections_q(organisations)
    if q is None:
        return Collection.objects.none()
    return (
        Collection.objects.filter(q)
        .select_related("partner", "commune", "site", "document", "created_by")
        .annotate(
            device_count=_count_per_row(
                CollectionDevice.objects.filter(collection=OuterRef("pk")), "collection"
            )
        )
        .order_by("-collected_on", "-pk")
    )


def collection_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> Collection:
    """One visible collection with its devices; :class:`NotFound` otherwise (404, not 403)."""
    collection = (
        collections_visible_to(organisations)
        .prefetch_related(
            Prefetch(
                "devices",
                queryset=Device.objects.select_related("pickup_site").order_by("code"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if collection is None:
        raise NotFound(_("No such collection."), code="collection_not_found")
    return collection


def collectable_sites(commune: Organisation) -> QuerySet[Site]:
    """The commune's sites, where a collection may take place."""
    return Site.objects.filter(organisation=commune).order_by("name")


def _media_prefetch() -> Prefetch:
    return Prefetch(
        "media",
        queryset=StorageMedium.objects.order_by("pk").prefetch_related(
            Prefetch("records", queryset=ErasureRecord.objects.order_by("-finished_at", "-pk"))
        ),
    )


def device_for_erasure(pk: int) -> Device:
    """A device with its media and their records (newest first)."""
    device = devices_for_erasure([pk]).first()
    if device is None:
        raise NotFound(_("No such device."), code="device_not_found")
    return device


def devices_for_erasure(pks: Iterable[int]) -> QuerySet[Device]:
    return (
        Device.objects.filter(pk__in=list(pks))
        .select_related("commune", "holder")
        .prefetch_related(_media_prefetch())
        .order_by("code")
    )


def latest_erasure(medium: StorageMedium) -> ErasureRecord | None:
    """The medium's latest record (uses the prefetched, newest-first records)."""
    records = list(medium.records.all())
    if not records:
        return None
    return max(records, key=lambda record: (record.finished_at, record.pk))


def erasure_refusal(device: Device) -> str | None:
    """Why ``device`` has no complete erasure (no medium, a medium without record, or whose
    latest record failed), or None when every medium's latest record passed."""
    media = list(device.media.all())
    if not media:
        return str(_("no storage medium recorded"))
    for medium in media:
        record = latest_erasure(medium)
        label = medium.serial or str(medium)
        if record is None:
            return str(_("medium %(medium)s has no erasure record") % {"medium": label})
        if not record.passed:
            return str(_("the latest erasure of medium %(medium)s failed") % {"medium": label})
    return None


@dataclass(frozen=True)
class RefurbishmentHistory:
    diagnoses: list[Diagnosis]
    repairs: list[Repair]
    gradings: list[Grading]

    @property
    def grade(self) -> Grading | None:
        """The device's grade: its latest grading (``gradings`` come latest first)."""
        return self.gradings[0] if self.gradings else None


def refurbishment_history(device: Device) -> RefurbishmentHistory:
    return RefurbishmentHistory(
        diagnoses=list(
            Diagnosis.objects.filter(device=device).select_related("operator", "organisation")
        ),
        repairs=list(
            Repair.objects.filter(device=device).select_related("operator", "organisation")
        ),
        gradings=list(
            Grading.objects.filter(device=device)
            .select_related("graded_by", "organisation")
            .order_by(*GRADING_LATEST_FIRST)
        ),
    )


def latest_grades(devices: Iterable[Device]) -> dict[int, Grading]:
    """The grade of each device that has one, by device pk: its latest grading, in one query."""
    grades: dict[int, Grading] = {}
    gradings = Grading.objects.filter(device__in=[device.pk for device in devices]).order_by(
        "device_id", *GRADING_LATEST_FIRST
    )
    for grading in gradings:
        grades.setdefault(grading.device_id, grading)
    return grades


def device_grade(device: Device) -> Grading | None:
    """The grade of ``device`` (its latest grading), or ``None`` when it has none."""
    return latest_grades([device]).get(device.pk)


def label_grades(devices: Iterable[Device]) -> dict[int, dict[str, str]]:
    """What a device's label shows of its refurbishment: its grade, when it has one.

    Registered with :func:`inventory.labels.register_label_details` (``ReuseConfig.ready``).
    """
    return {pk: {"grade": grading.grade} for pk, grading in latest_grades(devices).items()}


@dataclass(frozen=True)
class ReadinessEvidence:
    """What the lifecycle's ``certify`` reads: see :meth:`inventory.models.Device.certify`."""

    erasure_refusal: str | None
    diagnosis: Diagnosis | None
    repaired: bool
    grading: Grading | None

    def as_arguments(self) -> dict:
        return {
            "erasure_refusal": self.erasure_refusal,
            "diagnosis": self.diagnosis,
            "repaired": self.repaired,
            "grading": self.grading,
        }


def readiness_evidence(device: Device) -> ReadinessEvidence:
    """The evidence that ``device`` may be ``ready``: why its media are not all erased (None
    when they are; the lifecycle decides whether it matters), its latest diagnosis, whether a
    repair was recorded after it, and its grade."""
    with_media = device_for_erasure(device.pk)
    diagnosis = Diagnosis.objects.filter(device=device).first()
    repaired = (
        diagnosis is not None
        and Repair.objects.filter(device=device, created_at__gt=diagnosis.created_at).exists()
    )
    return ReadinessEvidence(
        erasure_refusal=erasure_refusal(with_media),
        diagnosis=diagnosis,
        repaired=repaired,
        grading=device_grade(device),
    )


# --- Recycling: waste records and the waste register. ---


def waste_records_visible_to(organisations: Iterable[Organisation]) -> QuerySet[WasteRecord]:
    """The waste records the organisations may read, newest first, with the count of their
    devices the organisations may read (:func:`waste_record_devices`)."""
    organisations = list(organisations)
    q = permissions.visible_waste_records_q(organisations)
    if q is None:
        return WasteRecord.objects.none()
    visible = WasteRecord.objects.filter(q).values("pk")
    devices_q = permissions.visible_waste_devices_q(organisations, prefix="device__")
    items = WasteRecordDevice.objects.filter(devices_q, waste_record=OuterRef("pk"))
    return (
        WasteRecord.objects.filter(pk__in=visible)
        .select_related("partner", "created_by")
        .annotate(device_count=_count_per_row(items, "waste_record"))
        .order_by("-shipped_on", "-pk")
    )


def waste_record_devices(organisations: Iterable[Organisation]) -> QuerySet[Device]:
    """The devices of waste records the organisations may read: a commune its own only, the
    shipping partner and the territory all; to prefetch as a record's ``devices``."""
    q = permissions.visible_waste_devices_q(organisations)
    return Device.objects.none() if q is None else Device.objects.filter(q)


def waste_record_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> WasteRecord:
    """One visible waste record with its devices; :class:`NotFound` otherwise (404, not 403)."""
    organisations = list(organisations)
    record = (
        waste_records_visible_to(organisations)
        .prefetch_related(
            Prefetch(
                "devices",
                queryset=waste_record_devices(organisations)
                .select_related("commune")
                .order_by("code"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise NotFound(_("No such waste record."), code="waste_record_not_found")
    return record


def waste_register(
    organisations: Iterable[Organisation], *, year: int | None = None
) -> QuerySet[WasteRecord]:
    """The register's lines the organisations may read, oldest first, those shipped in
    ``year`` only when one is given, each with its devices' codes."""
    organisations = list(organisations)
    records = waste_records_visible_to(organisations).prefetch_related(
        Prefetch(
            "devices",
            queryset=waste_record_devices(organisations).only("pk", "code").order_by("code"),
        )
    )
    if year is not None:
        records = records.filter(shipped_on__year=year)
    return records.order_by("shipped_on", "pk")


def recyclable_devices(partner: Organisation) -> QuerySet[Device]:
    """The devices ``partner`` holds and may send to recycling, with their media and erasure
    records, those found not repairable first."""
    return (
        Device.objects.filter(holder=partner, state__in=lifecycle.transition_sources("recycle"))
        .select_related("commune")
        .prefetch_related(_media_prefetch())
        .order_by("state", "code")
    )


def device_media(device: Device) -> list[StorageMedium]:
    """The storage media of ``device`` in the order recorded, each with its erasure records
    prefetched newest first (see :func:`latest_erasure`)."""
    return list(
        StorageMedium.objects.filter(device=device)
        .select_related("device")
        .order_by("pk")
        .prefetch_related(
            Prefetch("records", queryset=ErasureRecord.objects.order_by("-finished_at", "-pk"))
        )
    )


def medium_by_id(pk: int) -> StorageMedium | None:
    """A storage medium with its device, whoever may see it: check the device's visibility."""
    return StorageMedium.objects.select_related("device").filter(pk=pk).first()


def medium_erasures(medium: StorageMedium) -> QuerySet[ErasureRecord]:
    """The erasure records of ``medium``, newest first: the first is the one that counts."""
    return (
        ErasureRecord.objects.filter(medium=medium)
        .select_related("medium__device")
        .order_by("-finished_at", "-pk")
    )


def claims_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Device]:
    """The current claims the organisations may read, oldest claim first: a partner's own
    (as :func:`claims_of`), those on a commune's devices (as :func:`claims_on`), every claim
    for the territory; none for anyone else."""
    organisations = list(organisations)
    claimed = Device.objects.filter(state=DeviceState.CLAIMED)
    if not any(organisation.is_territory for organisation in organisations):
        partners = [organisation.pk for organisation in organisations if organisation.is_partner]
        communes = [organisation.pk for organisation in organisations if organisation.is_commune]
        if not partners and not communes:
            return Device.objects.none()
        claimed = claimed.filter(claimed_by__in=partners) | claimed.filter(commune__in=communes)
    return with_planned_pickup(claimed.with_related().order_by("claimed_at", "pk"))


def pickups_visible_to(organisations: Iterable[Organisation]) -> QuerySet[PickupPlan]:
    """The planned pickups the organisations may read, soonest first, with their parties and
    how many devices each concerns."""
    q = permissions.visible_pickups_q(organisations)
    if q is None:
        return PickupPlan.objects.none()
    return (
        PickupPlan.objects.filter(q)
        .select_related("partner", "commune", "site")
        .annotate(device_count=_plan_size())
        .order_by("date", "starts_at", "pk")
    )


def pickup_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> PickupPlan:
    """One visible planned pickup with its devices and who did what; :class:`NotFound`
    otherwise (404, not 403)."""
    plan = (
        pickups_visible_to(organisations)
        .select_related(
            "proposed_by", "counter_proposed_by", "confirmed_by", "cancelled_by", "collection"
        )
        .prefetch_related(Prefetch("devices", queryset=Device.objects.order_by("code")))
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise NotFound(_("No such planned pickup."), code="pickup_not_found")
    return plan


def pickups_awaiting(organisation: Organisation) -> QuerySet[PickupPlan]:
    """The open planned pickups of ``organisation`` (partner or commune), soonest first."""
    return (
        PickupPlan.objects.filter(
            Q(partner=organisation) | Q(commune=organisation),
            state__in=[PickupState.PROPOSED, PickupState.COUNTER_PROPOSED, PickupState.CONFIRMED],
        )
        .select_related("partner", "commune", "site")
        .annotate(device_count=_plan_size())
        .order_by("date", "starts_at", "pk")
    )


def pickup_sites(commune: Organisation) -> QuerySet[Site]:
    """The commune's pickup sites, where a pickup may be planned."""
    return Site.objects.filter(organisation=commune, is_pickup=True).order_by("name")


def pickup_open_codes(plan: PickupPlan) -> list[str]:
    """The codes of the devices a planned pickup still holds."""
    return list(
        plan.items.filter(is_open=True)
        .order_by("device__code")
        .values_list("device__code", flat=True)
    )


def pickups_awaiting_answer_of(organisation: Organisation) -> QuerySet[PickupPlan]:
    """The planned pickups waiting for ``organisation``'s answer: a partner's proposals for a
    commune, a commune's other dates for a partner (:func:`awaits_answer_of`, in SQL)."""
    return PickupPlan.objects.filter(
        Q(commune=organisation, state=PickupState.PROPOSED)
        | Q(partner=organisation, state=PickupState.COUNTER_PROPOSED)
    )


def awaits_answer_of(plan: PickupPlan, organisation: Organisation) -> bool:
    """Whether ``plan`` waits for ``organisation``'s answer, as
    :func:`pickups_awaiting_answer_of` selects them: of a list of open pickups already read."""
    return (plan.commune_id == organisation.pk and plan.state == PickupState.PROPOSED) or (
        plan.partner_id == organisation.pk and plan.state == PickupState.COUNTER_PROPOSED
    )
