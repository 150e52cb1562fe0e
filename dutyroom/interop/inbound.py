"""Receiving from another instance: a child's incidents and reports (on the parent), the parent's
verification requests (on the child), and a child's replies to them (on the parent).

The parent files a child's incident under the child city as the responsible unit, through the same services
a unit's reporter uses, so its own clocks run on it (received now, anchored at occurrence). Each delivery is
one transaction keyed by its forwarding id: a retry gets the stored receipt and files nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common import limits
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.services import IncidentChanges, IncidentInput, incident_mark_handled, incident_update
from dutyroom.interop import config
from dutyroom.interop.models import ForwardingKind, InboundForwarding, RemoteLink
from dutyroom.orgs.models import Unit, UnitKind
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports.intake import incident_create_with_report
from dutyroom.reports.models import Report, VerificationRequest
from dutyroom.reports.services import ReportInput, VerificationInput, report_submit, verification_request_create
from dutyroom.reports.verification import verification_reply_submit


def _system_user(username: str, role: str, unit: Unit, name: str) -> User:
    """The account a peer instance acts as here (no password: it cannot log in)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, unit=unit, display_name=name)
        user.set_unusable_password()
        user.save()
    return user


def child_unit(peer: config.Peer, now: datetime) -> tuple[Unit, User]:
    """The child city as a reporting unit of this (parent) instance, and the account it files as."""
    unit = Unit.objects.filter(code=peer.code).first()
    if unit is None:
        unit = Unit.objects.create(
            code=peer.code, name=peer.name, kind=UnitKind.CHILD_CITY, parent=duty_room_unit(), categories=[]
        )
        audit_record(
            actor=None,
            action="unit.add",
            object_type="unit",
            object_id=unit.pk,
            at=now,
            unit_code=unit.code,
            data={"name": unit.name, "kind": unit.kind, "via": "interop"},
        )
    return unit, _system_user(f"{peer.code}-upward", Role.UNIT_REPORTER, unit, f"{peer.name}（系统转报）")


def interop_user() -> User:
    """The duty-room account that files what the level above sends down (audited as ``interop``)."""
    return _system_user("interop", Role.DUTY_OFFICER, duty_room_unit(), "上级转办（系统）")


def _linked(sender: str, kind: str, remote_id: int | None) -> int | None:
    if remote_id is None:
        return None
    return (
        RemoteLink.objects.filter(sender=sender, kind=kind, remote_id=remote_id)
        .values_list("local_id", flat=True)
        .first()
    )


def _report_input(data: dict[str, Any], kind: str) -> ReportInput:
    loss = data.get("direct_loss_cny")
    return ReportInput(
        kind=kind,
        channel="platform",
        summary=data.get("summary", ""),
        casualties=data.get("casualties"),
        direct_loss_cny=Decimal(loss) if loss is not None else None,
        measures=data.get("measures", ""),
        trend=data.get("trend", ""),
        signer=data.get("signer", ""),
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""),
    )


def _incident_input(data: dict[str, Any], unit: Unit) -> IncidentInput:
    return IncidentInput(
        title=data["title"],
        category=data["category"],
        subtype=data.get("subtype", ""),
        grade=data.get("grade"),
        sensitive=bool(data.get("sensitive")),
        may_escalate=bool(data.get("may_escalate")),
        hotspot=bool(data.get("hotspot")),
        exercise=bool(data.get("exercise")),
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        learned_at=datetime.fromisoformat(data["learned_at"]) if data.get("learned_at") else None,
        unit=unit.code,
        address=(data.get("place") or "")[:300],
        lat=data.get("lat"),
        lon=data.get("lon"),
        classification=data.get("classification", "internal"),
    )


def _sync_severity(incident: Incident, data: dict[str, Any], now: datetime) -> None:
    """The child's duty room re-graded: follow it (audited under the interop account, reason given)."""
    changes = IncidentChanges(reason="下级值班室调整分级（系统转报）")
    if data.get("grade") != incident.grade:
        changes.set_grade, changes.grade = True, data.get("grade")
    for flag in ("sensitive", "may_escalate", "hotspot"):
        if bool(data.get(flag)) != getattr(incident, flag):
            setattr(changes, flag, bool(data.get(flag)))
    if changes.set_grade or any(getattr(changes, f) is not None for f in ("sensitive", "may_escalate", "hotspot")):
        incident_update(actor=interop_user(), incident=incident, changes=changes, now=now)


def _parent_kind(position: int, kind: str) -> str:
    """The child's chain as the parent files it: the first is the city's written report, then follow-ups."""
    if kind == "final":
        return "final"
    return "written" if position == 0 else "followup"


def receive_incident(peer: config.Peer, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    unit, user = child_unit(peer, now)
    data, reports = body["incident"], body.get("reports", [])
    local_id = _linked(peer.code, "incident", data["id"])
    if local_id is None:
        incident = incident_create_with_report(actor=user, data=_incident_input(data, unit), report=None, now=now)
        RemoteLink.objects.create(sender=peer.code, kind="incident", remote_id=data["id"], local_id=incident.pk)
    else:
        incident = Incident.objects.get(pk=local_id)
        _sync_severity(incident, data, now)
    filed: dict[str, Any] = {}
    for position, report in enumerate(reports):
        known = _linked(peer.code, "report", report["id"])
        if known is None:
            incident.refresh_from_db()
            kind = _parent_kind(position, report["kind"])
            if kind != "final" and incident.state != IncidentState.OPEN:
                kind = "final" if incident.state == IncidentState.HANDLED else "followup"
            filed_report = report_submit(actor=user, incident=incident, data=_report_input(report, kind), now=now)
            RemoteLink.objects.create(sender=peer.code, kind="report", remote_id=report["id"], local_id=filed_report.pk)
            known = filed_report.pk
        received = Report.objects.values_list("received_at", flat=True).get(pk=known)
        filed[str(report["id"])] = {"id": known, "received_at": iso_local(received)}
    incident.refresh_from_db()
    if data.get("state") in ("handled", "closed") and incident.state == IncidentState.OPEN:
        incident_mark_handled(actor=user, incident=incident, now=now)
    return {"incident": incident.pk, "reports": filed}


def receive_verification_request(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """On the child: the parent's 核报 becomes a local request with the parent's deadline."""
    data = body["request"]
    local = _linked("parent", "verification_request", data["id"])
    if local is None:
        incident_id = data.get("incident")  # our own id: the parent knows it from our forwarding
        incident = Incident.objects.filter(pk=incident_id).select_related("unit").first() if incident_id else None
        asked = incident.unit.code if incident else duty_room_unit().code
        request = verification_request_create(
            actor=interop_user(),
            now=now,
            data=VerificationInput(
                unit=asked,
                authority=settings.DUTYROOM_PARENT_AUTHORITY,
                question=data["question"],
                incident=incident,
                due_at=datetime.fromisoformat(data["due_at"]),
            ),
        )
        RemoteLink.objects.create(
            sender="parent", kind="verification_request", remote_id=data["id"], local_id=request.pk
        )
        local = request.pk
    return {"request": local}


def receive_verification_reply(peer: config.Peer, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """On the parent: the child's answer meets the parent's own clock on the request."""
    _, user = child_unit(peer, now)
    data = body["report"]
    known = _linked(peer.code, "report", data["id"])
    if known is None:
        request = VerificationRequest.objects.filter(pk=body["request"], unit__code=peer.code).first()
        if request is None:
            raise ValidationFailed.one("request", "核实请求不存在", "no such verification request for this child")
        reply = _report_input(data, "verification_reply")
        report = verification_reply_submit(actor=user, request=request, data=reply, now=now)
        RemoteLink.objects.create(sender=peer.code, kind="report", remote_id=data["id"], local_id=report.pk)
        known = report.pk
    received = Report.objects.values_list("received_at", flat=True).get(pk=known)
    return {"reports": {str(data["id"]): {"id": known, "received_at": iso_local(received)}}}


# --- the shape of a delivery ---------------------------------------------------------------------------------
# A signed delivery is still checked field by field before anything is filed: a peer with a bug (or a newer
# version) must hear "400, this field" so it stops retrying, never a 500 that it retries for days. Fields this
# version does not know are ignored (peers are upgraded one at a time); the ones it uses must have their type.

Text = Annotated[str, StringConstraints(max_length=limits.SUMMARY), Strict(True)]
Count = Annotated[int, Field(ge=0, le=limits.COUNT_MAX), Strict(True)]
RemoteId = Annotated[int, Field(ge=1, le=2**63 - 1), Strict(True)]
Flag = Annotated[bool, Strict(True)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CasualtiesShape(_Shape):
    """A figure the child's report left out is unknown (``null``), never 0: it is filed as unknown here too."""

    deaths: Count | None = None
    missing: Count | None = None
    trapped: Count | None = None
    serious_injuries: Count | None = None
    injuries: Count | None = None
    evacuated: Count | None = None


class ReportShape(_Shape):
    id: RemoteId
    kind: Literal["phone", "written", "followup", "final", "verification_reply"]
    summary: Text = ""
    casualties: CasualtiesShape | None = None
    direct_loss_cny: Decimal | None = Field(
        default=None, ge=0, le=limits.LOSS_CNY_MAX, decimal_places=limits.LOSS_CNY_PLACES
    )
    measures: Text = ""
    trend: Text = ""
    signer: Text = ""
    contact_name: Text = ""
    contact_phone: Text = ""

    @field_validator("direct_loss_cny", mode="before")
    @classmethod
    def money_is_a_number(cls, value: object) -> object:
        """Money comes as a decimal string or a number, never ``true`` (which pydantic would read as 1)."""
        if isinstance(value, bool):
            raise PydanticCustomError("decimal_type", "must be a number")
        return value


class IncidentShape(_Shape):
    id: RemoteId
    title: Text
    category: Text
    subtype: Text = ""
    grade: Literal["I", "II", "III", "IV"] | None = None
    sensitive: Flag = False
    may_escalate: Flag = False
    hotspot: Flag = False
    exercise: Flag = False
    occurred_at: AwareDatetime
    learned_at: AwareDatetime | None = None
    place: Text | None = ""
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    classification: Text = "internal"
    state: Text = ""


class RequestShape(_Shape):
    id: RemoteId
    question: Text
    due_at: AwareDatetime
    incident: RemoteId | None = None


class Envelope(_Shape):
    forwarding_id: uuid.UUID
    kind: Literal["incident", "verification_request", "verification_reply"]


class IncidentDelivery(Envelope):
    incident: IncidentShape
    reports: list[ReportShape] = Field(default_factory=list, max_length=1000)


class RequestDelivery(Envelope):
    request: RequestShape


class ReplyDelivery(Envelope):
    request: RemoteId
    report: ReportShape


DELIVERIES: dict[str, type[Envelope]] = {
    "incident": IncidentDelivery,
    "verification_request": RequestDelivery,
    "verification_reply": ReplyDelivery,
}


def _refusal(error: ValidationError) -> ValidationFailed:
    fields: dict[str, tuple[str, str]] = {}
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(field, (f"格式无效：{item['msg']}", str(item["msg"])))
    return ValidationFailed(fields)


def delivery_checked(body: object) -> dict[str, Any]:
    """The delivery as this version reads it (times as ISO text, money as a decimal string), or a 400 naming
    every field that is missing or of the wrong type."""
    if not isinstance(body, dict):
        raise ValidationFailed.one("body", "请求体必须是 JSON 对象", "the body must be a JSON object")
    try:
        envelope = Envelope.model_validate(body)
        return DELIVERIES[envelope.kind].model_validate(body).model_dump(mode="json")
    except ValidationError as error:
        raise _refusal(error) from error


def inbox_receive(*, peer: config.Peer, body: dict[str, Any], now: datetime) -> dict[str, Any]:
    """File one delivery once; answer the receipt (the stored one when the delivery is a retry)."""
    body = delivery_checked(body)
    forwarding_id = uuid.UUID(str(body["forwarding_id"]))
    with transaction.atomic():
        done = InboundForwarding.objects.select_for_update().filter(forwarding_id=forwarding_id).first()
        if done is not None:
            return dict(done.response)
        kind = body["kind"]
        if kind == ForwardingKind.INCIDENT and peer.code != "parent":
            result = receive_incident(peer, body, now)
        elif kind == ForwardingKind.VERIFICATION_REPLY and peer.code != "parent":
            result = receive_verification_reply(peer, body, now)
        elif kind == ForwardingKind.VERIFICATION_REQUEST and peer.code == "parent":
            result = receive_verification_request(body, now)
        else:
            raise ValidationFailed.one("kind", "不接受的转报类型", "this instance does not accept that kind")
        response = {
            "forwarding_id": str(forwarding_id),
            "received_at": iso_local(now),
            "received_by": config.instance_name(),
            **result,
        }
        InboundForwarding.objects.create(
            forwarding_id=forwarding_id, sender=peer.code, kind=kind, received_at=now, response=response
        )
        audit_record(
            actor=None,
            action="interop.receive",
            object_type="forwarding",
            object_id=forwarding_id,
            at=now,
            unit_code=peer.code,
            data={"kind": kind, "result": result},
        )
    return response
