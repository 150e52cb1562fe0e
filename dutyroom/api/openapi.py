"""The error answers every operation can give, written into the OpenAPI document.

Routes declare their success bodies; the error contract (api.md: 400 with per-field errors, 401, 403, 404,
409, 413) is the same for all of them, so it is added here once instead of on forty decorators. Clients and
schemathesis's response-conformance checks then know every status an operation may answer.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

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
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "message_zh", "message_en"],
                "properties": {k: {"type": "string"} for k in ("field", "message", "message_zh", "message_en")},
            },
        },
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


PAGING_HEADERS = {
    "X-Total-Count": {"description": "How many items match, over every page", "schema": {"type": "integer"}},
    "Link": {"description": 'The next page while more remain: `<url>; rel="next"`', "schema": {"type": "string"}},
}


def _is_list(operation: dict[str, Any]) -> bool:
    ok = operation.get("responses", {}).get(200) or operation.get("responses", {}).get("200") or {}
    return bool(ok.get("content", {}).get("application/json", {}).get("schema", {}).get("type") == "array")


class DutyRoomAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The view's own name (``create_incident``), unique across the routes: a generated client names its
        functions and models after it, and the framework's default prefixes the module path to every one."""
        return operation.view_func.__name__

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method == "get" and _is_list(operation):  # every list pages (dutyroom.api.paging)
                    ok = operation["responses"].get(200) or operation["responses"]["200"]
                    ok.setdefault("headers", dict(PAGING_HEADERS))
                responses = operation.setdefault("responses", {})
                for status, (description, body) in ERRORS.items():
                    responses.setdefault(
                        status, {"description": description, "content": {"application/json": {"schema": body}}}
                    )
        return schema
