"""Links in alerts point where the server really is (``DUTYROOM_BASE_URL``, else the address ``serve`` binds)."""

from __future__ import annotations

import socket

import pytest

from config.env import base_url, served_base_url


def test_unset_it_is_the_address_serve_binds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DUTYROOM_BASE_URL", raising=False)
    monkeypatch.setenv("HOST", "10.1.2.3")
    monkeypatch.setenv("PORT", "8123")
    assert base_url() == "http://10.1.2.3:8123"
    monkeypatch.delenv("HOST")
    monkeypatch.delenv("PORT")
    assert base_url() == "http://127.0.0.1:8000"


def test_a_wildcard_bind_is_named_by_the_machine_and_ipv6_is_bracketed() -> None:
    assert served_base_url("0.0.0.0", 9000) == f"http://{socket.gethostname()}:9000"
    assert served_base_url("::1", 9000) == "http://[::1]:9000"


def test_the_setting_wins_without_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUTYROOM_BASE_URL", "https://dutyroom.taicang.example/")
    monkeypatch.setenv("PORT", "8123")
    assert base_url() == "https://dutyroom.taicang.example"
