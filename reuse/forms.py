"""Forms of the claim pages: a selection of codes, a whole declaration or pickup site."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.models import CODE_ALPHABET, CODE_LENGTH
from reuse import selectors

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
        max_length=1000,
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
