"""Forms of the claim pages (codes, a declaration, a site), of recording a collection, of
recording a shipment to recycling, of the refurbishment page (diagnosis, repair, grade) and of
the erasure pages (media, erasure records, nwipe logs, batch certificates)."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import limits
from common.fields import ListedModelChoiceField
from inventory.models import CODE_ALPHABET, CODE_LENGTH, EVENT_NOTE_MAX_LENGTH, Device
from organisations.models import Organisation, Site
from reuse import selectors
from reuse.checklists import check_label, checklist_for
from reuse.choices import (
    BATTERY_CATEGORIES,
    CheckResult,
    DiagnosisResult,
    ErasureResult,
    Grade,
    MediumType,
    SanitisationLevel,
)
from reuse.models import Collection, ErasureRecord, StorageMedium, WasteRecord

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


class DeclarationChoiceField(ListedModelChoiceField):
    def label_from_instance(self, declaration) -> str:
        return _("%(declaration)s (%(count)s)") % {
            "declaration": declaration,
            "count": selectors.claimable_count_label(declaration.claimable),
        }


class SiteChoiceField(ListedModelChoiceField):
    def label_from_instance(self, site) -> str:
        return _("%(commune)s — %(site)s (%(count)s)") % {
            "commune": site.organisation.name,
            "site": site.name,
            "count": selectors.claimable_count_label(site.claimable),
        }


class DeclarationClaimForm(forms.Form):
    declaration = DeclarationChoiceField(
        label=_("Declaration"),
        queryset=selectors.claimable_declarations(),
        empty_label=_("Choose a declaration"),
        help_text=_("Every device of the declaration still declared is claimed."),
    )


class SiteClaimForm(forms.Form):
    site = SiteChoiceField(
        label=_("Pickup site"),
        queryset=selectors.claimable_sites(),
        empty_label=_("Choose a site"),
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
        empty_label=_("None"),
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


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _percent_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=0, max_value=100, help_text=_("In %.")
    )


# A check and the verdict start unanswered: a device not tested cannot be saved as working.
NOT_ANSWERED = ("", _("— to be checked —"))


class DiagnosisForm(forms.Form):
    """The device category's checklist (a result and a note per check), then the verdict.

    Nothing is answered beforehand: each check and the verdict are chosen by the technician.
    """

    result = forms.ChoiceField(
        label=_("Result"), choices=[("", _("— to be decided —")), *DiagnosisResult.choices]
    )
    storage_health = _percent_field(_("Storage health"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    diagnosed_on = _date_field(_("Diagnosed on"))

    def __init__(self, *args, category: str, **kwargs) -> None:
        super().__init__(*args, prefix="diagnosis", **kwargs)
        self.checks = checklist_for(category)
        for check in self.checks:
            self.fields[f"check_{check}"] = forms.ChoiceField(
                label=check_label(check), choices=[NOT_ANSWERED, *CheckResult.choices]
            )
            self.fields[f"note_{check}"] = forms.CharField(
                label=_("Note on “%(check)s”") % {"check": check_label(check)},
                required=False,
                max_length=500,
            )
        if category in BATTERY_CATEGORIES:
            self.fields["battery_health"] = _percent_field(_("Battery health"))
        self.order_fields([f"check_{c}" for c in self.checks])

    def check_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"check_{check}"], self[f"note_{check}"]) for check in self.checks]

    def other_fields(self) -> list[forms.BoundField]:
        names = ["result", "battery_health", "storage_health", "diagnosed_on", "notes"]
        return [self[name] for name in names if name in self.fields]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"check": check, "result": data[f"check_{check}"], "note": data[f"note_{check}"]}
            for check in self.checks
        ]


class RepairForm(forms.Form):
    parts = forms.CharField(
        label=_("Parts replaced"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One part a line."),
    )
    notes = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea)
    cost = forms.DecimalField(
        label=_("Cost (€)"), max_digits=9, decimal_places=2, min_value=0, initial=0
    )
    repaired_on = _date_field(_("Repaired on"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="repair", **kwargs)

    def part_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["parts"].splitlines() if line.strip()]


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)
    graded_on = _date_field(_("Graded on"))

    def __init__(self, *args, category: str, **kwargs) -> None:
        super().__init__(*args, prefix="grade", **kwargs)
        if category in BATTERY_CATEGORIES:
            self.fields["battery_health"] = _percent_field(_("Battery health"))


_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MediumForm(forms.Form):
    type = forms.ChoiceField(label=_("Media type"), choices=MediumType.choices)
    model = forms.CharField(
        label=_("Model"),
        max_length=limits.max_length(StorageMedium, "model"),
        required=False,
    )
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=limits.max_length(StorageMedium, "serial"),
        required=False,
    )
    capacity_gb = forms.IntegerField(
        label=_("Capacity (GB)"),
        min_value=0,
        max_value=limits.max_value(Device, "storage_gb"),
        required=False,
    )


class ErasureRecordForm(forms.Form):
    medium = forms.TypedChoiceField(label=_("Medium"), coerce=int)
    level = forms.ChoiceField(label=_("NIST SP 800-88 level"), choices=SanitisationLevel.choices)
    method = forms.CharField(
        label=_("Method"), max_length=limits.max_length(ErasureRecord, "method")
    )
    tool = forms.CharField(label=_("Tool"), max_length=limits.max_length(ErasureRecord, "tool"))
    tool_version = forms.CharField(
        label=_("Tool version"),
        max_length=limits.max_length(ErasureRecord, "tool_version"),
        required=False,
    )
    verification_method = forms.CharField(
        label=_("Verification method"),
        max_length=limits.max_length(ErasureRecord, "verification_method"),
    )
    result = forms.ChoiceField(label=_("Result"), choices=ErasureResult.choices)
    operator_name = forms.CharField(
        label=_("Sanitised by (name)"),
        max_length=limits.max_length(ErasureRecord, "operator_name"),
    )
    operator_title = forms.CharField(
        label=_("Their title"),
        max_length=limits.max_length(ErasureRecord, "operator_title"),
    )
    verifier_name = forms.CharField(
        label=_("Verified by (name)"),
        max_length=limits.max_length(ErasureRecord, "verifier_name"),
    )
    verifier_title = forms.CharField(
        label=_("Their title"),
        max_length=limits.max_length(ErasureRecord, "verifier_title"),
    )
    started_at = forms.DateTimeField(label=_("Started at"), widget=_DATETIME)
    finished_at = forms.DateTimeField(label=_("Finished at"), widget=_DATETIME)
    location = forms.CharField(
        label=_("Location"), max_length=limits.max_length(ErasureRecord, "location")
    )
    destination = forms.CharField(
        label=_("Post-sanitisation destination"),
        max_length=limits.max_length(ErasureRecord, "destination"),
    )
    evidence = forms.FileField(label=_("Evidence file"), required=False)

    def __init__(self, *args, media=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["medium"].choices = [(medium.pk, str(medium)) for medium in media]


class NwipeImportForm(forms.Form):
    log = forms.FileField(label=_("nwipe log"))
    verifier_name = forms.CharField(
        label=_("Verified by (name)"),
        max_length=limits.max_length(ErasureRecord, "verifier_name"),
        required=False,
    )
    verifier_title = forms.CharField(
        label=_("Their title"),
        max_length=limits.max_length(ErasureRecord, "verifier_title"),
        required=False,
    )


class BatchCertificateForm(forms.Form):
    codes = forms.CharField(
        label=_("Device codes"),
        help_text=_("Separated by spaces, commas or new lines."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_codes(self) -> list[str]:
        raw = self.cleaned_data["codes"].replace(",", " ").split()
        return list(dict.fromkeys(code.strip().upper() for code in raw))


class PickupSlotForm(forms.Form):
    """A day and a time slot for a pickup, with a word for the other side."""

    date = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    starts_at = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    ends_at = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=EVENT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Access, contact, loading: what the other side should know."),
    )


class PickupProposeForm(PickupSlotForm):
    """Proposing a pickup of ticked claimed devices: the site, the day and the slot."""

    codes = CodeListField(label=_("Devices"))
    site = forms.ModelChoiceField(
        label=_("Pickup site"), queryset=Site.objects.none(), empty_label=_("Choose a site")
    )
    field_order = ["codes", "site", "date", "starts_at", "ends_at", "note"]

    def __init__(self, *args, commune: Organisation | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if commune is not None:
            self.fields["site"].queryset = selectors.pickup_sites(commune)
