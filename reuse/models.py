"""The reuse loop's records: collections, storage media and their erasures, diagnoses, repairs,
grades, and the waste records of recycled devices."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from documents.models import Document
from inventory.models import Device
from organisations.models import Organisation, Site
from organisations.permissions import is_member
from organisations.validators import validate_siren
from reuse.choices import (
    OPEN_PICKUP_STATES,
    REUSABLE_RESULTS,
    WASTE_NAMES,
    DiagnosisResult,
    ErasureResult,
    Grade,
    MediumType,
    PickupState,
    SanitisationLevel,
    TakerKind,
    TreatmentCode,
    WasteCode,
)


class Collection(models.Model):
    """One pickup of devices by a partner at a commune: the record of their free cession.

    Its devices moved from ``claimed`` to ``collected`` in the transaction that made it; the
    collection note (a :class:`documents.models.Document`) is requested in the same one.
    """

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("partner"),
        db_index=False,  # led by the list's index, in Meta
    )
    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="collections_given",
        verbose_name=_("commune"),
        db_index=False,  # led by the list's index, in Meta
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collections",
        verbose_name=_("pickup site"),
    )
    collected_on = models.DateField(_("collected on"))
    commune_signatory = models.CharField(_("commune signatory"), max_length=150)
    commune_signatory_title = models.CharField(_("commune signatory's title"), max_length=150)
    partner_signatory = models.CharField(_("partner signatory"), max_length=150)
    partner_signatory_title = models.CharField(_("partner signatory's title"), max_length=150)
    devices = models.ManyToManyField(
        Device,
        through="CollectionDevice",
        related_name="collections",
        verbose_name=_("devices"),
    )
    document = models.OneToOneField(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection",
        verbose_name=_("collection note"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["-collected_on", "-pk"]
        # The list, newest first: a partner's, a commune's, every one for the territory.
        indexes = [
            models.Index(fields=["collected_on", "id"], name="reuse_collection_collected"),
            models.Index(
                fields=["partner", "collected_on", "id"], name="reuse_collection_by_partner"
            ),
            models.Index(
                fields=["commune", "collected_on", "id"], name="reuse_collection_by_commune"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commune} → {self.partner} ({self.collected_on:%Y-%m-%d})"


class CollectionDevice(models.Model):
    """A device of a collection; a device is collected once (its ``device`` is unique)."""

    collection = models.ForeignKey(
        Collection, on_delete=models.PROTECT, related_name="items", verbose_name=_("collection")
    )
    device = models.OneToOneField(
        Device,
        on_delete=models.PROTECT,
        related_name="collection_item",
        verbose_name=_("device"),
    )

    class Meta:
        verbose_name = _("collected device")
        verbose_name_plural = _("collected devices")
        ordering = ["collection", "device"]

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.device_id}"


class StorageMedium(models.Model):
    """A storage medium of a device: what is erased, and what a certificate names."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="media", verbose_name=_("device")
    )
    type = models.CharField(_("media type"), max_length=8, choices=MediumType.choices)
    model = models.CharField(_("model"), max_length=150, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    capacity_gb = models.PositiveIntegerField(_("capacity (GB)"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("storage medium")
        verbose_name_plural = _("storage media")
        ordering = ["device", "pk"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.model} {self.serial}".strip()


class ErasureRecord(models.Model):
    """One sanitisation of a medium (NIST SP 800-88); immutable once recorded."""

    medium = models.ForeignKey(
        StorageMedium, on_delete=models.PROTECT, related_name="records", verbose_name=_("medium")
    )
    level = models.CharField(_("level"), max_length=8, choices=SanitisationLevel.choices)
    method = models.CharField(_("method"), max_length=150)
    tool = models.CharField(_("tool"), max_length=100)
    tool_version = models.CharField(_("tool version"), max_length=50, blank=True)
    verification_method = models.CharField(_("verification method"), max_length=150)
    result = models.CharField(_("result"), max_length=8, choices=ErasureResult.choices)
    operator_name = models.CharField(_("sanitised by"), max_length=150)
    operator_title = models.CharField(_("title of who sanitised"), max_length=150)
    verifier_name = models.CharField(_("verified by"), max_length=150)
    verifier_title = models.CharField(_("title of who verified"), max_length=150)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    location = models.CharField(_("location"), max_length=200)
    destination = models.CharField(_("post-sanitisation destination"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    evidence = models.FileField(
        _("evidence file"), upload_to="erasure/%Y/%m/", max_length=255, blank=True
    )
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_records",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["medium", "-finished_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.medium}: {self.get_level_display()} {self.get_result_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("An erasure record cannot be changed once recorded.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("An erasure record cannot be deleted.")

    @property
    def passed(self) -> bool:
        return self.result == ErasureResult.PASSED


# --- Refurbishment: diagnosis, repair and grading (issue 4, items 3 and 5). ---


class Diagnosis(models.Model):
    """A functional test of a device by its holder: the category's checklist and a result.

    A result of works or needs repair starts the refurbishment (the lifecycle's ``diagnose``);
    a device found not repairable stays collected, bound for recycling. Records are kept:
    a new diagnosis is added, never an old one changed.
    """

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="diagnoses", verbose_name=_("device")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="diagnoses",
        verbose_name=_("organisation"),
    )
    items = models.JSONField(_("checklist"), default=list)
    battery_health = models.PositiveSmallIntegerField(
        _("battery health (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    storage_health = models.PositiveSmallIntegerField(
        _("storage health (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    result = models.CharField(_("result"), max_length=16, choices=DiagnosisResult.choices)
    notes = models.TextField(_("notes"), blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="diagnoses",
        verbose_name=_("operator"),
    )
    diagnosed_on = models.DateField(_("diagnosed on"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("diagnosis")
        verbose_name_plural = _("diagnoses")
        ordering = ["-diagnosed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=DiagnosisResult.values),
                name="%(app_label)s_%(class)s_result_valid",
            ),
            models.CheckConstraint(
                condition=Q(battery_health__isnull=True) | Q(battery_health__lte=100),
                name="%(app_label)s_%(class)s_battery_health_percent",
            ),
            models.CheckConstraint(
                condition=Q(storage_health__isnull=True) | Q(storage_health__lte=100),
                name="%(app_label)s_%(class)s_storage_health_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.result} {self.diagnosed_on:%Y-%m-%d}"

    @property
    def allows_refurbishment(self) -> bool:
        """Whether this result lets the device go on to refurbishment (read by the lifecycle)."""
        return self.result in REUSABLE_RESULTS

    @property
    def requires_repair(self) -> bool:
        """Whether the device needs a repair before it is ready (read by the lifecycle)."""
        return self.result == DiagnosisResult.NEEDS_REPAIR


class Repair(models.Model):
    """A repair of a device in refurbishment: the parts replaced, what was done, its cost."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("device")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="repairs",
        verbose_name=_("organisation"),
    )
    parts = models.JSONField(_("parts replaced"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    cost = models.DecimalField(
        _("cost (€)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="repairs",
        verbose_name=_("operator"),
    )
    repaired_on = models.DateField(_("repaired on"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("repair")
        verbose_name_plural = _("repairs")
        ordering = ["-repaired_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost__gte=0), name="%(app_label)s_%(class)s_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.repaired_on:%Y-%m-%d}"


# The order of a device's gradings, latest first: the first is the device's grade (the one
# definition of "the latest grade"; :func:`reuse.selectors.latest_grades` reads it).
GRADING_LATEST_FIRST = ("-graded_on", "-created_at", "-pk")


class Grading(models.Model):
    """The cosmetic grade given to a device (:mod:`reuse.grade_scale`); the latest one counts
    (:data:`GRADING_LATEST_FIRST`)."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="gradings", verbose_name=_("device")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="gradings",
        verbose_name=_("organisation"),
    )
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices)
    battery_health = models.PositiveSmallIntegerField(
        _("battery health (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    notes = models.TextField(_("notes"), blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="gradings",
        verbose_name=_("graded by"),
    )
    graded_on = models.DateField(_("graded on"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("grading")
        verbose_name_plural = _("gradings")
        ordering = list(GRADING_LATEST_FIRST)
        constraints = [
            models.CheckConstraint(
                condition=Q(grade__in=Grade.values), name="%(app_label)s_%(class)s_grade_valid"
            ),
            models.CheckConstraint(
                condition=Q(battery_health__isnull=True) | Q(battery_health__lte=100),
                name="%(app_label)s_%(class)s_battery_health_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.grade} {self.graded_on:%Y-%m-%d}"


# --- Recycling: the waste record of devices leaving through a DEEE channel (item 7). ---


class WasteRecord(models.Model):
    """One shipment of devices to an eco-organism or a recycler: a line of the waste register.

    Its devices moved to ``recycled`` in the transaction that made it, each with its event.
    The producer is the partner holding the devices; the register fields are those of the
    Code de l'environnement, R.541-43 (see :mod:`reuse.choices`).
    """

    # What the partner states of a shipment, in the order forms show it: the one list the
    # page's form, the API's serializer and :func:`reuse.services.waste_record_create` take
    # (a new register field is added here and to the model's fields below).
    REGISTER_FIELDS = (
        "shipped_on",
        "waste_code",
        "weight_kg",
        "taker_kind",
        "taker_name",
        "taker_siren",
        "destination_name",
        "destination_address",
        "treatment_code",
        "transporter_name",
        "transporter_siren",
        "tracking_slip",
        "notes",
    )

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="waste_records",
        verbose_name=_("producer"),
        db_index=False,  # led by the list's index, in Meta
    )
    shipped_on = models.DateField(_("shipped on"))
    waste_code = models.CharField(_("waste code"), max_length=10, choices=WasteCode.choices)
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=9,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    taker_kind = models.CharField(_("taken by"), max_length=16, choices=TakerKind.choices)
    taker_name = models.CharField(_("eco-organism or recycler"), max_length=200)
    taker_siren = models.CharField(
        _("SIREN of the eco-organism or recycler"), max_length=9, validators=[validate_siren]
    )
    destination_name = models.CharField(_("destination facility"), max_length=200)
    destination_address = models.CharField(_("destination address"), max_length=300)
    treatment_code = models.CharField(
        _("treatment code"), max_length=4, choices=TreatmentCode.choices
    )
    transporter_name = models.CharField(_("transporter"), max_length=200)
    transporter_siren = models.CharField(
        _("transporter's SIREN"), max_length=9, blank=True, validators=[validate_siren]
    )
    tracking_slip = models.CharField(_("tracking-slip number"), max_length=60, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    devices = models.ManyToManyField(
        Device,
        through="WasteRecordDevice",
        related_name="waste_records",
        verbose_name=_("devices"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="waste_records",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("waste record")
        verbose_name_plural = _("waste records")
        ordering = ["-shipped_on", "-pk"]
        # The list and the register, by shipping day: a partner's, every one for the territory.
        indexes = [
            models.Index(fields=["shipped_on", "id"], name="reuse_waste_record_shipped"),
            models.Index(
                fields=["partner", "shipped_on", "id"], name="reuse_waste_record_by_partner"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__gt=0), name="reuse_waste_record_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.taker_name} ({self.shipped_on:%Y-%m-%d})"

    @property
    def waste_name(self) -> str:
        """The waste's name in the register, from the List of Waste's wording of its code."""
        return str(WASTE_NAMES[WasteCode(self.waste_code)])

    @property
    def weight_tonnes(self) -> Decimal:
        """The quantity as the register states it, in tonnes."""
        return (self.weight_kg / 1000).quantize(Decimal("0.001"))

    @property
    def eco_organism(self) -> bool:
        return self.taker_kind == TakerKind.ECO_ORGANISM

    def covers(self, device: Device) -> bool:
        """Whether ``device`` is one of this shipment's devices."""
        return self.pk is not None and self.items.filter(device=device).exists()


class WasteRecordDevice(models.Model):
    """A device of a waste record; a device is recycled once (its ``device`` is unique)."""

    waste_record = models.ForeignKey(
        WasteRecord, on_delete=models.PROTECT, related_name="items", verbose_name=_("waste record")
    )
    device = models.OneToOneField(
        Device,
        on_delete=models.PROTECT,
        related_name="waste_item",
        verbose_name=_("device"),
    )

    class Meta:
        verbose_name = _("recycled device")
        verbose_name_plural = _("recycled devices")
        ordering = ["waste_record", "device"]

    def __str__(self) -> str:
        return f"{self.waste_record_id}: {self.device_id}"


def _is_pickup_commune(plan: PickupPlan, user) -> bool:
    return is_member(user, plan.commune)


def _is_pickup_partner(plan: PickupPlan, user) -> bool:
    return is_member(user, plan.partner)


def _is_answering_party(plan: PickupPlan, user) -> bool:
    """The party a proposal waits for: the commune for the partner's, the partner for the
    commune's other date."""
    if plan.state == PickupState.COUNTER_PROPOSED:
        return _is_pickup_partner(plan, user)
    return _is_pickup_commune(plan, user)


def _is_either_party(plan: PickupPlan, user) -> bool:
    return _is_pickup_partner(plan, user) or _is_pickup_commune(plan, user)


class PickupPlan(FSMModelMixin, models.Model):
    """A pickup the claiming partner plans with the commune: a site, a day and a time slot, for
    some of the devices it claimed there.

    The partner proposes; the commune confirms, or proposes another day or slot, which the
    partner confirms; either side cancels; recording the collection from the plan makes it
    done. While open, a plan holds its devices (each device in one open plan at most, kept by
    :class:`PickupPlanDevice`'s constraint) and suspends their claims' expiry until the day
    plus a margin (:func:`reuse.selectors.claim_lapses_at`). Each step records who and when.
    """

    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="pickup_plans",
        verbose_name=_("partner"),
        db_index=False,  # led by the list's index, in Meta
    )
    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="pickup_plans_received",
        verbose_name=_("commune"),
        db_index=False,  # led by the list's index, in Meta
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="pickup_plans", verbose_name=_("pickup site")
    )
    date = models.DateField(_("day"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    state = FSMField(
        _("state"),
        max_length=20,
        choices=PickupState.choices,
        default=PickupState.PROPOSED,
        protected=True,
        db_index=True,
    )
    note = models.TextField(_("note"), blank=True)
    devices = models.ManyToManyField(
        Device, through="PickupPlanDevice", related_name="pickup_plans", verbose_name=_("devices")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    counter_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other date proposed by"),
    )
    counter_proposed_at = models.DateTimeField(_("other date proposed at"), null=True, blank=True)
    proposed_date = models.DateField(_("day first proposed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    collection = models.OneToOneField(
        Collection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pickup_plan",
        verbose_name=_("collection"),
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("planned pickup")
        verbose_name_plural = _("planned pickups")
        ordering = ["date", "starts_at", "pk"]
        # The list, soonest first: a partner's, a commune's, every one for the territory.
        indexes = [
            models.Index(fields=["date", "starts_at", "id"], name="reuse_pickup_plan_day"),
            models.Index(
                fields=["partner", "date", "starts_at", "id"], name="reuse_pickup_plan_by_partner"
            ),
            models.Index(
                fields=["commune", "date", "starts_at", "id"], name="reuse_pickup_plan_by_commune"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="%(app_label)s_%(class)s_slot_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(state=PickupState.DONE) | Q(collection__isnull=False),
                name="%(app_label)s_%(class)s_done_with_collection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.commune} ({self.date:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PICKUP_STATES

    # --- The lifecycle, run by reuse.services.pickup's services only. ---

    @transition(
        field=state,
        source=[PickupState.PROPOSED, PickupState.COUNTER_PROPOSED],
        target=PickupState.CONFIRMED,
        permission=_is_answering_party,
    )
    def confirm(self, *, user, at) -> None:
        """The party the proposal waits for accepts its day and slot."""
        self.confirmed_by = user
        self.confirmed_at = at

    @transition(
        field=state,
        source=PickupState.PROPOSED,
        target=PickupState.COUNTER_PROPOSED,
        permission=_is_pickup_commune,
    )
    def counter_propose(self, *, user, at, date, starts_at, ends_at) -> None:
        """The commune proposes another day or slot; the partner confirms it."""
        self.proposed_date = self.date
        self.date, self.starts_at, self.ends_at = date, starts_at, ends_at
        self.counter_proposed_by = user
        self.counter_proposed_at = at

    @transition(
        field=state,
        source=[PickupState.PROPOSED, PickupState.COUNTER_PROPOSED, PickupState.CONFIRMED],
        target=PickupState.CANCELLED,
        permission=_is_either_party,
    )
    def cancel(self, *, user, at) -> None:
        """Either side calls the pickup off; the devices stay claimed."""
        self.cancelled_by = user
        self.cancelled_at = at

    @transition(
        field=state,
        source=[PickupState.PROPOSED, PickupState.COUNTER_PROPOSED, PickupState.CONFIRMED],
        target=PickupState.DONE,
    )
    def complete(self, *, collection: Collection, at) -> None:
        """The collection of the plan's devices was recorded."""
        self.collection = collection
        self.done_at = at


class PickupPlanDevice(models.Model):
    """A device of a planned pickup. ``is_open`` follows the plan's state, so that the database
    keeps a device in one open plan at most."""

    plan = models.ForeignKey(
        PickupPlan, on_delete=models.PROTECT, related_name="items", verbose_name=_("planned pickup")
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="pickup_items", verbose_name=_("device")
    )
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("device of a planned pickup")
        verbose_name_plural = _("devices of planned pickups")
        ordering = ["plan", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "device"], name="%(app_label)s_%(class)s_unique_device_per_plan"
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(is_open=True),
                name="%(app_label)s_%(class)s_one_open_plan_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.device_id}"
