"""Sending upward (and verification requests down): plan from the outbox, deliver with retries, keep receipts.

The services that change incidents and reports already write outbox events in their own transactions; the
planner reads those events in id order (a cursor row) and turns the ones the level above must know into
:class:`Forwarding` rows, so nothing said in a committed transaction is ever missed. The sender claims due
rows as every queue does (``common.queue``: compare-and-set, a lease), POSTs them signed, and on a receipt
records it; on any failure it backs off (1 s, 2 s, 4 s … up to ``DUTYROOM_FORWARD_BACKOFF_MAX``) and tries
again. The receiver deduplicates by forwarding id, so a delivery whose receipt was lost is answered again and
filed once.

An upward report waits for the duty leader's 签发 (state ``awaiting``): the notice has the 带班领导 sign what
the city reports upward, so the planner files it as awaiting and the sender never claims it until
``forwarding_sign`` has recorded the signature (audited) and made it pending. Grades named in
``DUTYROOM_FORWARD_AUTO_GRADES`` go at once, as before; nothing goes at once by default.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common import http, wakeup
from dutyroom.common.errors import Conflict, Forbidden, NotFound
from dutyroom.common.queue import Claim
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import SECRET_NAME, incident_name, may_name
from dutyroom.interop import config
from dutyroom.interop.models import (
    FORWARDINGS,
    ForwardedReport,
    Forwarding,
    ForwardingCursor,
    ForwardingKind,
    ForwardingState,
    RemoteLink,
)
from dutyroom.interop.signing import FORWARDING_HEADER, INSTANCE_HEADER, SIGNATURE_HEADER, sign
from dutyroom.notifications.models import OutboxEvent
from dutyroom.reports.models import Report, VerificationRequest
from dutyroom.rules import Grade

log = logging.getLogger("dutyroom.interop")
TOPICS = ("incident.created", "incident.updated", "incident.handled", "report.received", "verification.requested")
CLAIM = timedelta(seconds=60)
TIMEOUT = 10.0
BATCH = 50


def forwards_upward(incident: Incident) -> bool:
    """Grade Ⅲ and above, and every sensitive or may-escalate incident, go to the level above."""
    return incident.grade in (Grade.I, Grade.II, Grade.III) or incident.sensitive or incident.may_escalate


def _plan_event(event: OutboxEvent, now: datetime) -> Forwarding | None:
    parent, children = config.parent(), config.children()
    if event.topic == "verification.requested":
        child = children.get(event.unit.code)
        request = VerificationRequest.objects.filter(pk=event.payload.get("request")).first()
        if child is None or request is None:
            return None
        return Forwarding(
            direction="down",
            target=child.code,
            kind=ForwardingKind.VERIFICATION_REQUEST,
            verification_request=request,
            incident=request.incident,
        )
    if parent is None:
        return None
    report = Report.objects.filter(pk=event.payload.get("report")).select_related("verification_request").first()
    if (
        report is not None
        and report.verification_request is not None
        and RemoteLink.objects.filter(
            sender="parent", kind="verification_request", local_id=report.verification_request.pk
        ).exists()
    ):
        return Forwarding(
            target=parent.name,
            kind=ForwardingKind.VERIFICATION_REPLY,
            report=report,
            verification_request=report.verification_request,
        )
    incident = Incident.objects.filter(pk=event.incident_id).first() if event.incident_id else None
    if incident is None or not forwards_upward(incident):
        return None
    if Forwarding.objects.filter(
        Q(state=ForwardingState.AWAITING) | Q(state=ForwardingState.PENDING, signed_at__isnull=True),
        incident=incident,
        kind=ForwardingKind.INCIDENT,
    ).exists():
        # one not yet signed (or sent without a 签发) is built when it is sent, so it will carry this change
        # too; a signed one carries only what its signer saw, so this change waits for a 签发 of its own
        return None
    return Forwarding(target=parent.name, kind=ForwardingKind.INCIDENT, incident=incident)


def auto_grades() -> frozenset[str]:
    """Grades whose upward report goes without waiting for the 签发 (``DUTYROOM_FORWARD_AUTO_GRADES``, e.g. "I,II").

    Empty by default: what meets the notice's phone-speed limits for Ⅰ/Ⅱ is the phone call itself (电话报告),
    and the system's forwarding is the written report, which the 带班领导 signs. A city whose leader would
    rather have Ⅰ/Ⅱ leave at once names them here; a work-secret incident still goes as a stub."""
    raw = str(getattr(settings, "DUTYROOM_FORWARD_AUTO_GRADES", "") or "")
    return frozenset(g.strip() for g in raw.split(",") if g.strip())


def _needs_signoff(forwarding: Forwarding) -> bool:
    """Every upward report waits for the 签发 unless its incident's grade is sent at once; requests going down
    to a child are the duty room's own questions and go as asked."""
    if forwarding.direction != "up":
        return False
    incident = forwarding.incident or (forwarding.report.incident if forwarding.report is not None else None)
    return incident is None or incident.grade not in auto_grades()


def _awaits(forwarding: Forwarding, now: datetime) -> None:
    """File it as awaiting the 签发, with its audit entry: the board's 待签发 panel reads these, and the entry
    moves the board's live version so the panel appears without a reload."""
    forwarding.state = ForwardingState.AWAITING
    forwarding.save()
    audit_record(
        actor=None,
        action="forwarding.await",
        object_type="forwarding",
        object_id=forwarding.pk,
        at=now,
        incident_id=forwarding.incident_id,
        data={"forwarding_id": str(forwarding.forwarding_id), "kind": forwarding.kind, "target": forwarding.target},
    )


def forwarding_plan(now: datetime) -> int:
    """Turn new outbox events into forwardings; returns how many were planned."""
    if config.parent() is None and not config.children():
        return 0
    with transaction.atomic():
        cursor, _ = ForwardingCursor.objects.select_for_update().get_or_create(id=1)
        events = list(
            OutboxEvent.objects.filter(id__gt=cursor.last_event_id, topic__in=TOPICS)
            .select_related("unit")
            .order_by("id")[:500]
        )
        if not events:
            return 0
        planned, seen = 0, set()
        for event in events:
            key = (event.topic, json.dumps(event.payload, sort_keys=True))
            if key in seen:  # one event per audience unit: plan once
                continue
            seen.add(key)
            forwarding = _plan_event(event, now)
            if forwarding is not None:
                forwarding.source_event_id = event.pk
                forwarding.next_attempt_at = now
                forwarding.created_at = now
                if _needs_signoff(forwarding):
                    _awaits(forwarding, now)
                else:
                    forwarding.save()
                planned += 1
        cursor.last_event_id = events[-1].pk
        cursor.save(update_fields=["last_event_id"])
    return planned


def report_payload(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "kind": report.kind,
        "number": report.number,
        "summary": report.summary,
        "casualties": {
            f: getattr(report, f) for f in ("deaths", "missing", "trapped", "serious_injuries", "injuries", "evacuated")
        }
        if report.has_figures
        else None,
        "direct_loss_cny": str(report.direct_loss_cny) if report.direct_loss_cny is not None else None,
        "measures": report.measures,
        "trend": report.trend,
        "signer": report.signer,
        "contact_name": report.contact_name,
        "contact_phone": report.contact_phone,
        "unit_name": report.unit.name,
        "received_at": report.received_at.isoformat(),
    }


def _stub_report(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        **payload,
        "summary": SECRET_NAME,
        "casualties": None,
        "direct_loss_cny": None,
        "measures": "",
        "trend": "",
        "contact_name": "",
        "contact_phone": "",
    }


def incident_payload(
    incident: Incident, *, with_content: bool = False, reports_through: int | None = None
) -> dict[str, Any]:
    """The incident as it stands now, with every report of its chain (the receiver files what it lacks), or
    those up to ``reports_through`` (the newest one its signer saw).

    A work-secret incident goes up as a stub: that it happened, when, its grade and flags, its unit, and when
    each report came in, so the level above keeps its clocks; its title, place and words are named for nobody
    (``incidents.naming``), because the content of a work secret leaves the system only by the secure channel,
    or by the signer's explicit, audited decision (``with_content``, ``forwarding_sign``).
    """
    body = _full_payload(incident, reports_through)
    if with_content or may_name(incident, None):
        return body
    body["incident"].update({"title": incident_name(incident, None), "place": "", "lat": None, "lon": None})
    body["reports"] = [_stub_report(r) for r in body["reports"]]
    return body


def _full_payload(incident: Incident, reports_through: int | None = None) -> dict[str, Any]:
    reports = Report.objects.filter(incident=incident).exclude(kind="verification_reply").select_related("unit")
    if reports_through is not None:
        reports = reports.filter(pk__lte=reports_through)
    return {
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "category": incident.category,
            "subtype": incident.subtype,
            "grade": incident.grade,
            "sensitive": incident.sensitive,
            "may_escalate": incident.may_escalate,
            "hotspot": incident.hotspot,
            "exercise": incident.exercise,
            "occurred_at": incident.occurred_at.isoformat(),
            "learned_at": incident.learned_at.isoformat() if incident.learned_at else None,
            "place": " ".join(p for p in ((incident.area.name if incident.area else ""), incident.address) if p),
            "lat": incident.lat,
            "lon": incident.lon,
            "classification": incident.classification,
            "state": incident.state,
            "unit_name": incident.unit.name,
        },
        "reports": [report_payload(r) for r in reports.order_by("received_at", "id")],
    }


def forwarding_body(forwarding: Forwarding) -> dict[str, Any]:
    body: dict[str, Any] = {
        "forwarding_id": str(forwarding.forwarding_id),
        "kind": forwarding.kind,
        "sender": config.instance_code(),
        "sender_name": config.instance_name(),
    }
    if forwarding.kind == ForwardingKind.INCIDENT:
        assert forwarding.incident is not None
        body.update(
            incident_payload(
                forwarding.incident,
                with_content=forwarding.with_content,
                reports_through=forwarding.reports_through,
            )
        )
    elif forwarding.kind == ForwardingKind.VERIFICATION_REPLY:
        assert forwarding.report is not None and forwarding.verification_request is not None
        link = RemoteLink.objects.get(
            sender="parent", kind="verification_request", local_id=forwarding.verification_request.pk
        )
        reply = report_payload(forwarding.report)
        about = forwarding.report.incident
        if about is not None and not forwarding.with_content and not may_name(about, None):
            reply = _stub_report(reply)  # a reply about a work secret is its content too
        body.update({"request": link.remote_id, "report": reply})
    else:
        request = forwarding.verification_request
        assert request is not None
        # the child's own id of the incident, when the incident came from that child
        child_incident = (
            RemoteLink.objects.filter(sender=forwarding.target, kind="incident", local_id=request.incident_id)
            .values_list("remote_id", flat=True)
            .first()
            if request.incident_id
            else None
        )
        body.update(
            {
                "request": {
                    "id": request.pk,
                    "question": request.question,
                    "due_at": request.due_at.isoformat(),
                    "incident": child_incident,
                }
            }
        )
    return body


def _peer_for(forwarding: Forwarding) -> config.Peer | None:
    if forwarding.direction == "up":
        return config.parent()
    return config.children().get(forwarding.target)


def _post(peer: config.Peer, forwarding: Forwarding, body: bytes) -> dict[str, Any]:
    """Deliver through the one outbound client (a peer on a private network must be allowed by the
    administrator, ``DUTYROOM_FEEDS_ALLOW``); anything but a 2xx JSON answer is a failure to retry."""
    response = http.fetch(
        "POST",
        peer.url.rstrip("/") + "/api/v1/interop/inbox",
        body=body,
        timeout=TIMEOUT,
        max_bytes=1024 * 1024,
        headers={
            "Content-Type": "application/json",
            INSTANCE_HEADER: config.instance_code(),
            FORWARDING_HEADER: str(forwarding.forwarding_id),
            SIGNATURE_HEADER: sign(peer.key, body),
        },
    )
    if not response.ok:
        raise http.HttpError(f"HTTP {response.status}: {response.body[:200].decode(errors='replace')}")
    answer: dict[str, Any] = json.loads(response.body or b"{}")
    return answer


def _record_receipt(claim: Claim, forwarding: Forwarding, receipt: dict[str, Any], now: datetime) -> None:
    with transaction.atomic():
        FORWARDINGS.finish(claim, [forwarding.pk], now, receipt=receipt)
        by = receipt.get("received_by", forwarding.target)
        for local_id, remote in (receipt.get("reports") or {}).items():
            ForwardedReport.objects.get_or_create(
                report_id=int(local_id),
                defaults={
                    "received_at": datetime.fromisoformat(remote["received_at"]),
                    "received_by": by,
                    "remote_id": remote.get("id"),
                },
            )
        remote_incident = receipt.get("incident")
        if forwarding.incident_id and remote_incident and forwarding.direction == "up":
            RemoteLink.objects.get_or_create(
                sender="parent",
                kind="incident",
                remote_id=remote_incident,
                defaults={"local_id": forwarding.incident_id},
            )


def _fail(claim: Claim, forwarding: Forwarding, error: str, now: datetime) -> None:
    FORWARDINGS.retry(
        claim, forwarding.pk, attempts=forwarding.attempts, error=error[:500], now=now, cap_seconds=config.backoff_max()
    )


def forwarding_send(now: datetime) -> int:
    """Deliver due forwardings; returns how many were delivered (failures are rescheduled)."""
    delivered = 0
    claim = FORWARDINGS.claim(now, BATCH, lease=CLAIM)
    for forwarding_id in claim.ids:
        forwarding = Forwarding.objects.select_related("incident", "report", "verification_request").get(
            pk=forwarding_id
        )
        peer = _peer_for(forwarding)
        if peer is None:
            _fail(claim, forwarding, "no peer configured", now)
            continue
        body = json.dumps(forwarding_body(forwarding), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        try:
            receipt = _post(peer, forwarding, body)
        except (http.HttpError, ValueError) as error:
            log.info("forwarding %s to %s failed: %s", forwarding.forwarding_id, peer.name, error)
            _fail(claim, forwarding, str(error), now)
            continue
        _record_receipt(claim, forwarding, receipt, now)
        delivered += 1
    return delivered


def next_forwarding_at() -> datetime | None:
    # one awaiting its 签发 is not due at any time: the signature makes it pending (and wakes the worker)
    row = (
        Forwarding.objects.exclude(state__in=[ForwardingState.DELIVERED, ForwardingState.AWAITING])
        .order_by("next_attempt_at")
        .first()
    )
    return row.next_attempt_at if row else None


def forwarding_job(now: datetime) -> datetime | None:
    """The worker's job: plan from the outbox, send what is due, say when the next retry falls due."""
    if config.parent() is None and not config.children():
        return None
    forwarding_plan(now)
    forwarding_send(now)
    upcoming = next_forwarding_at()
    return max(upcoming, now) if upcoming else now + timedelta(seconds=1)


def may_sign(user: User) -> bool:
    """The city duty room's 带班领导 signs what goes upward (签发). Duty officers prepare and watch the queue but
    do not sign: the notice's practice is that the leader on duty answers for what the city tells the level
    above, so a signature by whoever is at the desk would make the 签发 a formality."""
    return user.role == Role.DUTY_LEADER and user.is_duty_room


def forwarding_sign(
    *, actor: User, forwarding_id: int, now: datetime, with_content: bool = False, reason: str = ""
) -> Forwarding:
    """The duty leader's 签发: the forwarding becomes pending and the worker sends it once.

    ``with_content`` sends a work-secret incident's words upward instead of its stub; it takes a reason, and
    the decision, its reason and the signer are in the audit entry. Anyone outside the duty room is told the
    forwarding does not exist (404); a duty officer may see it but not sign (403); signing twice is a 409."""
    if not actor.is_duty_room:
        raise NotFound("转报")
    if not may_sign(actor):
        raise Forbidden("只有带班领导可以签发上报", "only the duty leader signs what goes upward")
    errors = Errors()
    reason = reason.strip()
    check_text(errors, "reason", reason, max_length=500)
    with transaction.atomic():
        # only the forwarding's row is locked (two leaders pressing at once: one signs, the other gets 409)
        forwarding = (
            Forwarding.objects.select_for_update(of=("self",))
            .select_related("incident", "report__incident")
            .filter(pk=forwarding_id)
            .first()
        )
        if forwarding is None or forwarding.direction != "up":
            raise NotFound("转报")
        if forwarding.state != ForwardingState.AWAITING:
            raise Conflict("该上报已签发", "this forwarding has already been signed")
        incident = forwarding.incident or (forwarding.report.incident if forwarding.report is not None else None)
        secret = incident is not None and not may_name(incident, None)
        if with_content and not secret:
            errors.add("with_content", "只有工作秘密事件需要决定是否随报内容", "only a work-secret incident has a stub")
        if with_content and not reason:
            errors.add("reason", "随报工作秘密内容须写明理由", "sending a work secret's content needs a reason")
        errors.raise_if_any()
        through = (
            Report.objects.filter(incident=incident).aggregate(newest=Max("id"))["newest"]
            if incident is not None
            else None
        )
        signed = {
            "state": ForwardingState.PENDING,
            "next_attempt_at": now,
            "signed_by": actor,
            "signed_at": now,
            "reports_through": through,
            "with_content": with_content,
        }
        Forwarding.objects.filter(pk=forwarding.pk).update(**signed)
        for field, value in signed.items():
            setattr(forwarding, field, value)
        audit_record(
            actor=actor,
            action="forwarding.sign",
            object_type="forwarding",
            object_id=forwarding.pk,
            at=now,
            incident_id=forwarding.incident_id,
            data={
                "forwarding_id": str(forwarding.forwarding_id),
                "kind": forwarding.kind,
                "target": forwarding.target,
                "reports_through": through,
                "work_secret": secret,
                "with_content": with_content,
                "reason": reason,
            },
        )
        transaction.on_commit(wakeup.notify)
    # The row as signed, not re-read: the woken worker may already be sending it, and the answer to the
    # leader is what the signature did.
    return forwarding
