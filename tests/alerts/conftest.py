"""Real local servers for the delivery tests (HTTP receiver for webhooks and the SMS gateway, aiosmtpd for
e-mail) and a roster covering now. Everything binds port 0."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.duty.services import ShiftInput, shifts_save


class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # the default backlog of 5 drops connections from 8 senders (1 s SYN retry)
    daemon_threads = True


class Receiver:
    """An HTTP endpoint that answers ``fail_first`` requests with 503, then 200, and keeps what it got."""

    def __init__(self, fail_first: int = 0, delay: float = 0.0) -> None:
        self.fail_first = fail_first
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    receiver.requests.append({"path": self.path, "headers": headers, "body": body})
                    failing = len(receiver.requests) <= receiver.fail_first
                time.sleep(delay)
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def json(self, index: int) -> Any:
        return json.loads(self.requests[index]["body"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Callable[..., Receiver]]:
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"  # the receivers listen on loopback, refused by default
    made: list[Receiver] = []

    def make(fail_first: int = 0) -> Receiver:
        made.append(Receiver(fail_first))
        return made[-1]

    yield make
    for r in made:
        r.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                from email import message_from_bytes

                box.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()  # aiosmtpd's readiness check connects to the port it was given, so not 0
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def mailbox(settings: Any) -> Iterator[Mailbox]:
    box = Mailbox()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = box.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield box
    box.controller.stop()


@pytest.fixture
def on_duty(city: None) -> Callable[..., None]:
    """Roster a shift covering now (duty-officer, duty-leader, and a city leader user)."""

    def make(
        officer: str = "duty-officer", leader: str = "duty-leader", city_leader: str = "", at: datetime | None = None
    ) -> None:
        at = at or clock_now()
        shifts_save(
            actor=User.objects.get(username="admin"),
            now=at,
            shifts=[
                ShiftInput(
                    starts_at=at - timedelta(hours=1),
                    ends_at=at + timedelta(hours=23),
                    duty_officer=officer,
                    duty_leader=leader,
                    city_leader=city_leader,
                )
            ],
        )

    return make


def contacts(*names: str) -> None:
    """Give demo users an e-mail address and a phone number, so the e-mail and SMS channels apply."""
    for index, name in enumerate(names):
        User.objects.filter(username=name).update(email=f"{name}@example.test", phone=f"1380000{index:04d}")
