"""Production shape on one PostgreSQL: two web processes and two workers, each its own OS process.

A scenario is driven through both web processes; afterwards both serve the same board, every clock that fell
due was fired exactly once (one overdue audit entry, however many workers raced for it) and no alert reached
anyone twice.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DUTYROOM = str(Path(sys.executable).parent / "dutyroom")
PASSWORD = "two-process-test"

pytestmark = [pytest.mark.django_db(transaction=True)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(name: str | None = None) -> str:
    """This test run's PostgreSQL server as a URL, for its database or the one named."""
    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name or s['NAME']}"


class Web:
    """One web process, reached over real HTTP: the API with a token, the pages with a signed-in session."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def api(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base}/api/v1{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def sign_in(self, username: str) -> None:
        page = self.opener.open(f"{self.base}/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        form = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
        ).encode()
        request = urllib.request.Request(f"{self.base}/login/", data=form, headers={"Referer": f"{self.base}/login/"})
        self.opener.open(request, timeout=30)

    def board(self) -> dict[str, Any]:
        with self.opener.open(f"{self.base}/board.json", timeout=30) as response:
            return dict(json.loads(response.read()))


def wait_up(url: str, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def cluster(city: None) -> Iterator[list[Web]]:
    if connection.vendor != "postgresql":
        pytest.skip("several processes share one database only on PostgreSQL")
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from dutyroom.accounts.models import User

    hasher = Argon2PasswordHasher()  # what the servers check with (the tests' own settings use a fast hasher)
    User.objects.filter(username__in=["duty-officer", "shaxi-reporter"]).update(
        password=hasher.encode(PASSWORD, hasher.salt())
    )
    data = tempfile.mkdtemp(prefix="dutyroom-2p-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=database_url(),
        DUTYROOM_DATA_DIR=data,
        DUTYROOM_EMBEDDED_WORKER="0",
        DUTYROOM_SECRET_KEY="two-process-test-key",
        DUTYROOM_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
        DUTYROOM_OTP_ROLES="",
    )  # TOTP has its own tests
    for name in ("DUTYROOM_AUDIT_KEY", "DUTYROOM_AUDIT_ANCHOR"):
        env.pop(name, None)
    env["DUTYROOM_AUDIT_KEY"] = os.environ.get("DUTYROOM_AUDIT_KEY", "two-process-audit-key")
    ports = [free_port(), free_port()]
    logs = Path(data) / "logs"
    logs.mkdir()
    processes = [
        subprocess.Popen(
            [DUTYROOM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            cwd=ROOT,
            stdout=(logs / f"web{port}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for port in ports
    ]
    processes += [
        subprocess.Popen(
            [DUTYROOM, "worker"],
            env=env,
            cwd=ROOT,
            stdout=(logs / f"worker{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]
    try:
        for port in ports:
            wait_up(f"http://127.0.0.1:{port}/login/")
        yield [Web(port) for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        connection.close()


def test_two_web_processes_and_two_workers_agree_and_fire_each_clock_once(cluster: list[Web]) -> None:
    from dutyroom.accounts.models import User
    from dutyroom.accounts.tokens import token_create
    from dutyroom.audit.models import AuditEntry
    from dutyroom.obligations.models import Obligation

    web1, web2 = cluster
    now = datetime.now(UTC)
    officer = token_create(user=User.objects.get(username="duty-officer"), name="2p", now=now)
    reporter = token_create(user=User.objects.get(username="shaxi-reporter"), name="2p", now=now)

    # through web 1: three incidents whose 45-minute first-report clocks run out within seconds
    incident_ids = []
    for n in range(3):
        occurred = (datetime.now(UTC) - timedelta(minutes=45) + timedelta(seconds=4 + n)).isoformat()
        status, body = web1.api(
            "POST",
            "/incidents",
            reporter,
            {
                "title": f"两进程测试 {n}",
                "category": "accident",
                "subtype": "fire",
                "grade": "IV",
                "occurred_at": occurred,
                "unit": "shaxi",
            },
        )
        assert status == 201, body
        incident_ids.append(body["id"])
    # through web 2: the unit reports on the first one in time; the duty room confirms receipt through web 1
    status, report = web2.api(
        "POST",
        f"/incidents/{incident_ids[0]}/reports",
        reporter,
        {"kind": "written", "summary": "现场已控制", "signer": "王五"},
    )
    assert status == 201, report
    status, body = web1.api("POST", f"/reports/{report['id']}/receipt", officer)
    assert status == 200, body

    # the other two clocks fall due: the two workers race for them
    clocks = Obligation.objects.filter(incident_id__in=incident_ids[1:], kind="first_report")
    deadline = time.monotonic() + 60
    while clocks.filter(state="pending").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(clocks.values_list("state", flat=True)) == {"overdue"}
    time.sleep(2)  # let both workers finish delivering what the flips queued

    for obligation in clocks:
        fired = AuditEntry.objects.filter(action="obligation.overdue", object_id=str(obligation.pk)).count()
        assert fired == 1, (obligation.pk, fired)
    from django.db.models import Count

    from dutyroom.alerts.models import Notification

    # every alert reached each person once: no (person, topic, clock) twice, however the two workers raced
    twice = (
        Notification.objects.filter(event__obligation__isnull=False)
        .values("user_id", "event__topic", "event__obligation_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(twice) == []
    overdue_heard = Notification.objects.filter(event__topic="overdue", event__obligation__in=clocks)
    assert overdue_heard.filter(user__username="shaxi-reporter").count() == 2  # one per overdue clock

    # both web processes show the same incidents and clock states, on the API and on the duty officer's board
    def state(web: Web) -> list[tuple[int, str, list[tuple[str, str]]]]:
        status, body = web.api("GET", "/incidents", officer)
        assert status == 200
        return sorted(
            (i["id"], i["state"], sorted((o["kind"], o["state"]) for o in i["obligations"]))
            for i in body
            if i["id"] in incident_ids
        )

    assert state(web1) == state(web2)
    web1.sign_in("duty-officer")
    web2.sign_in("duty-officer")
    board1, board2 = web1.board(), web2.board()
    assert board1["fingerprint"] == board2["fingerprint"]
    shown = {i["id"] for i in board1["incidents"]}
    assert set(incident_ids) <= shown
