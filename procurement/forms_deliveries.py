"""Forms of the delivery and invoice pages: the partner's delivery of an order (its devices, a
delivery site of the buyer, a date), the buyer's decision on it with the devices refused at the
door, the partner's invoice (where to pay) and its credit note (why). They only read input:
:mod:`procurement.services.deliveries` and :mod:`procurement.services.invoices` decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import ApplicationError
from organisations.models import Organisation
from procurement import selectors
from procurement.choices import AdmissionDecision
from procurement.models import DeliveryDevice, OrderDevice
from procurement.services.deliveries import SIGNATORY_MAX_LENGTH
from procurement.services.orders import REASON_MAX_LENGTH

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# An IBAN has at most 34 characters; people type it in groups of four.
IBAN_MAX_LENGTH = 42


def _device_label(device) -> str:
    return " · ".join(
        part
        for part in (device.code, str(device.get_category_display()), device.brand, device.model)
        if part
    )


class DeliveryForm(forms.Form):
    """The devices of an order to deliver (every one still to deliver, by default), the
    buyer's delivery site and the date."""

    codes = forms.MultipleChoiceField(
        label=_("Devices to deliver"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one device.")},
    )
    site = forms.ModelChoiceField(
        label=_("Delivery site"), queryset=None, empty_label=_("Choose a site")
    )
    delivery_date = forms.DateField(label=_("Delivery date"), widget=_DATE)

    def __init__(
        self, *args: Any, buyer: Organisation, items: list[OrderDevice], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["codes"].choices = [
            (item.device.code, _device_label(item.device)) for item in items
        ]
        self.fields["site"].queryset = selectors.delivery_sites_of(buyer)
        self.fields["delivery_date"].initial = timezone.localdate()

    def add_service_error(self, error: ApplicationError) -> None:
        for name, texts in error.fields.items():
            for text in texts:
                self.add_error(name if name in self.fields else None, text)
        if not error.fields:
            self.add_error(None, error.message)


class AdmissionForm(forms.Form):
    """The buyer's decision on a delivery, its date and signatory, the réfaction's amount and
    the reason; for each device, ticked to refuse it at the door, with why."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=AdmissionDecision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("Date of the decision"), widget=_DATE)
    signatory_name = forms.CharField(label=_("Signatory"), max_length=SIGNATORY_MAX_LENGTH)
    signatory_title = forms.CharField(
        label=_("Signatory's title"), max_length=SIGNATORY_MAX_LENGTH, required=False
    )
    reduction_amount = forms.DecimalField(
        label=_("Réfaction excl. VAT (€)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Only with an admission with a price reduction: the amount taken off."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Why the price is reduced, the delivery postponed or rejected; kept on the record."
        ),
    )

    def __init__(self, *args: Any, items: list[DeliveryDevice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["decided_on"].initial = timezone.localdate()
        for item in items:
            self.fields[self.refuse_name(item)] = forms.BooleanField(
                label=_("Refuse %(code)s at the door") % {"code": item.device.code},
                required=False,
            )
            self.fields[self.refusal_reason_name(item)] = forms.CharField(
                label=_("Why %(code)s is refused") % {"code": item.device.code},
                required=False,
                max_length=REASON_MAX_LENGTH,
            )

    @staticmethod
    def refuse_name(item: DeliveryDevice) -> str:
        return f"refuse_{item.pk}"

    @staticmethod
    def refusal_reason_name(item: DeliveryDevice) -> str:
        return f"refusal_reason_{item.pk}"

    def device_rows(self) -> list[tuple[DeliveryDevice, forms.BoundField, forms.BoundField]]:
        return [
            (item, self[self.refuse_name(item)], self[self.refusal_reason_name(item)])
            for item in self.items
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for item in self.items:
            refused = data.get(self.refuse_name(item))
            reason = (data.get(self.refusal_reason_name(item)) or "").strip()
            if refused and not reason:
                self.add_error(self.refusal_reason_name(item), _("Say why this device is refused."))
            elif reason and not refused:
                self.add_error(
                    self.refuse_name(item),
                    _("Tick the device to refuse it, or clear the reason."),
                )
        return data

    def refusals(self) -> dict[str, str]:
        """The devices refused at the door, by code, with their reasons."""
        return {
            item.device.code: self.cleaned_data[self.refusal_reason_name(item)].strip()
            for item in self.items
            if self.cleaned_data.get(self.refuse_name(item))
        }

    def add_service_error(self, error: ApplicationError) -> None:
        for name, texts in error.fields.items():
            for text in texts:
                self.add_error(name if name in self.fields else None, text)
        if not error.fields:
            self.add_error(None, error.message)


class InvoiceForm(forms.Form):
    """Where the buyer pays the invoice: the partner's IBAN, when it gives one."""

    iban = forms.CharField(
        label=_("IBAN"),
        required=False,
        max_length=IBAN_MAX_LENGTH,
        help_text=_(
            "The account the buyer pays into, stated on the invoice; empty: a credit transfer "
            "to the account your buyer knows."
        ),
    )


class CreditNoteForm(forms.Form):
    """Why an invoice is cancelled: stated on the credit note."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Stated on the credit note and told to the buyer."),
    )
