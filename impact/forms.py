"""The impact pages' forms: they only clean input; the services write."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impact.models import FactorVersion

FIRST_YEAR = 2020


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("A year up to this one."))
        return year


class DeclaredSpendForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)
    total_excl_vat = forms.DecimalField(
        label=_("IT spend in scope, excl. VAT (€)"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        localize=True,
        help_text=_(
            "Phones, terminals, servers, screens, desktops, laptops, tablets and projectors "
            "bought in the year."
        ),
    )
    recycled_content_excl_vat = forms.DecimalField(
        label=_("Of which with recycled content, excl. VAT (€)"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        localize=True,
        initial=Decimal("0"),
    )


class FactorVersionForm(forms.Form):
    """The next version of the factors: the current one's values to change, one field per
    category value and per target."""

    displacement_rate = forms.DecimalField(
        label=_("Displacement rate"),
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=3,
        decimal_places=2,
        localize=True,
    )
    displacement_source = forms.CharField(
        label=_("Source of the displacement rate"), max_length=300
    )
    source = forms.CharField(
        label=_("Sources"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    note = forms.CharField(
        label=_("What changes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    FACTOR_FIELDS = ("footprint_low_kgco2e", "footprint_high_kgco2e", "weight_kg")

    def __init__(self, *args, version: FactorVersion, **kwargs) -> None:
        self.version = version
        self.factors = list(version.factors.all())
        self.targets = list(version.targets.all())
        initial = {
            "displacement_rate": version.displacement_rate,
            "displacement_source": version.displacement_source,
            "source": version.source,
        }
        for factor in self.factors:
            for name in self.FACTOR_FIELDS:
                initial[f"{factor.category}__{name}"] = getattr(factor, name)
        for target in self.targets:
            initial[f"{target.rule}__{target.year_from}"] = target.value_percent
        super().__init__(*args, initial=initial, **kwargs)
        labels = {
            "footprint_low_kgco2e": _("low (kg CO2e)"),
            "footprint_high_kgco2e": _("high (kg CO2e)"),
            "weight_kg": _("weight (kg)"),
        }
        for factor in self.factors:
            for name in self.FACTOR_FIELDS:
                self.fields[f"{factor.category}__{name}"] = forms.DecimalField(
                    label=f"{factor.get_category_display()}, {labels[name]}",
                    min_value=Decimal("0"),
                    max_digits=10,
                    decimal_places=3,
                    localize=True,
                )
        for target in self.targets:
            self.fields[f"{target.rule}__{target.year_from}"] = forms.DecimalField(
                label=f"{target.get_rule_display()}, {target.year_from} (%)",
                min_value=Decimal("0"),
                max_value=Decimal("100"),
                max_digits=5,
                decimal_places=2,
                localize=True,
            )

    def factor_rows(self) -> list[tuple[str, list]]:
        return [
            (
                factor.get_category_display(),
                [self[f"{factor.category}__{name}"] for name in self.FACTOR_FIELDS],
            )
            for factor in self.factors
        ]

    def target_fields(self) -> list:
        return [self[f"{target.rule}__{target.year_from}"] for target in self.targets]

    def publication(self) -> dict:
        data = self.cleaned_data
        return {
            "displacement_rate": data["displacement_rate"],
            "displacement_source": data["displacement_source"],
            "source": data["source"],
            "note": data["note"],
            "factors": {
                factor.category: {
                    name: data[f"{factor.category}__{name}"] for name in self.FACTOR_FIELDS
                }
                for factor in self.factors
            },
            "targets": {
                (target.rule, target.year_from): data[f"{target.rule}__{target.year_from}"]
                for target in self.targets
            },
        }
