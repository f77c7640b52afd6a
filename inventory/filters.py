"""The one filter set of the device list, shared by the inventory page, its API and exports."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.filters import ListedModelChoiceFilter
from common.keyset import with_tie_breaker
from common.widgets import PlainNumberInput, PlainSelect, PlainTextInput
from inventory.choices import DeviceCategory, DeviceState
from inventory.models import Device
from organisations.choices import OrganisationKind
from organisations.models import Organisation, Site


class WholeNumberFilter(django_filters.NumberFilter):
    """A number filter accepting whole numbers only: ``0.5`` is refused, not matched."""

    field_class = forms.IntegerField


class DeviceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_text",
        widget=PlainTextInput,
        label=_("Search"),
        help_text=_("Brand, model, serial number or code."),
    )
    commune = ListedModelChoiceFilter(
        queryset=Organisation.objects.communes(),
        to_field_name="slug",
        label=_("Commune"),
        empty_label=_("All communes"),
        widget=PlainSelect,
    )
    # A device has one category and one state: no join to make the rows distinct again.
    category = django_filters.MultipleChoiceFilter(
        choices=DeviceCategory.choices,
        label=_("Category"),
        distinct=False,
    )
    state = django_filters.MultipleChoiceFilter(
        choices=DeviceState.choices,
        label=_("State"),
        distinct=False,
    )
    pickup_site = ListedModelChoiceFilter(
        queryset=Site.objects.filter(is_pickup=True, organisation__kind=OrganisationKind.COMMUNE)
        .select_related("organisation")
        .order_by("organisation__name", "name"),
        label=_("Pickup site"),
        empty_label=_("All sites"),
        widget=PlainSelect,
    )
    declared_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Declared from")
    )
    declared_until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Declared until")
    )
    declaration = WholeNumberFilter(
        field_name="declaration",
        widget=PlainNumberInput,
        label=_("Declaration"),
        help_text=_("The devices declared together, by the declaration's number."),
    )

    class Meta:
        model = Device
        fields = [
            "q",
            "commune",
            "category",
            "state",
            "pickup_site",
            "declared_from",
            "declared_until",
            "declaration",
        ]

    def filter_text(self, queryset, name, value):
        """Each word anywhere in the brand, model or serial number, or the whole code or asset
        tag, whatever the case. Each condition reads an index on PostgreSQL: the trigrams of
        ``UPPER(column)`` for the words (what ``icontains`` compares), the code's unique index
        (codes are written in capitals), an index of ``UPPER(asset_tag)``."""
        for word in value.split():
            queryset = queryset.filter(
                Q(brand__icontains=word)
                | Q(model__icontains=word)
                | Q(serial_number__icontains=word)
                | Q(code=word.upper())
                | Q(asset_tag__iexact=word)
            )
        return queryset


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts by the chosen column, then by primary key in the same direction (unless the
    column is unique): pages do not shuffle equal values, and one index on (column, id)
    reads the page either way (:func:`common.keyset.with_tie_breaker`)."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        return qs.order_by(*with_tie_breaker(qs.model, qs.query.order_by)) if value else qs


class DevicePageFilter(DeviceFilter):
    """The inventory page's filters: the shared ones, and the columns the table sorts by
    (the API sorts with its own ``ordering`` parameter)."""

    sort = StableOrderingFilter(
        fields=(
            ("code", "code"),
            ("brand", "device"),
            ("commune__name", "commune"),
            ("state", "state"),
            ("created_at", "declared"),
        ),
        label=_("Sort by"),
    )

    class Meta(DeviceFilter.Meta):
        fields = [*DeviceFilter.Meta.fields, "sort"]
