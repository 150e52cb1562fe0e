"""Every write of the assessment: raise a finding, appeal it, decide it, record an adoption, and propose
forbidden-channel findings from reports that carry the mark.

Each is one transaction with its audit row (shown on the incident's history) and an outbox event for the
unit concerned. State changes are compare-and-set on the finding's state, so two assessors clicking at once
get one decision and one 409.

A town's duty room raises findings and records adoptions about the units it assesses (分级管理); they are
stored with its code (``room``) and count in the town's assessment only. The town's duty leader decides them,
as the assessor decides the city's (the assessor, who sees every level, may decide them too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from dutyroom.accounts.models import Role, User
from dutyroom.assessment.access import ASSESSED_KINDS, CITY, Level, assessed_units
from dutyroom.assessment.book import scoring_book
from dutyroom.assessment.models import (
    CLOCK_KINDS,
    RAISED_KINDS,
    Adoption,
    AdoptionLevel,
    Finding,
    FindingKind,
    FindingState,
)
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, Forbidden
from dutyroom.common.timefmt import LOCAL, iso_local
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.access import is_protected
from dutyroom.incidents.models import Incident
from dutyroom.leads.models import EvidenceState, LeadEvidence
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import duty_room_unit, unit_for_code
from dutyroom.reports.models import Report
from dutyroom.rules.periods import working_day_deadline

FIRST_REPORT_CLOCKS = ("first_report", "phone_report", "written_report")
APPELLANT_ROLES = frozenset({Role.UNIT_LEADER, Role.UNIT_REPORTER})
DECIDER_ROLES = frozenset({Role.ASSESSOR})


def may_raise(actor: User) -> bool:
    return actor.is_duty_room or actor.role == Role.ASSESSOR or actor.local_duty_room is not None


def _raising_level(actor: User) -> Level:
    """The level a finding or adoption is recorded at: the actor's town duty room, else the city's."""
    local = actor.local_duty_room
    return Level(local) if local is not None else CITY


def _assessed_unit(code: str, errors: Errors, level: Level) -> Unit | None:
    unit = unit_for_code(code, errors)
    if unit is None:
        return None
    if level.is_city and unit.kind not in ASSESSED_KINDS:
        errors.add("unit", "该单位不参加考评（只考评镇、区、街道和部门）", "this unit is not assessed")
        return None
    if not level.is_city and not assessed_units(level).filter(pk=unit.pk).exists():
        errors.add(
            "unit",
            "该单位不由本级值班室考评（只考评向本级报告的村、社区、企业和站所）",
            "this unit is not assessed by this duty room (only units reporting to it)",
        )
        return None
    return unit


def _room_unit(finding: Finding) -> Unit:
    """The duty room a finding's appeal and decision are told to: the town's that raised it, or the city's."""
    if finding.room:
        room = Unit.objects.filter(code=finding.room).first()
        if room is not None:
            return room
    return duty_room_unit()


def may_decide(actor: User, finding: Finding) -> bool:
    if actor.role in DECIDER_ROLES:
        return True
    local = actor.local_duty_room
    return bool(finding.room) and actor.role == Role.DUTY_LEADER and local is not None and local.code == finding.room


def _refuse_exercise(incident: Incident) -> None:
    if incident.exercise:
        raise Conflict("演练事件不计入考评", "exercise incidents never count in the assessment")


def _notify(finding: Finding, *, units: list[Unit], now: datetime, step: str) -> None:
    payload = {
        "finding": finding.pk,
        "incident": finding.incident_id,
        "unit": finding.unit.code,
        "kind": finding.kind,
        "state": finding.state,
        "step": step,
    }
    outbox_emit(
        topic="finding",
        units=units,
        at=now,
        payload=payload,
        incident_id=finding.incident_id,
        sensitive=is_protected(finding.incident),
    )


def _audit(finding: Finding, *, actor: User | None, action: str, now: datetime, **data: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="finding",
        object_id=finding.pk,
        at=now,
        incident_id=finding.incident_id,
        unit_code=finding.unit.code,
        data={"kind": finding.kind, "state": finding.state, **data},
    )


def _appeal_due(now: datetime) -> datetime:
    book = scoring_book()
    return working_day_deadline(now, book.appeal_working_days, book.calendar, book.tzinfo)


def involved_unit_ids(incident: Incident) -> set[int]:
    """The units an incident concerns: the responsible unit, the place it happened, every unit that owes a
    clock on it, reported on it, or was found by lead intake to have known of it. Findings and adoptions are
    only about these: another unit can neither be blamed nor credited for it."""
    ids = {incident.unit_id, *([incident.area_id] if incident.area_id else [])}
    ids.update(Obligation.objects.filter(incident=incident).values_list("unit_id", flat=True).distinct())
    ids.update(Report.objects.filter(incident=incident).values_list("unit_id", flat=True).distinct())
    ids.update(LeadEvidence.objects.filter(incident=incident).values_list("unit_id", flat=True).distinct())
    return ids


def _require_involved(incident: Incident, unit: Unit, errors: Errors) -> None:
    if unit.pk not in involved_unit_ids(incident):
        errors.add(
            "unit",
            f"{unit.name}与该事件无关（不是责任单位或事发地，也没有报告或报送时限）",
            f"{unit.code} has nothing to do with this incident (not its unit or place, no report, no clock)",
        )


def _require_clock_passed(incident: Incident, unit: Unit, kind: FindingKind, now: datetime) -> None:
    """迟报 and 漏报 rest on the unit's first-report clock (or, for a unit that owes none, the incident's):
    neither can be found before that clock has passed its due time. The 409 names the due time in words
    and in ``due_at``."""
    first = Obligation.objects.filter(incident=incident, kind__in=FIRST_REPORT_CLOCKS)
    own = first.filter(unit=unit)
    due = (own if own.exists() else first).order_by("due_at").values_list("due_at", flat=True).first()
    if due is None or due <= now:
        return
    local = due.astimezone(LOCAL)
    words = f"{local.month}月{local.day}日 {local:%H:%M}"
    label = kind.label
    raise Conflict(
        f"该时限 {words} 才到期，到期后方可认定{label}",
        f"the clock this rests on is due only at {local:%Y-%m-%d %H:%M}; a {kind.value} finding can be "
        "raised after that",
        extra={"due_at": iso_local(due)},
    )


@dataclass
class FindingInput:
    unit: str
    kind: str
    evidence: str
    lead: int | None = None


def finding_raise(*, actor: User, incident: Incident, data: FindingInput, now: datetime) -> Finding:
    """The duty room or the assessor records 漏报/谎报/瞒报 against a unit, with evidence; the unit is told
    and may appeal until the end of the rulebook's appeal window."""
    if not may_raise(actor):
        raise Forbidden("只有值班室或考评人员可以认定", "only the duty room or the assessor may raise a finding")
    errors = Errors()
    if data.kind not in RAISED_KINDS:
        errors.add(
            "kind",
            "认定类型无效，可选：late, omitted, false, concealed",
            "kind must be late, omitted, false or concealed",
        )
    check_text(errors, "evidence", data.evidence, required=True, max_length=20000)
    level = _raising_level(actor)
    unit = _assessed_unit(data.unit, errors, level)
    if unit is not None:
        _require_involved(incident, unit, errors)
    errors.raise_if_any()
    assert unit is not None
    _refuse_exercise(incident)
    if data.kind in CLOCK_KINDS:
        _require_clock_passed(incident, unit, FindingKind(data.kind), now)
    with transaction.atomic():
        finding = Finding.objects.create(
            incident=incident,
            unit=unit,
            kind=data.kind,
            evidence=data.evidence.strip(),
            lead_id=data.lead,
            room=level.owed_to,
            raised_by=actor,
            raised_at=now,
            appeal_due_at=_appeal_due(now),
        )
        used = _evidence_use(data.lead, incident, unit, level.owed_to)
        _audit(
            finding,
            actor=actor,
            action="finding.raise",
            now=now,
            appeal_due_at=finding.appeal_due_at,
            evidence=finding.evidence[:500],
            lead=data.lead,
            lead_evidence=used,
            **({} if level.is_city else {"room": level.code}),
        )
        _notify(finding, units=[unit], now=now, step="raised")
    return finding


def _fresh(finding: Finding) -> Finding:
    """The state as stored now: the caller's object may be older than another user's action."""
    return Finding.objects.select_related("incident", "unit").get(pk=finding.pk)


def _evidence_use(lead: int | None, incident: Incident, unit: Unit, room: str) -> int | None:
    """A finding raised on the lead intake's "who knew first" candidate (the lead intake's ``LeadEvidence``) takes it
    off the candidates list, by compare-and-set so it is used once. Returns the evidence id used."""
    if lead is None:
        # a candidate with no lead (a town reported before its unit): any finding about the unit on the
        # incident at that level uses it
        without = LeadEvidence.objects.filter(
            lead__isnull=True, incident=incident, unit=unit, room=room, state=EvidenceState.CANDIDATE
        ).first()
        if without is None:
            return None
        LeadEvidence.objects.filter(pk=without.pk, state=EvidenceState.CANDIDATE).update(state=EvidenceState.RAISED)
        return without.pk
    evidence = LeadEvidence.objects.filter(lead_id=lead, incident=incident, unit=unit, room=room).first()
    if evidence is None:
        return None
    LeadEvidence.objects.filter(pk=evidence.pk, state=EvidenceState.CANDIDATE).update(state=EvidenceState.RAISED)
    return evidence.pk


def lead_evidence_dismiss(*, actor: User, evidence: LeadEvidence, reason: str, now: datetime) -> LeadEvidence:
    """The assessor (or duty room) decides a "lead came first" candidate is no finding, with a reason."""
    if not may_raise(actor):
        raise Forbidden("只有值班室或考评人员可以处理", "only the duty room or the assessor may dismiss evidence")
    if evidence.room != _raising_level(actor).owed_to and not actor.sees_whole_city:
        raise Forbidden("该候选属于其他值班室", "this candidate belongs to another duty room")
    errors = Errors()
    check_text(errors, "reason", reason, required=True, max_length=2000)
    errors.raise_if_any()
    with transaction.atomic():
        if (
            LeadEvidence.objects.filter(pk=evidence.pk, state=EvidenceState.CANDIDATE).update(
                state=EvidenceState.DISMISSED
            )
            != 1
        ):
            raise Conflict("该候选已处理", "this candidate was already handled")
        audit_record(
            actor=actor,
            action="lead_evidence.dismiss",
            object_type="lead_evidence",
            object_id=evidence.pk,
            at=now,
            incident_id=evidence.incident_id,
            unit_code=evidence.unit.code,
            data={"lead": evidence.lead_id, "reason": reason.strip()},
        )
    return LeadEvidence.objects.select_related("unit").get(pk=evidence.pk)


def _transition(finding: Finding, old: tuple[str, ...], **changes: object) -> Finding:
    """Compare-and-set on the state; a second writer gets 409."""
    if Finding.objects.filter(pk=finding.pk, state__in=old).update(**changes) != 1:
        current = Finding.objects.get(pk=finding.pk)
        label = FindingState(current.state).label
        raise Conflict(f"该认定已是“{label}”，不能再操作", f"the finding is already {current.state}")
    return Finding.objects.select_related("incident", "unit").get(pk=finding.pk)


def finding_appeal(*, actor: User, finding: Finding, text: str, now: datetime) -> Finding:
    """The unit's reply (申诉), once, within the window."""
    if actor.role not in APPELLANT_ROLES or actor.unit_id != finding.unit_id:
        raise Forbidden("只有被认定单位的信息员或领导可以申诉", "only the unit's reporter or leader may appeal")
    errors = Errors()
    check_text(errors, "text", text, required=True, max_length=20000)
    errors.raise_if_any()
    finding = _fresh(finding)
    if finding.state == FindingState.OPEN and now >= finding.appeal_due_at:
        raise Conflict("申诉期已过", "the appeal window has closed")
    with transaction.atomic():
        finding = _transition(
            finding,
            (FindingState.OPEN,),
            state=FindingState.APPEALED,
            appeal_text=text.strip(),
            appealed_by=actor,
            appealed_at=now,
        )
        _audit(finding, actor=actor, action="finding.appeal", now=now, text=finding.appeal_text[:500])
        _notify(finding, units=[_room_unit(finding)], now=now, step="appealed")
    return finding


def finding_decide(*, actor: User, finding: Finding, upheld: bool, reason: str, now: datetime) -> Finding:
    """The assessor upholds or rejects, with a reason. An unanswered finding waits for its window to close,
    so a unit is never judged before it could reply."""
    finding = _fresh(finding)
    if not may_decide(actor, finding):
        raise Forbidden("只有考评人员可以作出决定", "only the assessor may decide a finding")
    errors = Errors()
    check_text(errors, "reason", reason, required=True, max_length=20000)
    errors.raise_if_any()
    if finding.state == FindingState.OPEN and now < finding.appeal_due_at:
        raise Conflict("申诉期未满，单位尚可申诉", "the unit may still appeal; decide after the appeal window")
    state = FindingState.UPHELD if upheld else FindingState.REJECTED
    with transaction.atomic():
        finding = _transition(
            finding,
            (FindingState.OPEN, FindingState.APPEALED),
            state=state,
            decided_by=actor,
            decided_at=now,
            decision_reason=reason.strip(),
        )
        _audit(finding, actor=actor, action="finding.decide", now=now, upheld=upheld, reason=finding.decision_reason)
        _notify(finding, units=[finding.unit, _room_unit(finding)], now=now, step="decided")
    return finding


@dataclass
class AdoptionInput:
    unit: str
    by: str
    note: str = ""


def adoption_record(*, actor: User, incident: Incident, data: AdoptionInput, now: datetime) -> Adoption:
    """Suzhou, Jiangsu or the State Council used the unit's information (采用): points for the unit."""
    if not may_raise(actor):
        raise Forbidden("只有值班室或考评人员可以登记采用", "only the duty room or the assessor may record adoptions")
    errors = Errors()
    if data.by not in AdoptionLevel.values:
        errors.add(
            "by", "取值无效，可选：suzhou, jiangsu, state_council", "by must be suzhou, jiangsu or state_council"
        )
    check_text(errors, "note", data.note, max_length=2000)
    level = _raising_level(actor)
    unit = _assessed_unit(data.unit, errors, level)
    if unit is not None:
        _require_involved(incident, unit, errors)
    errors.raise_if_any()
    assert unit is not None
    _refuse_exercise(incident)
    try:
        with transaction.atomic():
            adoption = Adoption.objects.create(
                incident=incident,
                unit=unit,
                by=data.by,
                note=data.note.strip(),
                room=level.owed_to,
                recorded_by=actor,
                recorded_at=now,
            )
            audit_record(
                actor=actor,
                action="adoption.record",
                object_type="adoption",
                object_id=adoption.pk,
                at=now,
                incident_id=incident.pk,
                unit_code=unit.code,
                data={"by": data.by, "note": data.note, **({} if level.is_city else {"room": level.code})},
            )
    except IntegrityError as error:
        raise Conflict("该级别已登记过此单位对该事件的采用", "this adoption is already recorded") from error
    return adoption


def findings_propose_forbidden_channel(*, now: datetime, after_report: int = 0, up_to_report: int | None = None) -> int:
    """Reports marked ``forbidden_channel`` (QQ/WeChat/Weibo for a protected incident) each propose one
    ``forbidden_channel`` finding, open to appeal like any other. Idempotent: the finding is unique per report,
    so any number of workers may run this. ``after_report``/``up_to_report`` bound the report ids looked at
    (the worker job keeps a cursor so a pass never rescans old reports). Returns how many were proposed."""
    pending = Report.objects.filter(
        id__gt=after_report,
        forbidden_channel=True,
        finding__isnull=True,
        incident__isnull=False,
        incident__exercise=False,
        unit__kind__in=ASSESSED_KINDS,
    )
    if up_to_report is not None:
        pending = pending.filter(id__lte=up_to_report)
    made = 0
    for report in pending.select_related("incident", "unit").order_by("id"):
        assert report.incident is not None  # filtered above
        try:
            with transaction.atomic():
                finding = Finding.objects.create(
                    incident=report.incident,
                    unit=report.unit,
                    kind=FindingKind.FORBIDDEN_CHANNEL,
                    report=report,
                    evidence=f"报告 #{report.pk} 通过 {report.get_channel_display()} 报送（系统按报告标记自动提出）",
                    raised_by=None,
                    raised_at=now,
                    appeal_due_at=_appeal_due(now),
                )
                _audit(
                    finding,
                    actor=None,
                    action="finding.raise",
                    now=now,
                    report=report.pk,
                    appeal_due_at=finding.appeal_due_at,
                    evidence=finding.evidence,
                )
                _notify(finding, units=[report.unit, duty_room_unit()], now=now, step="raised")
        except IntegrityError:
            continue  # another worker proposed it first
        made += 1
    return made
