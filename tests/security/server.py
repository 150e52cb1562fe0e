"""A real `dutyroom serve` (gunicorn gthread) in a scratch data dir, and a raw HTTP/1.1 client on one socket.

The keep-alive defects live in gunicorn's connection handling, which Django's test client never exercises.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = [sys.executable, "-m", "dutyroom.cli"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environ_for(data_dir: Path, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update({"DUTYROOM_DATA_DIR": str(data_dir), "DUTYROOM_EMBEDDED_WORKER": "0", **extra})
    return environ


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    data_dir: Path
    environ: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def serve(data_dir: Path, *, workers: int = 1, environ: dict[str, str] | None = None) -> Server:
    """Initialise the demo city in ``data_dir`` (once) and start gunicorn on a free port; wait until it answers."""
    environ = environ or environ_for(data_dir)
    if not (data_dir / "dutyroom.sqlite3").exists() and "DATABASE_URL" not in environ:
        subprocess.run([*BIN, "init", "--demo"], env=environ, check=True, capture_output=True, timeout=180)
    port = free_port()
    process = subprocess.Popen(
        [*BIN, "serve", "--port", str(port), "--workers", str(workers)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Server(port, process, data_dir, environ)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    """HTTP/1.1 on one kept-alive socket: any EOF between requests is a dropped connection, which tests forbid."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> Reply:
        head = [
            f"{method} {path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Connection: keep-alive",
            f"Content-Length: {len(body)}",
        ]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        return self._read()

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("server closed the kept-alive connection")
        self.buffer += data

    def _read(self) -> Reply:
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        raw, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        if headers.get("transfer-encoding", "").lower() == "chunked":
            return Reply(status, headers, self._chunked())
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return Reply(status, headers, body)

    def _chunked(self) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._fill()
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._fill()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return body
