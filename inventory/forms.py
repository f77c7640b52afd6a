"""Forms of the inventory pages.

They only clean what a person typed and show errors next to the fields; every write goes
through :mod:`inventory.services`, which validates again and has the last word.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from common import limits
from common.typography import filesize
from common.widgets import PlainCheckboxSelectMultiple, PlainDateInput
from inventory.choices import DeviceCategory, StorageType
from inventory.filters import DevicePageFilter
from inventory.imports.columns import (
    DEFAULT_SURPLUS_STATUSES,
    MAX_SURPLUS_STATUS_LENGTH,
    MAX_SURPLUS_STATUSES,
    parse_surplus_statuses,
)
from inventory.models import EVENT_NOTE_MAX_LENGTH, Declaration, Device, DeviceImport
from inventory.services import DESCRIPTION_FIELDS
from organisations.models import Organisation, Site

DATA_BEARING_AUTO = "auto"
DATA_BEARING_CHOICES = [
    (DATA_BEARING_AUTO, _("Decide from the category and storage")),
    ("yes", _("Yes, it holds data")),
    ("no", _("No data on it")),
]
_DATA_BEARING_VALUES = {DATA_BEARING_AUTO: None, "yes": True, "no": False}

# The most devices one form declares; larger batches belong in a file import.
MAX_DEVICES_PER_FORM = 100


def device_filter_for_page(
    data: QueryDict, queryset: QuerySet[Device], *, organisation: Organisation | None = None
) -> DevicePageFilter:
    """The shared device filters with the page's sorting, and widgets suited to a page; a
    commune picks among its own pickup sites. The widgets are written in Python
    (:mod:`common.widgets`): the page shows them at each request."""
    device_filter = DevicePageFilter(data, queryset=queryset)
    fields = device_filter.form.fields
    fields["q"].widget.input_type = "search"
    fields["q"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
    for name in ("category", "state"):
        fields[name].widget = PlainCheckboxSelectMultiple(choices=fields[name].choices)
    for name in ("declared_from", "declared_until"):
        fields[name].widget = PlainDateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if organisation is not None and organisation.is_commune:
        fields["pickup_site"].queryset = fields["pickup_site"].queryset.filter(
            organisation=organisation
        )
    return device_filter


class _NeverSaves:
    """Pages change devices only through the services; a form that saved would skip them."""

    def save(self, commit: bool = True):
        raise TypeError("Inventory forms only clean input; call inventory.services to write.")


class DeviceDescriptionForm(_NeverSaves, forms.ModelForm):
    """What a commune describes about one device: a row of a declaration, or an edit."""

    data_bearing = forms.ChoiceField(
        label=_("Holds data"),
        choices=DATA_BEARING_CHOICES,
        initial=DATA_BEARING_AUTO,
        widget=forms.RadioSelect,
        help_text=_("Computers, tablets, phones and anything with storage hold data."),
    )

    class Meta:
        model = Device
        fields = list(DESCRIPTION_FIELDS)
        widgets = {
            "purchase_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "condition_notes": forms.Textarea(attrs={"rows": 2}),
            # Text, not number inputs: a number input refuses the decimal comma French staff
            # type; the fields read it in the page's language (localize below).
            "ram_gb": forms.TextInput(attrs={"inputmode": "decimal"}),
            "screen_size_inches": forms.TextInput(attrs={"inputmode": "decimal"}),
        }
        help_texts = {
            "serial_number": _("As printed on the device; a device is declared once."),
            "asset_tag": _("Your own inventory number, if any."),
            "condition_notes": _("Missing parts, damage, known faults, password set…"),
            "ram_gb": _("For example 15.5: a comma or a point."),
            "screen_size_inches": _("For example 23.8: a comma or a point."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose a category")), *DeviceCategory.choices]
        self.fields["storage_type"].choices = [("", _("Unknown or none")), *StorageType.choices]
        for name in ("ram_gb", "screen_size_inches"):
            self.fields[name].localize = True
        if self.instance.pk is not None and self.instance.data_bearing_overridden:
            self.initial["data_bearing"] = "yes" if self.instance.data_bearing else "no"
        for field in self.fields.values():
            # Formsets turn the `required` attribute off; assistive technologies still hear it.
            if field.required and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["aria-required"] = "true"

    def clean_data_bearing(self) -> bool | None:
        return _DATA_BEARING_VALUES[self.cleaned_data["data_bearing"]]

    def description(self) -> dict[str, Any]:
        """The cleaned description as the services take it."""
        return {name: self.cleaned_data[name] for name in (*DESCRIPTION_FIELDS, "data_bearing")}


class DeviceEditForm(DeviceDescriptionForm):
    """A declared device's description and its pickup site, among the commune's open ones (and
    the one it has, even closed, so that an edit does not move it by itself)."""

    pickup_site = forms.ModelChoiceField(
        label=_("Pickup site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("Where the partner collects the device."),
    )
    note = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=EVENT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional; kept in the device's history."),
    )

    field_order = [*DESCRIPTION_FIELDS, "data_bearing", "pickup_site", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        device = self.instance
        sites = Site.objects.open_pickup_sites_of(device.commune)
        if device.pickup_site_id is not None:
            sites = sites | Site.objects.filter(pk=device.pickup_site_id)
        field = self.fields["pickup_site"]
        field.queryset = sites.order_by("name")
        field.label_from_instance = lambda site: f"{site.name} — {site.full_address}"
        self.initial.setdefault("pickup_site", device.pickup_site_id)

    def description(self) -> dict[str, Any]:
        description = super().description()
        # A form sent without the field (an older page, a script) leaves the site as it is.
        if self.add_prefix("pickup_site") in self.data:
            description["pickup_site"] = self.cleaned_data["pickup_site"]
        return description


class DeviceRowFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_few_forms": _("Declare at least one device."),
        "too_many_forms": _("Declare at most %(num)d devices in one form."),
    }

    def kept_forms(self) -> list[DeviceDescriptionForm]:
        """The rows to declare: neither removed nor left empty. Call after ``is_valid()``."""
        return [
            form
            for form in self.forms
            if form not in self.deleted_forms and form.has_changed() and form.cleaned_data
        ]


DeviceFormSet = forms.formset_factory(
    DeviceDescriptionForm,
    formset=DeviceRowFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_DEVICES_PER_FORM,
    validate_max=True,
    can_delete=True,
)
DEVICE_FORMSET_PREFIX = "devices"


def device_formset_with_added_row(data: QueryDict) -> DeviceRowFormSet:
    """The rows typed so far, without the removed ones, plus an empty one; nothing validated.

    This is how "Add a device" works without JavaScript: the page comes back with one more row.
    """
    submitted = DeviceFormSet(data, prefix=DEVICE_FORMSET_PREFIX)
    typed = [
        {name: form[name].value() for name in form.fields if name != "DELETE"}
        for form in submitted.forms
        if not form["DELETE"].value()
    ]
    formset = DeviceFormSet(prefix=DEVICE_FORMSET_PREFIX, initial=typed)
    formset.extra = 1 if typed else 0
    return formset


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Site) -> str:
        return f"{obj.name} — {obj.full_address}"


class DeclarationForm(forms.Form):
    """The common part of a declaration: where the devices wait, and the commune's reference."""

    pickup_site = SiteChoiceField(
        label=_("Pickup site"),
        queryset=Site.objects.none(),
        empty_label=_("Choose a site"),
        help_text=_("Where the partner collects the devices."),
    )
    reference = forms.CharField(
        label=_("Your reference"),
        required=False,
        max_length=limits.max_length(Declaration, "reference"),
        help_text=_("Optional: a ticket or file number to find this declaration again."),
    )

    def __init__(self, *args: Any, commune: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = list(Site.objects.open_pickup_sites_of(commune).order_by("name"))
        field = self.fields["pickup_site"]
        field.queryset = Site.objects.filter(pk__in=[site.pk for site in sites]).order_by("name")
        if len(sites) == 1:
            field.initial = sites[0].pk
        if not sites:
            field.required = False
            field.empty_label = _("No pickup site yet")
            field.help_text = _(
                "Your commune has no pickup site yet; the partner will agree on one with you."
            )
        if field.required:
            field.widget.attrs["aria-required"] = "true"


# The file types an import reads (inventory.imports.readers sniffs the content as well).
IMPORT_EXTENSIONS = ("csv", "xlsx", "ods", "xls")
# The commune's surplus statuses as typed: the bounded list, with its separators.
SURPLUS_STATUSES_MAX_CHARACTERS = MAX_SURPLUS_STATUSES * (MAX_SURPLUS_STATUS_LENGTH + 2)
IMPORT_ACCEPT = ",".join(
    (
        ".csv",
        ".xlsx",
        ".ods",
        ".xls",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.ms-excel",
    )
)


class ImportForm(forms.Form):
    """A file of devices to import for the active commune, and how to read it."""

    file = forms.FileField(
        label=_("File"),
        validators=[FileExtensionValidator(allowed_extensions=IMPORT_EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": IMPORT_ACCEPT}),
    )
    pickup_site = SiteChoiceField(
        label=_("Default pickup site"),
        queryset=Site.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("For the rows that name no pickup site."),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=limits.max_length(DeviceImport, "sheet"),
        help_text=_("XLSX, ODS or XLS files only: the sheet to read. The first sheet otherwise."),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run)"),
        required=False,
        help_text=_("Every row is checked and the report shown; nothing is imported."),
    )
    surplus_statuses = forms.CharField(
        label=_("Statuses meaning surplus"),
        required=False,
        max_length=SURPLUS_STATUSES_MAX_CHARACTERS,
        initial=", ".join(DEFAULT_SURPLUS_STATUSES),
        help_text=_(
            "For files with a status column (GLPI’s “Statut”): a row is declared only when its "
            "status contains one of these words, separated by commas (case and accents do not "
            "matter); the other rows are left out and listed. Empty: the default words."
        ),
    )

    def clean_surplus_statuses(self) -> list[str]:
        statuses = parse_surplus_statuses(self.cleaned_data["surplus_statuses"])
        if len(statuses) > MAX_SURPLUS_STATUSES:
            raise forms.ValidationError(
                _("At most %(limit)d surplus statuses.") % {"limit": MAX_SURPLUS_STATUSES}
            )
        if any(len(status) > MAX_SURPLUS_STATUS_LENGTH for status in statuses):
            raise forms.ValidationError(
                _("A surplus status has at most %(limit)d characters.")
                % {"limit": MAX_SURPLUS_STATUS_LENGTH}
            )
        return statuses

    def __init__(self, *args: Any, commune: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pickup_site"].queryset = Site.objects.open_pickup_sites_of(commune).order_by(
            "name"
        )
        self.fields["file"].help_text = _(
            "CSV (Excel, LibreOffice, GLPI), XLSX, ODS or XLS, up to %(size)s. One device per "
            "line, "
            "with at least a type and a brand."
        ) % {"size": filesize(settings.BOUCLE_IMPORT_MAX_BYTES)}
        self.fields["file"].widget.attrs["aria-required"] = "true"


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=EVENT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: why the commune takes the device back. Kept in its history."),
    )
