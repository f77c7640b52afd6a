"""Forms of the claim pages (codes, a declaration, a site), of recording a collection and of
recording a shipment to recycling."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from common import limits
from inventory.models import CODE_ALPHABET, CODE_LENGTH, EVENT_NOTE_MAX_LENGTH
from organisations.models import Organisation, Site
from reuse import selectors
from reuse.models import Collection, WasteRecord

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


# How the register's fields show on the page; what they are (type, label, length, whether
# required) comes from the model (``WasteRecord.REGISTER_FIELDS``).
_SIREN_INPUT = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
# A SIREN as people write it, in three groups of three digits: two spaces more than its digits.
_SIREN_AS_WRITTEN = limits.max_length(WasteRecord, "taker_siren") + 2
_WASTE_RECORD_WIDGETS = {
    "shipped_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "weight_kg": forms.TextInput(attrs={"inputmode": "decimal"}),
    "taker_kind": forms.RadioSelect,
    "taker_siren": _SIREN_INPUT,
    "transporter_siren": _SIREN_INPUT,
    "notes": forms.Textarea(attrs={"rows": 3}),
}
_WASTE_RECORD_HELP = {
    "waste_code": _(
        "European List of Waste; an asterisk marks hazardous waste (batteries or screens "
        "still inside)."
    ),
    "transporter_name": _("Your own organisation when you take the devices there yourselves."),
    "tracking_slip": _("The BSD or Trackdéchets number, when the shipment has one."),
}


def _waste_record_fields() -> dict[str, forms.Field]:
    fields = forms.fields_for_model(
        WasteRecord,
        fields=WasteRecord.REGISTER_FIELDS,
        widgets=_WASTE_RECORD_WIDGETS,
        help_texts=_WASTE_RECORD_HELP,
        field_classes={"weight_kg": DecimalCommaField},
    )
    for name, field in fields.items():
        model_field = WasteRecord._meta.get_field(name)
        if model_field.choices:
            # A choice to make, or (radio buttons) one of a few shown at once.
            blank = [] if name in _WASTE_RECORD_WIDGETS else [("", "—")]
            fields[name] = forms.ChoiceField(
                label=field.label,
                choices=[*blank, *model_field.choices],
                widget=field.widget,
                help_text=field.help_text,
            )
        elif name.endswith("_siren"):
            field.max_length = _SIREN_AS_WRITTEN
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, MaxLengthValidator)
            ] + [MaxLengthValidator(_SIREN_AS_WRITTEN)]
            field.widget.attrs["maxlength"] = str(_SIREN_AS_WRITTEN)
    fields["weight_kg"].min_value = limits.min_value(WasteRecord, "weight_kg")
    fields["weight_kg"].validators.append(MinValueValidator(fields["weight_kg"].min_value))
    return fields


class WasteRecordForm(forms.Form):
    """Recording a shipment to recycling: the devices ticked, and the register's fields."""

    codes = forms.MultipleChoiceField(
        label=_("Devices sent to recycling"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one device.")},
    )

    def __init__(self, *args, devices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_waste_record_fields())
        self.fields["codes"].choices = [(device.code, device.code) for device in devices]

    def register_values(self) -> dict:
        """The register's fields as cleaned, for :func:`reuse.services.waste_record_create`."""
        return {name: self.cleaned_data[name] for name in WasteRecord.REGISTER_FIELDS}
