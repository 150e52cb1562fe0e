"""A small HTTP/1.1 load generator for `make bench`: N kept-alive connections, each sending requests back to back.

asyncio with raw sockets: a Python client with one thread per connection would spend the 2 cores on itself.
Every request's status and latency is kept, so a benchmark can count errors and lost or duplicated writes.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (client number, request number) -> (method, path, headers, JSON body or None)
RequestMaker = Callable[[int, int], tuple[str, str, dict[str, str], Any]]


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    bodies: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    def describe(self, label: str) -> str:
        p50 = statistics.median(self.latencies_ms) if self.latencies_ms else 0
        return (
            f"{label}: {self.ok} ok in {self.seconds:.1f} s = {self.per_second:.0f} req/s; "
            f"p50 {p50:.0f} ms, p99 {self.percentile(0.99) or 0:.0f} ms; statuses {self.statuses}; "
            f"errors {len(self.errors)}"
        )


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _client(
    n: int, host: str, port: int, make: RequestMaker, until: float, result: LoadResult, keep_bodies: bool
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        while time.monotonic() < until:
            method, path, headers, body = make(n, sent)
            sent += 1
            payload = json.dumps(body).encode() if body is not None else b""
            head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(payload)}"]
            if body is not None:
                head.append("Content-Type: application/json")
            head += [f"{k}: {v}" for k, v in headers.items()]
            start = time.perf_counter()
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
            await writer.drain()
            try:
                status, data = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                result.errors.append(f"client {n}: {error!r}")
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            result.latencies_ms.append((time.perf_counter() - start) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if keep_bodies and 200 <= status < 300 and data:
                result.bodies.append(json.loads(data))
    finally:
        writer.close()


def run_load(
    host: str, port: int, make: RequestMaker, *, clients: int, seconds: float, keep_bodies: bool = False
) -> LoadResult:
    """Drive ``clients`` connections for ``seconds``; returns every latency and status."""
    result = LoadResult(seconds=seconds)

    async def main() -> None:
        until = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(_client(n, host, port, make, until, result, keep_bodies) for n in range(clients)))
        result.seconds = time.monotonic() - started

    asyncio.run(main())
    return result
