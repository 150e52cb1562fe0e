"""Schemathesis over every operation of our OpenAPI document (bounded examples), checking not only "no 5xx" but
that every answer's status, content type and body conform to the document (errors included). Every operation
declares its answer's fields, so the body check compares real fields and types, not an open object; this is
the one fuzzing test of the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
# Valid and invalid data for every operation (negative: wrong types, missing fields, values out of range), the
# examples bounded per operation so the run stays short; extra fields outside the schema come from the strict
# sweep in tests/security/test_strict_input.py.
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
EXAMPLES = 10


@pytest.fixture
def token(api) -> Iterator[str]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield api("duty-officer").token
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_conforms_to_the_openapi_document(case, token) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
