"""The one filter set of the device list, shared by the inventory page, its API and exports."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.choices import DeviceCategory, DeviceState
from inventory.models import Device
from organisations.models import Organisation


class WholeNumberFilter(django_filters.NumberFilter):
    """A number filter accepting whole numbers only: ``0.5`` is refused, not matched."""

    field_class = forms.IntegerField


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        label=_("Search"),
        help_text=_("Brand, model, serial number or code."),
    )
    commune = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.communes(),
        to_field_name="slug",
        label=_("Commune"),
        empty_label=_("All communes"),
    )
    category = django_filters.MultipleChoiceFilter(
        choices=DeviceCategory.choices, label=_("Category")
    )
    state = django_filters.MultipleChoiceFilter(choices=DeviceState.choices, label=_("State"))
    declaration = WholeNumberFilter(
        field_name="declaration",
        label=_("Declaration"),
        help_text=_("The devices declared together, by the declaration's number."),
    )

    class Meta:
        model = Device
        fields = ["q", "commune", "category", "state", "declaration"]

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(brand__icontains=word)
                | Q(model__icontains=word)
                | Q(serial_number__icontains=word)
                | Q(code__iexact=word)
                | Q(asset_tag__iexact=word)
            )
        return queryset
