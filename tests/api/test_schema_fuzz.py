"""The API against its own OpenAPI document, as a commune with its token: every operation
tried with generated requests, valid and invalid, every answer checked against the schema
(:mod:`tests.api.schema_fuzzing`; the partner's in ``test_schema_fuzz_partner.py``)."""

from __future__ import annotations

from tests.api.schema_fuzzing import MARKS, schema_failures

pytestmark = MARKS


def test_every_answer_to_a_commune_matches_the_schema(fuzzing_tokens):
    # when
    failures = schema_failures(fuzzing_tokens["commune"])

    # then
    assert failures == []
