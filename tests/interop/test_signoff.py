"""What the city reports upward waits for the duty leader's 签发: nothing leaves before it, it leaves once after it,
only the 带班领导 signs, the board shows each waiting report with how long it has waited, and a work-secret
incident's words go up only by the signer's explicit, audited decision."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.test import Client

from dutyroom.accounts.models import User
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.interop.models import Forwarding
from dutyroom.interop.outbound import forwarding_job
from tests.api.test_incidents import incident_body, written

KEY = "k" * 32


class Parent:
    """The level above, as far as this city can tell: a local server that files each delivery and answers a
    receipt."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        parent = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parent.bodies.append(json.loads(body))
                answer = json.dumps({"received_by": "苏州市", "received_at": clock_now().isoformat()}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def parent(settings: Any) -> Iterator[Parent]:
    made = Parent()
    settings.DUTYROOM_PARENT_URL = made.url
    settings.DUTYROOM_PARENT_KEY = KEY
    settings.DUTYROOM_FEEDS_ALLOW = "127.0.0.1"
    settings.DUTYROOM_FORWARD_AUTO_GRADES = ""
    yield made
    made.server.shutdown()
    made.server.server_close()


def _incident(api: Any, **overrides: Any) -> dict[str, Any]:
    body = incident_body(**{"grade": "III", "report": written(summary="储罐起火，2人受伤"), **overrides})
    created = api("shaxi-reporter").post("/incidents", body)
    assert created.status_code == 201, created.json_body
    return created.json_body


def _awaiting(incident_id: int) -> Forwarding:
    return Forwarding.objects.get(incident_id=incident_id, state="awaiting")


def test_an_upward_report_is_not_sent_before_the_leaders_signoff_and_is_sent_once_after_it(api, parent):
    incident = _incident(api, title="沙溪镇化工厂储罐起火")
    forwarding_job(clock_now())
    forwarding_job(clock_now())
    assert parent.bodies == []  # nothing leaves without the 签发
    waiting = api("duty-officer").get("/forwardings/awaiting")
    assert waiting.status_code == 200 and waiting["X-Total-Count"] == "1"
    row = waiting.json_body[0]
    assert row["incident"] == incident["id"] and row["incident_name"] == "沙溪镇化工厂储罐起火"
    assert row["grade"] == "III" and row["work_secret"] is False and row["waiting_minutes"] == 0

    assert api("shaxi-reporter").post(f"/forwardings/{row['id']}/sign").status_code == 404
    assert api("shaxi-reporter").get("/forwardings/awaiting").status_code == 403
    refused = api("duty-officer").post(f"/forwardings/{row['id']}/sign")
    assert refused.status_code == 403 and "带班领导" in refused.json_body["detail"]
    assert parent.bodies == []

    signed = api("duty-leader").post(f"/forwardings/{row['id']}/sign")
    assert signed.status_code == 200, signed.json_body
    assert signed.json_body["state"] == "pending" and signed.json_body["signed_by"] == "duty-leader"
    entry = AuditEntry.objects.get(action="forwarding.sign")
    assert (
        entry.actor is not None
        and entry.actor.username == "duty-leader"
        and entry.data["with_content"] is False
        and entry.incident_id == incident["id"]
    )

    forwarding_job(clock_now())
    forwarding_job(clock_now())
    assert [b["incident"]["title"] for b in parent.bodies] == ["沙溪镇化工厂储罐起火"]  # once
    assert Forwarding.objects.get(pk=row["id"]).state == "delivered"
    assert api("duty-leader").post(f"/forwardings/{row['id']}/sign").status_code == 409
    assert api("duty-officer").get("/forwardings/awaiting").json_body == []


def test_a_report_filed_after_the_signoff_waits_for_a_signoff_of_its_own(api, parent):
    incident = _incident(api)
    forwarding_job(clock_now())
    first = _awaiting(incident["id"])
    api("duty-leader").post(f"/forwardings/{first.pk}/sign")
    follow = api("shaxi-reporter").post(
        f"/incidents/{incident['id']}/reports", {"kind": "followup", "summary": "明火扑灭，新增1人受伤"}
    )
    assert follow.status_code == 201
    forwarding_job(clock_now())
    assert [[r["summary"] for r in b["reports"]] for b in parent.bodies] == [["储罐起火，2人受伤"]]
    second = _awaiting(incident["id"])  # what the leader did not see is not sent on the first 签发
    api("duty-leader").post(f"/forwardings/{second.pk}/sign")
    forwarding_job(clock_now())
    assert [r["summary"] for r in parent.bodies[-1]["reports"]] == ["储罐起火，2人受伤", "明火扑灭，新增1人受伤"]


def test_grades_named_in_the_setting_go_at_once_and_the_others_still_wait(api, parent, settings):
    settings.DUTYROOM_FORWARD_AUTO_GRADES = "I,II"
    major = _incident(api, title="沙溪镇化工厂爆炸", grade="II")
    general = _incident(api, title="沙溪镇仓库火灾", grade="III")
    forwarding_job(clock_now())
    assert [b["incident"]["title"] for b in parent.bodies] == ["沙溪镇化工厂爆炸"]
    assert Forwarding.objects.get(incident_id=major["id"]).signed_by is None
    assert _awaiting(general["id"])


def test_the_board_shows_each_waiting_report_with_how_long_it_has_waited_and_the_leader_signs_there(api, parent):
    incident = _incident(api, title="沙溪镇化工厂储罐起火")
    forwarding_job(clock_now())
    forwarding = _awaiting(incident["id"])
    leader, officer = Client(), Client()
    leader.force_login(User.objects.get(username="duty-leader"))
    officer.force_login(User.objects.get(username="duty-officer"))
    with time_machine.travel(forwarding.created_at + timedelta(minutes=12, seconds=5), tick=False):
        board = leader.get("/").content.decode()
        seen = officer.get("/").content.decode()
    assert 'id="forwardings"' in board and "待签发的上报" in board and "沙溪镇化工厂储罐起火" in board
    assert "已等待" in board and "12:05" in board and f"/forwardings/{forwarding.pk}/sign/" in board
    assert 'id="forwardings"' in seen and f"/forwardings/{forwarding.pk}/sign/" not in seen  # officers watch
    page = officer.get("/forwardings/").content.decode()
    assert "沙溪镇化工厂储罐起火" in page
    assert Client().get("/forwardings/").status_code == 302
    reporter = Client()
    reporter.force_login(User.objects.get(username="shaxi-reporter"))
    assert reporter.get("/forwardings/").status_code == 403
    assert reporter.post(f"/forwardings/{forwarding.pk}/sign/").status_code == 404

    signed = leader.post(f"/forwardings/{forwarding.pk}/sign/", {"next": "board"})
    assert signed.status_code == 302 and signed["Location"].endswith("/#forwardings")
    assert 'id="forwardings"' not in leader.get("/").content.decode()
    forwarding_job(clock_now())
    assert len(parent.bodies) == 1


def test_a_work_secret_incident_goes_up_as_a_stub_unless_the_signer_decides_with_a_reason(api, parent):
    secret = _incident(api, title="沙溪镇某厂事故XQZ", classification="work_secret")
    forwarding_job(clock_now())
    row = api("duty-officer").get("/forwardings/awaiting").json_body[0]
    assert row["work_secret"] is True
    leader = api("duty-leader")
    no_reason = leader.post(f"/forwardings/{row['id']}/sign", {"with_content": True})
    assert no_reason.status_code == 400 and no_reason.json_body["errors"][0]["field"] == "reason"
    leader.post(f"/forwardings/{row['id']}/sign")
    forwarding_job(clock_now())
    stub = json.dumps(parent.bodies[-1], ensure_ascii=False)
    assert "XQZ" not in stub and "储罐起火" not in stub and parent.bodies[-1]["incident"]["grade"] == "III"

    api("shaxi-reporter").post(f"/incidents/{secret['id']}/reports", {"kind": "followup", "summary": "已控制"})
    forwarding_job(clock_now())
    second = _awaiting(secret["id"])
    decided = leader.post(
        f"/forwardings/{second.pk}/sign", {"with_content": True, "reason": "省厅要求报送详情，经分管领导同意"}
    )
    assert decided.status_code == 200 and decided.json_body["with_content"] is True
    entry = AuditEntry.objects.filter(action="forwarding.sign").order_by("-id").first()
    assert entry is not None and entry.data["with_content"] is True and entry.data["work_secret"] is True
    assert entry.data["reason"] == "省厅要求报送详情，经分管领导同意"
    forwarding_job(clock_now())
    assert parent.bodies[-1]["incident"]["title"] == "沙溪镇某厂事故XQZ"


def test_only_a_work_secret_incident_has_a_content_decision(api, parent):
    incident = _incident(api)
    forwarding_job(clock_now())
    forwarding = _awaiting(incident["id"])
    refused = api("duty-leader").post(f"/forwardings/{forwarding.pk}/sign", {"with_content": True, "reason": "x"})
    assert refused.status_code == 400 and refused.json_body["errors"][0]["field"] == "with_content"
