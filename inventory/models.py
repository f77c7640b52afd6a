"""The shared inventory: declared devices, their lifecycle and its append-only event log."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from common.choices import choice_label
from common.errors import TransitionNotAllowed
from inventory import permissions
from inventory.choices import (
    DATA_BEARING_CATEGORIES,
    IMPORT_END_STATES,
    DeclarationSource,
    DeviceCategory,
    DeviceState,
    EventKind,
    FlowStep,
    ImportState,
    StorageType,
)
from inventory.imports.columns import DEFAULT_SURPLUS_STATUSES
from inventory.imports.outcomes import Outcome, word_outcome
from inventory.imports.reasons import Wording, worded_rejection
from organisations.models import Organisation, Site

# Crockford's base 32 without I, L, O, U: nothing to misread on a label.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
# The longest condition notes a file may carry for a device (the form and the API take any).
CONDITION_NOTES_MAX_LENGTH = 5000
# The longest note a person adds to a device's event (a withdrawal, a release, an edit).
EVENT_NOTE_MAX_LENGTH = 1000


def new_device_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def identity_key(brand: str, serial_number: str) -> str:
    """What makes a physical device unique: its brand and serial, compared loosely.

    Case, spaces and punctuation differ between a sticker, an Excel sheet and GLPI; the key
    keeps letters and digits only. A device without a serial number has no key.
    """
    serial = _NOT_LETTER_OR_DIGIT.sub("", serial_number).upper()
    if not serial:
        return ""
    return f"{_NOT_LETTER_OR_DIGIT.sub('', brand).casefold()}:{serial}"


_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def derive_data_bearing(category: str, storage_gb: int | None, storage_type: str) -> bool:
    """Whether a device holds user data: computers and phones always, others with storage."""
    return category in DATA_BEARING_CATEGORIES or bool(storage_gb) or bool(storage_type)


class Declaration(models.Model):
    """One act of declaring surplus devices: a form, a file import or an API call."""

    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("commune"),
    )
    pickup_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("pickup site"),
    )
    source = models.CharField(
        _("source"),
        max_length=8,
        choices=DeclarationSource.choices,
        default=DeclarationSource.FORM,
    )
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("declared by"),
    )
    created_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # In the reader's format (« 29/11/2026 10:04 » in French), as drop-downs show it.
        created_at = formats.date_format(
            timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT"
        )
        return f"{self.commune} — {created_at}"


def import_upload_path(instance: DeviceImport, filename: str) -> str:
    return f"imports/{timezone.now():%Y/%m}/{instance.commune_id}-{filename}"


def default_surplus_statuses() -> list[str]:
    return list(DEFAULT_SURPLUS_STATUSES)


class DeviceImport(models.Model):
    """A file of devices a commune declares at once, and what became of it.

    The file is checked whole before anything is written: if every row is valid, all of them
    become one :class:`Declaration`; otherwise nothing is imported and the report lists every
    rejected row. Large files are imported by a Celery task whose progress is kept here.
    """

    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="device_imports",
        verbose_name=_("commune"),
        db_index=False,  # led by the list's index, in Meta
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="device_imports",
        verbose_name=_("imported by"),
    )
    file = models.FileField(_("file"), upload_to=import_upload_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    pickup_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="device_imports",
        verbose_name=_("default pickup site"),
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    language = models.CharField(_("language"), max_length=8, default="fr")
    surplus_statuses = models.JSONField(
        _("surplus statuses"),
        default=default_surplus_statuses,
        blank=True,
        help_text=_(
            "A row whose status (GLPI's “Statut”) contains none of these is left out, not declared."
        ),
    )

    state = models.CharField(
        _("state"),
        max_length=20,
        choices=ImportState.choices,
        default=ImportState.PENDING,
        db_index=True,
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows left out as not surplus"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    rows_duplicate = models.PositiveIntegerField(
        _("rows rejected as duplicates"),
        default=0,
        help_text=_("Among the rejected rows: devices twice in the file or already declared."),
    )
    skipped_preview = models.JSONField(_("first rows left out"), default=list, blank=True)
    # What the import says of how it ended, as a code and its values, worded when shown
    # (:mod:`inventory.imports.outcomes`); imports that ended before the codes were stored
    # hold their message as text, in the language of the moment.
    message_code = models.CharField(_("message code"), max_length=50, blank=True)
    message_params = models.JSONField(_("message values"), default=dict, blank=True)
    message_text = models.TextField(_("message as written"), blank=True)
    MESSAGE_FIELDS = ("message_code", "message_params", "message_text")
    file_format = models.JSONField(_("format"), default=dict, blank=True)
    unknown_columns = models.JSONField(_("ignored columns"), default=list, blank=True)
    # Each rejected row's line, column, value and reason (its code and values, worded when
    # shown); rows stored before the codes were hold their reason as text.
    errors_preview = models.JSONField(_("first errors"), default=list, blank=True)
    report = models.FileField(_("report"), upload_to="imports/reports/%Y/%m/", blank=True)
    declaration = models.OneToOneField(
        Declaration,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="device_import",
        verbose_name=_("declaration"),
    )
    from_dry_run = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("from the dry run"),
        help_text=_("The dry run whose stored file this import imported."),
    )
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued_at = models.DateTimeField(
        _("last queued at"),
        null=True,
        blank=True,
        help_text=_("When the import was last handed to a worker."),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("last heartbeat"),
        null=True,
        blank=True,
        help_text=_("When the worker running the import last showed it was alive."),
    )
    recoveries = models.PositiveSmallIntegerField(
        _("recoveries"),
        default=0,
        help_text=_("Times the import was queued again after its worker stopped."),
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("device import")
        verbose_name_plural = _("device imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=ImportState.IMPORTED) | Q(declaration__isnull=False),
                name="%(app_label)s_%(class)s_imported_has_declaration",
            ),
        ]
        indexes = [
            # The list of imports, newest first: a commune's, and every one for the territory.
            models.Index(
                fields=["commune", "created_at", "id"], name="inventory_import_by_commune"
            ),
            models.Index(fields=["created_at", "id"], name="inventory_import_created"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.commune})"

    @property
    def is_finished(self) -> bool:
        return self.state in IMPORT_END_STATES

    @property
    def message(self) -> str:
        """What the import says of how it ended, in the reader's language; the text of an
        import that ended before the codes were stored."""
        if self.message_code:
            return word_outcome(self.message_code, self.message_params)
        return self.message_text

    def set_message(self, outcome: Outcome) -> None:
        """Store ``outcome`` as the import's message (save ``MESSAGE_FIELDS``)."""
        self.message_code, self.message_params, self.message_text = (
            outcome.code,
            outcome.params,
            "",
        )

    @property
    def rejections(self) -> list[dict]:
        """The first rejected rows (``errors_preview``), each reason in the reader's language
        (:mod:`inventory.imports.reasons`)."""
        wording = Wording()
        return [worded_rejection(stored, wording) for stored in self.errors_preview]


class DeviceQuerySet(models.QuerySet):
    def active(self) -> DeviceQuerySet:
        """Devices still in the loop or past it, but not taken back by their commune."""
        return self.exclude(state=DeviceState.WITHDRAWN)

    def claimable(self) -> DeviceQuerySet:
        """Devices a partner may claim: in a state the lifecycle's ``claim`` starts from."""
        from inventory.lifecycle import transition_sources  # it reads Device, defined below

        return self.filter(state__in=transition_sources("claim"))

    def with_related(self) -> DeviceQuerySet:
        return self.select_related("commune", "holder", "pickup_site", "claimed_by")

    def first_rows(self, limit: int) -> DeviceQuerySet:
        """The first ``limit`` devices in this query's order, their keys chosen apart.

        One query: the rows whose keys a subquery of the same filter and order picks. Alone,
        the subquery reads an index covering its filter and its order (a commune's declared
        devices, newest first: ``(commune, state, created_at, id)``) and stops at ``limit``;
        asked for the whole rows with their relations at once, PostgreSQL may instead walk
        the newest devices of every commune and filter them, hoping to find a few soon, and
        read 800,000 rows when the commune's devices are the oldest (issue 11).
        """
        keys = self.values("pk")[:limit]
        return self.filter(pk__in=keys)


class Device(FSMModelMixin, models.Model):
    """A physical piece of IT equipment declared surplus by a commune.

    Its ``state`` is protected: it changes only through the transitions below, each run by
    :func:`inventory.services.device_transition`, which writes the matching event in the same
    transaction.
    """

    code = models.CharField(
        _("code"),
        max_length=CODE_LENGTH,
        unique=True,
        default=new_device_code,
        editable=False,
        help_text=_("Short public code printed on the device's label."),
    )
    category = models.CharField(_("category"), max_length=16, choices=DeviceCategory.choices)
    brand = models.CharField(_("brand"), max_length=100)
    model = models.CharField(_("model"), max_length=150, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    identity_key = models.CharField(max_length=220, blank=True, editable=False, db_index=True)
    asset_tag = models.CharField(_("asset tag"), max_length=100, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    cpu = models.CharField(_("processor"), max_length=150, blank=True)
    ram_gb = models.DecimalField(
        _("memory (GB)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("4096"))],
    )
    storage_gb = models.PositiveIntegerField(
        _("storage (GB)"), null=True, blank=True, validators=[MaxValueValidator(200_000)]
    )
    storage_type = models.CharField(
        _("storage type"), max_length=8, choices=StorageType.choices, blank=True
    )
    screen_size_inches = models.DecimalField(
        _("screen size (inches)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("120"))],
    )
    operating_system = models.CharField(_("operating system"), max_length=150, blank=True)
    data_bearing = models.BooleanField(
        _("holds data"),
        default=True,
        help_text=_("Derived from the category and storage unless set by hand."),
    )
    data_bearing_overridden = models.BooleanField(_("data flag set by hand"), default=False)
    # Décret 2023-266 leaves the devices holding sensitive data out of a public body's reuse
    # rate (impact's REEN indicator): the commune says which, as only it knows. A database
    # default too: the file import inserts devices in SQL, without it.
    holds_sensitive_data = models.BooleanField(
        _("holds sensitive data"),
        default=False,
        db_default=False,
        help_text=_("Left out of the REEN reuse rate (décret 2023-266)."),
    )
    condition_notes = models.TextField(_("condition notes"), blank=True)

    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="declared_devices",
        verbose_name=_("declaring commune"),
        db_index=False,  # led by the indexes of Meta
    )
    declaration = models.ForeignKey(
        Declaration,
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("declaration"),
    )
    pickup_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("pickup site"),
    )
    holder = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="held_devices",
        verbose_name=_("holder"),
        db_index=False,  # led by the indexes of Meta
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=DeviceState.choices,
        default=DeviceState.DECLARED,
        protected=True,
    )
    # Set by the claim, cleared by its release or expiry; only the lifecycle writes them.
    claimed_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_devices",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("declared at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DeviceQuerySet.as_manager()

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_key"],
                condition=~Q(identity_key="") & ~Q(state=DeviceState.WITHDRAWN),
                name="%(app_label)s_%(class)s_unique_active_identity",
                violation_error_message=_("This device is already declared."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeviceState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=DeviceCategory.values),
                name="%(app_label)s_%(class)s_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(ram_gb__isnull=True) | Q(ram_gb__gte=0),
                name="%(app_label)s_%(class)s_ram_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(screen_size_inches__isnull=True) | Q(screen_size_inches__gt=0),
                name="%(app_label)s_%(class)s_screen_size_positive",
            ),
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True, claimed_at__isnull=True)
                | Q(claimed_by__isnull=False, claimed_at__isnull=False),
                name="%(app_label)s_%(class)s_claim_complete",
            ),
        ]
        # Every ordering a list offers, its tie-breaker included, so that a page is read from
        # an index rather than sorted: the default one (newest first), and each column the
        # page and the API sort by, in both directions (an index reads backwards too). The
        # lists narrowed to one state, commune (and state) or holder read their own, in the
        # default order.
        # The text search's trigram indexes exist on PostgreSQL only (the migration
        # device_search_trigram_indexes); the page matches a code exactly, on its unique index.
        indexes = [
            models.Index(fields=["created_at", "id"], name="inventory_device_created"),
            models.Index(fields=["state", "created_at", "id"], name="inventory_device_by_state"),
            models.Index(
                fields=["commune", "created_at", "id"], name="inventory_device_by_commune"
            ),
            models.Index(fields=["holder", "created_at", "id"], name="inventory_device_by_holder"),
            models.Index(
                fields=["commune", "state", "created_at", "id"],
                name="inventory_device_commune_state",
            ),
            models.Index(fields=["brand", "id"], name="inventory_device_sort_brand"),
            models.Index(fields=["category", "id"], name="inventory_device_sort_category"),
            models.Index(fields=["state", "id"], name="inventory_device_sort_state"),
            # The claims lists, oldest claim first, and the expiry of overdue claims.
            models.Index(
                fields=["claimed_at", "id"],
                name="inventory_device_claimed_at",
                condition=Q(state=DeviceState.CLAIMED),
            ),
            # The search matches an asset tag whatever its case.
            models.Index(Upper("asset_tag"), name="inventory_device_asset_tag"),
            # The claimable devices (``DeviceQuerySet.claimable``) by declaration and by pickup
            # site: the claim page counts them per declaration and per site from these alone.
            models.Index(
                fields=["declaration"],
                name="inventory_device_declared_decl",
                condition=Q(state=DeviceState.DECLARED),
            ),
            models.Index(
                fields=["pickup_site"],
                name="inventory_device_declared_site",
                condition=Q(state=DeviceState.DECLARED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.brand} {self.model}".strip()

    # Defined here, Django does not add its own (see common.choices.choice_label): lists show
    # these for each row.
    def get_category_display(self):
        return choice_label(DeviceCategory, self.category)

    def get_state_display(self):
        return choice_label(DeviceState, self.state)

    def clean(self) -> None:
        errors = {}
        if self.purchase_date and self.purchase_date > timezone.localdate():
            errors["purchase_date"] = ValidationError(
                _("The purchase date cannot be in the future."), code="future_date"
            )
        if (
            self.pickup_site_id
            and self.commune_id
            and (self.pickup_site.organisation_id != self.commune_id)
        ):
            errors["pickup_site"] = ValidationError(
                _("The pickup site must belong to the declaring commune."), code="foreign_site"
            )
        if errors:
            raise ValidationError(errors)

    def refresh_derived_fields(self) -> None:
        """Recompute what is derived from the description: identity key, data flag."""
        self.identity_key = identity_key(self.brand, self.serial_number)
        if not self.data_bearing_overridden:
            self.data_bearing = derive_data_bearing(
                self.category, self.storage_gb, self.storage_type
            )

    # --- The lifecycle. Each transition is run by inventory.services.device_transition. ---

    # Each transition names the event it writes and the rule (inventory.permissions) saying
    # which organisation may run it. Conditions carry a ``message`` shown when they fail.

    @transition(
        field=state,
        source=DeviceState.DECLARED,
        target=DeviceState.WITHDRAWN,
        permission=permissions.is_declaring_commune,
        custom={"event": EventKind.WITHDRAWN, "label": _("Withdraw")},
    )
    def withdraw(self) -> None:
        """The commune takes the device back before any partner claimed it."""

    @transition(
        field=state,
        source=DeviceState.DECLARED,
        target=DeviceState.CLAIMED,
        permission=permissions.is_partner,
        custom={"event": EventKind.CLAIMED, "label": _("Claim")},
    )
    def claim(self, *, claimant: Organisation, at=None) -> None:
        """A partner reserves the device; the claim lapses unless it collects it in time."""
        self.claimed_by = claimant
        self.claimed_at = at or timezone.now()

    @transition(
        field=state,
        source=DeviceState.CLAIMED,
        target=DeviceState.DECLARED,
        permission=permissions.is_claimant,
        custom={"event": EventKind.RELEASED, "label": _("Release the claim")},
    )
    def release(self) -> None:
        """The claimant gives the device back to the shared inventory."""
        self.claimed_by = None
        self.claimed_at = None

    @transition(
        field=state,
        source=DeviceState.CLAIMED,
        target=DeviceState.DECLARED,
        permission=permissions.nobody,
        custom={"event": EventKind.CLAIM_EXPIRED, "label": _("Expire the claim")},
    )
    def expire(self) -> None:
        """The system ends a claim left without collection past its delay."""
        self.claimed_by = None
        self.claimed_at = None

    @transition(
        field=state,
        source=DeviceState.CLAIMED,
        target=DeviceState.COLLECTED,
        permission=permissions.is_claimant,
        conditions=[permissions.claimant_has_esus_approval],
        custom={"event": EventKind.COLLECTED, "label": _("Collect")},
    )
    def collect(self) -> None:
        """The claimant takes the device away: it now holds it (free cession, CG3P L3212-2 3°).

        ``claimed_by`` and ``claimed_at`` stay as the record of the claim that led here; the
        claim no longer lapses, since only claimed devices expire.
        """
        self.holder_id = self.claimed_by_id

    @transition(
        field=state,
        source=DeviceState.COLLECTED,
        target=DeviceState.IN_REFURBISHMENT,
        permission=permissions.is_holder,
        custom={"event": EventKind.DIAGNOSED, "label": _("Diagnose")},
    )
    def diagnose(self, *, diagnosis) -> None:
        """The holder starts refurbishing the device, on the diagnosis that found it reusable.

        The diagnosis is an argument rather than a condition: a condition would have to query
        the refurbishment records (and import them from :mod:`reuse`), once per device on every
        list that shows the allowed actions. Requiring the diagnosis here keeps the rule in the
        lifecycle, with no query: :func:`reuse.services.diagnosis_record` creates it and runs
        this transition in the same transaction. A device found not repairable stays collected
        (it leaves for recycling).
        """
        if diagnosis.device_id != self.pk or not diagnosis.allows_refurbishment:
            raise TransitionNotAllowed(
                _(
                    "Only a diagnosis finding the device working or repairable starts its "
                    "refurbishment."
                ),
                code="not_reusable",
            )

    @transition(
        field=state,
        source=DeviceState.IN_REFURBISHMENT,
        target=DeviceState.READY,
        permission=permissions.is_holder,
        custom={"event": EventKind.READY, "label": _("Mark as ready")},
    )
    def certify(self, *, erasure_refusal, diagnosis, repaired: bool, grading) -> None:
        """The holder puts the refurbished device in its stock, on the evidence given.

        Like ``diagnose``, the evidence is passed in rather than queried:
        :func:`reuse.services.device_certify_ready` gathers it and runs this transition in one
        transaction. ``erasure_refusal`` says why the media are not all erased (``None`` when
        every medium's latest record passed or destroyed it; :func:`unerased_data` says when
        it matters);
        ``diagnosis`` is the latest one; ``repaired`` whether a repair was recorded after it;
        ``grading`` the device's grade. Every missing piece is named in the refusal.
        """
        missing = readiness_refusals(
            self,
            erasure_refusal=erasure_refusal,
            diagnosis=diagnosis,
            repaired=repaired,
            grading=grading,
        )
        if missing:
            raise TransitionNotAllowed(
                _("The device cannot be marked as ready: %(missing)s.")
                % {"missing": "; ".join(str(message) for _code, message in missing)},
                code=missing[0][0],
            )

    @transition(
        field=state,
        source=[DeviceState.COLLECTED, DeviceState.IN_REFURBISHMENT],
        target=DeviceState.RECYCLED,
        permission=permissions.is_holder,
        custom={"event": EventKind.RECYCLED, "label": _("Recycle")},
    )
    def recycle(self, *, waste_record, erasure_refusal) -> None:
        """The holder sends a device it cannot reuse to a DEEE channel, on its waste record.

        Like ``certify``, the evidence is passed in: :func:`reuse.services.waste_record_create`
        records the shipment and runs this transition for each of its devices in one
        transaction. ``erasure_refusal`` says why the media are not all erased or destroyed
        (``None`` when they are; :func:`unerased_data` says when it matters).
        """
        missing = recycling_refusals(
            self, waste_record=waste_record, erasure_refusal=erasure_refusal
        )
        if missing:
            raise TransitionNotAllowed(
                _("The device cannot be recycled: %(missing)s.")
                % {"missing": "; ".join(str(message) for _code, message in missing)},
                code=missing[0][0],
            )

    @transition(
        field=state,
        source=DeviceState.READY,
        target=DeviceState.RESERVED,
        permission=permissions.is_coordinator,
        custom={"event": EventKind.RESERVED, "label": _("Reserve")},
    )
    def reserve(self) -> None:
        """A group order's allocation sets the device aside for one of its orders; its holder
        keeps it until the delivery."""

    @transition(
        field=state,
        source=DeviceState.RESERVED,
        target=DeviceState.READY,
        permission=permissions.is_coordinator,
        custom={"event": EventKind.UNRESERVED, "label": _("Release the reservation")},
    )
    def unreserve(self) -> None:
        """The order (or its campaign) is cancelled before delivery: the device goes back to
        its holder's stock."""

    @transition(
        field=state,
        source=DeviceState.RESERVED,
        target=DeviceState.DELIVERED,
        permission=permissions.is_recipient,
        custom={"event": EventKind.DELIVERED, "label": _("Admit the delivery")},
    )
    def deliver(self, *, recipient: Organisation) -> None:
        """The buyer admits the delivery of a reserved device (the « service fait » of a
        group order): the device is its own from then on."""
        self.holder_id = recipient.pk

    @transition(
        field=state,
        source=DeviceState.DELIVERED,
        target=DeviceState.COLLECTED,
        permission=permissions.is_refurbisher,
        custom={"event": EventKind.WARRANTY_RETURNED, "label": _("Take back under warranty")},
    )
    def take_back(self) -> None:
        """The partner that refurbished a delivered device takes it back under its warranty
        (replaced or refunded): it holds it again, as after a collection, to diagnose it
        anew, repair it or recycle it."""
        self.holder_id = self.claimed_by_id

    @transition(
        field=state,
        source=DeviceState.READY,
        target=DeviceState.DELIVERED,
        permission=permissions.is_holder,
        custom={
            "event": EventKind.WARRANTY_REPLACEMENT,
            "label": _("Deliver as a replacement under warranty"),
        },
    )
    def deliver_replacement(self, *, recipient: Organisation) -> None:
        """The partner delivers one of its ready devices to a buyer in place of a faulty one
        under warranty: the device is the buyer's from then on."""
        self.holder_id = recipient.pk


def unerased_data(
    device: Device, *, erasure_refusal: str | Callable[[Device], str | None] | None
) -> str | None:
    """Why the data ``device`` bears keeps it in the loop, or ``None`` when nothing does.

    The lifecycle's rule "data-bearing and not erased", stated once (DESIGN.md): a device
    bearing data leaves (``ready`` or ``recycled``) only once every storage medium is erased or
    destroyed. ``erasure_refusal`` says why its media are not (``None`` when they are), or is
    the function reading it from the erasure records (reuse's
    :func:`reuse.selectors.erasure_refusal`), then called only for a device bearing data.
    """
    if not device.data_bearing:
        return None
    return erasure_refusal(device) if callable(erasure_refusal) else erasure_refusal


def readiness_refusals(
    device: Device, *, erasure_refusal, diagnosis, repaired: bool, grading
) -> list[tuple[str, str]]:
    """What the device still lacks to be ``ready``: (code, reason) pairs, empty when nothing.

    The rule of the lifecycle (DESIGN.md): a passed erasure or a destruction of every medium
    of a data-bearing device, a passed functional test and a grade.
    """
    missing: list[tuple[str, str]] = []
    data_refusal = unerased_data(device, erasure_refusal=erasure_refusal)
    if data_refusal is not None:
        missing.append(
            ("not_erased", _("the data is not erased: %(reason)s") % {"reason": data_refusal})
        )
    if diagnosis is None or diagnosis.device_id != device.pk:
        missing.append(("no_diagnosis", _("no functional test is recorded")))
    elif not diagnosis.allows_refurbishment:
        missing.append(("not_reusable", _("the latest diagnosis found it not repairable")))
    elif diagnosis.requires_repair and not repaired:
        missing.append(
            ("not_repaired", _("no repair is recorded since the diagnosis found it needs one"))
        )
    if grading is None or grading.device_id != device.pk:
        missing.append(("no_grade", _("no grade is given")))
    return missing


def recycling_refusals(device: Device, *, waste_record, erasure_refusal) -> list[tuple[str, str]]:
    """What ``device`` still lacks to be ``recycled``: (code, reason) pairs, empty when nothing.

    The rule of the lifecycle (DESIGN.md): a waste record covering the device, and the media
    of a data-bearing device erased or destroyed.
    """
    missing: list[tuple[str, str]] = []
    data_refusal = unerased_data(device, erasure_refusal=erasure_refusal)
    if data_refusal is not None:
        missing.append(
            (
                "not_erased",
                _("the data is not erased nor the media destroyed: %(reason)s")
                % {"reason": data_refusal},
            )
        )
    if waste_record is None or not waste_record.covers(device):
        missing.append(("no_waste_record", _("no waste record covers it")))
    return missing


class DeviceCountQuerySet(models.QuerySet):
    def claimable(self) -> DeviceCountQuerySet:
        """The counts of the devices a partner may claim (as ``DeviceQuerySet.claimable``)."""
        from inventory.lifecycle import transition_sources  # it reads Device, defined above

        return self.filter(state__in=transition_sources("claim"))

    def total(self) -> int:
        """How many devices these counts add up to."""
        return self.aggregate(total=Coalesce(Sum("count"), 0))["total"]


class DeviceCount(models.Model):
    """How many devices share one declaring commune, holder, claimant, state and category.

    What the dashboards and reports count, read without scanning the devices. Every change of
    a device's commune, holder, claimant, state or category updates it in the same transaction
    (:mod:`inventory.counts`: the lifecycle's gateway, declarations, file imports, an edited
    category); ``manage.py recount_devices`` rebuilds it from the devices, or checks it. The
    columns are named as the device's, so that a filter on devices (the visibility rule, say)
    filters the counts alike. Rows fallen to zero stay.
    """

    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("declaring commune"),
    )
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("holder")
    )
    claimed_by = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claimed by"),
    )
    state = models.CharField(_("state"), max_length=20, choices=DeviceState.choices)
    category = models.CharField(_("category"), max_length=16, choices=DeviceCategory.choices)
    count = models.BigIntegerField(_("devices"), default=0)

    objects = DeviceCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("device count")
        verbose_name_plural = _("device counts")
        constraints = [
            # One row per key; a device never claimed counts under "no claimant" (0), as
            # NULLs would never conflict. inventory.counts upserts against this very index.
            models.UniqueConstraint(
                F("commune"),
                F("holder"),
                Coalesce(F("claimed_by"), Value(0)),
                F("state"),
                F("category"),
                name="%(app_label)s_%(class)s_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0), name="%(app_label)s_%(class)s_count_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.category}: {self.count}"


class DeviceStepCount(models.Model):
    """How many devices reached a step of the loop for the first time in one month, by
    category, declaring commune, acting organisation and, for a reuse (delivered or donated),
    the partner that collected the device and the days from its declaration (to the nearest
    whole day).

    What the impact indicators read instead of scanning the events. A device counts at a
    step on its first event of that kind (in time, then in the order written): a second claim
    after a release, a second delivery after a return under warranty count for nothing. Every
    writer of these events adds to it in the same transaction
    (:mod:`inventory.step_counts`: the lifecycle's gateways, declarations, file imports, an
    edited category); ``manage.py recount_steps`` rebuilds it from the events, or checks it.
    """

    month = models.DateField(_("month"))  # its first day, in the site's time zone
    step = models.CharField(_("step"), max_length=16, choices=FlowStep.choices)
    category = models.CharField(_("category"), max_length=16, choices=DeviceCategory.choices)
    commune = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("declaring commune"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner"),
    )
    days_to_reuse = models.PositiveIntegerField(_("days to reuse"), null=True, blank=True)
    count = models.BigIntegerField(_("devices"), default=0)

    class Meta:
        verbose_name = _("device step count")
        verbose_name_plural = _("device step counts")
        constraints = [
            # One row per key; inventory.step_counts upserts against this very index (NULLs
            # would never conflict, hence the COALESCEs).
            models.UniqueConstraint(
                F("month"),
                F("step"),
                F("category"),
                F("commune"),
                Coalesce(F("organisation"), Value(0)),
                Coalesce(F("partner"), Value(0)),
                Coalesce(F("days_to_reuse"), Value(-1)),
                name="%(app_label)s_%(class)s_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0), name="%(app_label)s_%(class)s_count_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.step} {self.category}: {self.count}"


class DeviceEventQuerySet(models.QuerySet):
    """The event log is append-only: bulk changes are refused like single ones."""

    def update(self, **kwargs):
        raise TypeError("Device events are append-only.")

    def delete(self):
        raise TypeError("Device events are append-only.")


class DeviceEvent(models.Model):
    """One entry of a device's history, written with the change it records.

    The log is append-only (the model refuses changes, and so do database triggers); it is
    the device's history, its public passport and the source of every report.
    """

    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("device"),
        db_index=False,  # led by the history's index, in Meta
    )
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    from_state = models.CharField(
        _("from state"), max_length=20, choices=DeviceState.choices, blank=True
    )
    to_state = models.CharField(_("to state"), max_length=20, choices=DeviceState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="device_events",
        verbose_name=_("actor"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="device_events",
        verbose_name=_("organisation"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = DeviceEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_state__in=DeviceState.values),
                name="%(app_label)s_%(class)s_to_state_valid",
            ),
        ]
        indexes = [
            # A device's history, oldest first, read in order.
            models.Index(fields=["device", "created_at", "id"], name="inventory_event_history"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise TypeError("Device events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Device events are append-only.")
