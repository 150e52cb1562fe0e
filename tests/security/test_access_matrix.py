"""The access matrix: every role × every API operation × the incident it touches, from one table.

``VISIBLE`` says which incidents each caller may see (everything else must be a 404 with the body of a missing
id); ``OPERATIONS`` says, for each operation the API publishes, who may do it once they can see the target
(403 for may-see-may-not-do). An operation missing from ``OPERATIONS`` fails the suite, so a new endpoint
cannot ship without its row. Each cell runs inside a savepoint that is rolled back, so every cell sees the
same world. The web pages call the same ``access_*`` functions (checked in tests/web and the browser suite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.api.v1 import api as ninja_api
from dutyroom.common.clock import now as clock_now

pytestmark = pytest.mark.django_db

# the incidents every cell may touch, named from the Shaxi town's point of view
TARGETS = ["own", "below", "other", "duty_room", "secret"]
CALLERS = [
    "duty-officer",
    "duty-leader",
    "assessor",
    "admin",
    "shaxi-reporter",
    "shaxi-leader",
    "grid-shaxi",
    "shaxi-verifier",
    "shaxi-viewer",
]
DUTY_ROOM = {"duty-officer", "duty-leader"}
SHAXI_STAFF = {"shaxi-reporter", "shaxi-leader"}
SHAXI_MEMBERS = SHAXI_STAFF | {"shaxi-verifier", "shaxi-viewer"}  # every account of the Shaxi unit itself

# THE table: who sees which incident.
VISIBLE: dict[str, set[str]] = {
    "duty-officer": set(TARGETS),
    "duty-leader": set(TARGETS),
    "assessor": {"own", "below", "other", "duty_room"},
    "admin": {"own", "below", "other", "duty_room"},
    "shaxi-reporter": {"own", "below", "secret"},
    "shaxi-leader": {"own", "below", "secret"},
    "grid-shaxi": {"below"},
    "shaxi-verifier": {"own", "below"},
    "shaxi-viewer": {"own", "below"},
}
RESPONSIBLE = {"own": SHAXI_STAFF, "secret": SHAXI_STAFF, "below": set(), "other": set(), "duty_room": set()}


@dataclass(frozen=True)
class Op:
    """One API operation: its path (with {incident}/{report}/{obligation}/{request}), who may do it, success code."""

    method: str
    path: str
    may: Callable[[str, str], bool]
    ok: int = 200
    body: dict[str, Any] | None = None
    targeted: bool = True
    expect: Callable[[str, str], int | None] | None = None  # an override for cells the rule does not cover


# the demo lead is about Shaxi: the city-wide readers and Shaxi's own staff see it, the grid worker does not
SEES_LEAD = DUTY_ROOM | {"assessor", "admin"} | SHAXI_STAFF | {"shaxi-verifier", "shaxi-viewer"}


# the finding is against Shaxi about Shaxi's own incident: the city-wide readers and Shaxi's own people see it
SEES_FINDING = DUTY_ROOM | {"assessor", "admin"} | SHAXI_STAFF | {"shaxi-verifier", "shaxi-viewer"}
SEES_OWN = {
    c
    for c, seen in (
        ("duty-officer", 1),
        ("duty-leader", 1),
        ("assessor", 1),
        ("admin", 1),
        ("shaxi-reporter", 1),
        ("shaxi-leader", 1),
        ("shaxi-verifier", 1),
        ("shaxi-viewer", 1),
    )
    if seen
}


def raisers(caller: str, _target: str) -> bool:
    return caller in DUTY_ROOM or caller == "assessor"


def city_wide(caller: str, _target: str) -> bool:
    return caller in DUTY_ROOM | {"assessor", "admin"}


def hidden_unless_city_wide(caller: str, target: str) -> int | None:
    """Daily reports cover the whole city: to anyone else they do not exist (404, not 403)."""
    return None if city_wide(caller, target) else 404


def anyone(_caller: str, _target: str) -> bool:
    return True


def duty_room(caller: str, _target: str) -> bool:
    return caller in DUTY_ROOM


def responsible(caller: str, target: str) -> bool:
    return caller in DUTY_ROOM or caller in RESPONSIBLE[target]


def reporters(caller: str, _target: str) -> bool:
    return caller in DUTY_ROOM or caller in SHAXI_STAFF


def grant_on_secret_only(caller: str, target: str) -> int | None:
    return 409 if caller in DUTY_ROOM and target != "secret" else None


def no_grant_to_revoke(caller: str, target: str) -> int | None:
    return 404 if caller in DUTY_ROOM else None


def asked_unit_replies(caller: str, target: str) -> bool:
    """The request about each target is addressed to that target's unit; its staff (or the duty room) reply."""
    return caller in DUTY_ROOM or (caller in SHAXI_STAFF and target in ("own", "secret"))


OPERATIONS: dict[str, Op] = {
    op.method + " " + op.path: op
    for op in [
        Op("GET", "/incidents/{incident}", anyone),
        Op("PATCH", "/incidents/{incident}", duty_room, body={"hotspot": True, "reason": "矩阵"}),
        Op("POST", "/incidents/{incident}/handled", responsible),
        Op("POST", "/incidents/{incident}/reports", responsible, 201, {"kind": "followup", "summary": "续报"}),
        Op("POST", "/reports/{report}/receipt", duty_room),
        Op("GET", "/obligations/{obligation}", anyone),
        Op("POST", "/obligations/{obligation}/waive", duty_room, body={"reason": "矩阵"}),
        Op("GET", "/incidents/{incident}/grants", duty_room),
        Op(
            "POST",
            "/incidents/{incident}/grants",
            duty_room,
            201,
            {"user": "assessor", "reason": "矩阵"},
            expect=grant_on_secret_only,
        ),
        Op("DELETE", "/incidents/{incident}/grants/assessor", duty_room, expect=no_grant_to_revoke),
        Op("GET", "/verification-requests/{request}", anyone),
        Op("POST", "/verification-requests/{request}/reply", asked_unit_replies, 201, {"summary": "经核实属实"}),
        Op("GET", "/incidents", anyone, targeted=False),
        Op("POST", "/incidents", reporters, 201, targeted=False),
        Op("GET", "/obligations", anyone, targeted=False),
        Op("GET", "/verification-requests", anyone, targeted=False),
        Op(
            "POST",
            "/verification-requests",
            duty_room,
            201,
            {"unit": "shaxi", "authority": "city", "question": "q"},
            targeted=False,
        ),
        Op("GET", "/audit/verify", lambda caller, _t: caller == "admin", targeted=False),
        Op("GET", "/me", anyone, targeted=False),
        # leads: one media lead about Shaxi (verified by propaganda and police), one watch term, one duplicate proposal
        Op("POST", "/leads", anyone, 201, {"channel": "public", "title": "矩阵线索"}, targeted=False),
        # like POST /leads, anyone may send a CAP message; this one is not valid CAP, so each caller hears why
        Op("POST", "/leads/cap", duty_room, 201, targeted=False, expect=lambda c, t: 400 if c in DUTY_ROOM else None),
        Op("GET", "/leads", anyone, targeted=False),
        Op("GET", "/leads/{lead}", anyone, targeted=False, expect=lambda c, t: None if c in SEES_LEAD else 404),
        Op(
            "POST",
            "/leads/{lead}/start",
            duty_room,
            targeted=False,
            expect=lambda c, t: None if c in SEES_LEAD else 404,
        ),
        Op(
            "POST",
            "/leads/{lead}/verify",
            duty_room,
            body={"outcome": "false", "reason": "矩阵"},
            targeted=False,
            expect=lambda c, t: None if c in SEES_LEAD else 404,
        ),
        Op(
            "POST",
            "/lead-duplicates/{duplicate}/decision",
            duty_room,
            body={"duplicate": True},
            targeted=False,
            expect=lambda c, t: None if c in SEES_LEAD else 404,
        ),
        Op("GET", "/watch-terms", city_wide, targeted=False),
        Op("POST", "/watch-terms", duty_room, 201, {"term": "矩阵词", "kind": "keyword"}, targeted=False),
        Op("DELETE", "/watch-terms/{term}", duty_room, 204, targeted=False),
        Op("GET", "/feeds", city_wide, targeted=False),
        Op("POST", "/feeds", duty_room, 201, {"name": "矩阵源", "url": "https://example.invalid/rss"}, targeted=False),
        # documents: the first 专报 of an incident is issued by the duty room; until then others are refused (403)
        Op("GET", "/incidents/{incident}/document", duty_room),
        Op("POST", "/incidents/{incident}/special-reports", duty_room, 201, {}),
        Op("GET", "/incidents/{incident}/special-reports", anyone),
        Op("GET", "/daily-reports", city_wide, targeted=False, expect=hidden_unless_city_wide),
        Op("POST", "/daily-reports", city_wide, 201, {}, targeted=False, expect=hidden_unless_city_wide),
        Op("GET", "/daily-reports/{daily}/document", city_wide, targeted=False, expect=hidden_unless_city_wide),
        # interop: exports follow the incident's visibility; the inbox takes only HMAC-signed peers (401 otherwise)
        Op("GET", "/incidents/{incident}/cap", anyone),
        Op("GET", "/incidents/{incident}/sitrep", anyone),
        Op("GET", "/incidents/{incident}/forwarding", anyone),
        Op("GET", "/forwardings", duty_room, targeted=False),
        # upward reports wait for the 签发: the duty room sees the queue, only the 带班领导 signs, to anyone else
        # a forwarding does not exist
        Op("GET", "/forwardings/awaiting", duty_room, targeted=False),
        Op(
            "POST",
            "/forwardings/{forwarding}/sign",
            lambda c, t: c == "duty-leader",
            targeted=False,
            body={},
            expect=lambda c, t: None if c in DUTY_ROOM else 404,
        ),
        Op(
            "POST",
            "/interop/inbox",
            anyone,
            targeted=False,
            body={"forwarding_id": "x", "kind": "report"},
            expect=lambda c, t: 401,
        ),
        # leaders' instructions: recorded by the duty room; each tasked unit (the incident's) answers its own task
        Op(
            "POST",
            "/incidents/{incident}/instructions",
            duty_room,
            201,
            targeted=True,
            body={"leader": "市长", "text": "全力救治", "units": ["shaxi"], "due_at": "DUE"},
        ),
        Op("GET", "/incidents/{incident}/instructions", anyone),
        Op("POST", "/instruction-tasks/{task}/feedback", responsible, body={"text": "已落实"}),
        # a unit's own tasks (each target's task is its incident's unit's); one task: whoever sees its incident
        Op("GET", "/instruction-tasks", anyone, targeted=False),
        Op("GET", "/instruction-tasks/{task}", anyone),
        # assessment: one open finding against Shaxi about its own incident. The duty room and the assessor raise
        # findings and record adoptions; Shaxi's reporters and leaders appeal; only the assessor decides (an open
        # finding with its appeal window still running: 409). A unit sees its own findings, the city-wide readers all.
        Op("GET", "/assessment", anyone, targeted=False),
        Op("GET", "/findings", anyone, targeted=False),
        Op("POST", "/findings", raisers, 201, targeted=False, expect=lambda c, t: None if c in SEES_OWN else 404),
        Op(
            "GET", "/findings/{finding}", anyone, targeted=False, expect=lambda c, t: None if c in SEES_FINDING else 404
        ),
        Op(
            "POST",
            "/findings/{finding}/appeal",
            lambda c, t: c in SHAXI_STAFF,
            body={"text": "已按时报送"},
            targeted=False,
            expect=lambda c, t: None if c in SEES_FINDING else 404,
        ),
        Op(
            "POST",
            "/findings/{finding}/decision",
            lambda c, t: c == "assessor",
            body={"upheld": True, "reason": "矩阵"},
            targeted=False,
            expect=lambda c, t: 409 if c == "assessor" else (None if c in SEES_FINDING else 404),
        ),
        Op("POST", "/adoptions", raisers, 201, targeted=False, expect=lambda c, t: None if c in SEES_OWN else 404),
        # alerts: an inbox is its owner's alone (one notification for the duty officer); the duty room chases a
        # pending clock; webhooks are the admin's (invisible to others); failed deliveries are watched and retried
        # by the duty room and the admin; the roster and one's own alert preferences are anyone's to read
        Op("GET", "/notifications", anyone, targeted=False),
        Op(
            "POST",
            "/notifications/{notification}/read",
            anyone,
            targeted=False,
            expect=lambda c, t: None if c == "duty-officer" else 404,
        ),
        Op("GET", "/me/alert-preferences", anyone, targeted=False),
        Op("PUT", "/me/alert-preferences", anyone, body={"sound": False}, targeted=False),
        # a unit's alert defaults (Shaxi's here): read by its own members, set only by the duty room and the admin
        Op(
            "GET",
            "/units/{unit}/alert-preferences",
            lambda c, t: c in DUTY_ROOM | {"admin"} | SHAXI_MEMBERS,
            targeted=False,
        ),
        Op(
            "PUT",
            "/units/{unit}/alert-preferences",
            lambda c, t: c in DUTY_ROOM | {"admin"},
            body={"topics": {"overdue": ["inapp", "sms"]}, "sound": False},
            targeted=False,
        ),
        Op("POST", "/obligations/{obligation}/chase", duty_room, 201, {"note": "请尽快报送"}),
        Op("GET", "/chases", anyone, targeted=False),
        Op("GET", "/roster/now", anyone, targeted=False),
        Op("GET", "/categories", anyone, targeted=False),
        Op(
            "POST",
            "/webhooks",
            lambda c, t: c == "admin",
            201,
            {"url": "http://127.0.0.1:9/matrix", "secret": "s" * 16},
            targeted=False,
        ),
        Op("GET", "/webhooks", anyone, targeted=False),
        Op(
            "DELETE",
            "/webhooks/{webhook}",
            lambda c, t: c == "admin",
            204,
            targeted=False,
            expect=lambda c, t: None if c == "admin" else 404,
        ),
        Op(
            "GET",
            "/webhooks/{webhook}/deliveries",
            lambda c, t: c == "admin",
            targeted=False,
            expect=lambda c, t: None if c == "admin" else 404,
        ),
        Op("GET", "/deliveries", anyone, targeted=False),
        Op(
            "POST",
            "/deliveries/{delivery}/retry",
            lambda c, t: c in DUTY_ROOM | {"admin"},
            targeted=False,
            expect=lambda c, t: None if c in DUTY_ROOM | {"admin"} else 404,
        ),
        # public-opinion watch: warnings, hot words and the stage report are the city-wide readers' (403 for units);
        # a warning is acknowledged or turned into a verification by the duty room; an incident's duplicate offers
        # follow the incident's visibility and are decided by the duty room
        Op("GET", "/warnings", city_wide, targeted=False),
        Op("GET", "/warnings/{warning}", anyone, targeted=False, expect=lambda c, t: None if city_wide(c, t) else 404),
        Op(
            "POST",
            "/warnings/{warning}/acknowledge",
            duty_room,
            targeted=False,
            expect=lambda c, t: None if city_wide(c, t) else 404,
        ),
        Op(
            "POST",
            "/warnings/{warning}/verify",
            duty_room,
            targeted=False,
            expect=lambda c, t: None if city_wide(c, t) else 404,
        ),
        Op("GET", "/hot-words", city_wide, targeted=False),
        Op("GET", "/opinion-report", city_wide, targeted=False),
        # handover and duty log: the duty room's own books. The roster's editors (duty room, admin) sign,
        # acknowledge and write; the city-wide readers read; units get 403 on lists and 404 on one handover. The
        # world's handover was signed by the duty leader, who may not acknowledge it (403)
        Op("GET", "/handovers/open-items", city_wide, targeted=False),
        Op("GET", "/handovers", city_wide, targeted=False),
        Op("POST", "/handovers", lambda c, t: c in DUTY_ROOM | {"admin"}, 201, {"note": "矩阵交班"}, targeted=False),
        Op(
            "GET", "/handovers/{handover}", anyone, targeted=False, expect=lambda c, t: None if city_wide(c, t) else 404
        ),
        Op(
            "POST",
            "/handovers/{handover}/acknowledge",
            lambda c, t: c in {"duty-officer", "admin"},
            body={"note": "矩阵接班"},
            targeted=False,
            expect=lambda c, t: None if city_wide(c, t) else 404,
        ),
        Op("GET", "/duty-log", city_wide, targeted=False),
        Op(
            "POST",
            "/duty-log",
            lambda c, t: c in DUTY_ROOM | {"admin"},
            201,
            {"kind": "call", "text": "矩阵来电"},
            targeted=False,
        ),
        # units below the city (分级管理): anyone lists the units they may see (Shaxi's accounts see Shaxi); the admin
        # and the city duty room add units; a unit's own rules are set by its leader (or its own duty room) or admin
        Op("GET", "/units", anyone, targeted=False),
        Op(
            "POST",
            "/units",
            lambda c, t: c in DUTY_ROOM | {"admin"},
            201,
            {"code": "matrix-village", "name": "矩阵村", "kind": "village", "parent": "shaxi"},
            targeted=False,
        ),
        Op("GET", "/units/{unit}/rules", anyone, targeted=False),
        Op(
            "PUT",
            "/units/{unit}/rules",
            lambda c, t: c in {"admin", "shaxi-leader"},
            body={"within_minutes": {"general.first": 30}},
            targeted=False,
        ),
        Op("GET", "/incidents/{incident}/duplicates", anyone),
        Op(
            "POST",
            "/incident-duplicates/{incdup}/decision",
            duty_room,
            body={"duplicate": False},
            targeted=False,
            expect=lambda c, t: None if c in SEES_OWN else 404,
        ),
    ]
}


def _published() -> set[str]:
    """Every (method, path) the API publishes, with path parameters normalised to our placeholders."""
    import re

    names = {
        "incident_id": "incident",
        "report_id": "report",
        "obligation_id": "obligation",
        "request_id": "request",
        "username": "username",
        "lead_id": "lead",
        "duplicate_id": "duplicate",
        "term_id": "term",
        "task_id": "task",
        "finding_id": "finding",
        "notification_id": "notification",
        "webhook_id": "webhook",
        "delivery_id": "delivery",
        "warning_id": "warning",
        "handover_id": "handover",
        "forwarding_id": "forwarding",
    }
    published = set()
    for path, methods in ninja_api.get_openapi_schema()["paths"].items():
        path = path.removeprefix("/api/v1")
        path = re.sub(r"\{(\w+)\}", lambda m: "{" + names.get(m.group(1), m.group(1)) + "}", path)
        path = path.replace("/daily-reports/{report}", "/daily-reports/{daily}")  # a daily report, not a report
        path = path.replace("/incident-duplicates/{duplicate}", "/incident-duplicates/{incdup}")
        for method in methods:
            published.add(f"{method.upper()} {path}")
    return published


def _ours() -> set[str]:
    return {key.replace("/grants/assessor", "/grants/{username}") for key in OPERATIONS}


def test_every_published_api_operation_has_a_row_in_the_access_table() -> None:
    assert _published() == _ours(), "add the new operation to OPERATIONS (and to VISIBLE's reasoning)"


@dataclass
class World:
    ids: dict[str, dict[str, int]]


@pytest.fixture
def world(city: None) -> World:
    return build_world()


def build_world() -> World:
    """The targets and the objects each operation touches (the other levels' matrix builds on the same world)."""
    from dutyroom.accounts.services import user_add
    from dutyroom.incidents.services import IncidentInput
    from dutyroom.instructions.services import InstructionInput, instruction_record
    from dutyroom.obligations.models import Obligation
    from dutyroom.reports.intake import incident_create_with_report
    from dutyroom.reports.services import ReportInput, VerificationInput, verification_request_create

    now = clock_now()
    user_add(username="shaxi-verifier", role=Role.VERIFIER, unit_code="shaxi", password=None, now=now)
    user_add(username="shaxi-viewer", role=Role.VIEWER, unit_code="shaxi", password=None, now=now)
    officer = User.objects.get(username="duty-officer")
    made = {
        "own": ("shaxi-reporter", None, "internal"),
        "below": ("duty-officer", "grid-shaxi", "internal"),
        "other": ("liuhe-reporter", None, "internal"),
        "duty_room": ("duty-officer", "duty-room", "internal"),
        "secret": ("shaxi-reporter", None, "work_secret"),
    }
    ids: dict[str, dict[str, int]] = {}
    for target, (creator, unit, classification) in made.items():
        actor = User.objects.get(username=creator)
        incident = incident_create_with_report(
            actor=actor,
            now=now,
            data=IncidentInput(
                title=f"矩阵 {target}",
                category="accident",
                occurred_at=now - timedelta(minutes=5),
                grade="IV",
                unit=unit,
                classification=classification,
            ),
            report=ReportInput(kind="written", summary="首报", unit=unit),
        )
        request = verification_request_create(
            actor=officer,
            now=now,
            data=VerificationInput(
                unit=incident.unit.code, authority="city", question=f"核实 {target}", incident=incident
            ),
        )
        # a unit's clock: a receipt is the duty room's own and is never chased
        pending = (
            Obligation.objects.filter(incident=incident, state="pending").exclude(kind="receipt").order_by("id").first()
        )
        assert pending is not None
        given = instruction_record(
            actor=officer,
            incident=incident,
            now=now,
            data=InstructionInput(
                leader="市长",
                text="全力处置",
                due_at=now + timedelta(hours=2),
                # the duty room and grids are never tasked: their incidents' tasks go to a unit no caller belongs to
                units=[incident.unit.code if incident.unit.code not in ("duty-room", "grid-shaxi") else "liuhe"],
            ),
        )
        ids[target] = {
            "incident": incident.pk,
            "report": incident.reports.get().pk,
            "obligation": pending.pk,
            "request": request.pk,
            "task": given.tasks.get().pk,
        }
    ids["leads"] = _lead_world(officer, now)
    from dutyroom.assessment.services import FindingInput, finding_raise
    from dutyroom.incidents.models import Incident

    own = Incident.objects.get(pk=ids["own"]["incident"])
    ids["leads"]["finding"] = finding_raise(
        actor=officer, incident=own, now=now, data=FindingInput(unit="shaxi", kind="false", evidence="矩阵：谎报要素")
    ).pk  # 漏报 would wait for the first-report clock
    ids["leads"]["own_incident"] = own.pk
    ids["leads"].update(_alert_world(officer, own, now))
    ids["leads"].update(_opinion_world(own, Incident.objects.get(pk=ids["other"]["incident"]), now))
    from dutyroom.handover.services import handover_sign

    ids["leads"]["handover"] = handover_sign(actor=User.objects.get(username="duty-leader"), note="矩阵", now=now).pk
    from dutyroom.interop.models import Forwarding

    ids["leads"]["forwarding"] = Forwarding.objects.create(
        target="suzhou", kind="incident", incident=own, state="awaiting", next_attempt_at=now, created_at=now
    ).pk
    ids["leads"]["unit"] = "shaxi"  # type: ignore[assignment]  # a unit is named by its code in the API
    return World(ids)


def _opinion_world(own: Any, other: Any, now: Any) -> dict[str, int]:
    """One open early warning, and one duplicate offered for Shaxi's own incident (against another one)."""
    from dutyroom.leads.models import EarlyWarning, IncidentDuplicate

    warning = EarlyWarning.objects.create(
        topic="化工厂",
        topic_kind="term",
        window_start=now - timedelta(hours=1),
        window_end=now,
        count=6,
        baseline=0.5,
        z=4.2,
        step_at=now,
        raised_at=now,
    )
    offer = IncidentDuplicate.objects.create(incident=own, other_incident=other, score=0.8, created_at=now)
    return {"warning": warning.pk, "incdup": offer.pk}


def _alert_world(officer: User, incident: Any, now: Any) -> dict[str, int]:
    """One notification in the duty officer's inbox, one admin webhook, one failed delivery to it."""
    from dutyroom.alerts.models import AlertEvent, Delivery, Notification
    from dutyroom.alerts.services import WebhookInput, webhook_create

    event = AlertEvent.objects.create(
        key="matrix", topic="chase", incident=incident, unit=incident.unit, text="矩阵通知", created_at=now
    )
    note = Notification.objects.create(event=event, user=officer, created_at=now)
    hook = webhook_create(
        actor=User.objects.get(username="admin"),
        now=now,
        data=WebhookInput(url="http://127.0.0.1:9/matrix", secret="s" * 16, topics=[]),
    )
    failed = Delivery.objects.create(
        key="matrix:webhook",
        event=event,
        channel="webhook",
        webhook=hook,
        target=hook.url,
        state="failed",
        attempts=8,
        next_at=now,
        created_at=now,
    )
    return {"notification": note.pk, "webhook": hook.pk, "delivery": failed.pk}


def _lead_world(officer: User, now: Any) -> dict[str, int]:
    from dutyroom.leads.models import LeadDuplicate
    from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
    from dutyroom.leads.watch_terms import WatchTermInput, watch_term_create

    made = [
        lead_submit(
            now=now,
            origin=LeadOrigin(source="matrix", sender=officer),
            data=LeadInput(
                channel="media", title="沙溪镇化工厂爆炸冒烟", text="沙溪镇化工厂发生爆炸，浓烟滚滚", area="shaxi"
            ),
        )
        for _ in range(2)
    ]
    duplicate = LeadDuplicate.objects.filter(lead__in=made).first()
    term = watch_term_create(actor=officer, now=now, data=WatchTermInput(term="化工厂", kind="keyword"))
    from dutyroom.documents.services import daily_report_generate

    daily = daily_report_generate(actor=officer, day=now.date(), now=now)
    return {
        "lead": made[0].pk,
        "duplicate": duplicate.pk if duplicate else 99999999,
        "term": term.pk,
        "daily": daily.pk,
    }


def expected(op: Op, caller: str, target: str | None) -> int:
    override = op.expect(caller, target or "") if op.expect is not None else None
    if (target is not None and target not in VISIBLE[caller]) or (override == 404 and not op.may(caller, "")):
        return 404
    if not op.may(caller, target or ""):
        return 403
    return override or op.ok


def _send(client: Any, op: Op, path: str, world: World | None = None) -> Any:
    if op.path == "/leads/cap":  # XML, not JSON
        response = client.client.post(
            f"/api/v1{path}", data="<alert/>", content_type="application/cap+xml", headers=client._headers(None)
        )
        response.json_body = response.json() if response.content else None
        return response
    if op.path == "/assessment":  # the period is required (400 naming it otherwise)
        path += "?period=" + clock_now().strftime("%Y-%m")
    if op.path == "/opinion-report":  # so are the stage's start and end
        end = clock_now()
        path += "?" + urlencode({"start": (end - timedelta(days=1)).isoformat(), "end": end.isoformat()})
    return client.call(op.method.lower(), path, _body(op, world))


def _body(op: Op, world: World | None = None) -> Any:
    own = world.ids["own"]["incident"] if world is not None else 0
    if op.path == "/findings" and op.method == "POST":
        return {"incident": own, "unit": "shaxi", "kind": "false", "evidence": "矩阵证据"}  # not clock-bound
    if op.path == "/adoptions":
        return {"incident": own, "unit": "shaxi", "by": "suzhou"}
    if op.path == "/incidents" and op.method == "POST":
        return {
            "title": "矩阵新事件",
            "category": "accident",
            "grade": "IV",
            "occurred_at": (clock_now() - timedelta(minutes=3)).isoformat(),
        }
    if op.body is not None and op.body.get("due_at") == "DUE":  # a leader's deadline is within 90 days
        return {**op.body, "due_at": (clock_now() + timedelta(days=1)).isoformat()}
    return op.body


@pytest.mark.parametrize("key", sorted(OPERATIONS))
def test_access_matrix(key: str, world: World, api: Any) -> None:
    op = OPERATIONS[key]
    clients = {caller: api(caller) for caller in CALLERS}
    nothing = dict.fromkeys(
        (
            "incident",
            "report",
            "obligation",
            "request",
            "lead",
            "duplicate",
            "term",
            "daily",
            "task",
            "finding",
            "notification",
            "webhook",
            "delivery",
            "warning",
            "incdup",
            "handover",
            "forwarding",
            "unit",
        ),
        99999999,
    )
    wrong: list[str] = []
    for caller in CALLERS:
        for target in TARGETS if op.targeted else [None]:
            path = op.path.format(**world.ids[target] if target else world.ids["leads"])
            with transaction.atomic():
                response = _send(clients[caller], op, path, world)
                transaction.set_rollback(True)
            want = expected(op, caller, target)
            if response.status_code != want:
                wrong.append(f"{caller} × {target}: {response.status_code} (want {want}) {response.json_body}")
            elif want == 404 and (target not in VISIBLE[caller] if target else "{" in op.path):
                with transaction.atomic():
                    missing = _send(clients[caller], op, op.path.format(**nothing))
                    transaction.set_rollback(True)
                if (missing.status_code, missing.json_body) != (404, response.json_body):
                    wrong.append(f"{caller} × {target}: 404 body differs from a missing id's")
    assert not wrong, f"{key}:\n" + "\n".join(wrong)
