"""The board's cheap live check: one conditional poll a second that answers 304 until something changed.

Measured with 1,000 open boards on one web process (``bench/live.py``, figures in docs/decisions.md):
- The version is global: the newest audit entry's id (every state change writes one audit row, overdue
  flips included), the newest notification's id and the number of clocks past due not yet flipped,
  read at most once per ``SHARE_SECONDS`` per process, so 1,000 polls a second cost about 30 queries.
- The poll carries a signed token naming the user (issued with the page) instead of the session, so a 304
  touches neither the session nor the user table. An expired or forged token answers 401.
- Only a changed version makes the page fetch ``board/fragment/``; the rendered fragment is cached per
  (version, role, unit, language, the board's own query), so the herd of boards refreshing after one
  event renders it once per kind of viewer. The fragment's forms take the page's own CSRF token on submit (app.js).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse, QueryDict
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from dutyroom.accounts.models import User
from dutyroom.alerts.models import Notification
from dutyroom.alerts.unread import unread_count
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.obligations.models import Obligation
from dutyroom.rules import ObligationState

SHARE_SECONDS = 0.1
TOKEN_SALT = "dutyroom.live"
TOKEN_MAX_AGE = 24 * 3600


class _Heads:
    value: tuple[int, int, int] = (0, 0, 0)
    at: float = 0.0


_heads = _Heads()
_lock = threading.Lock()
_fragments: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
FRAGMENTS_KEPT = 64
_rendering: dict[tuple[object, ...], threading.Event] = {}
RENDER_WAIT_SECONDS = 5.0


def _read_heads() -> tuple[int, int, int]:
    audit = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    note = Notification.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # clocks past due that the worker has not flipped yet: the board shows them overdue at read time, so the
    # version must move when one passes its deadline, worker or not (partial index on pending due_at)
    due = Obligation.objects.filter(state=ObligationState.PENDING, due_at__lte=clock_now()).count()
    return int(audit), int(note), due


def heads(fresh: bool = False) -> tuple[int, int, int]:
    with _lock:
        if not fresh and time.monotonic() - _heads.at < SHARE_SECONDS:
            return _heads.value
    value = _read_heads()
    with _lock:
        _heads.value, _heads.at = value, time.monotonic()
    return value


def version() -> str:
    return ".".join(str(part) for part in heads())


def live_token(user: User) -> str:
    """Names the user and what decides their board (role, unit), signed with the site's secret."""
    return signing.dumps([user.pk, user.role, user.unit_id], salt=TOKEN_SALT)


def token_claims(request: HttpRequest) -> tuple[int, str, int | None] | None:
    try:
        user_id, role, unit_id = signing.loads(request.GET.get("t", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        return int(user_id), str(role), None if unit_id is None else int(unit_id)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _token_user_id(request: HttpRequest) -> int | None:
    claims = token_claims(request)
    return None if claims is None else claims[0]


@require_GET
def board_version(request: HttpRequest) -> HttpResponse:
    user_id = _token_user_id(request)
    if user_id is None:
        return JsonResponse({"error": "login required", "error_zh": "登录已过期，请重新登录"}, status=401)
    etag = f'"{version()}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        unread = unread_count(user_id, etag)
        response = JsonResponse({"version": etag.strip('"'), "unread": unread})
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response["X-Now-Ms"] = str(int(clock_now().timestamp() * 1000))
    return response


def _newer(seen: str, current: str) -> bool:
    try:
        return tuple(int(x) for x in seen.split(".")) > tuple(int(x) for x in current.split("."))
    except ValueError:
        return False


def _current(request: HttpRequest) -> str:
    return current_for(request.GET)


def current_for(get: QueryDict) -> str:
    current = version()
    if _newer(get.get("v", "").strip('"'), current):  # this process has not looked since: look now
        current = ".".join(str(part) for part in heads(fresh=True))
    return current


def view_query(request: HttpRequest) -> str:
    return query_key(request.GET)


def query_key(get: QueryDict) -> str:
    """The board's own query (unit, page) without the live check's token and version."""
    query = get.copy()
    for name in ("t", "v"):
        query.pop(name, None)
    return query.urlencode()


def _reply(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


class _Holders:
    """Who holds a live need-to-know grant, read once per version (a grant or a revocation writes an audit row,
    so it moves the version): the herd of fragment requests after an event costs one query, not one each."""

    version: str = ""
    users: frozenset[int] = frozenset()


_holders = _Holders()


def grant_holders(current: str) -> frozenset[int]:
    from dutyroom.incidents.models import IncidentGrant

    with _lock:
        if _holders.version == current:
            return _holders.users
    users = frozenset(IncidentGrant.objects.filter(revoked_at__isnull=True).values_list("user_id", flat=True))
    with _lock:
        _holders.version, _holders.users = current, users
    return users


def viewer(user_id: int, role: str, unit_id: int | None, current: str | None = None) -> tuple[object, ...]:
    """Whose fragment this is. Viewers of one kind (role, unit) share one; a person holding a need-to-know grant
    sees work-secret incidents their kind does not, so their fragment is their own."""
    personal = user_id in grant_holders(current if current is not None else version())
    return (role, unit_id, user_id if personal else None)


def fragment_lookup(get: QueryDict, user_id: int, role: str, unit_id: int | None, language: str) -> bytes | None:
    current = current_for(get)
    key = (current, *viewer(user_id, role, unit_id, current), language, query_key(get))
    with _lock:
        return _fragments.get(key)


def fragment_hit(request: HttpRequest) -> HttpResponse | None:
    """A cached fragment for the viewer the token names, without touching the session; None on a miss."""
    claims = token_claims(request)
    if claims is None:
        return None
    current = _current(request)
    key = (current, *viewer(*claims, current), get_language(), view_query(request))
    with _lock:
        body = _fragments.get(key)
    return None if body is None else _reply(body)


def cached_fragment(request: HttpRequest, user: User, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The board fragment for this kind of viewer at the current version, rendered once per version.

    Single flight: when an event moves the version, every open board asks within the same second and all of
    them miss; without this each of the server's threads rendered its own copy (tens of milliseconds each,
    the whole core for a moment). The first thread renders, the others wait for it (bounded) and share it.
    """
    current = _current(request)
    key = (current, *viewer(user.pk, user.role, user.unit_id, current), get_language(), view_query(request))
    with _lock:
        body = _fragments.get(key)
        running = _rendering.get(key) if body is None else None
        mine = body is None and running is None
        if mine:
            running = _rendering[key] = threading.Event()
    if body is None and not mine and running is not None and running.wait(RENDER_WAIT_SECONDS):
        with _lock:
            body = _fragments.get(key)
    if body is None:
        try:
            body = render().content
            with _lock:
                _fragments[key] = body
                while len(_fragments) > FRAGMENTS_KEPT:
                    _fragments.popitem(last=False)
        finally:
            if mine and running is not None:
                with _lock:
                    _rendering.pop(key, None)
                running.set()
    return _reply(body)
