"""The impact report as a PDF (``RI-…``): cover, key figures, charts, the table per commune,
the REEN and AGEC tables, and a method page listing every factor used with its source and
version. Its context is captured when asked for, from a recorded :class:`ImpactReport`."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from documents.choices import DocumentKind
from documents.titles import register_title
from impact import charts, selectors
from impact.choices import ScopeKind
from impact.models import ImpactReport
from organisations.models import Organisation

TEMPLATE = "impact/documents/impact_report.html"


def impact_report_title(context: Mapping[str, Any]) -> str:
    return _("Impact report %(organisation)s, %(start)s – %(end)s") % {
        "organisation": context["organisation"]["name"],
        "start": context["period"]["start_text"],
        "end": context["period"]["end_text"],
    }


def register() -> None:
    """Register the title builder (from ``ImpactConfig.ready``)."""
    register_title(DocumentKind.IMPACT_REPORT, impact_report_title)


def report_context(report: ImpactReport) -> dict[str, Any]:
    """What the PDF shows, in the site's language, as JSON values."""
    figures = report.figures
    version = report.factor_version
    organisation = report.organisation
    year = report.period_end.year
    with translation.override(settings.LANGUAGE_CODE):
        context: dict[str, Any] = {
            "organisation": {"name": organisation.name, "scope": figures["scope"]},
            "period": {
                "start": report.period_start.isoformat(),
                "end": report.period_end.isoformat(),
                "start_text": formats.date_format(report.period_start, "SHORT_DATE_FORMAT"),
                "end_text": formats.date_format(report.period_end, "SHORT_DATE_FORMAT"),
            },
            "steps": [
                {"label": str(step.label), "count": figures["totals"][step]}
                for step in selectors.FLOW_STEPS
            ],
            "figures": figures,
            "charts": {
                "by_month": charts.by_month(figures),
                "by_category": charts.by_category(figures),
            },
            "version": {
                "number": version.number,
                "published_at": version.published_at.date().isoformat(),
                "displacement_rate": str(version.displacement_rate),
                "displacement_source": version.displacement_source,
                "source": version.source,
                "factors": [
                    {
                        "category": factor.get_category_display(),
                        "low": str(factor.footprint_low_kgco2e),
                        "high": str(factor.footprint_high_kgco2e),
                        "weight": str(factor.weight_kg),
                        "footprint_source": factor.footprint_source,
                        "weight_source": factor.weight_source,
                    }
                    for factor in version.factors.all()
                ],
                "targets": [
                    {
                        "rule": target.get_rule_display(),
                        "year_from": target.year_from,
                        "value": str(target.value_percent),
                        "text": target.text,
                    }
                    for target in version.targets.all()
                ],
            },
        }
        if figures["scope"] in (ScopeKind.TERRITORY, ScopeKind.COMMUNE):
            communes = (
                None
                if figures["scope"] == ScopeKind.TERRITORY
                else Organisation.objects.filter(pk=organisation.pk)
            )
            context["reen"] = selectors.reen_rates(year=year, version=version, communes=communes)
        if figures["scope"] in (ScopeKind.COMMUNE, ScopeKind.BUYER):
            context["agec"] = [selectors.agec_share(buyer=organisation, year=year, version=version)]
        elif figures["scope"] == ScopeKind.TERRITORY:
            context["agec"] = [
                {
                    "buyer": {"name": row["name"], "siret": row["siret"]},
                    "total_excl_vat": str(row["total_excl_vat"]),
                    "reuse_excl_vat": str(row["reuse_excl_vat"]),
                    "donations_flat_value": str(row["donations_flat_value"]),
                    "share_percent": _text(row["share_percent"]),
                    "target_percent": _text(row["target_percent"]),
                }
                for row in selectors.agec_shares(year=year, version=version)
            ]
    context["year"] = year
    return context


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
