"""The indicators of a scope and a period, the REEN reuse rate and the AGEC purchase share,
each computed by aggregation in the database: a few queries whatever the number of devices.

What a scope covers:

- the **territory**: every device;
- a **commune**: the devices it declared, whatever became of them;
- a **partner**: what it did (its claims, collections, certifications, recyclings) and the
  deliveries of its devices;
- a **buyer**: what it received.

How the devices are counted: a device counts at a step on its **first event of that kind**
(in time), in the month of that event; a claim again after a release, a delivery again after a
return under warranty count for nothing. So the devices of a step over a period are those that
first reached it during the period, each once whatever the number of months, and the months
add up to the period. A device's reuse (and so its avoided e-waste and emissions) is counted
once, on its first ``delivered`` event: sold through a group order (its admission) or given
(the receipt of its donation, ``procurement.Donation``, whose event names the donation); the
steps tell the two apart: ``delivered`` and ``donated`` (:class:`impact.choices.Step`). In the
territory's table by commune it belongs to the commune that declared it. A partner's reuse is
that of the devices it collected (their claimant, which holds them until it delivers or gives
them). The days from declaration to reuse are counted to the nearest whole day, so a median
is a whole number of days or half of one.

Where they are read: the step counts the inventory keeps with the events
(``inventory.DeviceStepCount``, by month) for a period of whole months, which every report
and dashboard asks for; the events themselves, counted alike, for any other period.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from impact.choices import ScopeKind, Step, TargetRule
from impact.models import DeclaredSpend, FactorVersion, RegulatoryTarget
from inventory import choices as inventory_choices
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceCount, DeviceEvent, DeviceStepCount
from inventory.step_counts import counted_events
from organisations.choices import OrganisationKind
from organisations.models import Organisation
from procurement.choices import InvoiceState
from procurement.models import Invoice
from procurement.selectors import donation_flat_totals

# The steps of the loop the indicators count, in the loop's order.
FLOW_KINDS = inventory_choices.FLOW_KINDS
# The steps the indicators show: the events above, a donation's receipt apart.
FLOW_STEPS = tuple(Step)
# The events that send a device to reuse, with the beneficiary's commitment recorded: its
# admission of the delivery, or its receipt of the donation (whose agreement holds its
# commitment not to resell).
REUSE_KINDS = (EventKind.DELIVERED,)
# The steps of reuse: a device sold or given.
REUSE_STEPS = inventory_choices.REUSE_STEPS
# The events after which a device has left a commune's retired stock.
GONE_KINDS = (EventKind.DELIVERED, EventKind.RECYCLED, EventKind.WITHDRAWN)
# The displacement rates the sensitivity shows besides the version's own.
SENSITIVITY_RATES = (Decimal("0.3"), Decimal("0.7"))
# Devices over this many years old go to recycling: out of the REEN rate.
REEN_MAX_AGE_YEARS = 10

SCOPE_OF_KIND = {
    OrganisationKind.TERRITORY: ScopeKind.TERRITORY,
    OrganisationKind.COMMUNE: ScopeKind.COMMUNE,
    OrganisationKind.PARTNER: ScopeKind.PARTNER,
    OrganisationKind.BUYER: ScopeKind.BUYER,
}

ONE_DECIMAL = Decimal("0.1")
# How old the REEN rates a dashboard shows may be (:func:`reen_rates_recent`).
REEN_DASHBOARD_SECONDS = 5 * 60
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included, in the site's time zone."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @property
    def first_moment(self) -> datetime.datetime:
        return _midnight(self.start)

    @property
    def after_last_moment(self) -> datetime.datetime:
        return _midnight(self.end + datetime.timedelta(days=1))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def scope_kind(organisation: Organisation) -> str:
    return SCOPE_OF_KIND[organisation.kind]


def _scope_steps(organisation: Organisation) -> Q:
    """The steps a scope counts (see the module), as the step counts and the counted events
    both name them."""
    kind = scope_kind(organisation)
    if kind == ScopeKind.TERRITORY:
        return Q()
    if kind == ScopeKind.COMMUNE:
        return Q(commune=organisation.pk)
    if kind == ScopeKind.PARTNER:
        return Q(organisation=organisation.pk) | Q(partner=organisation.pk)
    return Q(step__in=REUSE_STEPS, organisation=organisation.pk)


def _scope_counts(organisation: Organisation) -> Q:
    """The current device counts of a scope, as ``_scope_steps`` covers its devices."""
    kind = scope_kind(organisation)
    if kind == ScopeKind.TERRITORY:
        return Q()
    if kind == ScopeKind.COMMUNE:
        return Q(commune=organisation)
    if kind == ScopeKind.PARTNER:
        return Q(holder=organisation) | Q(claimed_by=organisation, state=DeviceState.CLAIMED)
    return Q(holder=organisation, state=DeviceState.DELIVERED)


@dataclass(frozen=True)
class ScopeSteps:
    """The counted steps of a scope over a period (each with ``month``, ``step``,
    ``category``, ``commune``, ``organisation``, ``partner`` and ``days_to_reuse``), how
    they add up to devices, and where the declaring commune's name and slug are read."""

    rows: QuerySet
    devices: Any
    commune_name: str
    commune_slug: str


def whole_months(period: Period) -> bool:
    """Whether ``period`` runs from the first day of a month to the last day of one."""
    return period.start.day == 1 and (period.end + datetime.timedelta(days=1)).day == 1


def scope_steps(organisation: Organisation, period: Period) -> ScopeSteps:
    """The steps ``organisation``'s scope counts over ``period``: from the step counts for
    whole months, else from the events, counted alike (see the module)."""
    scope = _scope_steps(organisation)
    if whole_months(period):
        return ScopeSteps(
            rows=DeviceStepCount.objects.filter(
                scope, month__gte=period.start, month__lte=period.end
            ),
            devices=Coalesce(Sum("count"), 0),
            commune_name="commune__name",
            commune_slug="commune__slug",
        )
    events = DeviceEvent.objects.filter(
        created_at__gte=period.first_moment, created_at__lt=period.after_last_moment
    )
    return ScopeSteps(
        rows=counted_events(events).filter(scope),
        devices=Count("pk"),
        commune_name="device__commune__name",
        commune_slug="device__commune__slug",
    )


def factor_version_current() -> FactorVersion:
    version = FactorVersion.objects.current()
    if version is None:  # impact.0002 loads the first one: never without one
        raise LookupError("No version of the impact factors: run the migrations.")
    return version


def _decimal(value: Decimal, quantum: Decimal = ONE_DECIMAL) -> str:
    return str(value.quantize(quantum, rounding=ROUND_HALF_UP))


def _median_days(steps: ScopeSteps) -> Decimal | None:
    """The median of the whole days from declaration to reuse: the middle value(s) of the
    reused devices' days, read from their number at each day (one query)."""
    histogram = list(
        steps.rows.filter(step__in=REUSE_STEPS)
        .values("days_to_reuse")
        .annotate(devices=steps.devices)
        .order_by("days_to_reuse")
        .values_list("days_to_reuse", "devices")
    )
    count = sum(devices for _days, devices in histogram)
    if not count:
        return None
    middle = {(count - 1) // 2, count // 2}
    values, seen = [], 0
    for days, devices in histogram:
        values += [days for position in middle if seen <= position < seen + devices]
        seen += devices
    return Decimal(sum(values)) / len(values)


def avoided(
    reused_by_category: dict[str, int], version: FactorVersion, factors: dict | None = None
) -> dict[str, Any]:
    """E-waste (kg) and CO2e (kg, low–high) avoided by the reused devices of each category,
    at the version's displacement rate and at the sensitivity's; the factors of ``version``
    (``factors``, by category, when already read)."""
    if factors is None:
        factors = {factor.category: factor for factor in version.factors.all()}
    weight = low = high = Decimal("0")
    without_factor = 0
    for category, count in reused_by_category.items():
        factor = factors.get(category)
        if factor is None:
            without_factor += count
            continue
        weight += count * factor.weight_kg
        low += count * factor.footprint_low_kgco2e
        high += count * factor.footprint_high_kgco2e
    rate = version.displacement_rate
    return {
        "ewaste_kg": _decimal(weight),
        "co2e_low_kg": _decimal(low * rate),
        "co2e_high_kg": _decimal(high * rate),
        "displacement_rate": str(rate),
        "sensitivity": [
            {
                "displacement_rate": str(other),
                "co2e_low_kg": _decimal(low * other),
                "co2e_high_kg": _decimal(high * other),
            }
            for other in SENSITIVITY_RATES
        ],
        "devices_without_factor": without_factor,
    }


def indicators(
    *, organisation: Organisation, period: Period, version: FactorVersion
) -> dict[str, Any]:
    """The indicators of ``organisation``'s scope over ``period``, as plain data (what a
    report keeps): the devices at each step by category and by month (a device counted at a
    step once, in the month of its first event of that kind: see the module), the median
    days from declaration to reuse, the e-waste and CO2e avoided, the devices in each state
    now, and for the territory the same reuse by commune. Four queries, five for the
    territory (the median's skipped when nothing was reused), whatever the number of devices."""
    steps = scope_steps(organisation, period)
    by_category: dict[str, dict[str, int]] = {step.value: {} for step in FLOW_STEPS}
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in steps.rows.values("month", "step", "category").annotate(devices=steps.devices):
        if not row["devices"]:
            continue
        counts = by_category[row["step"]]
        counts[row["category"]] = counts.get(row["category"], 0) + row["devices"]
        by_month[row["month"].strftime("%Y-%m")][row["step"]] += row["devices"]
    totals = {step: sum(counts.values()) for step, counts in by_category.items()}

    reused_by_category: dict[str, int] = defaultdict(int)
    for step in REUSE_STEPS:
        for category, count in by_category[step].items():
            reused_by_category[category] += count
    reused = sum(reused_by_category.values())
    median = _median_days(steps) if reused else None
    factors = {factor.category: factor for factor in version.factors.all()}

    states: dict[str, int] = {}
    for row in (
        DeviceCount.objects.filter(_scope_counts(organisation))
        .values("state")
        .annotate(devices=Coalesce(Sum("count"), 0))
    ):
        states[row["state"]] = row["devices"]

    figures: dict[str, Any] = {
        "scope": scope_kind(organisation),
        "organisation": {"pk": organisation.pk, "name": organisation.name},
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "factor_version": version.number,
        "totals": totals,
        "by_category": by_category,
        "by_month": {month: dict(counts) for month, counts in sorted(by_month.items())},
        "reused": reused,
        "median_days_to_reuse": _decimal(median) if median is not None else None,
        "avoided": avoided(dict(reused_by_category), version, factors),
        "states_now": states,
    }
    if scope_kind(organisation) == ScopeKind.TERRITORY:
        figures["by_commune"] = _reuse_by_commune(steps, version, factors)
    return figures


def _reuse_by_commune(
    steps: ScopeSteps, version: FactorVersion, factors: dict
) -> list[dict[str, Any]]:
    """Each commune's reused devices and what they avoided: a device under the commune that
    declared it, so the communes add up to the territory."""
    rows: dict[int, dict[str, Any]] = {}
    for row in (
        steps.rows.filter(step__in=REUSE_STEPS)
        .values("commune", steps.commune_name, steps.commune_slug, "category")
        .annotate(devices=steps.devices)
    ):
        if not row["devices"]:
            continue
        commune = rows.setdefault(
            row["commune"],
            {
                "pk": row["commune"],
                "name": row[steps.commune_name],
                "slug": row[steps.commune_slug],
                "counts": {},
            },
        )
        counts = commune["counts"]
        counts[row["category"]] = counts.get(row["category"], 0) + row["devices"]
    table = []
    for commune in sorted(rows.values(), key=lambda commune: commune["name"]):
        table.append(
            {
                "pk": commune["pk"],
                "name": commune["name"],
                "slug": commune["slug"],
                "reused": sum(commune["counts"].values()),
                "avoided": avoided(commune["counts"], version, factors),
            }
        )
    return table


def target_for(version: FactorVersion, rule: str, year: int) -> RegulatoryTarget | None:
    """The target of ``rule`` in force in ``year``: the last one set from that year or
    before, in ``version``."""
    return version.targets.filter(rule=rule, year_from__lte=year).order_by("-year_from").first()


def _percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def reen_rates(
    *, year: int, version: FactorVersion, communes: QuerySet[Organisation] | None = None
) -> list[dict[str, Any]]:
    """Each commune's reuse rate of year ``year`` (décret 2023-266): A ÷ B × 100; all the
    communes by default, by name. Two queries, whatever the number of communes.

    A: its devices sent to reuse during the year with the beneficiary's commitment recorded
    (delivered, the admission of the delivery being that proof). B, approximated: its devices
    retired (declared) before the year's end and not yet gone (delivered, recycled or
    withdrawn) on 1 January; those withdrawn during the year went back into use, so they are
    out too. Boucle knows a commune's retired stock only once declared, so B adds to the
    stock of 1 January the devices declared during the year: A is always part of B. Both
    leave out the devices over ten years old on 1 January (by their purchase date; a device
    without one is kept) and those the commune marks as holding sensitive data. No retired
    device: the rate is "sans objet" (``None``).
    """
    if communes is None:
        communes = Organisation.objects.communes()
    period = Period.year(year)
    in_year = Q(created_at__gte=period.first_moment, created_at__lt=period.after_last_moment)
    device_events = DeviceEvent.objects.filter(device=OuterRef("pk"))
    devices = (
        Device.objects.filter(commune__in=communes, created_at__lt=period.after_last_moment)
        .exclude(
            Exists(device_events.filter(kind__in=GONE_KINDS, created_at__lt=period.first_moment))
        )
        .exclude(Exists(device_events.filter(in_year, kind=EventKind.WITHDRAWN)))
    )
    # The devices reused during the year, as one set the count looks each device up in (a
    # hashed subquery): as an EXISTS per device, it was an index probe for each of a million.
    reused = Q(pk__in=DeviceEvent.objects.filter(in_year, kind__in=REUSE_KINDS).values("device"))
    too_old = Q(purchase_date__lt=datetime.date(year - REEN_MAX_AGE_YEARS, 1, 1))
    sensitive = Q(holds_sensitive_data=True)
    kept = ~too_old & ~sensitive
    counts = {
        row["commune"]: row
        for row in devices.values("commune")
        .order_by("commune")
        .annotate(
            retired=Count("pk", filter=kept),
            reused=Count("pk", filter=kept & reused),
            excluded_too_old=Count("pk", filter=too_old),
            excluded_sensitive=Count("pk", filter=sensitive & ~too_old),
        )
    }
    target = target_for(version, TargetRule.REEN_REUSE_RATE, year)
    empty = {"retired": 0, "reused": 0, "excluded_too_old": 0, "excluded_sensitive": 0}
    rates = []
    for commune in communes.order_by("name", "pk"):
        row = counts.get(commune.pk, empty)
        rate = _percent(row["reused"], row["retired"])
        rates.append(
            {
                "commune": {"pk": commune.pk, "name": commune.name},
                "year": year,
                **{key: row[key] for key in empty},
                "rate_percent": str(rate) if rate is not None else None,
                "target_percent": str(target.value_percent) if target else None,
                "target_text": target.text if target else "",
                "reached": (
                    None if rate is None or target is None else rate >= target.value_percent
                ),
            }
        )
    return rates


@dataclass(frozen=True)
class RecentReenRates:
    """REEN rates (:func:`reen_rates`) and when they were computed."""

    rates: list[dict[str, Any]]
    computed_at: datetime.datetime


def reen_rates_recent(
    *, year: int, version: FactorVersion, communes: QuerySet[Organisation] | None = None
) -> RecentReenRates:
    """The REEN rates as the dashboards show them: computed at most
    :data:`REEN_DASHBOARD_SECONDS` ago, kept in the cache per year, factor version and
    communes. Computing them reads every device of the communes (about a second for a
    territory of a million devices), too long for a page asked for again and again; the
    impact report computes its own when it is recorded."""
    scope = "all" if communes is None else ",".join(map(str, sorted(c.pk for c in communes)))
    key = f"impact:reen-rates:{year}:{version.pk}:{scope}"
    recent = cache.get(key)
    if recent is None:
        recent = RecentReenRates(
            rates=reen_rates(year=year, version=version, communes=communes),
            computed_at=timezone.now(),
        )
        cache.set(key, recent, REEN_DASHBOARD_SECONDS)
    return recent


def reen_rate(*, commune: Organisation, year: int, version: FactorVersion) -> dict[str, Any]:
    """One commune's REEN rate (see :func:`reen_rates`)."""
    communes = Organisation.objects.filter(pk=commune.pk)
    return reen_rates(year=year, version=version, communes=communes)[0]


def reuse_spend_excl_vat(*, buyer: Organisation, year: int) -> Decimal:
    """What ``buyer`` spent on refurbished devices in ``year``: its standing invoices (of
    admitted deliveries; those cancelled by a credit note left out), excl. VAT, by their
    issue date."""
    return Invoice.objects.filter(
        buyer=buyer, state=InvoiceState.ISSUED, issued_on__year=year
    ).aggregate(total=Coalesce(Sum("total_excl_vat"), Decimal("0")))["total"]


def agec_share(*, buyer: Organisation, year: int, version: FactorVersion) -> dict[str, Any]:
    """The buyer's AGEC purchase share of ``year`` (décret 2024-134): its spend from reuse,
    the donations it received at their flat values (arrêté du 29 février 2024) and its spend
    with recycled content, over the IT spend in scope it declared, excl. VAT. Without a
    declaration, or with a total of zero, the share is "sans objet" (``None``)."""
    declared = DeclaredSpend.objects.filter(buyer=buyer, year=year).first()
    reuse = reuse_spend_excl_vat(buyer=buyer, year=year)
    donations = donation_flat_totals(year=year, beneficiaries=[buyer]).get(
        (buyer.pk, year), Decimal("0")
    )
    recycled = declared.recycled_content_excl_vat if declared else Decimal("0")
    total = declared.total_excl_vat if declared else None
    share = _percent(reuse + donations + recycled, total) if total else None
    target = target_for(version, TargetRule.AGEC_PURCHASE_SHARE, year)
    return {
        "buyer": {"pk": buyer.pk, "name": buyer.name, "siret": buyer.siret},
        "year": year,
        "declared": declared is not None,
        "total_excl_vat": str(total) if total is not None else None,
        "reuse_excl_vat": str(reuse.quantize(CENT)),
        "donations_flat_value": str(donations.quantize(CENT)),
        "recycled_content_excl_vat": str(recycled.quantize(CENT)),
        "share_percent": str(share) if share is not None else None,
        "target_percent": str(target.value_percent) if target else None,
        "target_text": target.text if target else "",
        "reached": None if share is None or target is None else share >= target.value_percent,
    }


def agec_declaration_rows(*, year: int) -> list[dict[str, Any]]:
    """One line per buyer that declared its spend of ``year``: what the annual declaration
    on data.gouv asks (``data/REFERENCE.md``), amounts excl. VAT, the donations received at
    their flat values. Three queries."""
    spends = list(
        DeclaredSpend.objects.filter(year=year)
        .select_related("buyer")
        .order_by("buyer__name", "buyer__pk")
    )
    reuse = dict(
        Invoice.objects.filter(
            buyer__in=[spend.buyer_id for spend in spends],
            state=InvoiceState.ISSUED,
            issued_on__year=year,
        )
        .values("buyer")
        .annotate(total=Sum("total_excl_vat"))
        .values_list("buyer", "total")
    )
    donations = donation_flat_totals(year=year, beneficiaries=[spend.buyer for spend in spends])
    return [
        {
            "siret": spend.buyer.siret,
            "name": spend.buyer.name,
            "year": year,
            "total_excl_vat": spend.total_excl_vat,
            "reuse_excl_vat": (reuse.get(spend.buyer_id) or Decimal("0")).quantize(CENT),
            "donations_flat_value": donations.get((spend.buyer_id, year), Decimal("0")).quantize(
                CENT
            ),
            "recycled_content_excl_vat": spend.recycled_content_excl_vat,
        }
        for spend in spends
    ]


def agec_shares(*, year: int, version: FactorVersion) -> list[dict[str, Any]]:
    """The purchase share of each buyer that declared its spend of ``year``, by name. Four
    queries."""
    target = target_for(version, TargetRule.AGEC_PURCHASE_SHARE, year)
    shares = []
    for row in agec_declaration_rows(year=year):
        share = _percent(
            row["reuse_excl_vat"] + row["donations_flat_value"] + row["recycled_content_excl_vat"],
            row["total_excl_vat"],
        )
        shares.append(
            {
                **row,
                "share_percent": share,
                "target_percent": target.value_percent if target else None,
                "reached": None
                if share is None or target is None
                else share >= target.value_percent,
            }
        )
    return shares
