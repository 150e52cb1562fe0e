"""A garbage-body sweep over every API write operation on one kept-alive connection to a real gunicorn:
never a 5xx, never a hang, never a dropped connection."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator

import pytest

from tests.security.server import BIN, RawClient, Server, serve
from tests.security.test_access_matrix import OPERATIONS

WRITES = sorted(key for key, op in OPERATIONS.items() if op.method != "GET")

GARBAGE: list[tuple[str, bytes, str]] = [
    ("empty", b"", "application/json"),
    ("null", b"null", "application/json"),
    ("array", b"[1,2,3]", "application/json"),
    ("number", b"42", "application/json"),
    ("broken json", b'{"kind": "written", ', "application/json"),
    ("nul bytes", b'{"summary": "a\\u0000b", "kind": "written", "title": "x\\u0000"}', "application/json"),
    ("raw nul", b"\x00" * 100, "application/json"),
    ("latin-1", '{"summary": "caf\xe9"}'.encode("latin-1"), "application/json"),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("deep objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
    ("huge string", json.dumps({"summary": "x" * 1_000_000}).encode(), "application/json"),
    ("one megabyte", b"{" + b" " * 1_000_000 + b"}", "application/json"),
    ("form encoded", b"kind=written&summary=x", "application/x-www-form-urlencoded"),
    (
        "multipart",
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    ("xml", b"<report><kind>written</kind></report>", "application/xml"),
    ("no content type", b'{"kind": "written"}', ""),
    ("huge number", b'{"deaths": 1' + b"0" * 5000 + b"}", "application/json"),
    (
        "wrong types",
        b'{"title": 1, "category": [], "occurred_at": {}, "kind": null, "reason": false}',
        "application/json",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = serve(tmp_path_factory.mktemp("garbage"))
    try:
        yield running
    finally:
        running.stop()


def test_garbage_bodies_on_every_write_never_break_the_server_or_the_connection(server: Server) -> None:
    token = (
        subprocess.run(
            [*BIN, "token", "create", "duty-officer"],
            env=server.environ,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    client = RawClient(server.port, timeout=60)
    failures: list[str] = []
    try:
        for key in WRITES:
            method, path = key.split(" ", 1)
            path = "/api/v1" + re.sub(r"\{\w+\}", "1", path)  # every placeholder of the matrix table: id 1
            for name, body, content_type in GARBAGE:
                headers = {"Authorization": f"Bearer {token}"}
                if content_type:
                    headers["Content-Type"] = content_type
                reply = client.request(method, path, body, headers)
                if reply.status >= 500:
                    failures.append(f"{key} with {name}: {reply.status}")
                elif not reply.headers.get("content-type", "").startswith("application/json"):
                    failures.append(f"{key} with {name}: {reply.status} not JSON")
        assert client.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 200
    finally:
        client.close()
    assert not failures, "\n".join(failures)
