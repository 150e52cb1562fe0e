"""The board's 1 s version check answered in front of Django's middleware.

With 1,000 open boards a web process takes 1,000 of these a second, nearly all 304s; through Django's full
request cycle (sessions, CSRF, locale, messages …) each cost about a millisecond, which is the whole core.
The check needs none of that: it verifies the page's signed token and compares the shared version
(``views.live``). Anything unusual (no token, a database error) falls through to the Django view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from django.core import signing

from dutyroom.common.clock import now as clock_now

PATH = "/board/version"
FRAGMENT = "/board/fragment/"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def live_check(app: WSGIApp) -> WSGIApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if environ.get("REQUEST_METHOD") != "GET" or path not in (PATH, FRAGMENT):
            return app(environ, start_response)
        answer = _answer(environ) if path == PATH else _fragment(environ)
        if answer is None:
            return app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    return wrapped


def _answer(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
    from dutyroom.alerts.unread import unread_count
    from dutyroom.web.views import live

    token = (parse_qs(environ.get("QUERY_STRING", "")).get("t") or [""])[0]
    try:
        claims = signing.loads(token, salt=live.TOKEN_SALT, max_age=live.TOKEN_MAX_AGE)
        user_id = int(claims[0])
        etag = f'"{live.version()}"'
        headers = [
            ("ETag", etag),
            ("Cache-Control", "no-cache"),
            ("X-Now-Ms", str(int(clock_now().timestamp() * 1000))),
            ("Vary", "Cookie"),
        ]
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            return "304 Not Modified", headers, b""
        unread = unread_count(user_id, etag)
    except Exception:  # a bad token or a database hiccup: the Django view answers (401, or a real error page)
        return None
    body = json.dumps({"version": etag.strip('"'), "unread": unread}).encode()
    return "200 OK", [*headers, ("Content-Type", "application/json"), ("Content-Length", str(len(body)))], body


def _language(environ: dict[str, Any]) -> str:
    """The page's language as ``views.common.chinese_first`` decides it (cookie, else the browser's first)."""
    from http.cookies import SimpleCookie

    from django.conf import settings

    from dutyroom.web.views.common import browser_language_of

    cookie = SimpleCookie()
    try:
        cookie.load(environ.get("HTTP_COOKIE", ""))
    except Exception:  # a malformed Cookie header: let Django answer
        return ""
    morsel = cookie.get(settings.LANGUAGE_COOKIE_NAME)
    if morsel is not None and morsel.value in dict(settings.LANGUAGES):
        return morsel.value
    return browser_language_of(environ.get("HTTP_ACCEPT_LANGUAGE", ""))


def _fragment(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """A cached board fragment for the viewer the token names; a miss goes to the Django view, which renders."""
    from django.http import QueryDict

    from dutyroom.web.views import live

    query = QueryDict(environ.get("QUERY_STRING", ""))
    language = _language(environ)
    try:
        claims = signing.loads(query.get("t", ""), salt=live.TOKEN_SALT, max_age=live.TOKEN_MAX_AGE)
        body = live.fragment_lookup(query, int(claims[0]), str(claims[1]), claims[2], language) if language else None
    except Exception:  # a bad token or a database hiccup: the Django view answers
        return None
    if body is None:
        return None
    return (
        "200 OK",
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ],
        body,
    )
