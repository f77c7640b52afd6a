"""The API against its own OpenAPI document, as a partner with its token: every operation
tried with generated requests, valid and invalid, every answer checked against the schema
(:mod:`tests.api.schema_fuzzing`; the commune's in ``test_schema_fuzz.py``)."""

from __future__ import annotations

from tests.api.schema_fuzzing import MARKS, schema_failures

pytestmark = MARKS


def test_every_answer_to_a_partner_matches_the_schema(fuzzing_tokens):
    # when
    failures = schema_failures(fuzzing_tokens["partner"])

    # then
    assert failures == []
