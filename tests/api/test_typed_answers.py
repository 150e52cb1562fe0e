"""Every operation of the OpenAPI document says what its success answer contains: a named schema (or a list
of one), never an open object a client can only treat as a bare dictionary."""

from __future__ import annotations

from typing import Any

from dutyroom.api.v1 import api as api_v1


def untyped(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return untyped(schema.get("items", {}))
    return "$ref" not in schema


def test_every_success_answer_of_the_document_names_its_fields() -> None:
    found = []
    for path, operations in api_v1.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                body = answer.get("content", {}).get("application/json")
                if str(status).startswith("2") and body is not None and untyped(body["schema"]):
                    found.append(f"{method.upper()} {path} {status}")
    assert found == []
