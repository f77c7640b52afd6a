from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceState(models.TextChoices):
    """Every state of the device lifecycle (DESIGN.md), declared once."""

    DECLARED = "declared", _("Declared")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLAIMED = "claimed", _("Claimed")
    COLLECTED = "collected", _("Collected")
    IN_REFURBISHMENT = "in_refurbishment", _("In refurbishment")
    READY = "ready", _("Ready")
    RESERVED = "reserved", _("Reserved")
    DELIVERED = "delivered", _("Delivered")
    RECYCLED = "recycled", _("Recycled")


class DeviceCategory(models.TextChoices):
    LAPTOP = "laptop", _("Laptop")
    DESKTOP = "desktop", _("Desktop")
    MONITOR = "monitor", _("Monitor")
    TABLET = "tablet", _("Tablet")
    SMARTPHONE = "smartphone", _("Smartphone")
    PRINTER = "printer", _("Printer")
    PROJECTOR = "projector", _("Projector")
    ACCESSORY = "accessory", _("Accessory")
    OTHER = "other", _("Other")


# Categories that always carry user data, whatever their declared storage.
DATA_BEARING_CATEGORIES = frozenset(
    {
        DeviceCategory.LAPTOP,
        DeviceCategory.DESKTOP,
        DeviceCategory.TABLET,
        DeviceCategory.SMARTPHONE,
    }
)


class StorageType(models.TextChoices):
    HDD = "hdd", _("Hard disk (HDD)")
    SSD = "ssd", _("SSD (SATA)")
    NVME = "nvme", _("SSD (NVMe)")
    EMMC = "emmc", _("eMMC")
    FLASH = "flash", _("Flash memory")


class DeclarationSource(models.TextChoices):
    FORM = "form", _("Form")
    FILE = "file", _("File import")
    API = "api", _("API")


class EventKind(models.TextChoices):
    """What an event of the device log records: a transition, or an edit of the description."""

    DECLARED = "declared", _("Declared")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EDITED = "edited", _("Description edited")
    CLAIMED = "claimed", _("Claimed")
    RELEASED = "released", _("Claim released")
    CLAIM_EXPIRED = "claim_expired", _("Claim expired")
    COLLECTED = "collected", _("Collected")
    DIAGNOSED = "diagnosed", _("Diagnosed")
    READY = "ready", _("Ready")
    RECYCLED = "recycled", _("Recycled")
    RESERVED = "reserved", _("Reserved")
    UNRESERVED = "unreserved", _("Reservation released")
    DELIVERED = "delivered", _("Delivered")
    # Warranty returns (procurement): a fault reported, the device repaired, taken back by its
    # partner (replaced or refunded), or a replacement delivered in its stead.
    FAULT_REPORTED = "fault_reported", _("Fault reported under warranty")
    WARRANTY_REPAIRED = "warranty_repaired", _("Repaired under warranty")
    WARRANTY_RETURNED = "warranty_returned", _("Taken back under warranty")
    WARRANTY_REPLACEMENT = "warranty_replacement", _("Delivered as a replacement under warranty")


class FlowStep(models.TextChoices):
    """The steps of the loop the impact indicators count (:class:`DeviceStepCount`): the
    lifecycle's events, with a delivery that is a donation's receipt (its event names the
    donation) told apart from one sold through a group order."""

    DECLARED = EventKind.DECLARED.value, EventKind.DECLARED.label
    CLAIMED = EventKind.CLAIMED.value, EventKind.CLAIMED.label
    COLLECTED = EventKind.COLLECTED.value, EventKind.COLLECTED.label
    READY = EventKind.READY.value, EventKind.READY.label
    DELIVERED = EventKind.DELIVERED.value, EventKind.DELIVERED.label
    DONATED = "donated", _("Donated")
    RECYCLED = EventKind.RECYCLED.value, EventKind.RECYCLED.label
    WITHDRAWN = EventKind.WITHDRAWN.value, EventKind.WITHDRAWN.label


# The events the steps stand for, in the loop's order; a device's reuse is its ``delivered``
# event (sold or given).
FLOW_KINDS = (
    EventKind.DECLARED,
    EventKind.CLAIMED,
    EventKind.COLLECTED,
    EventKind.READY,
    EventKind.DELIVERED,
    EventKind.RECYCLED,
    EventKind.WITHDRAWN,
)
REUSE_STEPS = (FlowStep.DELIVERED, FlowStep.DONATED)


class ImportState(models.TextChoices):
    """Where a file import stands; every end state but ``imported`` leaves the inventory as is."""

    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    IMPORTED = "imported", _("Imported")
    VALID = "valid", _("Valid (dry run, nothing imported)")
    REJECTED = "rejected", _("Rejected")
    ALREADY_IMPORTED = "already_imported", _("Already imported")
    UNREADABLE = "unreadable", _("Unreadable file")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


IMPORT_END_STATES = frozenset(
    {
        ImportState.IMPORTED,
        ImportState.VALID,
        ImportState.REJECTED,
        ImportState.ALREADY_IMPORTED,
        ImportState.UNREADABLE,
        ImportState.CANCELLED,
        ImportState.FAILED,
    }
)
