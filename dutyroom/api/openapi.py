"""The error answers every operation can give, written into the OpenAPI document.

Routes declare their success bodies; the error contract (api.md: 400 with per-field errors, 401, 403, 404,
409, 413) is the same for all of them, so it is added here once instead of on forty decorators. Clients and
schemathesis's response-conformance checks then know every status an operation may answer.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

DETAIL = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string"}, "detail_zh": {"type": "string"}, "detail_en": {"type": "string"}},
}
FIELD_ERRORS = {
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message", "message_zh", "message_en"],
            "properties": {k: {"type": "string"} for k in ("field", "message", "message_zh", "message_en")}}},
    },
}
ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("Invalid fields, each named (Chinese, or English with Accept-Language: en)", FIELD_ERRORS),
    "401": ("Missing or invalid API token", DETAIL),
    "403": ("The caller may see the object but not do this", DETAIL),
    "404": ("Missing, or not visible to the caller (indistinguishable)", DETAIL),
    "405": ("Method not allowed", DETAIL),
    "409": ("Not allowed in the object's current state, or an Idempotency-Key reused for another request", DETAIL),
    "413": ("Request body over the limit", DETAIL),
}


class DutyRoomAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, (description, body) in ERRORS.items():
                    responses.setdefault(status, {"description": description,
                                                  "content": {"application/json": {"schema": body}}})
        return schema
