"""Edge middleware: request-body limit, the JSON error shape under /api/, and security headers.

Why the body is always read here: gunicorn 27's gthread worker drains an unread request body only up to
64 KiB before reusing a kept-alive connection, and past that closes the socket *after* having sent
``Connection: keep-alive`` (a WSGI app cannot set that hop-by-hop header). Any view that never touches
the body (a 401, a 404, a CSRF refusal, ``/handled``) would then break the client's next request. So this
middleware, outermost, reads every body up to the limit, and reads and discards a body over it before
answering 413, up to ``DISCARD_CEILING``; beyond that ceiling the connection cannot be kept and the
proxy in front (``client_max_body_size``) is the place to refuse (docs/security.md).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("dutyroom.http")

DISCARD_CEILING = 256 * 1024 * 1024
_CHUNK = 256 * 1024

Handler = Callable[[HttpRequest], HttpResponse]


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_json(status: int, zh: str, en: str, request: HttpRequest | None = None) -> JsonResponse:
    """The API's error shape (``detail``, ``detail_zh``, ``detail_en``), English with ``Accept-Language: en``."""
    english = request is not None and request.headers.get("Accept-Language", "").lower().startswith("en")
    return JsonResponse(
        {"detail": en if english else zh, "detail_zh": zh, "detail_en": en},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def max_body_bytes() -> int:
    return int(getattr(settings, "DUTYROOM_MAX_BODY_BYTES", 1024 * 1024))


def body_limit(request: HttpRequest) -> int:
    """The limit for this request: the photo upload routes take phone photos (2–5 MB each, several per
    lead), every other route keeps the small general limit."""
    for prefix in getattr(settings, "DUTYROOM_UPLOAD_PATHS", ()):
        if request.path == prefix:
            return int(getattr(settings, "DUTYROOM_MAX_UPLOAD_BYTES", max_body_bytes()))
    return max_body_bytes()


def _discard(stream: Any, remaining: int | None) -> None:
    """Read and drop what is left of the body (``None``: until EOF, for chunked uploads)."""
    read = 0
    while remaining is None or read < remaining:
        size = _CHUNK if remaining is None else min(_CHUNK, remaining - read)
        data = stream.read(size)
        if not data:
            return
        read += len(data)
        if read > DISCARD_CEILING:
            return


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    zh = f"请求体过大（上限 {limit} 字节）"
    en = f"request body too large (limit {limit} bytes)"
    if is_api(request):
        return error_json(413, zh, en, request)
    return HttpResponse(f"{zh} / {en}", status=413, content_type="text/plain; charset=utf-8")


class BodyLimitMiddleware:
    """Read every request body (so kept-alive connections survive) and refuse one over the limit with 413."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        stream = request.META.get("wsgi.input")
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if chunked and stream is not None:
            body = stream.read(limit + 1)
            if len(body) > limit:
                _discard(stream, None)
                return _too_large(request, limit)
            request._body = body  # Django ignores chunked bodies otherwise
        elif length > limit:
            if stream is not None:
                _discard(stream, length)
            return _too_large(request, limit)
        elif length > 0 and limit > max_body_bytes() and stream is not None:
            # an upload route: read it here too, but past Django's in-memory cap for plain bodies (which
            # counts the photos); the multipart parser then caps the form's text fields on its own
            request._body = stream.read(length)
        elif length > 0:
            request.body  # noqa: B018  # read now, whatever the view does with it
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """Under /api/ every error is JSON: unknown paths (404), wrong methods (405) and crashes (500) too."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            return error_json(404, "接口不存在", "no such API endpoint", request)
        if response.status_code == 405:
            shaped = error_json(405, "不支持该请求方法", "method not allowed", request)
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        if response.status_code >= 500:
            return error_json(500, "服务器内部错误，已记录", "internal server error (logged)", request)
        return error_json(response.status_code, "请求被拒绝", "request refused", request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api(request):
            return None
        logger.exception("unhandled error on %s %s", request.method, request.path, exc_info=exception)
        return error_json(500, "服务器内部错误，已记录", "internal server error (logged)", request)


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """CSP without inline script or style, no caching of anything but static files, a narrow Permissions-Policy.

    Referrer-Policy, X-Content-Type-Options, HSTS and X-Frame-Options come from Django's own middleware
    (settings); this adds what Django does not, and the same defaults on answers that never reach Django's.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        # Django's own middleware sets these on answers that reach it; an early 413 does not, so set them here too
        response.setdefault("X-Frame-Options", "DENY")
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY or "same-origin")
        if not request.path.startswith(settings.STATIC_URL):
            # Incident pages and API answers carry protected content: no shared or browser cache keeps them.
            response["Cache-Control"] = "no-store"
        return response


def parsed_json(body: bytes) -> Any:
    """The JSON value of a body, or the raw bytes when it is not JSON (for comparing requests by meaning)."""
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return body.decode("latin-1")
