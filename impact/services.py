"""Writes of the impact app: a new version of the factors and targets, a buyer's declared IT
spend, and an impact report kept with the version of the factors it used."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import PermissionDenied, refuse_field_errors
from common.limits import clean_text
from documents.choices import DocumentKind
from documents.services import document_request
from impact import documents as impact_documents
from impact import permissions, selectors
from impact.models import (
    CategoryFactor,
    DeclaredSpend,
    FactorVersion,
    ImpactReport,
    RegulatoryTarget,
)
from organisations.models import Organisation
from organisations.permissions import require_member

# The largest footprint or weight a category may be given (kg): far above any device's.
MAX_KG = Decimal("100000")
MAX_AMOUNT = Decimal("999999999999")


def _require_publisher(user: AbstractBaseUser, organisation: Organisation) -> None:
    require_member(user, organisation)
    if not permissions.may_publish_factors(user, organisation):
        raise PermissionDenied(
            _("Only an administrator of the territory publishes the impact factors."),
            code="not_a_territory_admin",
        )


def factor_version_publish(
    *,
    user: AbstractBaseUser,
    organisation: Organisation,
    displacement_rate: Decimal,
    displacement_source: str,
    source: str,
    note: str = "",
    factors: Mapping[str, Mapping[str, Decimal]],
    targets: Mapping[tuple[str, int], Decimal],
) -> FactorVersion:
    """Publish the next version of the factors and targets: ``factors`` by category
    (``footprint_low_kgco2e``, ``footprint_high_kgco2e``, ``weight_kg``; each category keeps
    its sources of the current version unless ``footprint_source`` or ``weight_source`` is
    given) and ``targets`` by (rule, year from) in percent, for those of the current version.
    The current version and every report made with it stay as they are."""
    _require_publisher(user, organisation)
    errors: dict[str, list[str]] = {}
    displacement_source = clean_text(
        FactorVersion, "displacement_source", displacement_source, errors, required=True
    )
    source = clean_text(FactorVersion, "source", source, errors, required=True)
    note = clean_text(FactorVersion, "note", note, errors)
    if not Decimal("0") <= displacement_rate <= Decimal("1"):
        errors["displacement_rate"] = [_("A rate between 0 and 1.")]
    with transaction.atomic(durable=True):
        current = selectors.factor_version_current()
        old_factors = {factor.category: factor for factor in current.factors.all()}
        new_factors = []
        for category, old in old_factors.items():
            given = factors.get(category, {})
            low = given.get("footprint_low_kgco2e", old.footprint_low_kgco2e)
            high = given.get("footprint_high_kgco2e", old.footprint_high_kgco2e)
            weight = given.get("weight_kg", old.weight_kg)
            if not (Decimal("0") <= low <= high <= MAX_KG and Decimal("0") <= weight <= MAX_KG):
                errors[f"{category}"] = [
                    _("Give positive values, the low footprint at most the high one.")
                ]
            new_factors.append(
                CategoryFactor(
                    category=category,
                    footprint_low_kgco2e=low,
                    footprint_high_kgco2e=high,
                    weight_kg=weight,
                    footprint_source=given.get("footprint_source", old.footprint_source),
                    weight_source=given.get("weight_source", old.weight_source),
                )
            )
        unknown = set(factors) - set(old_factors)
        if unknown:
            errors["factors"] = [_("Unknown categories: %(list)s.") % {"list": sorted(unknown)}]
        new_targets = []
        for old in current.targets.all():
            value = targets.get((old.rule, old.year_from), old.value_percent)
            if not Decimal("0") <= value <= Decimal("100"):
                errors[f"{old.rule}_{old.year_from}"] = [_("A percentage between 0 and 100.")]
            new_targets.append(
                RegulatoryTarget(
                    rule=old.rule, year_from=old.year_from, value_percent=value, text=old.text
                )
            )
        refuse_field_errors(errors)
        number = (FactorVersion.objects.aggregate(last=Max("number"))["last"] or 0) + 1
        version = FactorVersion.objects.create(
            number=number,
            published_by=user,
            publisher=organisation,
            displacement_rate=displacement_rate,
            displacement_source=displacement_source,
            source=source,
            note=note,
        )
        for item in (*new_factors, *new_targets):
            item.version = version
        CategoryFactor.objects.bulk_create(new_factors)
        RegulatoryTarget.objects.bulk_create(new_targets)
    return version


def declared_spend_record(
    *,
    user: AbstractBaseUser,
    buyer: Organisation,
    year: int,
    total_excl_vat: Decimal,
    recycled_content_excl_vat: Decimal,
) -> DeclaredSpend:
    """Record (or correct) what ``buyer`` declares of its IT spend in scope for ``year``,
    excl. VAT: the denominator of its AGEC purchase share."""
    require_member(user, buyer)
    if not permissions.may_declare_spend(user, buyer):
        raise PermissionDenied(
            _("Only an administrator of a commune or a buyer declares its IT spend."),
            code="not_a_buyer_admin",
        )
    errors: dict[str, list[str]] = {}
    this_year = timezone.localdate().year
    if not 2020 <= year <= this_year:
        errors["year"] = [_("A year from 2020 to this one.")]
    if not Decimal("0") <= total_excl_vat <= MAX_AMOUNT:
        errors["total_excl_vat"] = [_("A positive amount.")]
    if not Decimal("0") <= recycled_content_excl_vat <= MAX_AMOUNT:
        errors["recycled_content_excl_vat"] = [_("A positive amount.")]
    elif recycled_content_excl_vat > total_excl_vat:
        errors["recycled_content_excl_vat"] = [_("At most the total spend in scope.")]
    refuse_field_errors(errors)
    with transaction.atomic(durable=True):
        spend, _created = DeclaredSpend.objects.select_for_update().update_or_create(
            buyer=buyer,
            year=year,
            defaults={
                "total_excl_vat": total_excl_vat.quantize(Decimal("0.01")),
                "recycled_content_excl_vat": recycled_content_excl_vat.quantize(Decimal("0.01")),
                "declared_by": user,
                "declared_at": timezone.now(),
            },
        )
    return spend


def impact_report_record(
    *,
    user: AbstractBaseUser,
    viewer: Organisation,
    organisation: Organisation,
    start: datetime.date,
    end: datetime.date,
) -> ImpactReport:
    """Compute ``organisation``'s indicators over the period with the factors in force, and
    keep them with that version: what the report says never changes afterwards."""
    require_member(user, viewer)
    if not permissions.may_view_indicators(viewer, scope_organisation=organisation):
        raise PermissionDenied(
            _("Only the organisation itself and the territory read its indicators."),
            code="not_visible",
        )
    if end < start:
        refuse_field_errors({"end": [_("The end comes after the start.")]})
    version = selectors.factor_version_current()
    figures = selectors.indicators(
        organisation=organisation, period=selectors.Period(start, end), version=version
    )
    return ImpactReport.objects.create(
        scope=selectors.scope_kind(organisation),
        organisation=organisation,
        period_start=start,
        period_end=end,
        factor_version=version,
        figures=figures,
        created_by=user,
    )


def impact_report_issue(
    *,
    user: AbstractBaseUser,
    viewer: Organisation,
    organisation: Organisation,
    start: datetime.date,
    end: datetime.date,
) -> ImpactReport:
    """Record ``organisation``'s indicators over the period (:func:`impact_report_record`)
    and request their PDF (``RI-…``), rendered in the background; the report and its document
    keep the version of the factors in force."""
    with transaction.atomic():
        report = impact_report_record(
            user=user, viewer=viewer, organisation=organisation, start=start, end=end
        )
        context = impact_documents.report_context(report)
        report.document = document_request(
            kind=DocumentKind.IMPACT_REPORT,
            owner=organisation,
            title=impact_documents.impact_report_title(context),
            template=impact_documents.TEMPLATE,
            context=context,
            created_by=user,
            idempotency_key=f"impact-report-{report.pk}",
        )
        report.save(update_fields=["document"])
    return report
