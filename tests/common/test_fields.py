"""A drop-down of model choices read once, with the form's own queryset, and written with
Django's markup (common.fields)."""

import pytest
from django import forms
from django.template import Context, Template

from common.fields import ListedModelChoiceField
from organisations.models import Site

pytestmark = pytest.mark.django_db

PAGE = Template("{% if form.fields.site.queryset %}{{ form.site }}{% else %}Aucun site{% endif %}")


def _forms(organisation):
    sites = (
        Site.objects.filter(organisation=organisation)
        .select_related("organisation")
        .order_by("name")
    )

    class Django(forms.Form):
        site = forms.ModelChoiceField(queryset=sites, empty_label="Choisir", help_text="Aide")

    class Listed(forms.Form):
        site = ListedModelChoiceField(queryset=sites, empty_label="Choisir", help_text="Aide")

    return Django, Listed


def test_a_listed_field_writes_djangos_drop_down_reading_its_choices_once(
    commune, django_assert_num_queries
):
    # given
    for name in ("Mairie", "École <Jaurès> & annexe"):
        Site.objects.create(organisation=commune, name=name, address="1 rue", city="Cachan")
    django_form, listed_form = _forms(commune)
    expected = PAGE.render(Context({"form": django_form()}))

    # when: the page asks whether there are choices, then shows them
    with django_assert_num_queries(1):
        shown = PAGE.render(Context({"form": listed_form()}))

    # then
    assert shown == expected
    assert "École &lt;Jaurès&gt; &amp; annexe" in shown


def test_a_listed_field_without_choices_says_so_and_still_validates(commune):
    # given
    _django_form, listed_form = _forms(commune)

    # when
    shown = PAGE.render(Context({"form": listed_form()}))
    site = Site.objects.create(organisation=commune, name="Mairie", address="1 rue", city="Cachan")
    bound = listed_form({"site": site.pk})

    # then: each form reads the choices of its own time
    assert shown == "Aucun site"
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["site"] == site
