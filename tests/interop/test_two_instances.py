"""分级报送 between two real instances on loopback: Taicang (child) forwards to Suzhou (parent).

Two `dutyroom serve` processes, two SQLite databases, two ports. The child forwards a grade Ⅲ incident with
its chain; the parent goes down, the child keeps retrying (backlog visible), the parent comes back, and every
report arrives exactly once with a receipt; the parent's verification request comes down and the child's reply
meets the parent's clock.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import run

KEY = "shared-secret-taicang-suzhou"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        environ.update({"DUTYROOM_DATA_DIR": str(self.data_dir), **self.env})
        log = (self.data_dir / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dutyroom.cli", "serve", "--port", str(self.port), "--workers", "1"],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.ready(), "server up", timeout=60)

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/openapi.json", timeout=2):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    def token(self, user: str) -> str:
        result = run(self.data_dir, "token", "create", user, env=self.env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def sign(instance: Instance, kind: str, incident: int) -> None:
    """The child's duty leader signs (签发) the upward report waiting for it: nothing goes up before."""
    officer, leader = instance.token("duty-officer"), instance.token("duty-leader")

    def waiting() -> list[dict[str, Any]]:
        rows = call(instance, officer, "GET", "/forwardings/awaiting?limit=500")
        return [r for r in rows if r["kind"] == kind and r["incident"] == incident]

    row = wait_for(waiting, f"a {kind} forwarding awaiting its sign-off")[0]
    signed = call(instance, leader, "POST", f"/forwardings/{row['id']}/sign", {})
    assert signed["state"] == "pending" and signed["signed_by"] == "duty-leader"


def ours(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The child's demo incidents of grade Ⅲ+ or flagged travel up too; this test follows its own."""
    return [i for i in incidents if i["title"] in ("沙溪镇化工厂爆炸", "沙溪镇小型火情")]


def call(instance: Instance, token: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{instance.url}/api/v1{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Instance, Instance]]:
    tmp_path = tmp_path_factory.mktemp("two-instances")
    parent_port, child_port = free_port(), free_port()
    parent = Instance(
        tmp_path / "suzhou",
        parent_port,
        {
            "DUTYROOM_INSTANCE_CODE": "suzhou",
            "DUTYROOM_INSTANCE_NAME": "苏州市",
            "DUTYROOM_CHILDREN": json.dumps(
                [{"code": "taicang", "name": "太仓市", "key": KEY, "url": f"http://127.0.0.1:{child_port}"}]
            ),
            "DUTYROOM_FORWARD_BACKOFF_MAX": "1",
            "DUTYROOM_FEEDS_ALLOW": "127.0.0.1",
        },
    )
    child = Instance(
        tmp_path / "taicang",
        child_port,
        {
            "DUTYROOM_INSTANCE_CODE": "taicang",
            "DUTYROOM_INSTANCE_NAME": "太仓市",
            "DUTYROOM_PARENT_URL": f"http://127.0.0.1:{parent_port}",
            "DUTYROOM_PARENT_KEY": KEY,
            "DUTYROOM_FORWARD_BACKOFF_MAX": "1",
            "DUTYROOM_FEEDS_ALLOW": "127.0.0.1",
        },
    )
    for instance in (parent, child):
        instance.data_dir.mkdir()
        assert run(instance.data_dir, "init", "--demo", env=instance.env).returncode == 0
    parent.start()
    child.start()
    try:
        yield parent, child
    finally:
        child.stop()
        parent.stop()


def test_child_forwards_its_chain_upward_exactly_once_through_an_outage_and_answers_verification(pair):
    parent, child = pair
    up_officer, down_officer = parent.token("duty-officer"), child.token("duty-officer")
    reporter = child.token("shaxi-reporter")
    occurred = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    incident = call(
        child,
        reporter,
        "POST",
        "/incidents",
        {
            "title": "沙溪镇化工厂爆炸",
            "category": "accident",
            "subtype": "hazardous_chemicals",
            "grade": "III",
            "occurred_at": occurred,
            "location": {"area": "shaxi", "address": "沿江路8号"},
            "report": {"kind": "written", "summary": "储罐爆炸，3人死亡", "casualties": {"deaths": 3}},
        },
    )
    minor = call(
        child,
        reporter,
        "POST",
        "/incidents",
        {"title": "沙溪镇小型火情", "category": "accident", "grade": "IV", "occurred_at": occurred},
    )

    def delivered() -> list[dict[str, Any]]:
        rows = call(child, down_officer, "GET", f"/forwardings?incident={incident['id']}")
        return [r for r in rows if r["state"] == "delivered"]

    sign(child, "incident", incident["id"])

    first = wait_for(delivered, "the first forwarding's receipt")[0]
    assert first["received_by"] == "苏州市" and first["received_at"].endswith("+08:00")
    upstairs = ours(call(parent, up_officer, "GET", "/incidents?unit=taicang"))
    assert [i["title"] for i in upstairs] == ["沙溪镇化工厂爆炸"]
    filed = call(parent, up_officer, "GET", f"/incidents/{upstairs[0]['id']}")
    assert [r["kind"] for r in filed["reports"]] == ["written"]
    assert filed["unit"] == "taicang" and filed["grade"] == "III"
    assert {o["kind"] for o in filed["obligations"]} >= {"first_report", "receipt"}  # the parent's own clocks
    assert call(child, down_officer, "GET", f"/forwardings?incident={minor['id']}") == []  # Ⅳ stays home

    parent.stop()  # Suzhou goes down
    call(
        child,
        reporter,
        "POST",
        f"/incidents/{incident['id']}/reports",
        {"kind": "followup", "summary": "明火扑灭，无新增伤亡", "casualties": {"deaths": 3}},
    )
    sign(child, "incident", incident["id"])  # the follow-up waits for a 签发 of its own

    def backlog() -> list[dict[str, Any]]:
        rows = call(child, down_officer, "GET", "/forwardings?state=pending")
        return [r for r in rows if r["attempts"] >= 2]

    stuck = wait_for(backlog, "retries while the parent is down")
    assert stuck[0]["last_error"]

    parent.start()  # and comes back

    def drained() -> bool:  # nothing pending and nothing in flight (a claimed send is "sending")
        rows = call(child, down_officer, "GET", "/forwardings?limit=500")
        # the demo city's own incidents wait for a 签发 nobody gives in this test
        return all(r["state"] in ("delivered", "awaiting") for r in rows)

    wait_for(drained, "the backlog to drain")
    upstairs = ours(call(parent, up_officer, "GET", "/incidents?unit=taicang"))
    assert len(upstairs) == 1
    filed = call(parent, up_officer, "GET", f"/incidents/{upstairs[0]['id']}")
    assert [(r["kind"], r["summary"]) for r in filed["reports"]] == [
        ("written", "储罐爆炸，3人死亡"),
        ("followup", "明火扑灭，无新增伤亡"),
    ]
    mine = call(child, down_officer, "GET", f"/incidents/{incident['id']}/forwarding")
    assert [r["received_by"] for r in mine["reports"]] == ["苏州市", "苏州市"]

    # 核报 comes down with the parent's deadline; the child's reply meets the parent's clock
    due = (datetime.now(UTC) + timedelta(minutes=20)).replace(microsecond=0)
    asked = call(
        parent,
        up_officer,
        "POST",
        "/verification-requests",
        {
            "unit": "taicang",
            "authority": "city",
            "question": "请核实死亡人数",
            "incident": upstairs[0]["id"],
            "due_at": due.isoformat(),
        },
    )
    arrived = wait_for(
        lambda: [
            r for r in call(child, down_officer, "GET", "/verification-requests") if r["question"] == "请核实死亡人数"
        ],
        "the request to come down",
    )[0]
    assert arrived["authority"] == "suzhou" and arrived["incident"] == incident["id"]
    assert datetime.fromisoformat(arrived["due_at"]) == due
    call(child, reporter, "POST", f"/verification-requests/{arrived['id']}/reply", {"summary": "经核实死亡3人，无失踪"})
    sign(child, "verification_reply", incident["id"])

    def answered() -> bool:
        clocks = call(parent, up_officer, "GET", "/obligations?kind=verification_reply&unit=taicang")
        return any(o["verification_request"] == asked["id"] and o["state"] == "met" for o in clocks)

    wait_for(answered, "the reply to meet the parent's clock")
    filed = call(parent, up_officer, "GET", f"/incidents/{upstairs[0]['id']}")
    assert [r["kind"] for r in filed["reports"]] == ["written", "followup", "verification_reply"]


def test_a_delivery_with_a_bad_signature_is_refused(pair):
    parent, _child = pair
    body = json.dumps({"forwarding_id": "00000000-0000-0000-0000-000000000001", "kind": "incident"}).encode()
    request = urllib.request.Request(
        f"{parent.url}/api/v1/interop/inbox",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-DutyRoom-Instance": "taicang",
            "X-DutyRoom-Signature": "sha256=" + "0" * 64,
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
