"""Impact factors and legal targets as dated, sourced versions; what buyers declare of their IT
spend; the impact reports, each recording the version of the factors it used."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from impact.choices import ScopeKind, TargetRule
from inventory.choices import DeviceCategory
from organisations.models import Organisation

KG_DIGITS = 10
AMOUNT_DIGITS = 14


class FactorVersionQuerySet(models.QuerySet):
    def current(self) -> FactorVersion | None:
        """The version in force: the last one published."""
        return self.order_by("-number").first()


class FactorVersion(models.Model):
    """One published set of impact factors and legal targets, never changed once published.

    The first comes from ``data/`` (migration ``impact.0002``); the territory's administrators
    publish the next ones (:func:`impact.services.factor_version_publish`). A report names the
    version it used, so a later version never alters it.
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
        help_text=_("Empty for the version loaded from Boucle's reference data."),
    )
    publisher = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publishing organisation"),
    )
    displacement_rate = models.DecimalField(
        _("displacement rate"),
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("The share of a new purchase a reused device spares."),
    )
    displacement_source = models.CharField(_("source of the displacement rate"), max_length=300)
    source = models.TextField(_("sources"), max_length=2000)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = FactorVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version of the impact factors")
        verbose_name_plural = _("versions of the impact factors")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(displacement_rate__gte=0) & Q(displacement_rate__lte=1),
                name="%(app_label)s_%(class)s_displacement_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.published_at:%Y-%m-%d})"


class CategoryFactor(models.Model):
    """A device category's factors in one version: the footprint of a new equivalent (kg CO2e,
    a low and a high value) and its typical weight (kg), each with its source.

    From ``data/impact-factors.csv``: low = manufacture only; high = manufacture +
    distribution + end of life of the new device a reuse spares (see ``data/REFERENCE.md``).
    """

    version = models.ForeignKey(
        FactorVersion, on_delete=models.PROTECT, related_name="factors", verbose_name=_("version")
    )
    category = models.CharField(_("category"), max_length=16, choices=DeviceCategory.choices)
    footprint_low_kgco2e = models.DecimalField(
        _("footprint, low (kg CO2e)"), max_digits=KG_DIGITS, decimal_places=3
    )
    footprint_high_kgco2e = models.DecimalField(
        _("footprint, high (kg CO2e)"), max_digits=KG_DIGITS, decimal_places=3
    )
    weight_kg = models.DecimalField(
        _("typical weight (kg)"), max_digits=KG_DIGITS, decimal_places=3
    )
    footprint_source = models.CharField(_("source of the footprint"), max_length=200)
    weight_source = models.CharField(_("source of the weight"), max_length=200)

    class Meta:
        verbose_name = _("category factor")
        verbose_name_plural = _("category factors")
        ordering = ["version", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "category"], name="%(app_label)s_%(class)s_unique_category"
            ),
            models.CheckConstraint(
                condition=Q(footprint_low_kgco2e__gte=0)
                & Q(footprint_high_kgco2e__gte=models.F("footprint_low_kgco2e"))
                & Q(weight_kg__gte=0),
                name="%(app_label)s_%(class)s_values_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.category}"


class RegulatoryTarget(models.Model):
    """A legal target in one version: the rule, the year it applies from, its value (%)."""

    version = models.ForeignKey(
        FactorVersion, on_delete=models.PROTECT, related_name="targets", verbose_name=_("version")
    )
    rule = models.CharField(_("rule"), max_length=32, choices=TargetRule.choices)
    year_from = models.PositiveSmallIntegerField(_("from the year"))
    value_percent = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=2)
    text = models.CharField(_("legal text"), max_length=300)

    class Meta:
        verbose_name = _("regulatory target")
        verbose_name_plural = _("regulatory targets")
        ordering = ["version", "rule", "year_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "rule", "year_from"], name="%(app_label)s_%(class)s_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(value_percent__gte=0) & Q(value_percent__lte=100),
                name="%(app_label)s_%(class)s_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.year_from}: {self.value_percent} %"


class DeclaredSpend(models.Model):
    """What a buyer declares of one year's IT spend in the scope of AGEC art. 58 (excl. VAT):
    the total, and the part with recycled content; the denominator of its purchase share."""

    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="declared_spends",
        verbose_name=_("buyer"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    total_excl_vat = models.DecimalField(
        _("IT spend in scope, excl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    recycled_content_excl_vat = models.DecimalField(
        _("spend with recycled content, excl. VAT"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=2,
        default=Decimal("0"),
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        verbose_name = _("declared IT spend")
        verbose_name_plural = _("declared IT spends")
        ordering = ["buyer", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "year"], name="%(app_label)s_%(class)s_one_per_year"
            ),
            models.CheckConstraint(
                condition=Q(total_excl_vat__gte=0)
                & Q(recycled_content_excl_vat__gte=0)
                & Q(recycled_content_excl_vat__lte=models.F("total_excl_vat")),
                name="%(app_label)s_%(class)s_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id} {self.year}: {self.total_excl_vat}"


class ImpactReport(models.Model):
    """Indicators computed once for a scope and a period, kept as they were: the figures and
    the version of the factors that made them. A later version of the factors changes
    nothing here."""

    scope = models.CharField(_("scope"), max_length=16, choices=ScopeKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="impact_reports",
        verbose_name=_("organisation"),
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    factor_version = models.ForeignKey(
        FactorVersion,
        on_delete=models.PROTECT,
        related_name="reports",
        verbose_name=_("version of the factors"),
    )
    figures = models.JSONField(_("figures"))
    document = models.OneToOneField(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
        help_text=_("The report's PDF (RI-…), when one was asked for."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("impact report")
        verbose_name_plural = _("impact reports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=ScopeKind.values), name="%(app_label)s_%(class)s_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.period_start}–{self.period_end}"
