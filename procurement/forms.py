"""Forms of the group purchasing pages: a partner's offer and its price tiers, the devices put
into or taken out of its stock; the territory's groupement and members, its campaigns and
cancellations; a member's commitment. They only read input: the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import limits
from inventory.choices import DeviceCategory
from organisations.models import Organisation, Site
from procurement import selectors
from procurement.allocation import PriceTier
from procurement.models import (
    MAX_QUANTITY,
    Campaign,
    Commitment,
    Groupement,
    GroupementMember,
    Offer,
)
from procurement.services import OFFER_FIELDS
from procurement.services.orders import REASON_MAX_LENGTH
from reuse.choices import Grade
from reuse.forms import CodeListField

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# Price tier rows offered below those an offer has, to add new ones without JavaScript.
EXTRA_TIER_ROWS = 2
MIN_TIER_ROWS = 3


class _NeverSaves:
    """Pages change group purchasing only through the services; a form that saved would skip
    them."""

    def save(self, commit: bool = True):
        raise TypeError("Procurement forms only clean input; call procurement.services.")


class OfferForm(_NeverSaves, forms.ModelForm):
    """What a partner says of an offer (its price tiers aside, in :class:`TierFormSet`)."""

    class Meta:
        model = Offer
        fields = list(OFFER_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            # Text, not number inputs: a number input refuses the decimal comma French staff
            # type; the fields read it in the page's language (localize below).
            "min_ram_gb": forms.TextInput(attrs={"inputmode": "decimal"}),
            "min_screen_size_inches": forms.TextInput(attrs={"inputmode": "decimal"}),
            "vat_rate": forms.TextInput(attrs={"inputmode": "decimal"}),
        }
        help_texts = {
            "title": _("What buyers read first, such as “Laptop 14 inches, i5, 8 GB”."),
            "min_ram_gb": _("Empty: any memory."),
            "min_storage_gb": _("Empty: any storage."),
            "min_screen_size_inches": _("Empty: any screen."),
            "warranty_months": _("At least 12 months."),
            "vat_rate": _("20 for the standard rate."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose a category")), *DeviceCategory.choices]
        self.fields["grade"].choices = [("", _("Choose a grade")), *Grade.choices]
        for name in ("min_ram_gb", "min_screen_size_inches", "vat_rate"):
            self.fields[name].localize = True

    def _post_clean(self) -> None:
        # The service checks the offer as a whole (its tiers with its minimum): the form only
        # reads the fields.
        pass

    def description(self) -> dict[str, Any]:
        """The cleaned fields as :func:`procurement.services.offer_create` takes them."""
        return {name: self.cleaned_data[name] for name in OFFER_FIELDS}


class TierForm(forms.Form):
    """One price tier: from a pooled quantity, a unit price excl. VAT; a row left empty is no
    tier."""

    threshold = forms.IntegerField(
        label=_("From quantity"), required=False, min_value=1, max_value=MAX_QUANTITY
    )
    unit_price = forms.DecimalField(
        label=_("Unit price excl. VAT (€)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        threshold, price = cleaned.get("threshold"), cleaned.get("unit_price")
        if (threshold is None) != (price is None) and not self.errors:
            raise forms.ValidationError(_("Give both the quantity and the unit price, or neither."))
        return cleaned


class BaseTierFormSet(forms.BaseFormSet):
    def tiers(self) -> list[PriceTier]:
        """The tiers filled in, as the services take them."""
        return [
            PriceTier(
                threshold=form.cleaned_data["threshold"],
                unit_price=form.cleaned_data["unit_price"],
            )
            for form in self.forms
            if form.cleaned_data.get("threshold") is not None
        ]


TierFormSet = forms.formset_factory(TierForm, formset=BaseTierFormSet, extra=0, max_num=20)


def tier_formset(data=None, *, offer: Offer | None = None) -> BaseTierFormSet:
    """The price tiers' rows: an offer's tiers, then empty rows to add more."""
    initial = [
        {"threshold": tier.threshold, "unit_price": tier.unit_price}
        for tier in (selectors.price_tiers(offer) if offer is not None else ())
    ]
    rows = max(len(initial) + EXTRA_TIER_ROWS, MIN_TIER_ROWS)
    initial += [{} for _ in range(rows - len(initial))]
    return TierFormSet(data, initial=initial, prefix="tiers")


class DeviceSelectionForm(forms.Form):
    """Devices ticked in a list of an offer's page, by their codes."""

    codes = CodeListField(label=_("Devices"))


class GroupementForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=limits.max_length(Groupement, "name"))
    reference = forms.CharField(
        label=_("Reference of the convention"),
        max_length=limits.max_length(Groupement, "reference"),
        help_text=_("The reference of the convention constitutive, as signed."),
    )
    convention_date = forms.DateField(label=_("Date of the convention"), widget=_DATE)


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, organisation: Organisation) -> str:
        return f"{organisation.name} ({organisation.get_kind_display()})"


class GroupementMemberForm(forms.Form):
    """A commune or a buyer joining the groupement, with its council's or board's approval."""

    organisation = MemberChoiceField(
        label=_("Member"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose a commune or a buyer"),
    )
    approved_on = forms.DateField(
        label=_("Approved on"),
        widget=_DATE,
        help_text=_("The day its council or board approved the convention constitutive."),
    )
    approval_reference = forms.CharField(
        label=_("Approval reference"),
        required=False,
        max_length=limits.max_length(GroupementMember, "approval_reference"),
        help_text=_("The deliberation's number, for instance."),
    )

    def __init__(self, *args: Any, groupement: Groupement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = selectors.organisations_joining(groupement)


class GroupementMemberEditForm(forms.Form):
    approved_on = GroupementMemberForm.base_fields["approved_on"]
    approval_reference = GroupementMemberForm.base_fields["approval_reference"]


class OfferChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, offer: Offer) -> str:
        return f"{offer.title} — {offer.partner.name}"


class CampaignForm(forms.Form):
    """A campaign the territory drafts: its groupement, title, description, times and offers."""

    groupement = forms.ModelChoiceField(
        label=_("Groupement"), queryset=Groupement.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Title"), max_length=limits.max_length(Campaign, "title"))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=_DATETIME)
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        widget=_DATETIME,
        help_text=_("Commitments are taken until then; the campaign then closes by itself."),
    )
    offers = OfferChoiceField(
        label=_("Offers"),
        queryset=Offer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The partners' active offers; an offer is in one campaign under way at most."),
    )

    def __init__(self, *args: Any, coordinator: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["groupement"].queryset = selectors.groupements_of(coordinator)
        self.fields["offers"].queryset = (
            Offer.objects.filter(is_active=True)
            .select_related("partner")
            .order_by("partner__name", "title", "pk")
        )

    def clean_opens_at(self):
        return _aware(self.cleaned_data["opens_at"])

    def clean_closes_at(self):
        return _aware(self.cleaned_data["closes_at"])


def _aware(moment):
    # A datetime-local field gives the time in the site's zone; Django makes it aware with it.
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class CampaignEditForm(CampaignForm):
    """A draft campaign's changes: its groupement stays."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["groupement"]


class ReasonForm(forms.Form):
    """Why a campaign or an order is cancelled: kept, and told to those it concerns."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Told to those it concerns, and kept with the cancellation."),
    )


class ConfirmForm(forms.Form):
    """Confirming an action that needs nothing more."""


class CommitmentForm(forms.Form):
    """A member's commitment: a quantity per offer of the campaign, a delivery site, a contact
    and the references its accounting needs on the order."""

    delivery_site = forms.ModelChoiceField(
        label=_("Delivery site"), queryset=Site.objects.none(), empty_label=_("Choose a site")
    )
    contact_name = forms.CharField(
        label=_("Contact"), max_length=limits.max_length(Commitment, "contact_name")
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"), max_length=limits.max_length(Commitment, "contact_email")
    )
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        max_length=limits.max_length(Commitment, "contact_phone"),
    )
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=limits.max_length(Commitment, "siret"),
        help_text=_("14 digits: it routes the invoice."),
    )
    service_code = forms.CharField(
        label=_("Service code"),
        required=False,
        max_length=limits.max_length(Commitment, "service_code"),
        help_text=_("The service that receives the invoice in Chorus Pro, when it has one."),
    )
    engagement_number = forms.CharField(
        label=_("Engagement number"),
        required=False,
        max_length=limits.max_length(Commitment, "engagement_number"),
        help_text=_("The legal commitment's number your accounting gives the order, if any."),
    )

    def __init__(self, *args: Any, member: Organisation, offers: list[Offer], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.offers = offers
        self.fields["delivery_site"].queryset = selectors.delivery_sites_of(member)
        quantities = {
            self.quantity_name(offer): forms.IntegerField(
                label=offer.title,
                required=False,
                min_value=0,
                max_value=MAX_QUANTITY,
                widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            )
            for offer in offers
        }
        # The quantities come first, as the page shows them.
        self.fields = {**quantities, **self.fields}

    @staticmethod
    def quantity_name(offer: Offer) -> str:
        return f"quantity_{offer.pk}"

    def quantity_fields(self) -> list[tuple[Offer, forms.BoundField]]:
        return [(offer, self[self.quantity_name(offer)]) for offer in self.offers]

    def quantities(self) -> dict[Offer, int]:
        return {
            offer: self.cleaned_data.get(self.quantity_name(offer)) or 0 for offer in self.offers
        }

    def field_of(self, service_field: str) -> str | None:
        """The form's field for a field a service names (``quantities.<offer>``), or None."""
        if service_field.startswith("quantities."):
            name = f"quantity_{service_field.removeprefix('quantities.')}"
            return name if name in self.fields else None
        return service_field if service_field in self.fields else None

    def details(self) -> dict[str, Any]:
        """The cleaned fields as :func:`procurement.services.commitment_submit` takes them."""
        names = (
            "delivery_site",
            "contact_name",
            "contact_email",
            "contact_phone",
            "siret",
            "service_code",
            "engagement_number",
        )
        return {name: self.cleaned_data[name] for name in names}
