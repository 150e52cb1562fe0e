"""A cache that lives for one worker pass, so a burst does not re-read what cannot change within it.

In a burst the alert ladder and the outbox fan-out resolve the same audiences thousands of times a pass: the
shift on duty, a unit's reporters and leader, the active webhooks, the same people's preferences. Each was a
query per alert (issue 7's worker bench: 24 ms of jobs per fired clock at 2,000 clocks). Inside
``pass_memo()`` those reads are made once and shared; outside it (every web request, every test that does
not open one) ``memoized`` computes afresh, so nothing a person changes is ever hidden from a page. A pass
lasts well under a second: a shift edited during it is seen by the next pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_local = threading.local()


@contextmanager
def pass_memo() -> Iterator[None]:
    """Share reads for the duration (per thread; a nested call joins the outer one)."""
    if getattr(_local, "cache", None) is not None:
        yield
        return
    _local.cache = {}
    try:
        yield
    finally:
        _local.cache = None


def memoized(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per pass for ``key``; every time when no pass is open. Callers must not mutate it."""
    cache: dict[Hashable, Any] | None = getattr(_local, "cache", None)
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    value: T = cache[key]
    return value
