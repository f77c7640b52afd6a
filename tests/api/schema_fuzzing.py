"""What the schema fuzzing tests share: Schemathesis generates requests from the schema served
at /api/schema/, valid ones and invalid ones, for every operation, and checks every answer (no
server error, a documented status, content type and body). One module a role
(``test_schema_fuzz.py``, ``test_schema_fuzz_partner.py``), so that the suite's processes run
them side by side."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

MARKS = [
    pytest.mark.schema_fuzz,
    # Each generated request commits on its own, as in production: on PostgreSQL a request a
    # database error aborts must not leave the test's one transaction unusable for the next.
    pytest.mark.django_db(transaction=True),
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Few examples per operation and mode: the suite runs on two cores in the CI.
EXAMPLES = 8


def schema_failures(token: str) -> list[str]:
    """Every operation of the schema tried, valid and invalid data; what failed, described."""
    api_schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:
                # No invalid request can be written for this operation (a free text path
                # parameter only): nothing to try.
                continue
            except (Exception, BaseExceptionGroup) as error:  # every failure, reported at the end
                failures.append(f"{operation.label} ({mode}): {error}")
    return failures
