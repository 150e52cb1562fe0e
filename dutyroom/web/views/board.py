"""The board (/): every open incident the user may see, with a big live countdown per running clock.

The page polls ``board.json`` every few seconds; only when its ``fingerprint`` changes does it fetch
``board/fragment/`` (the same template the page used) and swap it in, so there is one rendering of the
board, not a second one in JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dutyroom.accounts.models import Role
from dutyroom.common import limits
from dutyroom.common.clock import now as clock_now
from dutyroom.common.replica import replica_reads
from dutyroom.incidents.access import may_report
from dutyroom.orgs.selectors import unit_by_code
from dutyroom.reports.access import staffed_room
from dutyroom.web.views import live
from dutyroom.web.views.common import actor
from dutyroom.web.views.present import board_data, board_json


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 1


def _unit(request: HttpRequest) -> int | None:
    """``?unit=<code>`` narrows the board to one unit (the per-unit summary links here); unknown codes are ignored."""
    code = request.GET.get("unit", "")
    found = unit_by_code(code) if code and len(code) <= limits.UNIT_CODE else None
    return found.pk if found is not None else None


def _context(request: HttpRequest) -> dict[str, Any]:
    user = actor(request)
    now = clock_now()
    unit = _unit(request)
    data = board_data(user, now, page=_page(request), unit=unit)
    # The page starts with the same fingerprint board.json would answer now, so the first poll swaps nothing.
    print_ = board_json(user, now, data)["fingerprint"]
    return {
        **data,
        "now": now,
        "fingerprint": print_,
        "can_report": may_report(user),
        "duty_room": user.is_duty_room,
        "staffs_room": staffed_room(user) is not None,  # the city's duty room or a town's: a duty board
        "unit_filter": request.GET.get("unit", "") if unit is not None else "",
        "query": live.view_query(request),
    }


@require_GET
@login_required
@never_cache
@replica_reads()
def board(request: HttpRequest) -> HttpResponse:
    if actor(request).role == Role.INFORMANT:  # a grid worker has no clocks: their home is the lead form
        return redirect("web:lead-new")
    return render(request, "web/board.html", _context(request))


@require_GET
@never_cache
def board_fragment(request: HttpRequest) -> HttpResponse:
    # Read from the primary even with a replica: the fragment is cached under the primary's version, and a
    # lagging replica could file yesterday's content under today's version until the next change.
    # one rendering per (version, kind of viewer), shared by every open board; a cached one is served on the
    # page's signed token without loading the session (views/live.py)
    hit = live.fragment_hit(request)
    if hit is not None:
        return hit
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return live.cached_fragment(request, actor(request), lambda: render(request, "web/_board.html", _context(request)))


@require_GET
@never_cache
@replica_reads()
def board_json_view(request: HttpRequest) -> HttpResponse:
    """JSON for the poller. Not logged in → 401: a redirect to the login page would be useless to a script.

    Conditional: the ETag is the live version (every audit entry, notification and clock passing its deadline
    moves it, views/live.py) with the viewer and language, so a poller that sends it back gets a 304 for the
    price of the shared version read (a typhoon day's 500 cards cost 180 ms and 300 KiB a full refresh)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "login required", "error_zh": "登录已过期，请重新登录"}, status=401)
    etag = f'"{live.version()}.{request.user.pk}.{get_language()}.{request.GET.urlencode()}"'
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = JsonResponse(board_json(actor(request), clock_now()), json_dumps_params={"ensure_ascii": False})
    response["ETag"] = etag
    return response
