"""The impact pages: the dashboard of an organisation and the territory's, the factors and
their versions, a buyer's declared IT spend, and the AGEC declaration file."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import ApplicationError
from common.pages import add_application_error, error_summary
from impact import charts, permissions, selectors, services
from impact.choices import ScopeKind, Step
from impact.exports import declaration_csv
from impact.forms import DeclaredSpendForm, FactorVersionForm, YearForm
from impact.models import DeclaredSpend, FactorVersion
from inventory.choices import DeviceCategory
from organisations.active import active_organisation
from organisations.models import Organisation


def _acting(request: HttpRequest) -> Organisation:
    organisation = active_organisation(request)
    if organisation is None:
        raise PageForbidden(_("Join an organisation to see its impact."))
    return organisation


def _year(request: HttpRequest) -> tuple[int, YearForm]:
    """The year asked for (this one by default, or when the one asked is not valid)."""
    this_year = timezone.localdate().year
    form = YearForm(request.GET if "year" in request.GET else None, initial={"year": this_year})
    if form.is_bound and form.is_valid():
        return form.cleaned_data["year"], form
    return this_year, form


def _amounts(figures: dict[str, Any]) -> dict[str, Any]:
    """The avoided figures as numbers, for the templates to write in the reader's way."""
    avoided = figures["avoided"]
    return {
        "ewaste_kg": Decimal(avoided["ewaste_kg"]),
        "co2e_low_kg": Decimal(avoided["co2e_low_kg"]),
        "co2e_high_kg": Decimal(avoided["co2e_high_kg"]),
        "displacement_rate": Decimal(avoided["displacement_rate"]),
        "sensitivity": [
            {key: Decimal(value) for key, value in row.items()} for row in avoided["sensitivity"]
        ],
    }


def _percent(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _dashboard(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    year, year_form = _year(request)
    version = selectors.factor_version_current()
    figures = selectors.indicators(
        organisation=organisation, period=selectors.Period.year(year), version=version
    )
    scope = figures["scope"]
    steps = [(step.label, figures["totals"][step]) for step in selectors.FLOW_STEPS]
    context: dict[str, Any] = {
        "organisation": organisation,
        "scope": scope,
        "year": year,
        "year_form": year_form,
        "version": version,
        "figures": figures,
        "steps": steps,
        "months": [
            (charts.month_label(month), [counts.get(kind, 0) for kind in charts.MONTHLY_KINDS])
            for month, counts in figures["by_month"].items()
        ],
        "category_rows": [
            {
                "label": DeviceCategory(category).label,
                "declared": figures["by_category"][Step.DECLARED].get(category, 0),
                "delivered": figures["by_category"][Step.DELIVERED].get(category, 0),
                "donated": figures["by_category"][Step.DONATED].get(category, 0),
            }
            for category in DeviceCategory.values
            if any(figures["by_category"][step].get(category) for step in charts.CATEGORY_KINDS)
        ],
        "commune_rows": [
            {
                "name": row["name"],
                "slug": row["slug"],
                "reused": row["reused"],
                **{
                    key: Decimal(row["avoided"][key])
                    for key in ("ewaste_kg", "co2e_low_kg", "co2e_high_kg")
                },
            }
            for row in figures.get("by_commune", [])
        ],
        "month_kinds": charts.MONTHLY_KINDS,
        "avoided": _amounts(figures),
        "median_days": _percent(figures["median_days_to_reuse"]),
        "by_month_chart": charts.by_month(figures),
        "by_category_chart": charts.by_category(figures),
    }
    if scope in (ScopeKind.TERRITORY, ScopeKind.COMMUNE):
        communes = (
            None
            if scope == ScopeKind.TERRITORY
            else Organisation.objects.filter(pk=organisation.pk)
        )
        recent = selectors.reen_rates_recent(year=year, version=version, communes=communes)
        reen = recent.rates
        context["reen"] = reen
        context["reen_computed_at"] = recent.computed_at
        context["reen_refresh_minutes"] = selectors.REEN_DASHBOARD_SECONDS // 60
        context["reen_chart"] = charts.progress(
            [
                (
                    row["commune"]["name"],
                    _percent(row["rate_percent"]),
                    _percent(row["target_percent"]),
                )
                for row in reen
            ],
            _("REEN reuse rate"),
        )
    if scope in (ScopeKind.COMMUNE, ScopeKind.BUYER):
        agec = selectors.agec_share(buyer=organisation, year=year, version=version)
        context["agec"] = agec
        context["agec_chart"] = charts.progress(
            [
                (
                    organisation.name,
                    _percent(agec["share_percent"]),
                    _percent(agec["target_percent"]),
                )
            ],
            _("AGEC purchase share"),
        )
    context["may_declare_spend"] = organisation == active_organisation(
        request
    ) and permissions.may_declare_spend(request.user, organisation)
    if scope == ScopeKind.TERRITORY:
        context["agec_rows"] = selectors.agec_shares(year=year, version=version)
    return render(request, "impact/dashboard.html", context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The active organisation's impact: the territory's for the territory."""
    return _dashboard(request, _acting(request))


@login_required
@require_GET
def organisation_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """Another organisation's impact, for the territory (or the organisation itself)."""
    viewer = _acting(request)
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None or not permissions.may_view_indicators(
        viewer, scope_organisation=organisation
    ):
        raise Http404(_("No such organisation."))
    return _dashboard(request, organisation)


@login_required
@require_http_methods(["GET", "POST"])
def factors(request: HttpRequest) -> HttpResponse:
    """The factors and targets in force, their versions; the territory's admins publish the
    next one here."""
    organisation = _acting(request)
    version = selectors.factor_version_current()
    may_publish = permissions.may_publish_factors(request.user, organisation)
    form = None
    if may_publish:
        form = FactorVersionForm(
            request.POST if request.method == "POST" else None, version=version
        )
        if request.method == "POST" and form.is_valid():
            try:
                published = services.factor_version_publish(
                    user=request.user, organisation=organisation, **form.publication()
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(
                    request, _("Version %(number)d published.") % {"number": published.number}
                )
                return redirect("impact:factors")
    elif request.method == "POST":
        raise PageForbidden(_("Only an administrator of the territory publishes the factors."))
    return render(
        request,
        "impact/factors.html",
        {
            "organisation": organisation,
            "version": version,
            "factors": version.factors.all(),
            "targets": version.targets.all(),
            "versions": FactorVersion.objects.select_related("published_by", "publisher"),
            "form": form,
            "errors": error_summary([(form, "")]) if form is not None else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def spend(request: HttpRequest) -> HttpResponse:
    """A commune's or buyer's administrators declare its annual IT spend in scope."""
    organisation = _acting(request)
    if not permissions.may_declare_spend(request.user, organisation):
        raise PageForbidden(
            _("Only an administrator of a commune or a buyer declares its IT spend.")
        )
    form = DeclaredSpendForm(
        request.POST if request.method == "POST" else None,
        initial={"year": timezone.localdate().year - 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.declared_spend_record(
                user=request.user, buyer=organisation, **form.cleaned_data
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Your IT spend is recorded."))
            return redirect("impact:spend")
    return render(
        request,
        "impact/spend.html",
        {
            "organisation": organisation,
            "form": form,
            "errors": error_summary([(form, "")]),
            "spends": DeclaredSpend.objects.filter(buyer=organisation).order_by("-year"),
        },
    )


@login_required
@require_GET
def agec_declaration(request: HttpRequest) -> HttpResponse:
    """The AGEC annual declaration of a year, every buyer's line: the territory's."""
    organisation = _acting(request)
    if not organisation.is_territory:
        raise PageForbidden(_("Only the territory downloads every buyer's declaration."))
    year, _form = _year(request)
    response = HttpResponse(declaration_csv(year=year), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="declaration-agec-{year}.csv"'
    return response


@login_required
@require_POST
def report_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Produce the impact report PDF of an organisation's year (its own, or any for the
    territory), rendered in the background; the documents list shows its progress."""
    viewer = _acting(request)
    organisation = Organisation.objects.filter(slug=slug, is_active=True).first()
    if organisation is None or not permissions.may_view_indicators(
        viewer, scope_organisation=organisation
    ):
        raise Http404(_("No such organisation."))
    year, _form = _year(request)
    report = services.impact_report_issue(
        user=request.user,
        viewer=viewer,
        organisation=organisation,
        start=datetime.date(year, 1, 1),
        end=min(datetime.date(year, 12, 31), timezone.localdate()),
    )
    messages.success(
        request,
        _("The impact report %(number)s is being produced.") % {"number": report.document.number},
    )
    return redirect("documents:document-list")
