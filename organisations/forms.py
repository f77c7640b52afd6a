"""Forms of the organisation pages. They only clean input; the views call the services."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from organisations.choices import MembershipRole
from organisations.models import Membership, Site
from organisations.services import SITE_FIELDS


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


class SiteForm(forms.ModelForm):
    """A site as an administrator describes it; the services save it."""

    class Meta:
        model = Site
        fields = list(SITE_FIELDS)
        help_texts = {
            "name": _("As your colleagues and the partners call it, e.g. “Centre technique”."),
            "contact_name": _("Who opens the door to the partner."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.required:
                field.widget.attrs["aria-required"] = "true"

    def save(self, commit: bool = True):
        raise TypeError("Call organisations.services to write a site.")

    def _post_clean(self) -> None:
        # The services validate the site (its organisation included) and have the last word.
        pass

    def attributes(self) -> dict:
        return {name: self.cleaned_data[name] for name in SITE_FIELDS}


class InviteForm(forms.Form):
    """Whom an administrator invites, and with which role."""

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.STAFF
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)


class PasswordResetByEmailForm(PasswordResetForm):
    """Django's reset form, which also reaches the invited people who never chose a password
    (Django's leaves out accounts without a usable one)."""

    def get_users(self, email: str):
        User = get_user_model()
        return (
            user
            for user in User._default_manager.filter(
                **{f"{User.get_email_field_name()}__iexact": email, "is_active": True}
            )
            if _iexact(getattr(user, User.get_email_field_name()), email)
        )


def _iexact(first: str, second: str) -> bool:
    return constant_time_compare(first.casefold(), second.casefold())
