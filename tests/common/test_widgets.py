"""The widgets written in Python give Django's markup to the character, and choice labels are
Django's (common.widgets, common.choices)."""

import datetime

import pytest
from django import forms
from django.utils import translation

from common.choices import choice_label
from common.widgets import (
    PlainCheckboxSelectMultiple,
    PlainDateInput,
    PlainNumberInput,
    PlainSelect,
    PlainSelectMultiple,
    PlainTextInput,
)
from inventory.choices import DeviceCategory, DeviceState
from inventory.models import Device
from procurement.models import Offer

CHOICES = [
    ("", "Toutes <les> communes"),
    ("a&b", "Cachan « d'en haut »"),
    ("Groupe <1>", [("1", "un"), ("2", 'deux "2"')]),
]
ATTRS = {"aria-describedby": "id_n_helptext", "required": True, "disabled": False, "data-x": 0}


@pytest.mark.parametrize(
    ("django_widget", "plain_widget", "value"),
    [
        (forms.Select, PlainSelect, "a&b"),
        (forms.Select, PlainSelect, None),
        (forms.Select, PlainSelect, "1"),
        (forms.SelectMultiple, PlainSelectMultiple, ["1", "a&b"]),
        (forms.SelectMultiple, PlainSelectMultiple, []),
        (forms.CheckboxSelectMultiple, PlainCheckboxSelectMultiple, ["2"]),
        (forms.CheckboxSelectMultiple, PlainCheckboxSelectMultiple, None),
    ],
)
@pytest.mark.parametrize("attrs", [{"id": "id_n"}, {}, {"id": "id_n", "class": "compact"}])
def test_choice_widgets_write_djangos_markup(django_widget, plain_widget, value, attrs):
    expected = django_widget(choices=CHOICES, attrs=ATTRS).render("n", value, attrs)
    assert plain_widget(choices=CHOICES, attrs=ATTRS).render("n", value, attrs) == expected


@pytest.mark.parametrize(
    ("django_widget", "plain_widget", "value", "options"),
    [
        (forms.TextInput, PlainTextInput, 'say "<b>"', {}),
        (forms.TextInput, PlainTextInput, None, {}),
        (forms.TextInput, PlainTextInput, "", {}),
        (forms.DateInput, PlainDateInput, datetime.date(2026, 11, 29), {"format": "%Y-%m-%d"}),
        (forms.DateInput, PlainDateInput, "29/13/2026", {}),
        (forms.NumberInput, PlainNumberInput, 12, {}),
        (forms.NumberInput, PlainNumberInput, None, {}),
    ],
)
def test_inputs_write_djangos_markup(django_widget, plain_widget, value, options):
    attrs = {**ATTRS, "type": "date"} if django_widget is forms.DateInput else ATTRS
    expected = django_widget(attrs=attrs, **options).render("n", value, {"id": "id_n"})
    assert plain_widget(attrs=attrs, **options).render("n", value, {"id": "id_n"}) == expected


def test_a_plain_widget_renders_the_same_in_a_form():
    """Bound to a form field, with its help text and errors, as pages show them."""

    class Django(forms.Form):
        site = forms.ChoiceField(choices=CHOICES[:2], help_text="Aide")
        states = forms.MultipleChoiceField(
            choices=DeviceState.choices, widget=forms.CheckboxSelectMultiple
        )

    class Plain(forms.Form):
        site = forms.ChoiceField(choices=CHOICES[:2], help_text="Aide", widget=PlainSelect)
        states = forms.MultipleChoiceField(
            choices=DeviceState.choices, widget=PlainCheckboxSelectMultiple
        )

    data = {"site": "nope", "states": ["ready", "claimed"]}
    with translation.override("fr"):
        for name in ("site", "states"):
            assert str(Plain(data)[name]) == str(Django(data)[name])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_choice_labels_are_djangos(language):
    """The device's and the offer's own get_*_display() give what Django's would, in the
    reader's language, and the value itself when it is none of the choices."""
    category_field = Device._meta.get_field("category")
    state_field = Device._meta.get_field("state")
    with translation.override(language):
        for category in [*DeviceCategory.values, "spaceship"]:
            device = Device(category=category)
            assert str(device.get_category_display()) == str(
                Device._get_FIELD_display(device, category_field)
            )
        for state in [*DeviceState.values, "lost"]:
            device = Device(state=state)
            assert str(device.get_state_display()) == str(
                Device._get_FIELD_display(device, state_field)
            )
        for category in [*DeviceCategory.values, "spaceship"]:
            offer = Offer(category=category)
            assert str(offer.get_category_display()) == str(
                Offer._get_FIELD_display(offer, Offer._meta.get_field("category"))
            )
    assert choice_label(DeviceState, "lost") == "lost"
