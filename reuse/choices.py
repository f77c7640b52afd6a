"""The reuse loop's choices: storage media and their erasures, diagnoses, grades and the waste
register's codes, each declared once, with the sets of them that rules ask about."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.choices import DeviceCategory


class MediumType(models.TextChoices):
    HDD = "hdd", _("Hard disk (HDD)")
    SSD = "ssd", _("SSD")
    NVME = "nvme", _("NVMe")
    EMMC = "emmc", _("eMMC")
    FLASH = "flash", _("Flash memory")


class SanitisationLevel(models.TextChoices):
    """NIST SP 800-88's three levels."""

    CLEAR = "clear", _("Clear")
    PURGE = "purge", _("Purge")
    DESTROY = "destroy", _("Destroy")


class ErasureResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")


class CheckResult(models.TextChoices):
    OK = "ok", _("Works")
    FAULT = "fault", _("Fault")
    NA = "na", _("Not applicable")


class DiagnosisResult(models.TextChoices):
    WORKS = "works", _("Works")
    NEEDS_REPAIR = "needs_repair", _("Needs repair")
    NOT_REPAIRABLE = "not_repairable", _("Not repairable")


# Results that let the device go on to refurbishment (the lifecycle's ``diagnose``).
REUSABLE_RESULTS = frozenset({DiagnosisResult.WORKS, DiagnosisResult.NEEDS_REPAIR})


# Categories whose battery health is recorded, in percent.
BATTERY_CATEGORIES = frozenset(
    {DeviceCategory.LAPTOP, DeviceCategory.TABLET, DeviceCategory.SMARTPHONE}
)


class Grade(models.TextChoices):
    """The platform's cosmetic grade scale (:mod:`reuse.grade_scale` describes each grade)."""

    A = "A", _("Grade A — very good condition")
    B = "B", _("Grade B — good condition")
    C = "C", _("Grade C — fair condition")


# What the waste register speaks: waste codes, treatment codes and who takes the waste.
#
# A device that cannot be reused leaves through an approved eco-organism (ecosystem, Ecologic)
# or a contracted recycler, with a waste record. The register (Code de l'environnement,
# R.541-43, and its arrêté of 31 May 2021) keeps for each shipment: date, waste name and code,
# quantity, producer, transporter, destination, treatment code, the tracking-slip number if
# any, and the eco-organism's name and SIREN when one takes the waste.


class WasteCode(models.TextChoices):
    """The European List of Waste codes (décision 2000/532/CE) that fit discarded IT equipment.

    An asterisk marks hazardous waste: equipment whose hazardous parts (batteries, some
    screens) are still inside.
    """

    MUNICIPAL_HAZARDOUS = (
        "20 01 35*",
        _(
            "20 01 35* — Discarded electrical and electronic equipment containing hazardous "
            "components"
        ),
    )
    MUNICIPAL = (
        "20 01 36",
        _("20 01 36 — Discarded electrical and electronic equipment, not hazardous"),
    )
    EQUIPMENT_HAZARDOUS = (
        "16 02 13*",
        _("16 02 13* — Discarded equipment containing hazardous components"),
    )
    EQUIPMENT = "16 02 14", _("16 02 14 — Discarded equipment, not hazardous")
    COMPONENTS = (
        "16 02 16",
        _("16 02 16 — Components removed from discarded equipment, not hazardous"),
    )


# The waste's name in the register, from the List of Waste's own wording.
WASTE_NAMES = {
    WasteCode.MUNICIPAL_HAZARDOUS: _(
        "Discarded electrical and electronic equipment containing hazardous components"
    ),
    WasteCode.MUNICIPAL: _("Discarded electrical and electronic equipment"),
    WasteCode.EQUIPMENT_HAZARDOUS: _("Discarded equipment containing hazardous components"),
    WasteCode.EQUIPMENT: _("Discarded equipment"),
    WasteCode.COMPONENTS: _("Components removed from discarded equipment"),
}


class TreatmentCode(models.TextChoices):
    """Recovery (R) and disposal (D) operations of directive 2008/98/CE, annexes I and II."""

    R3 = "R3", _("R3 — Recycling of organic substances (plastics)")
    R4 = "R4", _("R4 — Recycling of metals")
    R5 = "R5", _("R5 — Recycling of other inorganic materials")
    R12 = "R12", _("R12 — Dismantling and sorting before recovery")
    R13 = "R13", _("R13 — Storage pending recovery")
    D10 = "D10", _("D10 — Incineration on land")
    D15 = "D15", _("D15 — Storage pending disposal")


class TakerKind(models.TextChoices):
    """Who takes the waste: an approved eco-organism, or a recycler under contract."""

    ECO_ORGANISM = "eco_organism", _("Eco-organism")
    RECYCLER = "recycler", _("Recycler")


class PickupState(models.TextChoices):
    """A planned pickup's states: proposed by the partner, answered by the commune (confirmed,
    or another day proposed, which the partner confirms), then done or cancelled."""

    PROPOSED = "proposed", _("Proposed")
    COUNTER_PROPOSED = "counter_proposed", _("Other date proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


# The states in which a planned pickup holds its devices (one open plan per device) and
# suspends their claims' expiry.
OPEN_PICKUP_STATES = frozenset(
    {PickupState.PROPOSED, PickupState.COUNTER_PROPOSED, PickupState.CONFIRMED}
)
