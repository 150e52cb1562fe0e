"""Verification (核实) of a lead on the clock, its outcome, and the "who knew first" evidence.

Outcomes: confirmed (opens an incident with the lead as its source, or joins an open one), false,
duplicate, not an incident. The first outcome meets every verifier's clock on the lead (a media lead is
verified by propaganda *or* the police, whoever answers first); each is audited with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, Forbidden, ValidationFailed
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.leads.knew_first import evidence_for_lead
from dutyroom.leads.models import (
    OUTCOMES,
    DuplicateState,
    Lead,
    LeadDuplicate,
    LeadEvidence,
    LeadState,
)
from dutyroom.obligations import engine
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_by_code, unit_subtree_ids
from dutyroom.rules import Category, LeadChannel, ObligationKind

VERIFIER_ROLES = frozenset({Role.VERIFIER, Role.UNIT_REPORTER, Role.UNIT_LEADER})
FIRST_KINDS = (ObligationKind.FIRST_REPORT, ObligationKind.PHONE_REPORT, ObligationKind.WRITTEN_REPORT)
INTERNET_CHANNELS = frozenset({LeadChannel.MEDIA, LeadChannel.INTERNET, LeadChannel.NEW_MEDIA})


@dataclass
class VerifyInput:
    outcome: str
    reason: str = ""
    incident: int | None = None
    duplicate_of: int | None = None
    # for a confirmed lead that opens a new incident
    category: str | None = None
    subtype: str = ""
    grade: str | None = None
    unit: str | None = None


def may_verify(user: User, lead: Lead) -> bool:
    if user.is_duty_room:
        return True
    local = user.local_duty_room  # a town's duty room verifies the leads of its grid workers
    if local is not None and lead.verifiers.filter(unit_id=local.pk).exists():
        return True
    return (
        user.role in VERIFIER_ROLES
        and user.unit_id is not None
        and lead.verifiers.filter(unit_id=user.unit_id).exists()
    )


def lead_lock(lead_id: int) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("area", "verifier_unit").get(pk=lead_id)


def lead_start(*, actor: User, lead: Lead, now: datetime) -> Lead:
    """A verifier takes the lead up (new → verifying); the clock keeps running until the outcome."""
    if not may_verify(actor, lead):
        raise Forbidden("只有核实单位或值班室可以核实该线索", "only the verifier units or the duty room may verify")
    with transaction.atomic():
        lead = lead_lock(lead.pk)
        if lead.state != LeadState.NEW:
            raise Conflict("线索已在核实中或已有核实结果", "the lead is already being verified or decided")
        lead.state = LeadState.VERIFYING
        lead.save(update_fields=["state"])
        audit_record(
            actor=actor,
            action="lead.start",
            object_type="lead",
            object_id=lead.pk,
            at=now,
            unit_code=actor.unit.code if actor.unit else "",
        )
    return lead


def _default_category(lead: Lead, data: VerifyInput) -> str:
    if data.category:
        return data.category
    if lead.category_hint:
        return lead.category_hint
    return Category.SOCIAL_SECURITY.value if lead.channel in INTERNET_CHANNELS else Category.ACCIDENT.value


def _new_incident(actor: User, lead: Lead, data: VerifyInput, now: datetime) -> Incident:
    unit = data.unit or (lead.area.code if lead.area else None)
    if unit is None:
        raise ValidationFailed.one(
            "unit", "线索未写明属地，请指定责任单位", "the lead names no area; give the responsible unit"
        )
    local = actor.local_duty_room
    if local is not None and not _in_area(unit, local):
        # a town's duty room opens incidents for its own area only, as it sees and chases only that area
        raise ValidationFailed.one(
            "unit", "只能指定本辖区的单位为责任单位", "name a unit of your own area as the responsible unit"
        )
    incident_data = IncidentInput(
        title=lead.title,
        category=_default_category(lead, data),
        subtype=data.subtype,
        grade=data.grade,
        occurred_at=lead.event_at,
        unit=unit,
        area=lead.area.code if lead.area else None,
        address=lead.address,
        # the city learned of it when the lead arrived ("learned from lead N at T")
        learned_at=max(lead.received_at, lead.event_at),
    )
    return incident_create(actor=actor, data=incident_data, now=now, from_lead=True)


def _in_area(code: str, room: Unit) -> bool:
    unit = unit_by_code(code)
    return unit is not None and unit.pk in unit_subtree_ids(room)


def _join_incident(incident_id: int) -> Incident:
    incident = Incident.objects.select_related("unit").filter(pk=incident_id).first()
    if incident is None:
        raise ValidationFailed.one("incident", "事件不存在", "no such incident")
    if incident.state != IncidentState.OPEN:
        raise Conflict("只能并入处置中的事件", "a lead can only join an open incident")
    return incident


def evidence_record(*, lead: Lead, incident: Incident, now: datetime, room: str = "") -> LeadEvidence | None:
    """Store "learned from lead N at T" for every unit on the chain up to the duty room that verified the lead
    (``room``: a town's code, empty for the city) that had not reported before the lead arrived
    (``knew_first``). Returns the responsible unit's candidate, or the first one made."""
    made = evidence_for_lead(lead=lead, incident=incident, room=room, now=now)
    return made[0] if made else None


def _check(data: VerifyInput) -> None:
    errors = Errors()
    if data.outcome not in OUTCOMES:
        errors.add("outcome", "核实结果无效", "unknown outcome")
    check_text(errors, "reason", data.reason, max_length=2000)
    if data.outcome == LeadState.DUPLICATE and data.incident is None and data.duplicate_of is None:
        errors.add("duplicate_of", "请指明重复的事件或线索", "name the incident or lead it duplicates")
    errors.raise_if_any()


def lead_verify(*, actor: User, lead: Lead, data: VerifyInput, now: datetime) -> Lead:
    """Record the outcome, meet the verification clocks, and for a confirmed lead open or join an incident."""
    if not may_verify(actor, lead):
        raise Forbidden("只有核实单位或值班室可以核实该线索", "only the verifier units or the duty room may verify")
    _check(data)
    with transaction.atomic():
        lead = lead_lock(lead.pk)
        if not lead.is_open:
            raise Conflict("该线索已有核实结果", "the lead has already been decided")
        incident: Incident | None = None
        if data.outcome == LeadState.CONFIRMED:
            incident = _join_incident(data.incident) if data.incident else _new_incident(actor, lead, data, now)
        elif data.outcome == LeadState.DUPLICATE:
            _duplicate_target(lead, data)
        lead.state = data.outcome
        lead.incident = incident if incident is not None else lead.incident
        lead.outcome_reason = data.reason.strip()
        lead.verified_by, lead.verified_at = actor, now
        lead.save(update_fields=["state", "incident", "duplicate_of", "outcome_reason", "verified_by", "verified_at"])
        met = _meet_clocks(lead, now)
        local = actor.local_duty_room  # the duty room that learned from the lead: a town's, or the city's
        room = local.code if local is not None else ""
        evidence = evidence_record(lead=lead, incident=incident, now=now, room=room) if incident is not None else None
        audit_record(
            actor=actor,
            action="lead.verify",
            object_type="lead",
            object_id=lead.pk,
            at=now,
            incident_id=incident.pk if incident else None,
            unit_code=actor.unit.code if actor.unit else "",
            data={
                "outcome": lead.state,
                "reason": lead.outcome_reason,
                "incident": lead.incident_id,
                "duplicate_of": lead.duplicate_of_id,
                "evidence": evidence.kind if evidence else None,
                "met": [{"obligation": o.pk, "state": o.state, "late_by_seconds": o.late_by_seconds} for o in met],
            },
        )
    return lead


def _duplicate_target(lead: Lead, data: VerifyInput) -> None:
    if data.duplicate_of is not None:
        other = Lead.objects.filter(pk=data.duplicate_of).exclude(pk=lead.pk).first()
        if other is None:
            raise ValidationFailed.one("duplicate_of", "线索不存在", "no such lead")
        lead.duplicate_of = other
        lead.incident = other.incident
    if data.incident is not None:
        incident = Incident.objects.filter(pk=data.incident).first()
        if incident is None:
            raise ValidationFailed.one("incident", "事件不存在", "no such incident")
        lead.incident = incident


def _meet_clocks(lead: Lead, now: datetime) -> list[Obligation]:
    met = []
    for verifier in lead.verifiers.select_related("obligation"):
        obligation = Obligation.objects.select_for_update().get(pk=verifier.obligation_id)
        if obligation.state in engine.OPEN_STATES:
            engine.obligation_meet(obligation, report_id=None, at=now, now=now)
            met.append(obligation)
    return met


def duplicate_decide(*, actor: User, duplicate: LeadDuplicate, confirm: bool, now: datetime) -> LeadDuplicate:
    """The duty officer confirms a proposed duplicate (an open lead is then closed as duplicate) or rejects it."""
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以确认重复", "only the duty room decides duplicates")
    with transaction.atomic():
        duplicate = LeadDuplicate.objects.select_for_update().get(pk=duplicate.pk)
        if duplicate.state != DuplicateState.PROPOSED:
            raise Conflict("该重复提示已处理", "this proposal was already decided")
        duplicate.state = DuplicateState.CONFIRMED if confirm else DuplicateState.REJECTED
        duplicate.decided_by, duplicate.decided_at = actor, now
        duplicate.save(update_fields=["state", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action="lead.duplicate_decide",
            object_type="lead",
            object_id=duplicate.lead_id,
            at=now,
            data={
                "duplicate": duplicate.pk,
                "confirmed": confirm,
                "score": duplicate.score,
                "incident": duplicate.incident_id,
                "other": duplicate.other_id,
            },
        )
        if confirm and duplicate.lead.is_open:
            lead_verify(
                actor=actor,
                lead=duplicate.lead,
                now=now,
                data=VerifyInput(
                    outcome=LeadState.DUPLICATE,
                    reason=f"确认重复（相似度 {duplicate.score:.2f}）",
                    incident=duplicate.incident_id,
                    duplicate_of=duplicate.other_id,
                ),
            )
    return duplicate
