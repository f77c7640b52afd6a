"""``manage.py impact_report``: the indicators as JSON or CSV, and recorded as a report."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from impact.models import ImpactReport


def run(*arguments) -> str:
    output = io.StringIO()
    call_command("impact_report", *arguments, stdout=output, stderr=io.StringIO())
    return output.getvalue()


def test_the_indicators_as_json_and_csv(loop_2025, commune):
    # when
    as_json = json.loads(run("--scope", "cachan", "--from", "2025-01-01", "--to", "2025-12-31"))
    as_csv = run(
        "--scope", "cachan", "--from", "2025-01-01", "--to", "2025-12-31", "--format", "csv"
    ).splitlines()

    # then
    assert as_json["totals"]["delivered"] == 3
    assert as_json["avoided"]["co2e_low_kg"] == "202.6"
    assert as_csv[0] == "indicateur;categorie;mois;valeur"
    assert "delivered;laptop;;2" in as_csv
    assert "delivered;;2025-03;2" in as_csv
    assert "co2e_high_kg;;;220,3" in as_csv
    assert "co2e_low_kg@0.3;;;121,6" in as_csv


def test_a_report_is_recorded_for_a_user_who_may_read_it(loop_2025, commune_user, other_commune):
    # when
    run(
        "--scope",
        "cachan",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--record",
        commune_user.username,
    )

    # then
    report = ImpactReport.objects.get()
    assert (report.organisation.slug, report.factor_version.number) == ("cachan", 1)

    # and another commune's is refused
    with pytest.raises(CommandError):
        run(
            "--scope",
            "arcueil",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--record",
            commune_user.username,
        )
    assert ImpactReport.objects.count() == 1
