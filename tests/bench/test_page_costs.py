"""The inventory page's costs in one process (bench/page_costs.py): on the demo territory, it
asks for every request it names and adds up every part of the page it reports. No timing is
checked here."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import resolve
from django.urls.exceptions import Resolver404

from bench.page_costs import RELATIONS, measure, report


@pytest.mark.urls("bench.load_urls")
def test_every_request_is_answered_and_every_part_of_the_page_added_up(db):
    # given
    call_command("seed_demo", stdout=io.StringIO())

    # when
    figures = measure(requests=2, rounds=1, warm_up=1)
    text = report(figures, requests=2, rounds=1, devices=0)

    # then
    assert set(figures["seconds"]) == {"bare", "layout", "api", "page"}
    assert all(seconds > 0 for seconds in figures["seconds"].values())
    parts = figures["parts"]
    for part in (
        "session and user read",
        "memberships read",
        "filter set built",
        "keyset read",
        RELATIONS,
        "templates",
        "filter field “pickup_site”",
        "filter field “commune”",
    ):
        assert parts[part] > 0, part
    assert parts["keyset read"] >= parts[RELATIONS]
    assert "| rendering the field “commune” |" in text
    assert "| the signed-in layout alone (`base.html`, empty) |" in text


@pytest.mark.urls("bench.load_urls")
def test_the_layout_is_mounted_only_while_it_is_measured(db):
    # given
    call_command("seed_demo", stdout=io.StringIO())

    # when
    measure(requests=1, rounds=1, warm_up=1)

    # then
    with pytest.raises(Resolver404):
        resolve("/__bench__/layout/")
