"""The French typography rules the scans apply, and the filters that write French typography."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django import forms
from django.template import engines
from django.utils import translation

from common import typography
from common.pages import error_summary
from reuse.forms import CollectionForm, DeclarationClaimForm, SiteClaimForm
from tests.french_typography import french_faults

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Catégorie: Ce champ est obligatoire.", "no non-breaking space before « : ; ? ! »"),
        ("Nom : Karim", "no non-breaking space before « : ; ? ! »"),
        ("Annuler votre réservation ?", "no non-breaking space before « : ; ? ! »"),
        ("Rien d’importé; corrigez", "no non-breaking space before « : ; ? ! »"),
        (f"l’état « Déclaré{NBSP}»", "no non-breaking space after « «"),
        (f"l’état «{NBSP}Déclaré »", "no non-breaking space before « »"),
        ("certificat d'effacement", "straight apostrophe"),
        ("256 GB", "English or binary unit"),
        ("50,0 Mio", "binary unit"),
        ("Site : ---------", "Django's empty choice"),
        ("Villejuif — 2026-11-29 10:04", "ISO date"),
        ("8 problème(s) trouvé(s)", "« (s) » instead of a plural form"),
        ("Ce que Atelier Numérique Solidaire peut faire", "no elision before a vowel"),
        ("Claire Dubois,\nDirectrice", "trailing comma"),
        ("Effacement (Clear)", "English method name"),
    ],
)
def test_each_fault_is_found(text, rule):
    assert rule in {fault.rule for fault in french_faults(text)}


def test_french_as_the_french_write_it_has_no_fault():
    text = (
        f"Catégorie{NBSP}: ce champ est obligatoire. Annuler{NBSP}? Rien d’importé{NBSP}; "
        f"l’état «{NBSP}Déclaré{NBSP}», 256{NBSP}Go, 1,5{NBSP}Mo, le 29/11/2026 à 14:30, "
        "Ce qu’Atelier peut faire, 2 problèmes trouvés, déclarez-le une fois, "
        "https://boucle.example/d/AB12CD34/?next=/inventory/ SSD 860 EVO 250GB"
    )

    assert french_faults(text) == []


def test_the_filters_write_french_typography_in_french_and_english_in_english():
    template = engines["django"].from_string(
        '{% load i18n typography %}{{ _("Name")|colon }} {{ 256|gigabytes }} '
        "{{ 1572864|filesize }} {{ 2048|filesize }} {{ 1|filesize }} "
        "{{ 'Ce que Atelier fait, loin de Ivry'|elide }}"
    )

    with translation.override("fr"):
        french = template.render({})
    with translation.override("en"):
        english = template.render({})

    assert french == (
        f"Nom{NBSP}: 256{NBSP}Go 1,5{NBSP}Mo 2,0{NBSP}Ko 1{NBSP}octet "
        "Ce qu’Atelier fait, loin d’Ivry"
    )
    assert english == (
        f"Name: 256{NBSP}GB 1.5{NBSP}MB 2.0{NBSP}KB 1{NBSP}byte Ce qu’Atelier fait, loin d’Ivry"
    )


def test_elide_keeps_a_safe_text_safe_and_escapes_an_unsafe_one():
    template = engines["django"].from_string("{% load typography %}{{ name|elide }}")

    assert template.render({"name": "que Ivry <b>"}) == "qu’Ivry &lt;b&gt;"
    assert typography.elide("de Arcueil") == "d’Arcueil"


def test_the_error_summary_writes_the_french_colon():
    class SiteForm(forms.Form):
        name = forms.CharField(label="Catégorie")

    form = SiteForm(data={})

    with translation.override("fr"):
        entries = error_summary([(form, "")])

    assert entries == [{"href": "#id_name", "text": f"Catégorie{NBSP}: Ce champ est obligatoire."}]


@pytest.mark.django_db
def test_a_declaration_in_a_drop_down_shows_its_date_as_the_reader_writes_it(declare):
    # given
    declaration = declare(1)[0].declaration

    # when
    with translation.override("fr"):
        label = str(declaration)

    # then
    assert french_faults(label) == []
    assert re.search(r" — \d{2}/\d{2}/\d{4} \d{2}:\d{2}$", label)


@pytest.mark.django_db
def test_the_claim_and_collection_drop_downs_offer_a_french_empty_choice(declare):
    # given: a declaration and a site with devices to claim
    declare(1)
    with translation.override("fr"):
        # when
        rendered = " ".join(
            str(form[name])
            for form, name in (
                (DeclarationClaimForm(), "declaration"),
                (SiteClaimForm(), "site"),
                (CollectionForm(), "site"),
            )
        )

    # then
    assert "---------" not in rendered
    assert "Choisissez une déclaration" in rendered
    assert "Choisissez un site" in rendered


def test_a_rate_is_written_as_the_reader_writes_it():
    with translation.override("fr"):
        french = [typography.percent(rate) for rate in ("20.00", "5.50", Decimal("0"), None)]
    with translation.override("en"):
        english = typography.percent("5.50")

    assert french == ["20\u00a0%", "5,5\u00a0%", "0\u00a0%", ""]
    assert english == "5.5%"
