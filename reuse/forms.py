"""Forms of the claim pages (codes, a declaration, a site), of recording a collection and of
recording a shipment to recycling."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common import limits
from inventory.models import CODE_ALPHABET, CODE_LENGTH, EVENT_NOTE_MAX_LENGTH
from organisations.models import Organisation, Site
from reuse import selectors
from reuse.models import Collection
from reuse.recycling import TakerKind, TreatmentCode, WasteCode

MAX_SELECTION = 1000
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")


class CodeListField(forms.Field):
    """Device codes sent as repeated values (the inventory list's checkboxes)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one device."),
        "invalid": _("“%(value)s” is not a device code."),
        "too_many": _("Select at most %(limit)d devices at once."),
    }

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        codes = (str(item).strip().upper() for item in values)
        return list(dict.fromkeys(code for code in codes if code))

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for code in value:
            if not _CODE.match(code):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": code}
                )
        if len(value) > MAX_SELECTION:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"limit": MAX_SELECTION}
            )


class ClaimSelectionForm(forms.Form):
    codes = CodeListField(label=_("Devices"))


class ClaimForm(forms.Form):
    """Confirming the claim of one device: nothing to fill in."""


class ReleaseForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=EVENT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: why your organisation gives the device back. Kept in its history."),
    )


class DeclarationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, declaration) -> str:
        return _("%(declaration)s (%(count)d to claim)") % {
            "declaration": declaration,
            "count": declaration.claimable,
        }


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, site) -> str:
        return _("%(commune)s — %(site)s (%(count)d to claim)") % {
            "commune": site.organisation.name,
            "site": site.name,
            "count": site.claimable,
        }


class DeclarationClaimForm(forms.Form):
    declaration = DeclarationChoiceField(
        label=_("Declaration"),
        queryset=selectors.claimable_declarations(),
        help_text=_("Every device of the declaration still declared is claimed."),
    )


class SiteClaimForm(forms.Form):
    site = SiteChoiceField(
        label=_("Pickup site"),
        queryset=selectors.claimable_sites(),
        help_text=_("Every device still declared at this site is claimed."),
    )


class CollectionForm(forms.Form):
    """Recording a collection: the devices (codes), the day, the site and both signatories."""

    codes = CodeListField(label=_("Devices"))
    collected_on = forms.DateField(
        label=_("Collected on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    site = forms.ModelChoiceField(
        label=_("Pickup site"),
        queryset=Site.objects.none(),
        required=False,
        help_text=_("Where the devices were picked up, printed on the collection note."),
    )
    commune_signatory = forms.CharField(
        label=_("Commune signatory"), max_length=limits.max_length(Collection, "commune_signatory")
    )
    commune_signatory_title = forms.CharField(
        label=_("Commune signatory's title"),
        max_length=limits.max_length(Collection, "commune_signatory_title"),
    )
    partner_signatory = forms.CharField(
        label=_("Partner signatory"), max_length=limits.max_length(Collection, "partner_signatory")
    )
    partner_signatory_title = forms.CharField(
        label=_("Partner signatory's title"),
        max_length=limits.max_length(Collection, "partner_signatory_title"),
    )

    def __init__(self, *args, commune: Organisation | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if commune is not None:
            self.fields["site"].queryset = selectors.collectable_sites(commune)


class DecimalCommaField(forms.DecimalField):
    """A decimal number written with a comma (French) or a point, whatever the page's language."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", ".").replace("\u202f", "").replace(" ", "")
        return super().to_python(value)


class WasteRecordForm(forms.Form):
    """Recording a shipment to recycling: the devices ticked, and the register's fields."""

    codes = forms.MultipleChoiceField(
        label=_("Devices sent to recycling"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one device.")},
    )
    shipped_on = forms.DateField(
        label=_("Shipped on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    waste_code = forms.ChoiceField(
        label=_("Waste code"),
        choices=[("", "—"), *WasteCode.choices],
        help_text=_(
            "European List of Waste; an asterisk marks hazardous waste (batteries or screens "
            "still inside)."
        ),
    )
    weight_kg = DecimalCommaField(
        label=_("Weight (kg)"),
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    taker_kind = forms.ChoiceField(
        label=_("Taken by"), choices=TakerKind.choices, widget=forms.RadioSelect
    )
    taker_name = forms.CharField(label=_("Eco-organism or recycler"), max_length=200)
    taker_siren = forms.CharField(
        label=_("SIREN of the eco-organism or recycler"),
        max_length=11,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    destination_name = forms.CharField(label=_("Destination facility"), max_length=200)
    destination_address = forms.CharField(label=_("Destination address"), max_length=300)
    treatment_code = forms.ChoiceField(
        label=_("Treatment code"), choices=[("", "—"), *TreatmentCode.choices]
    )
    transporter_name = forms.CharField(
        label=_("Transporter"),
        max_length=200,
        help_text=_("Your own organisation when you take the devices there yourselves."),
    )
    transporter_siren = forms.CharField(
        label=_("Transporter's SIREN"),
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    tracking_slip = forms.CharField(
        label=_("Tracking-slip number"),
        max_length=60,
        required=False,
        help_text=_("The BSD or Trackdéchets number, when the shipment has one."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, devices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [(device.code, device.code) for device in devices]
