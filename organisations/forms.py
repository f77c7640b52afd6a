"""Forms of the organisation pages. They only clean input; the views call the services."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from organisations.models import Membership


class OrganisationSwitchForm(forms.Form):
    """Pick the organisation to work under, among the user's own memberships only."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, memberships: Sequence[Membership], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = list(memberships)
        self.fields["organisation"].choices = [
            (membership.organisation_id, membership.organisation.name)
            for membership in self.memberships
        ]

    def chosen_membership(self) -> Membership:
        """The membership picked; call after ``is_valid()``."""
        chosen = self.cleaned_data["organisation"]
        return next(m for m in self.memberships if m.organisation_id == chosen)
