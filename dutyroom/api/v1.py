"""HTTP API v1 (docs/api.md). Thin: parse, fetch with access checks, call a service, serialise."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dutyroom.api import errors
from dutyroom.api.auth import BearerToken
from dutyroom.api.openapi import DutyRoomAPI
from dutyroom.api.routes import (
    alerts,
    assessment,
    documents,
    grants,
    handover,
    incidents,
    instructions,
    interop,
    leads,
    obligations,
    opinion,
    system,
    units,
)
from dutyroom.common.errors import DomainError, TooMany

api = DutyRoomAPI(
    title="DutyRoom API",
    version="1",
    description="突发事件信息报告 — incidents, reports, statutory clocks. See docs/api.md in the repository.",
    auth=BearerToken(),
    urls_namespace="api-v1",
    docs_url="/docs",
)
api.add_router("/", incidents.router)
api.add_router("/", obligations.router)
api.add_router("/", system.router)
api.add_router("/", leads.router)
api.add_router("/", documents.router)
api.add_router("/", interop.router)
api.add_router("/", instructions.router)
api.add_router("/", assessment.router)
api.add_router("/", grants.router)
api.add_router("/", alerts.router)
api.add_router("/", opinion.router)
api.add_router("/", handover.router)
api.add_router("/", units.router)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    body = errors.validation_body(request, errors.pydantic_errors(list(exc.errors)))
    return api.create_response(request, body, status=400)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, errors.domain_body(request, exc), status=exc.status)
    if isinstance(exc, TooMany):  # a client (and a proxy) knows when to try again without parsing the body
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    english = errors.wants_english(request)
    detail = "Missing or invalid API token" if english else "缺少或无效的 API 令牌（Authorization: Bearer <token>）"
    return api.create_response(request, {"detail": detail}, status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # the framework's own 400s (e.g. unparsable JSON) get the same shape as ours
        body = errors.validation_body(request, {"body": ("请求体不是有效的 JSON 对象", f"invalid request body: {exc}")})
        return api.create_response(request, body, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
