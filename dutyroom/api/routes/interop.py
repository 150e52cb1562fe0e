"""Exports in the standards of the duty room's world: CAP 1.2 and an EDXL-SitRep-shaped report chain."""

from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from dutyroom.api.outputs import AwaitingForwardingOut, ForwardingOut, InboxReceiptOut, IncidentForwardingOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice
from dutyroom.api.schemas import Strict
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, ValidationFailed
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.access import access_incident
from dutyroom.interop.config import Peer, children, parent
from dutyroom.interop.exports import incident_cap
from dutyroom.interop.inbound import inbox_receive
from dutyroom.interop.models import Forwarding, ForwardingState
from dutyroom.interop.outbound import forwarding_sign
from dutyroom.interop.selectors import awaiting_forwardings, awaiting_views, incident_forwarding_view
from dutyroom.interop.signing import INSTANCE_HEADER, SIGNATURE_HEADER, signature_ok
from dutyroom.interop.sitrep import sitrep_view

router = Router(tags=["interop"])


class BadSignature(DomainError):
    status = 401


class SitRepCasualties(Schema):
    # null: the report did not state that figure (unknown, never 0)
    deaths: int | None
    missing: int | None
    trapped: int | None
    serious_injuries: int | None
    injuries: int | None
    evacuated: int | None


class SitRepReport(Schema):
    """One report of the chain, named as EDXL-SitRep names its elements."""

    messageID: str
    reportNumber: int
    reportVersion: Literal["Initial", "Update", "Final"]
    reportKind: Literal["phone", "written", "followup", "final"]
    followupNumber: int | None
    precedingMessageID: str | None
    originatingMessageID: str
    preparedBy: str
    preparedByName: str
    authorizedBy: str | None
    dateTimeReceived: str
    situationSummary: str
    casualtyAndIllnessSummary: SitRepCasualties | None


class SitRep(Schema):
    """The report chain of an incident: Initial, then Updates (续报), then Final (终报)."""

    incidentID: str
    incidentName: str
    incidentLifecyclePhase: Literal["Response", "Recovery", "Closed"]
    reports: list[SitRepReport]


@router.get("/incidents/{incident_id}/cap", response={200: None})
def incident_cap_export(request: HttpRequest, incident_id: int) -> HttpResponse:
    """A CAP 1.2 alert of the incident, valid against the OASIS schema (``application/cap+xml``)."""
    incident = access_incident(caller(request), incident_id)
    return HttpResponse(incident_cap(incident), content_type="application/cap+xml; charset=utf-8")


@router.get("/incidents/{incident_id}/sitrep", response=SitRep)
def incident_sitrep(request: HttpRequest, incident_id: int) -> dict[str, object]:
    """The report chain as an EDXL-SitRep-shaped document (reportNumber, reportVersion, precedingMessageID)."""
    incident = access_incident(caller(request), incident_id)
    return sitrep_view(incident)


def _peer_of(request: HttpRequest) -> Peer:
    """Who signed this delivery: a configured child (by its code) or our parent (by the parent's key)."""
    signature = request.headers.get(SIGNATURE_HEADER, "")
    child = children().get(request.headers.get(INSTANCE_HEADER, ""))
    if child is not None and signature_ok(child.key, request.body, signature):
        return child
    upper = parent()
    if upper is not None and signature_ok(upper.key, request.body, signature):
        return upper
    raise BadSignature("签名无效或实例未配置", "unknown instance or bad signature")


@router.post("/interop/inbox", auth=None, response=InboxReceiptOut)
def interop_inbox(request: HttpRequest) -> Any:
    """Another DutyRoom instance delivers here (HMAC-signed, see docs/decisions.md); answers the receipt."""
    peer = _peer_of(request)
    try:
        body = json.loads(request.body)
    except ValueError as error:
        raise ValidationFailed.one("body", "请求体不是有效的 JSON", "invalid JSON") from error
    if not isinstance(body, dict) or "forwarding_id" not in body or "kind" not in body:
        raise ValidationFailed.one("body", "缺少 forwarding_id 或 kind", "forwarding_id and kind are required")
    return inbox_receive(peer=peer, body=body, now=clock_now())


def forwarding_view(forwarding: Forwarding) -> dict[str, Any]:
    return {
        "id": forwarding.pk,
        "forwarding_id": str(forwarding.forwarding_id),
        "direction": forwarding.direction,
        "target": forwarding.target,
        "kind": forwarding.kind,
        "incident": forwarding.incident_id,
        "state": forwarding.state,
        "attempts": forwarding.attempts,
        "next_attempt_at": iso_local(forwarding.next_attempt_at),
        "last_error": forwarding.last_error or None,
        "delivered_at": iso_local(forwarding.delivered_at),
        "received_by": forwarding.receipt.get("received_by"),
        "received_at": forwarding.receipt.get("received_at"),
        "signed_by": forwarding.signed_by.username if forwarding.signed_by_id and forwarding.signed_by else None,
        "signed_at": iso_local(forwarding.signed_at),
        "with_content": forwarding.with_content,
    }


@router.get("/forwardings", response=list[ForwardingOut])
def list_forwardings(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    state: str | None = None,
    incident: int | None = None,
) -> list[Any]:
    """What this instance owes its parent (and its children): the backlog, attempts and receipts (duty room)."""
    if not caller(request).is_duty_room:
        raise Forbidden("只有值班室可以查看转报情况", "only the duty room sees forwarding")
    check_choice("state", state, ForwardingState.values)
    qs = Forwarding.objects.select_related("signed_by").order_by("-id")
    if state:
        qs = qs.filter(state=state)
    if incident is not None:
        qs = qs.filter(incident_id=incident)
    return paged(request, response, qs, paging, forwarding_view)


class SignIn(Strict):
    # a work-secret incident goes upward as a stub unless the signer decides otherwise, with a reason (audited)
    with_content: bool = False
    reason: str = Field(default="", max_length=500)


_AWAITING_FIELDS = tuple(AwaitingForwardingOut.model_fields)


@router.get("/forwardings/awaiting", response=list[AwaitingForwardingOut])
def list_awaiting_forwardings(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    """Upward reports waiting for the duty leader's 签发, oldest first, each with how long it has waited."""
    user = caller(request)
    if not user.is_duty_room:
        raise Forbidden("只有值班室可以查看待签发的上报", "only the duty room sees what awaits sign-off")
    now = clock_now()
    return paged(
        request,
        response,
        awaiting_forwardings(),
        paging,
        lambda f: {k: v for k, v in awaiting_views(user, [f], now)[0].items() if k in _AWAITING_FIELDS},
    )


@router.post("/forwardings/{forwarding_id}/sign", response=ForwardingOut)
def sign_forwarding(request: HttpRequest, forwarding_id: int, payload: SignIn) -> Any:
    """The duty leader's 签发 (带班领导 only): the worker then sends the forwarding once. 409 if already signed."""
    forwarding = forwarding_sign(
        actor=caller(request),
        forwarding_id=forwarding_id,
        now=clock_now(),
        with_content=payload.with_content,
        reason=payload.reason,
    )
    return forwarding_view(forwarding)


@router.get("/incidents/{incident_id}/forwarding", response=IncidentForwardingOut)
def incident_forwarding(request: HttpRequest, incident_id: int) -> Any:
    """Where this incident stands with the level above: each forwarding and each report's receipt."""
    incident = access_incident(caller(request), incident_id)
    return incident_forwarding_view(incident)
