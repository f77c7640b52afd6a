"""Forms of warranty returns: the buyer describes a fault, the partner records the outcome."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from procurement.choices import RETURN_OUTCOMES, ReturnState

TEXT_MAX_LENGTH = 1000


class FaultForm(forms.Form):
    """What is wrong with a delivered device, told to its partner."""

    fault = forms.CharField(
        label=_("Fault"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What does not work, since when, what you tried."),
    )


class OutcomeForm(forms.Form):
    """The outcome of a return, recorded once by its partner."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(value, ReturnState(value).label) for value in RETURN_OUTCOMES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a repair; for a refund, the credit note's reason."),
    )
    replacement = forms.ModelChoiceField(
        label=_("Replacement"),
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label=_("— none —"),
        help_text=_("For a replacement: a ready device of the same offer in your stock."),
    )

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = candidates
        self.fields["replacement"].label_from_instance = lambda device: (
            f"{device.code} · {device.brand} {device.model}".strip()
        )
