"""Answering a verification request (核报反馈), including one that concerns no incident at all.

Requests from above often ask a unit to check a rumour or a media item before anyone knows whether there
is an incident; the unit must still be able to answer on time, so the reply needs no incident.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Forbidden
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.incidents.services import CREATOR_ROLES
from dutyroom.notifications.services import outbox_emit
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports import obligations as engine
from dutyroom.reports.models import Obligation, Report, VerificationRequest
from dutyroom.reports.services import ReportInput, receipt_open, report_submit
from dutyroom.rules import Channel, ObligationKind


def verification_reply_submit(*, actor: User, request: VerificationRequest, data: ReportInput,
                              now: datetime) -> Report:
    """File the reply; it meets the request's clock (late if after its due time) and opens a receipt clock."""
    data = replace(data, kind="verification_reply", verification_request=request.pk, called_at=None)
    if request.incident is not None:
        return report_submit(actor=actor, incident=request.incident, data=data, now=now)
    if actor.role not in CREATOR_ROLES or not (actor.is_duty_room or actor.unit_id == request.unit_id):
        raise Forbidden("只有被核实单位可以反馈", "only the unit asked may reply")
    errors = Errors()
    check_text(errors, "summary", data.summary, required=True, max_length=20000)
    for name, limit in (("signer", 100), ("contact_name", 100), ("contact_phone", 40)):
        check_text(errors, name, getattr(data, name), max_length=limit)
    if data.channel not in {c.value for c in Channel}:
        errors.add("channel", "报送渠道无效", "unknown channel")
    errors.raise_if_any()
    with transaction.atomic():
        report = Report.objects.create(
            incident=None, unit=request.unit, kind="verification_reply", channel=data.channel,
            summary=data.summary.strip(), signer=data.signer, contact_name=data.contact_name,
            contact_phone=data.contact_phone, verification_request=request, received_at=now, submitted_by=actor,
        )
        met = []
        for obligation in Obligation.objects.select_for_update().filter(
            verification_request=request, kind=ObligationKind.VERIFICATION_REPLY, state__in=engine.OPEN_STATES
        ):
            engine.obligation_meet(obligation, report=report, at=now, now=now)
            met.append(obligation)
        receipt_open(rulebook=rulebook_of(current_snapshot()), report=report, now=now)
        audit_record(
            actor=actor, action="report.submit", object_type="report", object_id=report.pk, at=now,
            unit_code=request.unit.code,
            data={"kind": "verification_reply", "verification_request": request.pk, "received_at": now,
                  "met": [{"obligation": o.pk, "state": o.state, "late_by_seconds": o.late_by_seconds} for o in met]},
        )
        outbox_emit(topic="report.received", units=[duty_room_unit()], at=now, sensitive=True,
                    payload={"report": report.pk, "verification_request": request.pk, "unit": request.unit.code})
    return report
