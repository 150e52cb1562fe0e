"""A cache that lives for one worker pass, so a burst does not re-read what cannot change within it.

In a burst the alert ladder and the outbox fan-out resolve the same audiences thousands of times a pass: the
shift on duty, a unit's reporters and leader, the active webhooks, the same people's preferences. Each was a
query per alert (the worker bench: 24 ms of jobs per fired clock at 2,000 clocks). Inside
``pass_memo()`` those reads are made once and shared; outside it (every web request, every test that does
not open one) ``memoized`` computes afresh, so nothing a person changes is ever hidden from a page. A pass
lasts well under a second: a shift edited during it is seen by the next pass (the deadline sweep's passes share
their reads for up to ``SWEEP_KEEP``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
SWEEP_KEEP = 1.0  # seconds (see ``pass_memo``)
_local = threading.local()


@contextmanager
def pass_memo(keep: float = 0.0) -> Iterator[None]:
    """Share reads for the duration (per thread; a nested call joins the outer one).

    ``keep``: seconds for which the same reads may also serve this thread's later passes. The worker's deadline
    sweep keeps them for ``SWEEP_KEEP`` while its last sweep fired a clock (a burst): then it runs dozens of
    small batches a second, and the roster, the units' staff, the people's preferences and the webhooks were
    read again for each (a third of a batch of 30 clocks on PostgreSQL). During a burst a change to any of them
    reaches the sweep's alerts within that time; the shift on duty is resolved to the second
    (``duty.selectors.roster_now``), so a handover is never missed. Any pass without ``keep`` drops it."""
    if getattr(_local, "cache", None) is not None:
        yield
        return
    cache: dict[Hashable, Any] = {}
    if keep > 0:
        kept = getattr(_local, "kept", None)
        started = time.monotonic()
        if kept is not None and started - kept[0] < keep:
            cache = kept[1]
        else:
            _local.kept = (started, cache)
    else:  # a pass that keeps nothing also ends what an earlier pass kept
        _local.kept = None
    _local.cache = cache
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


MISSING: Any = object()  # what ``recall`` returns for a key the open pass has not seen (or when none is open)


def recall(key: Hashable) -> Any:
    """The open pass's value for ``key``, or ``MISSING``: for callers that read many keys in one query."""
    cache: dict[Hashable, Any] | None = getattr(_local, "cache", None)
    return MISSING if cache is None else cache.get(key, MISSING)


def remember(key: Hashable, value: Any) -> None:
    """Keep ``value`` for ``key`` in the open pass (nothing when none is open)."""
    cache: dict[Hashable, Any] | None = getattr(_local, "cache", None)
    if cache is not None:
        cache[key] = value
