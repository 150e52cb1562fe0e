"""Every write about reports and clocks: submit, log a phone call, confirm receipt, waive, ask for verification.

``received_at`` is always the server's clock. A phone report's clock time is ``called_at`` when the duty
officer gives it (they log the call after hanging up), bounded to the last two hours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.accounts.selectors import acting_unit
from dutyroom.audit.services import audit_record
from dutyroom.common import limits
from dutyroom.common.engine.bulk import insert_many, save_fields
from dutyroom.common.errors import Conflict, Forbidden
from dutyroom.common.memo import pass_memo
from dutyroom.common.validation import Errors, check_choice, check_past, check_text, check_time
from dutyroom.incidents.access import access_incident, is_protected, require_duty_room
from dutyroom.incidents.grading import SUGGESTION_FIELDS, incident_suggest
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.naming import incident_name
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.incidents.services import incident_lock, incident_mark_handled
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations import engine
from dutyroom.obligations.chain import limits_of_room, owes_on, receiver_of
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import duty_room_unit, owed_to_code, unit_for_code, unit_subtree_ids
from dutyroom.reports.access import may_act_on_clock, require_may_confirm_receipt, require_may_submit
from dutyroom.reports.clocks import obligations_apply_report
from dutyroom.reports.models import Authority, Report, VerificationRequest
from dutyroom.rules import (
    FIGURE_FIELDS,
    Channel,
    Classification,
    ObligationKind,
    ObligationState,
    PlannedClock,
    ReportKind,
    Rulebook,
    channel_forbidden,
    receipt_due,
    verification_reply_due,
)
from dutyroom.rules.overlay import tighten_one

PHONE_LOOKBACK = timedelta(hours=2)
# the people counts of a report: every figure of the rules core except the money
CASUALTY_FIELDS = tuple(name for name in FIGURE_FIELDS if name != "direct_loss_cny")


def check_channel(errors: Errors, channel: str) -> None:
    check_choice(errors, "channel", channel, (c.value for c in Channel), "报送渠道无效", "unknown channel")


@dataclass
class ReportInput:
    kind: str
    channel: str = Channel.PLATFORM.value
    summary: str = ""
    # A figure left out, or given as None, is unknown: it is stored as NULL and never read as 0.
    casualties: Mapping[str, int | None] | None = None
    direct_loss_cny: Decimal | None = None
    measures: str = ""
    trend: str = ""
    signer: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    verification_request: int | None = None
    called_at: datetime | None = None
    unit: str | None = None


def _loss_fits(value: Decimal) -> bool:
    """Within the one money limit (limits.LOSS_CNY_*): finite, at most the maximum, at most two decimal places."""
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -limits.LOSS_CNY_PLACES and value <= limits.LOSS_CNY_MAX


def _stub_report(actor: User, data: ReportInput, errors: Errors) -> None:
    """On a classified stub the duty room logs only that a report arrived by the secure channel, and when."""
    if not actor.is_duty_room and data.kind != ReportKind.VERIFICATION_REPLY:
        raise Forbidden(
            "涉密事件的报告经保密渠道报送，由值班室登记送达时间",
            "reports on a classified stub go by the secure channel; the duty room logs their arrival",
        )
    for name in limits.REPORT_TEXT:
        if getattr(data, name).strip():
            errors.add(name, "涉密事件不得录入报告内容（经保密渠道报送）", "a classified stub takes no report content")
    if any(v is not None for v in (data.casualties or {}).values()) or data.direct_loss_cny is not None:
        errors.add("casualties", "涉密事件不得录入伤亡和损失数字", "a classified stub takes no figures")


def _validate(actor: User, incident: Incident, data: ReportInput, now: datetime, errors: Errors) -> Unit | None:
    check_choice(errors, "kind", data.kind, (k.value for k in ReportKind), "报告类型无效", "unknown report kind")
    check_channel(errors, data.channel)
    for name, value in (data.casualties or {}).items():
        if name not in CASUALTY_FIELDS:
            errors.add(f"casualties.{name}", "未知的伤亡项", "unknown casualty field")
        elif value is None:
            continue  # unknown, as if left out
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.add(f"casualties.{name}", "必须是非负整数", "must be a non-negative integer")
    if data.direct_loss_cny is not None and data.direct_loss_cny < 0:
        errors.add("direct_loss_cny", "直接经济损失不能为负数", "direct_loss_cny cannot be negative")
    elif data.direct_loss_cny is not None and not _loss_fits(data.direct_loss_cny):
        errors.add(
            "direct_loss_cny",
            f"直接经济损失最多 {limits.LOSS_CNY_MAX} 元（精确到分）",
            f"direct_loss_cny must be at most {limits.LOSS_CNY_MAX} yuan, to the fen",
        )
    for name, limit in limits.REPORT_TEXT.items():
        check_text(errors, name, getattr(data, name), max_length=limit)
    if data.kind == ReportKind.PHONE:
        if not actor.is_duty_room:
            raise Forbidden("电话报告由值班室登记", "phone reports are logged by the duty room")
        check_past(errors, "called_at", data.called_at, now)
        if data.called_at and data.called_at < now - PHONE_LOOKBACK:
            errors.add("called_at", "来电时间最多只能补记 2 小时以内", "called_at may be at most 2 hours back")
    elif incident.classified_stub:  # when the document arrived through the secure channel
        check_past(errors, "called_at", data.called_at, now)
        if data.called_at and data.called_at < now - PHONE_LOOKBACK:
            errors.add("called_at", "送达时间最多只能补记 2 小时以内", "called_at may be at most 2 hours back")
    elif data.called_at is not None:
        errors.add("called_at", "只有电话报告可以填写来电时间", "called_at is only for phone reports")
    if incident.classified_stub:
        _stub_report(actor, data, errors)
    if data.kind == ReportKind.VERIFICATION_REPLY:
        if data.verification_request is None:
            errors.add("verification_request", "核报反馈必须指明所答复的核实请求", "verification_request is required")
        check_text(errors, "summary", data.summary, required=True)  # the answer is the content
    # the duty room logs on behalf of the responsible unit by default
    return acting_unit(actor, data.unit, errors, default=incident.unit if actor.is_duty_room else actor.unit)


def _verification_request(
    data: ReportInput, unit: Unit | None, incident: Incident, errors: Errors
) -> VerificationRequest | None:
    if data.verification_request is None:
        return None
    request = VerificationRequest.objects.filter(pk=data.verification_request).first()
    if request is None or (unit is not None and request.unit_id != unit.pk):
        errors.add("verification_request", "核实请求不存在或不是发给本单位的", "no such request for this unit")
        return None
    if request.incident_id not in (None, incident.pk):
        errors.add("verification_request", "该核实请求属于另一事件", "the request belongs to another incident")
    return request


def given_figures(data: ReportInput) -> dict[str, Any]:
    """The figures the report actually states; one it leaves out (or sends as None) is unknown and absent here,
    so it is stored as NULL and the incident keeps its earlier value. The loss is a decimal string."""
    values: dict[str, Any] = {
        name: int(value)
        for name, value in (data.casualties or {}).items()
        if name in CASUALTY_FIELDS and value is not None
    }
    if data.direct_loss_cny is not None:
        values["direct_loss_cny"] = str(data.direct_loss_cny)
    return values


def carried_figures(previous: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
    """The incident's figures after a report: each figure keeps the latest value it was actually given; a
    figure no report has given stays absent (unknown), never 0."""
    merged = {k: v for k, v in (previous or {}).items() if k in FIGURE_FIELDS and v is not None}
    merged.update(given)
    return {k: merged[k] for k in FIGURE_FIELDS if k in merged}


def report_submit(
    *, actor: User, incident: Incident, data: ReportInput, now: datetime, created: bool = False
) -> Report:
    """File a report; meet every clock it satisfies; open its receipt clock; keep follow-ups rolling.

    ``created``: the caller opened ``incident`` in its open transaction (the first report with its incident), so
    the row in hand is current and held by this transaction: it is not locked or read again, and it has no
    follow-up clock yet."""
    require_may_submit(actor)
    with pass_memo(), transaction.atomic():
        checked = None
        if not created:
            checked = _validated(actor, incident, data, now)  # refused before any lock is taken
            incident = incident_lock(incident.pk)
        return _submit_locked(actor, incident, data, now, checked, created=created)


def report_submit_to(*, actor: User, incident_id: int, data: ReportInput, now: datetime) -> Report:
    """``report_submit`` for an incident named by id: the access check's read is the lock's read. Whether the
    incident exists is answered first (404 to whoever may not see it), as on every other path, so a role that
    may not report learns nothing about incidents it cannot see from a 403."""
    with pass_memo(), transaction.atomic():
        incident = access_incident(actor, incident_id, lock=True)
        require_may_submit(actor)
        return _submit_locked(actor, incident, data, now)


def _validated(
    actor: User, incident: Incident, data: ReportInput, now: datetime
) -> tuple[Unit, VerificationRequest | None]:
    errors = Errors()
    unit = _validate(actor, incident, data, now, errors)
    request = _verification_request(data, unit, incident, errors)
    errors.raise_if_any()
    assert unit is not None
    return unit, request


def _submit_locked(
    actor: User,
    incident: Incident,
    data: ReportInput,
    now: datetime,
    checked: tuple[Unit, VerificationRequest | None] | None = None,
    *,
    created: bool = False,
) -> Report:
    """The write itself; the caller's transaction holds ``incident`` locked. Within one pass (``pass_memo``) the
    duty room and the levels of the unit tree are read once."""
    unit, request = checked or _validated(actor, incident, data, now)
    kind = ReportKind(data.kind)
    _require_chain(incident, kind, unit)
    rulebook = rulebook_of(incident.rulebook)
    channel = Channel.PHONE if kind == ReportKind.PHONE else Channel(data.channel)
    number = None
    if kind == ReportKind.FOLLOWUP:  # numbered from the incident's own count, raised in its UPDATE below
        number = incident.followups + 1
        incident.followups = number
    figures = given_figures(data)
    has_figures = bool(figures)
    forbidden = channel_forbidden(rulebook, channel, incident.severity, Classification(incident.classification))
    report = Report(
        incident=incident,
        unit=unit,
        kind=kind,
        channel=channel,
        number=number,
        summary=data.summary,
        has_figures=has_figures,
        direct_loss_cny=data.direct_loss_cny,
        measures=data.measures,
        trend=data.trend,
        signer=data.signer,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        verification_request=request,
        called_at=data.called_at,
        received_at=now,
        submitted_by=actor,
        forbidden_channel=forbidden,
        **{name: figures.get(name) for name in CASUALTY_FIELDS},
    )
    insert_many([report], returning_ids=True)
    delivered = kind == ReportKind.PHONE or incident.classified_stub  # called in, or arrived by secure channel
    effective_at = data.called_at if delivered and data.called_at else now
    if kind == ReportKind.FINAL and incident.state == IncidentState.OPEN and unit.pk == incident.unit_id:
        _implicit_handled(actor, incident, now)
    was_pending: set[int] = set()
    met = obligations_apply_report(
        rulebook=rulebook,
        incident=incident,
        report=report,
        effective_at=effective_at,
        now=now,
        was_pending=was_pending,
    )
    duty_room = duty_room_unit()
    succeeds = next((o for o in met if o.kind == ObligationKind.FOLLOWUP and o.pk in was_pending), None)
    _after_report(
        rulebook=rulebook,
        incident=incident,
        report=report,
        unit=unit,
        now=now,
        duty_room=duty_room,
        succeeds=succeeds,
        first=created,
    )
    _incident_write(incident, now, figures, followup=number is not None, created=created)
    audit_record(
        actor=actor,
        action="report.submit",
        object_type="report",
        object_id=report.pk,
        at=now,
        incident_id=incident.pk,
        unit_code=unit.code,
        data={
            "kind": kind,
            "channel": channel,
            "number": number,
            "received_at": now,
            "called_at": data.called_at,
            "figures": figures if has_figures else None,
            "met": [
                {"obligation": o.pk, "kind": o.kind, "state": o.state, "late_by_seconds": o.late_by_seconds}
                for o in met
            ],
            "forbidden_channel": report.forbidden_channel,
        },
    )
    payload = {
        "incident": incident.pk,
        "report": report.pk,
        "kind": kind,
        "unit": unit.code,
        "title": incident_name(incident, None),
        "forbidden_channel": report.forbidden_channel,
    }
    receiver = receiver_of(unit)  # a town's duty room hears of its villages' reports
    outbox_emit(
        topic="report.received",
        units=[duty_room, unit, *([receiver] if receiver else [])],
        at=now,
        payload=payload,
        incident_id=incident.pk,
        sensitive=is_protected(incident),
    )
    return report


def _incident_write(
    incident: Incident, now: datetime, figures: dict[str, Any], *, followup: bool, created: bool
) -> None:
    """The report's one UPDATE of the incident (held by this transaction): when it changed, its follow-up count,
    and the figures carried forward with the grade they suggest. An incident opened in this transaction was
    inserted at ``now`` and is written only if the report changed it."""
    fields = [] if created else ["updated_at"]
    incident.updated_at = now
    if followup:
        fields.append("followups")
    if figures:
        incident.figures = carried_figures(incident.figures, figures)
        incident_suggest(incident)
        fields += ["figures", *SUGGESTION_FIELDS]
    if fields:
        save_fields(incident, fields)


def _require_chain(incident: Incident, kind: ReportKind, unit: Unit) -> None:
    """Follow-ups are numbered and a final report closes the incident: only the responsible unit's chain (filed by
    it or by the duty room on its behalf) may do either. Another unit's phone call or written note is kept as
    information (it meets no clock of the responsible unit). Nothing but a verification reply is taken once the
    incident is closed."""
    upper = unit.pk != incident.unit_id and owes_on(
        incident.pk, unit, incident.unit
    )  # a town passing its village's report on
    if kind in (ReportKind.FOLLOWUP, ReportKind.FINAL) and unit.pk != incident.unit_id and not upper:
        raise Forbidden(
            "续报和终报只能由责任单位（或值班室代其）报送",
            "only the responsible unit (or the duty room for it) files follow-up and final reports",
        )
    if (
        kind != ReportKind.VERIFICATION_REPLY
        and incident.state == IncidentState.CLOSED
        and not (upper and kind == ReportKind.FINAL)
    ):  # the town's own final to the city may follow its village's
        raise Conflict("事件已结案（已收到终报），不再接受报告", "the incident is closed (final report received)")


def _implicit_handled(actor: User, incident: Incident, now: datetime) -> None:
    """A final report on an open incident says handling is over: mark it so, which opens the final clock."""
    incident_mark_handled(actor=actor, incident=incident, now=now)
    incident.refresh_from_db()


def receipt_open(
    *,
    rulebook: Rulebook,
    report: Report,
    now: datetime,
    duty_room: Unit | None = None,
    batch: list[Obligation] | None = None,
) -> Obligation:
    """The duty room owes a confirmation of receipt (签收) for every report that is not a phone call. The key
    names the report, created in this same transaction, so no clock can have it yet. ``batch``: collected for
    the caller's one INSERT of the report's new clocks (``engine.obligations_insert``)."""
    receiver = receiver_of(report.unit)  # a town running its own duty room confirms its villages' reports
    opened = report.incident.created_at if report.incident is not None else now
    planned = tighten_one(
        rulebook,
        PlannedClock(
            key=f"receipt:{report.pk}",
            kind=ObligationKind.RECEIPT,
            due_at=receipt_due(rulebook, now),
            rule=f"{rulebook.ref}/{rulebook.receipt.id}",
            anchor_at=now,
        ),
        limits_of_room(rulebook, receiver, opened),  # the receiving room's own rules, as the incident opened
    )
    obligation, _ = engine.obligation_upsert(
        incident=report.incident,
        unit=receiver or duty_room or duty_room_unit(),
        planned=planned,
        key=f"report:{report.pk}:receipt",
        now=now,
        report_id=report.pk,
        fresh=True,
        owed_to=owed_to_code(receiver),
        batch=batch,
    )
    return obligation


def _after_report(
    *,
    rulebook: Rulebook,
    incident: Incident,
    report: Report,
    unit: Unit,
    now: datetime,
    duty_room: Unit,
    succeeds: Obligation | None = None,
    first: bool = False,
) -> None:
    """What a report sets running: the duty room's receipt clock, the next follow-up, closure on a final.
    The caller holds the incident's lock. The new clocks (the receipt, the next follow-up) are written in one
    INSERT."""
    kind = ReportKind(report.kind)
    batch: list[Obligation] = []
    if kind != ReportKind.PHONE:
        receipt_open(rulebook=rulebook, report=report, now=now, duty_room=duty_room, batch=batch)
    rolling = kind in (ReportKind.PHONE, ReportKind.WRITTEN, ReportKind.FOLLOWUP)
    if rolling and (
        unit.pk == incident.unit_id or owes_on(incident.pk, unit, incident.unit)
    ):  # a town owes the city its own
        engine.followup_schedule(
            rulebook=rulebook,
            incident=incident,
            unit=unit,
            basis_at=now,
            now=now,
            locked=True,
            owed_to=owed_to_code(receiver_of(unit)),
            succeeds=succeeds,
            first=first and unit.pk == incident.unit_id,
            batch=batch,
        )
    engine.obligations_insert(batch)
    if kind == ReportKind.FINAL and unit.pk == incident.unit_id:  # a town's final passes on, it closes nothing
        incident.state = IncidentState.CLOSED
        incident.save(update_fields=["state"])


def report_confirm_receipt(*, actor: User, report: Report, now: datetime) -> Report:
    """The duty room confirms it received a report (签收, 核对确认接收)."""
    require_may_confirm_receipt(actor, report)
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",), no_key=True)
            .select_related("incident", "unit")
            .get(pk=report.pk)
        )  # no key share blocked: see incidents.services.incident_lock
        if report.confirmed_at is not None:
            raise Conflict("该报告已签收", "this report was already confirmed")
        if report.kind == ReportKind.PHONE:
            raise Conflict("电话报告由值班室登记，无需签收", "phone reports need no receipt")
        report.confirmed_at = now
        report.confirmed_by = actor
        report.save(update_fields=["confirmed_at", "confirmed_by"])
        for obligation in Obligation.objects.select_for_update().filter(
            report=report, kind=ObligationKind.RECEIPT, state__in=engine.OPEN_STATES
        ):
            engine.obligation_meet(obligation, report_id=None, at=now, now=now)
        audit_record(
            actor=actor,
            action="report.receipt",
            object_type="report",
            object_id=report.pk,
            at=now,
            incident_id=report.incident_id,
            unit_code=report.unit.code,
            data={"confirmed_at": now},
        )
        outbox_emit(
            topic="report.confirmed",
            units=[report.unit],
            at=now,
            payload={"incident": report.incident_id, "report": report.pk},
            incident_id=report.incident_id,
            sensitive=is_protected(report.incident) if report.incident else True,
        )
    return report


def obligation_waive(*, actor: User, obligation: Obligation, reason: str, now: datetime) -> Obligation:
    if not may_act_on_clock(actor, obligation.owed_to):  # a town's duty room waives the clocks owed to it
        require_duty_room(actor, "只有值班室可以豁免时限", "only the duty room may waive an obligation")
    errors = Errors()
    check_text(errors, "reason", reason, required=True, max_length=limits.REASON)
    errors.raise_if_any()
    with transaction.atomic():
        obligation = Obligation.objects.select_for_update(of=("self",)).select_related("unit").get(pk=obligation.pk)
        if obligation.state not in engine.OPEN_STATES:
            raise Conflict(
                f"该时限已是“{ObligationState(obligation.state).label_zh}”，不能豁免",
                f"an obligation that is {obligation.state} cannot be waived",
            )
        previous = obligation.state
        obligation.state = ObligationState.WAIVED
        obligation.waived_reason = reason.strip()
        obligation.waived_by = actor
        obligation.waived_at = now
        obligation.save(update_fields=["state", "waived_reason", "waived_by", "waived_at"])
        engine.audit_obligation(
            obligation,
            action="obligation.waive",
            actor=actor,
            now=now,
            extra={"reason": obligation.waived_reason, "previous_state": previous},
        )
    return obligation


@dataclass
class VerificationInput:
    unit: str
    authority: str
    question: str
    incident: Incident | None = None
    due_at: datetime | None = None


def verification_request_create(*, actor: User, data: VerificationInput, now: datetime) -> VerificationRequest:
    """A question from above (or the city) that a unit must answer by a deadline (核报)."""
    local = actor.local_duty_room  # a town's duty room asks the units below it
    if local is None:
        require_duty_room(actor, "只有值班室可以发起核实请求", "only the duty room issues verification requests")
    errors = Errors()
    unit = unit_for_code(data.unit, errors)
    if local is not None and unit is not None and (unit.pk == local.pk or unit.pk not in unit_subtree_ids(local)):
        raise Forbidden("只能向本镇（区）下属单位发起核实请求", "a local duty room asks only the units below it")
    check_choice(
        errors,
        "authority",
        data.authority,
        Authority.values,
        "来源必须是 state_council、jiangsu、suzhou 或 city",
        "unknown authority",
    )
    check_text(errors, "question", data.question, required=True, max_length=limits.QUESTION)
    if check_time(errors, "due_at", data.due_at) and data.due_at is not None and data.due_at <= now:
        errors.add("due_at", "反馈时限必须晚于当前时间", "due_at must be in the future")
    errors.raise_if_any()
    assert unit is not None
    with transaction.atomic():
        rulebook = rulebook_of(data.incident.rulebook if data.incident else current_snapshot())
        planned = PlannedClock(
            key="verification_reply",
            kind=ObligationKind.VERIFICATION_REPLY,
            due_at=verification_reply_due(rulebook, now, data.due_at),
            rule=f"{rulebook.ref}/{rulebook.verification_reply.id}",
            anchor_at=now,
        )
        if data.due_at is None:  # a limit the asker set wins; else the asking room's rules (as the incident opened)
            opened = data.incident.created_at if data.incident is not None else now
            planned = tighten_one(rulebook, planned, limits_of_room(rulebook, local, opened))
        due = planned.due_at
        request = VerificationRequest.objects.create(
            unit=unit,
            authority=data.authority,
            question=data.question.strip(),
            incident=data.incident,
            due_at=due,
            requested_by=actor,
            created_at=now,
        )
        engine.obligation_upsert(
            incident=data.incident,
            unit=unit,
            planned=planned,
            key=f"verification:{request.pk}:reply",
            now=now,
            verification_request_id=request.pk,
            owed_to=owed_to_code(local),
        )
        audit_record(
            actor=actor,
            action="verification.request",
            object_type="verification_request",
            object_id=request.pk,
            at=now,
            incident_id=data.incident.pk if data.incident else None,
            unit_code=unit.code,
            data={"authority": data.authority, "due_at": due},
        )
        outbox_emit(
            topic="verification.requested",
            units=[unit],
            at=now,
            payload={"request": request.pk, "incident": data.incident.pk if data.incident else None},
            incident_id=data.incident.pk if data.incident else None,
            sensitive=True,
        )
    return request
