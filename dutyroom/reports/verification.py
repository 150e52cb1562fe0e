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
from dutyroom.common import limits
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations import engine
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports.access import require_may_reply
from dutyroom.reports.models import Report, VerificationRequest
from dutyroom.reports.services import ReportInput, check_channel, receipt_open, report_submit
from dutyroom.rules import ObligationKind


def verification_reply_submit(*, actor: User, request: VerificationRequest, data: ReportInput, now: datetime) -> Report:
    """File the reply; it meets the request's clock (late if after its due time) and opens a receipt clock."""
    data = replace(data, kind="verification_reply", verification_request=request.pk, called_at=None)
    require_may_reply(actor, request)  # the same 403 whether or not the request concerns an incident
    if request.incident is not None:
        return report_submit(actor=actor, incident=request.incident, data=data, now=now)
    errors = Errors()
    for name, limit in limits.REPORT_TEXT.items():
        check_text(errors, name, getattr(data, name), required=name == "summary", max_length=limit)
    check_channel(errors, data.channel)
    errors.raise_if_any()
    with transaction.atomic():
        report = Report.objects.create(
            incident=None,
            unit=request.unit,
            kind="verification_reply",
            channel=data.channel,
            summary=data.summary.strip(),
            signer=data.signer,
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
            verification_request=request,
            received_at=now,
            submitted_by=actor,
        )
        met = []
        for obligation in Obligation.objects.select_for_update().filter(
            verification_request=request, kind=ObligationKind.VERIFICATION_REPLY, state__in=engine.OPEN_STATES
        ):
            engine.obligation_meet(obligation, report_id=report.pk, at=now, now=now)
            met.append(obligation)
        receipt_open(rulebook=rulebook_of(current_snapshot()), report=report, now=now)
        audit_record(
            actor=actor,
            action="report.submit",
            object_type="report",
            object_id=report.pk,
            at=now,
            unit_code=request.unit.code,
            data={
                "kind": "verification_reply",
                "verification_request": request.pk,
                "received_at": now,
                "met": [{"obligation": o.pk, "state": o.state, "late_by_seconds": o.late_by_seconds} for o in met],
            },
        )
        outbox_emit(
            topic="report.received",
            units=[duty_room_unit()],
            at=now,
            sensitive=True,
            payload={"report": report.pk, "verification_request": request.pk, "unit": request.unit.code},
        )
    return report
