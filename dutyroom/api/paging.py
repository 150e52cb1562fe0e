"""Paging of every list operation, in one place so that every list answers the same way.

A list stays a JSON list (version 1 clients keep working); ``limit`` and ``offset`` choose the slice and the
headers say what the body cannot: ``X-Total-Count`` (how many match) and, while more remain, a ``Link`` with
``rel="next"`` pointing at the next slice. A list without paging silently stopped at its cap (the lead list at
500), so a client could never learn that more existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Schema

T = TypeVar("T")

MAX_LIMIT = 500
DEFAULT_LIMIT = 500
# Far beyond any list this system keeps; bounds the OFFSET PostgreSQL and SQLite are asked to skip.
MAX_OFFSET = 10_000_000


class Paging(Schema):
    """``limit`` (1–500; the list's own default when left out) and ``offset`` (0 = from the first)."""

    limit: int | None = Field(None, ge=1, le=MAX_LIMIT, description="at most 500; default as in version 1")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="how many matching items to skip")


def _next_link(request: HttpRequest, limit: int, offset: int) -> str:
    query = request.GET.copy()
    query["limit"] = str(limit)
    query["offset"] = str(offset)
    pairs = [(key, value) for key in query for value in query.getlist(key)]
    return request.build_absolute_uri(f"{request.path}?{urlencode(pairs)}")


def paged(
    request: HttpRequest,
    response: HttpResponse,
    items: QuerySet[Any] | Sequence[T],
    paging: Paging,
    view: Callable[[Any], Any] | None = None,
    *,
    default: int = DEFAULT_LIMIT,
) -> list[Any]:
    """The slice of ``items`` that ``paging`` asks for, each passed through ``view``; sets the paging headers on
    ``response`` (django-ninja's temporal response, merged into the answer). A query set is counted and sliced
    in the database, so only the slice is ever read."""
    limit = paging.limit if paging.limit is not None else min(default, MAX_LIMIT)
    offset = paging.offset
    total = items.count() if isinstance(items, QuerySet) else len(items)
    chunk = list(items[offset : offset + limit])
    response["X-Total-Count"] = str(total)
    if offset + limit < total:
        response["Link"] = f'<{_next_link(request, limit, offset + limit)}>; rel="next"'
    return [view(item) for item in chunk] if view is not None else chunk
