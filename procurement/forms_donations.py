"""Forms of the donation pages: the donor's choice of beneficiary, devices and their values;
the beneficiary's date of receipt. They only read input: the services decide and write."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.models import Device
from procurement import selectors
from procurement.models import DONATION_VALUE_DIGITS

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The most ready devices the form lists at once, by code.
MAX_FORM_DEVICES = 500


class DonationForm(forms.Form):
    """The beneficiary among the eligible organisations, then, for each ready device the
    donor holds, whether it is given and its value in euros."""

    beneficiary = forms.ModelChoiceField(
        label=_("Beneficiary"),
        queryset=selectors.donation_beneficiaries(),
        empty_label=_("Choose an eligible organisation"),
        help_text=_("The organisations with a category of article L3212-2 3° of the CG3P."),
    )

    def __init__(self, *args, devices: Sequence[Device], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = selectors.donation_beneficiaries()
        self.devices = list(devices)
        for device in self.devices:
            self.fields[f"give-{device.pk}"] = forms.BooleanField(
                label=_("Give %(code)s") % {"code": device.code}, required=False
            )
            self.fields[f"value-{device.pk}"] = forms.DecimalField(
                label=_("Value of %(code)s (€)") % {"code": device.code},
                required=False,
                min_value=Decimal(0),
                max_digits=DONATION_VALUE_DIGITS,
                decimal_places=2,
                localize=True,
            )

    def rows(self) -> list[dict]:
        """Each device with its two fields, for the table of the page."""
        return [
            {
                "device": device,
                "give": self[f"give-{device.pk}"],
                "value": self[f"value-{device.pk}"],
            }
            for device in self.devices
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = [device for device in self.devices if cleaned.get(f"give-{device.pk}")]
        if not chosen:
            raise forms.ValidationError(_("Tick at least one device to give."))
        for device in chosen:
            if (
                cleaned.get(f"value-{device.pk}") is None
                and f"value-{device.pk}" not in self.errors
            ):
                self.add_error(f"value-{device.pk}", _("Give this device's value in euros."))
        return cleaned

    def values(self) -> dict[str, Decimal]:
        """The chosen devices' values by code."""
        return {
            device.code: self.cleaned_data[f"value-{device.pk}"]
            for device in self.devices
            if self.cleaned_data.get(f"give-{device.pk}")
        }


class ReceiptForm(forms.Form):
    """The day the beneficiary received the devices."""

    received_on = forms.DateField(label=_("Received on"), widget=_DATE, initial=timezone.localdate)
