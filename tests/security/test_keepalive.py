"""Against a real gunicorn: bodies the view never reads, or over the limit, never break a kept-alive connection."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.server import BIN, RawClient, Server, serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = serve(tmp_path_factory.mktemp("edge"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    made = subprocess.run(
        [*BIN, "token", "create", "duty-officer"],
        env=server.environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return made.stdout.strip().splitlines()[-1]


BIG = b"x" * (200 * 1024)  # past gunicorn's 64 KiB drain cap, under our 1 MiB limit


@pytest.mark.parametrize(
    ("method", "path", "auth"),
    [
        ("POST", "/api/v1/incidents/1/handled", False),  # 401 before anything reads the body
        ("POST", "/api/v1/incidents/1/handled", True),  # a no-body endpoint
        ("POST", "/api/v1/no-such-thing", True),  # 404
        ("POST", "/incidents/1/handled/", False),  # a page: CSRF refused / redirect to login
        ("GET", "/login/", False),  # a GET with a body nobody expects
    ],
)
def test_an_unread_body_never_drops_the_next_request_on_the_same_connection(
    server: Server, token: str, method: str, path: str, auth: bool
) -> None:
    client = RawClient(server.port)
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {token}"
    try:
        first = client.request(method, path, BIG, headers)
        assert first.status < 500
        assert first.headers.get("connection", "keep-alive").lower() == "keep-alive"
        second = client.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert second.status == 200
        assert second.json()["username"] == "duty-officer"
    finally:
        client.close()


def test_a_body_over_the_limit_is_refused_with_a_json_413_and_the_connection_lives_on(
    server: Server, token: str
) -> None:
    client = RawClient(server.port)
    try:
        refused = client.request(
            "POST",
            "/api/v1/incidents",
            b"{" + b" " * (3 * 1024 * 1024) + b"}",
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert refused.status == 413
        assert "limit" in refused.json()["detail_en"]
        assert client.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status == 200
    finally:
        client.close()


def test_make_run_prints_the_port_it_serves_on(tmp_path: Path) -> None:
    from tests.security.server import environ_for

    done = subprocess.run(
        [*BIN, "init", "--demo"],
        env=environ_for(tmp_path, PORT="8123", HOST="0.0.0.0"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "http://0.0.0.0:8123/" in done.stdout
