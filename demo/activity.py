"""The demo's refurbishment activity: claims, collections, erasure, diagnosis, repair, grades,
ready stock and recycling, on the devices of the demo territory (:mod:`demo.territory`).

``seed_refurbishment()`` runs after the territory is seeded. Every write goes through the
services of :mod:`reuse.services`, so each change of a device has its event and each
collection its note, as when a partner does it. It is deterministic: the devices are drawn
with a ``random.Random`` seeded with a fixed string among each commune's declared devices in
the order they were declared, and every date counts back from the day of the run. It is
idempotent: once any claim or collection exists, the activity is in place (or a visitor
started their own) and nothing is added.

The story: the three partners, all holding a current ESUS approval, claim devices in seven
communes. Two of them collect most of theirs in four collections; two devices are released,
the other claims stay open. Of the collected devices, the oldest are found not repairable,
their media destroyed and shipped to an eco-organism; most of the others are tested,
erased, graded and marked ready; a few are halfway through refurbishment, and the last
collected wait for their test.

The services stamp each event with the time of the run; the records (collections,
diagnoses, erasures, repairs, grades, shipments) carry dates of the past weeks.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.test.utils import override_settings
from django.utils import timezone

from demo.territory import SEED, SeedReport
from inventory.choices import DeviceCategory, DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from organisations.models import Organisation, Site
from reuse.checklists import checklist_for
from reuse.choices import (
    BATTERY_CATEGORIES,
    CheckResult,
    DiagnosisResult,
    ErasureResult,
    Grade,
    MediumType,
    SanitisationLevel,
    TakerKind,
    TreatmentCode,
    WasteCode,
)
from reuse.models import Collection, StorageMedium
from reuse.services import (
    collection_record,
    device_certify_ready,
    device_release,
    devices_claim,
    diagnosis_record,
    erasure_record_create,
    grading_record,
    medium_add,
    repair_record,
    waste_record_create,
)

# What the partners take for reuse; printers, projectors and the rest wait for another day.
REUSABLE_CATEGORIES = (
    DeviceCategory.LAPTOP,
    DeviceCategory.DESKTOP,
    DeviceCategory.MONITOR,
    DeviceCategory.TABLET,
    DeviceCategory.SMARTPHONE,
)


@dataclass(frozen=True)
class ClaimSpec:
    """A partner's claim in one commune: how many devices it claims, how many it collects
    (``collected_days_ago`` days before the run) and releases; the others stay claimed."""

    partner: str
    commune_insee: str
    claimed: int
    collected: int = 0
    released: int = 0
    collected_days_ago: int | None = None


CLAIMS = (
    ClaimSpec("atelier-numerique-solidaire", "94081", 10, collected=9, collected_days_ago=24),
    ClaimSpec("atelier-numerique-solidaire", "94076", 8, collected=6, collected_days_ago=17),
    ClaimSpec("atelier-numerique-solidaire", "94041", 4, released=1),
    ClaimSpec("recyclerie-bievre", "94003", 9, collected=8, collected_days_ago=21),
    ClaimSpec("recyclerie-bievre", "94043", 6, collected=5, collected_days_ago=10),
    ClaimSpec("recyclerie-bievre", "94016", 2),
    ClaimSpec("reemploi-seine-amont", "91027", 3, released=1),
)

# Where a device in refurbishment stands (each one of these at most once per partner).
REPAIRED = "repaired"  # found needing a repair, repaired, erased: waits for its grade
ERASED = "erased"  # found working and erased: waits for its grade
DIAGNOSED = "diagnosed"  # found working: waits for its erasure
NEEDS_REPAIR = "needs_repair"  # found needing a repair: waits for the part
ERASURE_FAILED = "erasure_failed"  # found working, its erasure failed: to run again


@dataclass(frozen=True)
class WorkshopSpec:
    """What a partner did with the devices it collected."""

    ready: int
    recycled: int
    in_refurbishment: tuple[str, ...]


WORKSHOPS = {
    "atelier-numerique-solidaire": WorkshopSpec(
        ready=6, recycled=2, in_refurbishment=(REPAIRED, ERASED, DIAGNOSED)
    ),
    "recyclerie-bievre": WorkshopSpec(
        ready=6, recycled=2, in_refurbishment=(NEEDS_REPAIR, ERASURE_FAILED)
    ),
}
# Stages that need a device bearing data (they record an erasure).
NEEDS_MEDIUM = frozenset({REPAIRED, ERASED, DIAGNOSED, ERASURE_FAILED})

RELEASE_NOTES = (
    "Atelier complet ce mois-ci : nous laissons ce poste à une autre structure.",
    "Modèle dont nous n'avons pas les pièces : mieux vaut qu'un autre atelier le prenne.",
)
COMMUNE_SIGNATORY_TITLE = "Responsable des moyens généraux"
PARTNER_SIGNATORY_TITLE = "Responsable d'atelier"
OPERATOR_TITLE = "Technicien reconditionnement"
VERIFIER_TITLE = "Responsable qualité"

# The check that fails when a device needs a repair, and the part that fixes it.
REPAIRS = {
    DeviceCategory.LAPTOP: ("battery", "Batterie de remplacement", "Batterie usée (38 %)"),
    DeviceCategory.DESKTOP: ("ports", "Carte USB 3.0 en façade", "Ports USB en façade morts"),
    DeviceCategory.MONITOR: ("backlight", "Carte d'alimentation", "Rétroéclairage instable"),
    DeviceCategory.TABLET: ("battery", "Batterie de remplacement", "Batterie gonflée"),
    DeviceCategory.SMARTPHONE: ("battery", "Batterie de remplacement", "Batterie usée"),
}
REPAIR_COSTS = {
    DeviceCategory.LAPTOP: Decimal("54.90"),
    DeviceCategory.DESKTOP: Decimal("12.50"),
    DeviceCategory.MONITOR: Decimal("23.00"),
    DeviceCategory.TABLET: Decimal("39.90"),
    DeviceCategory.SMARTPHONE: Decimal("29.90"),
}
GRADE_NOTES = {
    Grade.A: "Aucune trace visible à distance normale ; écran sans rayure.",
    Grade.B: "Légères rayures sur le capot, touches un peu lustrées.",
    Grade.C: "Coins marqués et rayures profondes sur le capot ; écran lisible.",
}
# A medium's model and the purge that fits it (NIST SP 800-88, annex A).
MEDIA = {
    MediumType.NVME: ("Samsung PM981a", "Effacement cryptographique (nvme format --ses=2)",
                      "nvme-cli", "2.8"),
    MediumType.SSD: ("SK hynix SC311", "ATA Sanitize Block Erase", "hdparm", "9.65"),
    MediumType.HDD: ("Seagate ST500LM021", "ATA Secure Erase (mode renforcé)", "hdparm", "9.65"),
    MediumType.EMMC: ("eMMC intégrée", "Effacement cryptographique (réinitialisation d'usine)",
                      "Réinitialisation d'usine", ""),
    MediumType.FLASH: ("Mémoire flash intégrée",
                       "Effacement cryptographique (réinitialisation d'usine)",
                       "Réinitialisation d'usine", ""),
}  # fmt: skip
PURGE_VERIFICATION = "Lecture d'un échantillon de 10 % des blocs : aucune donnée lisible"
DESTRUCTION = ("Perçage puis broyage du support", "Broyeur de supports", "Contrôle visuel")
# Rough weights, in kilograms, for the waste register.
WEIGHTS_KG = {
    DeviceCategory.LAPTOP: Decimal("2.1"),
    DeviceCategory.DESKTOP: Decimal("6.5"),
    DeviceCategory.MONITOR: Decimal("4.8"),
    DeviceCategory.TABLET: Decimal("0.5"),
    DeviceCategory.SMARTPHONE: Decimal("0.2"),
}
# A fictitious eco-organism: the name is invented and the SIREN only passes the Luhn check.
ECO_ORGANISM = {
    "taker_kind": TakerKind.ECO_ORGANISM,
    "taker_name": "Éco-DEEE Île-de-France (fictif)",
    "taker_siren": "732829320",
    "destination_name": "Centre de tri DEEE de Bonneuil (fictif)",
    "destination_address": "5 rue de l'Exemple, 94380 Bonneuil-sur-Marne",
    "waste_code": WasteCode.EQUIPMENT_HAZARDOUS,
    "treatment_code": TreatmentCode.R12,
}
LETTERS_DIGITS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@dataclass
class _Partner:
    organisation: Organisation
    agent: object
    admin: object
    site: Site

    @property
    def location(self) -> str:
        return f"{self.site.name}, {self.site.city}"


def _partner(slug: str) -> _Partner:
    organisation = Organisation.objects.get(slug=slug)
    return _Partner(
        organisation=organisation,
        agent=organisation.memberships.get(user__username=f"{slug}-agent").user,
        admin=organisation.memberships.get(user__username=f"{slug}-admin").user,
        site=organisation.sites.get(),
    )


def _full_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _day(collected_on: datetime.date, days_after: int) -> datetime.date:
    """A step ``days_after`` the collection, yesterday at the latest."""
    return min(collected_on + datetime.timedelta(days=days_after), _yesterday())


def _yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _checklist(category: str, *, fault: str | None = None, note: str = "", dead: bool = False):
    """The category's checks, all working but ``fault``; nothing is tested on a dead device."""
    items = []
    for check in checklist_for(category):
        if check == fault:
            items.append({"check": check, "result": CheckResult.FAULT, "note": note})
        elif dead:
            items.append({"check": check, "result": CheckResult.NA, "note": ""})
        else:
            items.append({"check": check, "result": CheckResult.OK, "note": ""})
    return items


class _Workshop:
    """One partner's bench: it tests, repairs, erases, grades and ships its devices."""

    def __init__(self, partner: _Partner, rng: random.Random, report: SeedReport) -> None:
        self.partner = partner
        self.rng = rng
        self.report = report
        self.organisation = partner.organisation
        self.user = partner.agent

    def diagnose(self, device: Device, day: datetime.date, result: str) -> None:
        battery = self.rng.randint(64, 96) if device.category in BATTERY_CATEGORIES else None
        storage = self.rng.randint(88, 100) if device.data_bearing else None
        if result == DiagnosisResult.WORKS:
            items, notes = _checklist(device.category), "Tous les tests sont passés."
        elif result == DiagnosisResult.NEEDS_REPAIR:
            check, _part, fault = REPAIRS[device.category]
            items, notes = _checklist(device.category, fault=check, note=fault), fault
            if check == "battery":
                battery = self.rng.randint(30, 45)
        else:
            note = "Ne s'allume pas : carte mère hors service."
            items = _checklist(device.category, fault="power", note=note, dead=True)
            notes, battery, storage = note, None, None
        diagnosis_record(
            device=device,
            organisation=self.organisation,
            user=self.user,
            items=items,
            result=result,
            battery_health=battery,
            storage_health=storage,
            notes=notes,
            diagnosed_on=day,
        )
        self.report.count("diagnoses")

    def repair(self, device: Device, day: datetime.date) -> None:
        _check, part, fault = REPAIRS[device.category]
        repair_record(
            device=device,
            organisation=self.organisation,
            user=self.user,
            parts=[part],
            notes=f"{fault} : pièce remplacée, test de fonctionnement concluant.",
            cost=REPAIR_COSTS[device.category],
            repaired_on=day,
        )
        self.report.count("repairs")

    def medium(self, device: Device) -> StorageMedium:
        kind = device.storage_type if device.storage_type in MediumType.values else "ssd"
        serial = "".join(self.rng.choice(LETTERS_DIGITS) for _ in range(12))
        medium = medium_add(
            partner=self.organisation,
            user=self.user,
            device=device,
            type=kind,
            model=MEDIA[kind][0],
            serial=serial,
            capacity_gb=device.storage_gb,
        )
        self.report.count("media")
        return medium

    def erase(
        self, device: Device, day: datetime.date, *, destroy: bool = False, failed: bool = False
    ) -> None:
        """Record a medium of ``device`` and its purge (or destruction), if it bears data."""
        if not device.data_bearing:
            return
        device.refresh_from_db()
        medium = self.medium(device)
        if destroy:
            method, tool, verification = DESTRUCTION
            level, version, destination = SanitisationLevel.DESTROY, "", "Recyclage (DEEE)"
        else:
            _model, method, tool, version = MEDIA[medium.type]
            level, verification, destination = SanitisationLevel.PURGE, PURGE_VERIFICATION, ""
            if medium.type in (MediumType.EMMC, MediumType.FLASH):
                version = device.operating_system
        started = _at(day, 9 + self.rng.randint(0, 6), self.rng.choice((0, 15, 30, 45)))
        erasure_record_create(
            partner=self.organisation,
            user=self.user,
            medium=medium,
            level=level,
            method=method,
            tool=tool,
            tool_version=version,
            verification_method=verification,
            result=ErasureResult.FAILED if failed else ErasureResult.PASSED,
            operator_name=_full_name(self.partner.agent),
            operator_title=OPERATOR_TITLE,
            verifier_name=_full_name(self.partner.admin),
            verifier_title=VERIFIER_TITLE,
            started_at=started,
            finished_at=started + datetime.timedelta(minutes=self.rng.randint(8, 95)),
            location=self.partner.location,
            destination=destination or "Réemploi",
            notes="Erreur d'écriture à 62 % : à relancer." if failed else "",
        )
        self.report.count("erasures")

    def grade(self, device: Device, day: datetime.date, grade: str) -> None:
        battery = self.rng.randint(72, 96) if device.category in BATTERY_CATEGORIES else None
        grading_record(
            device=device,
            organisation=self.organisation,
            user=self.user,
            grade=grade,
            battery_health=battery,
            notes=GRADE_NOTES[Grade(grade)],
            graded_on=day,
        )
        self.report.count("gradings")

    def make_ready(self, device: Device, collected_on: datetime.date, grade: str) -> None:
        self.diagnose(device, _day(collected_on, 2), DiagnosisResult.WORKS)
        self.erase(device, _day(collected_on, 3))
        self.grade(device, _day(collected_on, 4), grade)
        device_certify_ready(device=device, partner=self.organisation, user=self.user)
        self.report.count("ready")

    def refurbish(self, device: Device, collected_on: datetime.date, stage: str) -> None:
        if stage in (REPAIRED, NEEDS_REPAIR):
            self.diagnose(device, _day(collected_on, 2), DiagnosisResult.NEEDS_REPAIR)
        else:
            self.diagnose(device, _day(collected_on, 2), DiagnosisResult.WORKS)
        if stage == REPAIRED:
            self.repair(device, _day(collected_on, 5))
        if stage in (REPAIRED, ERASED, ERASURE_FAILED):
            self.erase(device, _day(collected_on, 6), failed=stage == ERASURE_FAILED)

    def discard(self, device: Device, collected_on: datetime.date) -> None:
        self.diagnose(device, _day(collected_on, 1), DiagnosisResult.NOT_REPAIRABLE)
        self.erase(device, _day(collected_on, 3), destroy=True)

    def ship(self, devices: list[Device], shipped_on: datetime.date) -> None:
        tracking = "".join(self.rng.choice(LETTERS_DIGITS) for _ in range(8))
        waste_record_create(
            partner=self.organisation,
            user=self.user,
            devices=devices,
            shipped_on=shipped_on,
            weight_kg=sum((WEIGHTS_KG[device.category] for device in devices), Decimal(0)),
            # The partner drives its own van to the facility.
            transporter_name=self.organisation.name,
            transporter_siren=self.organisation.siret[:9],
            tracking_slip=f"BSD-{shipped_on:%Y%m%d}-{tracking}",
            notes="Données fictives de démonstration.",
            **ECO_ORGANISM,
        )
        self.report.count("waste_records")
        self.report.count("recycled", len(devices))


def _claimable(commune: Organisation) -> list[Device]:
    return list(
        Device.objects.filter(
            commune=commune, state=DeviceState.DECLARED, category__in=REUSABLE_CATEGORIES
        ).order_by("pk")
    )


def _collect(
    partner: _Partner, devices: list[Device], collected_on: datetime.date, report: SeedReport
) -> Collection:
    commune = devices[0].commune
    commune_agent = commune.memberships.get(user__username=f"{commune.slug}-agent").user
    collection = collection_record(
        partner=partner.organisation,
        user=partner.agent,
        devices=devices,
        collected_on=collected_on,
        site=commune.sites.get(name="Hôtel de ville"),
        commune_signatory=_full_name(commune_agent),
        commune_signatory_title=COMMUNE_SIGNATORY_TITLE,
        partner_signatory=_full_name(partner.agent),
        partner_signatory_title=PARTNER_SIGNATORY_TITLE,
    )
    report.count("collections")
    report.count("collected", len(devices))
    return collection


def _take_first(devices: list[Device], *, bearing_data: bool = False) -> Device:
    """Remove and return the first of ``devices`` (the first bearing data, when asked)."""
    for index, device in enumerate(devices):
        if device.data_bearing or not bearing_data:
            return devices.pop(index)
    return devices.pop(0)


def _work(
    partner: _Partner,
    collected: list[tuple[Device, datetime.date]],
    rng: random.Random,
    report: SeedReport,
) -> None:
    """Everything ``partner`` did with what it collected, oldest collections first."""
    spec = WORKSHOPS[partner.organisation.slug]
    workshop = _Workshop(partner, rng, report)
    collected_on = {device.pk: day for device, day in collected}
    waiting = [device for device, _day in collected]

    # The oldest devices are the ones found beyond repair.
    discarded = sorted(waiting, key=lambda device: (device.purchase_date, device.pk))
    discarded = discarded[: spec.recycled]
    for device in discarded:
        waiting.remove(device)
        workshop.discard(device, collected_on[device.pk])
    if discarded:
        last = max(collected_on[device.pk] for device in discarded)
        workshop.ship([Device.objects.get(pk=device.pk) for device in discarded], _day(last, 8))

    # As many of each grade as can be, in a random order.
    grades = [list(Grade)[index % len(Grade)] for index in range(spec.ready)]
    rng.shuffle(grades)
    for grade in grades:
        device = _take_first(waiting)
        workshop.make_ready(device, collected_on[device.pk], grade)

    for stage in spec.in_refurbishment:
        device = _take_first(waiting, bearing_data=stage in NEEDS_MEDIUM)
        workshop.refurbish(device, collected_on[device.pk], stage)
    # The rest, from the latest collections, wait for their test.


def seed_refurbishment(report: SeedReport) -> SeedReport:
    """Add the partners' activity to the demo territory, or find it already there.

    The counts of what was created go into ``report`` (claims, collections, diagnoses,
    erasures, gradings, ready and recycled devices...). The demo's addresses are fictitious
    (``.example``): the claims' notifications are not sent.
    """
    started = DeviceEvent.objects.filter(kind__in=(EventKind.CLAIMED, EventKind.COLLECTED))
    if Collection.objects.exists() or started.exists():
        return report
    rng = random.Random(f"{SEED}:refurbishment")
    today = timezone.localdate()
    partners: dict[str, _Partner] = {}
    collected: dict[str, list[tuple[Device, datetime.date]]] = {}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for spec in CLAIMS:
            if spec.partner not in partners:
                partners[spec.partner] = _partner(spec.partner)
            partner = partners[spec.partner]
            commune = Organisation.objects.get(insee_code=spec.commune_insee)
            candidates = _claimable(commune)
            chosen = rng.sample(candidates, k=min(spec.claimed, len(candidates)))
            if not chosen:
                continue
            claimed = devices_claim(
                partner=partner.organisation, user=partner.agent, devices=chosen
            )
            report.count("claimed", len(claimed))
            by_pk = {device.pk: device for device in claimed}
            chosen = [by_pk[device.pk] for device in chosen if device.pk in by_pk]
            to_collect = chosen[: spec.collected]
            to_release = chosen[spec.collected : spec.collected + spec.released]
            for device in to_release:
                device_release(
                    device=device,
                    partner=partner.organisation,
                    user=partner.agent,
                    note=rng.choice(RELEASE_NOTES),
                )
                report.count("released")
            if to_collect:
                collected_on = today - datetime.timedelta(days=spec.collected_days_ago or 0)
                _collect(partner, to_collect, collected_on, report)
                collected.setdefault(spec.partner, []).extend(
                    (Device.objects.get(pk=device.pk), collected_on) for device in to_collect
                )
        for slug, devices in collected.items():
            _work(partners[slug], devices, rng, report)
    return report
