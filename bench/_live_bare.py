"""The live group's baseline: the same gunicorn (gthread, one process, the same threads, keep-alive and
connection limits as ``dutyroom serve``) answering every board poll with a constant 304, no Django and no
DutyRoom. Its CPU per request is what the server itself costs; the rest of the product's is ours."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response(
        "304 Not Modified",
        [("ETag", '"1.1.0"'), ("Cache-Control", "no-cache"), ("X-Now-Ms", str(int(time.time() * 1000)))],
    )
    return [b""]
