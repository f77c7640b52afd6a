"""What a device's public passport (``/d/<code>/``) shows of its refurbishment, as proof of
its reuse: the organisation that refurbished it, its grade, and the erasure of its data
(level, standard, method and date for each storage medium).

Registered with :func:`inventory.passport.register_passport_details` (``ReuseConfig.ready``).
It shows anyone: organisations by name, never a person's name (operators, verifiers), a note,
or a serial number of the device or of its media.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from inventory.models import Device
from inventory.passport import PassportFact
from reuse import selectors
from reuse.models import Diagnosis

# The standard every erasure record of Boucle follows (its levels are this standard's).
ERASURE_STANDARD = "NIST SP 800-88"


def _short_date(moment) -> str:
    return formats.date_format(timezone.localdate(moment), "SHORT_DATE_FORMAT")


def passport_facts(device: Device) -> list[PassportFact]:
    """The refurbishment facts of ``device``'s passport; none before a partner diagnosed it."""
    diagnosis = (
        Diagnosis.objects.filter(device=device)
        .select_related("organisation")
        .order_by("-diagnosed_on", "-pk")
        .first()
    )
    if diagnosis is None:
        return []
    grading = selectors.device_grade(device)
    refurbisher = grading.organisation if grading else diagnosis.organisation
    facts = [PassportFact("refurbisher", _("Refurbished by"), refurbisher.name)]
    if grading is not None:
        facts.append(PassportFact("grade", _("Grade"), str(grading.get_grade_display())))
    if device.data_bearing:
        facts.extend(_erasure_facts(device))
    return facts


def _erasure_facts(device: Device) -> list[PassportFact]:
    media = list(selectors.device_for_erasure(device.pk).media.all())
    records = [selectors.latest_erasure(medium) for medium in media]
    erased = bool(media) and all(record is not None and record.passed for record in records)
    facts = [
        PassportFact(
            "erasure",
            _("Data erasure"),
            _("Every storage medium erased or destroyed (%(standard)s)")
            % {"standard": ERASURE_STANDARD}
            if erased
            else _("Not complete yet"),
        )
    ]
    for index, (medium, record) in enumerate(zip(media, records, strict=True), start=1):
        if record is None or not record.passed:
            continue
        facts.append(
            PassportFact(
                f"erasure-{index}",
                _("Storage medium %(number)d (%(type)s)")
                % {"number": index, "type": medium.get_type_display()},
                # The level, the standard, the method and the day: never the medium's serial.
                _("%(level)s (%(standard)s), %(method)s, on %(date)s")
                % {
                    "level": record.get_level_display(),
                    "standard": ERASURE_STANDARD,
                    "method": record.method,
                    "date": _short_date(record.finished_at),
                },
            )
        )
    return facts
