"""What the waste register speaks: waste codes, treatment codes and who takes the waste.

A device that cannot be reused leaves through an approved eco-organism (ecosystem, Ecologic)
or a contracted recycler, with a waste record. The register (Code de l'environnement,
R.541-43, and its arrêté of 31 May 2021) keeps for each shipment: date, waste name and code,
quantity, producer, transporter, destination, treatment code, the tracking-slip number if
any, and the eco-organism's name and SIREN when one takes the waste.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The years a register may be asked for.
REGISTER_YEARS = range(2000, 2101)


def register_year(value: str) -> int | None:
    """The year of the register asked for (``?year=``), ``None`` for every year.

    :class:`ValueError` for anything but a year of :data:`REGISTER_YEARS`.
    """
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) not in REGISTER_YEARS:
        raise ValueError(f"Not a year of the register: {value!r}")
    return int(value)


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
