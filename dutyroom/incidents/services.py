"""Every write to an incident: one transaction, one audit row, outbox events for whoever must know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.accounts.selectors import acting_unit
from dutyroom.audit.services import audit_record
from dutyroom.common import limits
from dutyroom.common.engine.bulk import insert_many
from dutyroom.common.errors import Conflict
from dutyroom.common.validation import Errors, check_choice, check_past, check_text
from dutyroom.incidents.access import (
    is_protected,
    require_duty_room,
    require_may_create_incident,
    require_may_mark_handled,
)
from dutyroom.incidents.grading import incident_refresh_suggestion, incident_suggest
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.rulebooks import current_snapshot, rulebook_of
from dutyroom.notifications.services import outbox_emit
from dutyroom.obligations import engine
from dutyroom.obligations.chain import chain_levels, receiver_of
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import duty_room_unit, unit_for_code
from dutyroom.rules import (
    Category,
    Classification,
    Grade,
    ObligationKind,
    PlannedClock,
    Rulebook,
    Severity,
    escalation_clocks,
    final_report_due,
    initial_clocks,
)


@dataclass
class IncidentInput:
    title: str
    category: str
    occurred_at: datetime
    subtype: str = ""
    grade: str | None = None
    sensitive: bool = False
    may_escalate: bool = False
    hotspot: bool = False
    exercise: bool = False
    learned_at: datetime | None = None
    unit: str | None = None
    area: str | None = None
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    classification: str = Classification.INTERNAL.value
    secondary_category: str = ""
    classified_stub: bool = False


@dataclass
class IncidentChanges:
    """Fields the duty room may change; ``None`` means unchanged (``grade`` uses ``set_grade``)."""

    set_grade: bool = False
    grade: str | None = None
    sensitive: bool | None = None
    may_escalate: bool | None = None
    hotspot: bool | None = None
    occurred_at: datetime | None = None
    category: str | None = None
    subtype: str | None = None
    reason: str = ""


def check_category(errors: Errors, category: str) -> bool:
    return check_choice(errors, "category", category, (c.value for c in Category), "事件类别无效", "unknown category")


def check_grade(errors: Errors, grade: str | None) -> bool:
    return check_choice(
        errors,
        "grade",
        grade,
        (g.value for g in Grade),
        "分级必须是 I、II、III、IV 或空",
        "grade must be I, II, III, IV or null",
    )


def check_subtype(errors: Errors, category: str, subtype: str, rulebook: Rulebook) -> None:
    """A subtype is one of the rulebook's codes for the category (or empty): never free text."""
    if not subtype or category not in {c.value for c in Category}:
        return
    known = rulebook.subtypes.get(Category(category), {})
    if subtype not in known:
        listed = ", ".join(sorted(known)) or "—"
        errors.add(
            "subtype", f"该类别没有此子类，可选：{listed}", f"not a subtype of {category}; choose one of {listed}"
        )


def _resolve_units(
    actor: User, data: IncidentInput, errors: Errors, any_unit: bool = False
) -> tuple[Unit | None, Unit | None]:
    if any_unit:  # a confirmed lead opens the incident in the city's name for the unit responsible
        unit = unit_for_code(data.unit, errors) if data.unit else None
    else:
        unit = acting_unit(actor, data.unit, errors, default=actor.unit)
    if unit is None and not data.unit:
        errors.add("unit", "请指定责任单位", "unit is required")
    if data.area and unit is not None and data.area == unit.code:
        return unit, unit  # an incident on the unit's own ground: the row in hand
    area = unit_for_code(data.area, errors, "location.area") if data.area else None
    return unit, area


def _validate_input(data: IncidentInput, errors: Errors, now: datetime) -> None:
    check_text(errors, "title", data.title, required=True, max_length=limits.TITLE)
    check_text(errors, "location.address", data.address, max_length=limits.ADDRESS)
    check_category(errors, data.category)
    check_grade(errors, data.grade)
    check_choice(
        errors,
        "classification",
        data.classification,
        (c.value for c in Classification),
        "涉及国家秘密（秘密及以上）的信息不得录入本系统，请通过保密渠道报送",
        "state secrets (秘密 and above) must not be entered here; use the secure channel",
    )
    check_subtype(errors, data.category, data.subtype, rulebook_of(current_snapshot()))
    check_past(errors, "occurred_at", data.occurred_at, now)
    check_past(errors, "learned_at", data.learned_at, now)
    if data.learned_at and data.occurred_at and data.learned_at < data.occurred_at:
        errors.add("learned_at", "获悉时间不能早于事发时间", "learned_at cannot be before occurred_at")
    if data.lat is not None and not -90 <= data.lat <= 90:
        errors.add("location.lat", "纬度必须在 -90 到 90 之间", "lat must be between -90 and 90")
    if data.lon is not None and not -180 <= data.lon <= 180:
        errors.add("location.lon", "经度必须在 -180 到 180 之间", "lon must be between -180 and 180")


def incident_lock(incident_id: int) -> Incident:
    """Re-read and lock the incident row (only that row: its unit and rulebook are read, not locked).

    Lock order, on every path that takes both: the incident first, then its clocks by id. The lock is
    ``FOR NO KEY UPDATE`` (PostgreSQL; SQLite has one writer): the worker's sweep locks clocks alone, and the rows
    it writes beside a flip (the overdue alert, the next follow-up clock, the audit entry) name the incident by
    foreign key, which takes the incident's key share. A plain ``FOR UPDATE`` blocks that share, so a report
    holding the incident and waiting for a clock the sweep holds deadlocked with it; no key is ever changed
    here, and the weaker lock still serialises every writer of the incident."""
    return (
        Incident.objects.select_for_update(of=("self",), no_key=True)
        .select_related("unit", "rulebook")
        .get(pk=incident_id)
    )


def _plan_levels(
    incident: Incident,
    rulebook: Rulebook,
    planned: list[PlannedClock],
    now: datetime,
    batch: list[Obligation] | None = None,
) -> None:
    """Each level of the chain owes these clocks on this incident (``obligations.chain``): the responsible unit
    to its duty room, and a duty room below the city in turn to the one above it, by the rules in force when
    the incident was opened. ``batch``: the incident was opened in this transaction, so none of its clocks
    exists yet; they are collected there for one INSERT (``engine.obligations_insert``)."""
    for level in chain_levels(rulebook, incident.unit, incident.created_at):
        for clock in level.plan(rulebook, planned):
            engine.obligation_upsert(
                incident=incident,
                unit=level.unit,
                planned=clock,
                key=engine.incident_key(incident, level.key(clock.key)),
                now=now,
                owed_to=level.owed_to,
                fresh=batch is not None,
                batch=batch,
            )


def _plan_initial(incident: Incident, now: datetime, batch: list[Obligation] | None = None) -> None:
    rulebook = rulebook_of(incident.rulebook)
    severity = incident.severity_at_creation
    planned = initial_clocks(rulebook, severity, incident.occurred_at, incident.learned_at)
    _plan_levels(incident, rulebook, planned, now, batch)


def _audience(incident: Incident) -> list[Unit]:
    receiver = receiver_of(incident.unit)  # a town's duty room hears of its villages' incidents
    return [incident.unit, duty_room_unit(), *([receiver] if receiver is not None else [])]


def _event_payload(incident: Incident) -> dict[str, Any]:
    return {"incident": incident.pk, "title": incident.title, "grade": incident.grade, "unit": incident.unit.code}


STUB_TITLE = "涉密事件（内容经保密渠道报送）"


def _stub_content(data: IncidentInput, errors: Errors) -> None:
    """A classified stub carries no content: a generic title, no place, no subtype; work secret by default."""
    if (
        data.title.strip() not in ("", STUB_TITLE)
        or data.address.strip()
        or data.lat is not None
        or data.lon is not None
        or data.area
        or data.subtype
    ):
        errors.add(
            "classified_stub",
            "涉密事件只登记时间、分级和责任单位，内容经保密渠道报送，不得录入",
            "a classified stub records times, grade and unit only; its content goes by the secure channel",
        )
    data.title = STUB_TITLE
    data.classification = Classification.WORK_SECRET.value


def incident_create(*, actor: User, data: IncidentInput, now: datetime, from_lead: bool = False) -> Incident:
    """Open an incident and start its clocks. Reports (if any) are filed by the caller in the same transaction.

    ``from_lead``: a verifier confirmed a lead (notice §四) and the incident is opened in the city's name for
    the responsible unit; the leads service checked that the actor may verify that lead."""
    if not from_lead:
        require_may_create_incident(actor)
    errors = Errors()
    if data.classified_stub:
        require_duty_room(actor, "涉密事件由值班室根据保密渠道来件登记", "the duty room records classified stubs")
        _stub_content(data, errors)
    _validate_input(data, errors, now)
    unit, area = _resolve_units(actor, data, errors, any_unit=from_lead)
    errors.raise_if_any()
    assert unit is not None
    with transaction.atomic():
        incident = Incident(
            title=data.title.strip(),
            category=data.category,
            subtype=data.subtype,
            grade=data.grade,
            secondary_category=data.secondary_category,
            sensitive=data.sensitive,
            may_escalate=data.may_escalate,
            hotspot=data.hotspot,
            exercise=data.exercise,
            occurred_at=data.occurred_at,
            learned_at=data.learned_at,
            unit=unit,
            area=area,
            address=data.address,
            lat=data.lat,
            lon=data.lon,
            classification=data.classification,
            classified_stub=data.classified_stub,
            rulebook=current_snapshot(),
            created_by=actor,
            created_at=now,
            updated_at=now,
            initial_severity={
                "grade": data.grade,
                "sensitive": data.sensitive,
                "may_escalate": data.may_escalate,
                "hotspot": data.hotspot,
            },
        )
        incident_suggest(incident)  # written by the INSERT itself
        insert_many([incident], returning_ids=True)
        clocks: list[Obligation] = []
        _plan_initial(incident, now, clocks)
        engine.obligations_insert(clocks)
        audit_record(
            actor=actor,
            action="incident.create",
            object_type="incident",
            object_id=incident.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=unit.code,
            data={
                "title": incident.title,
                "category": incident.category,
                "grade": incident.grade,
                "flags": sorted(incident.severity.flags),
                "occurred_at": incident.occurred_at,
                "rulebook": incident.rulebook.ref,
                "classification": incident.classification,
                **({"from_lead": True} if from_lead else {}),
            },
        )
        outbox_emit(
            topic="incident.created",
            units=_audience(incident),
            at=now,
            payload=_event_payload(incident),
            incident_id=incident.pk,
            sensitive=is_protected(incident),
        )
    return incident


def _apply_changes(incident: Incident, changes: IncidentChanges, errors: Errors, now: datetime) -> dict[str, Any]:
    diff: dict[str, Any] = {}

    def put(name: str, value: Any) -> None:
        old = getattr(incident, name)
        if old != value:
            diff[name] = {"from": old, "to": value}
            setattr(incident, name, value)

    if changes.set_grade and check_grade(errors, changes.grade):
        put("grade", changes.grade)
    for flag in ("sensitive", "may_escalate", "hotspot"):
        value = getattr(changes, flag)
        if value is not None:
            put(flag, value)
    if changes.category is not None and check_category(errors, changes.category):
        put("category", changes.category)
    if changes.subtype is not None or (changes.category is not None and incident.subtype):
        subtype = changes.subtype if changes.subtype is not None else incident.subtype
        check_subtype(errors, changes.category or incident.category, subtype, rulebook_of(incident.rulebook))
        put("subtype", subtype)
    if changes.occurred_at is not None:
        check_past(errors, "occurred_at", changes.occurred_at, now)
        if incident.learned_at and changes.occurred_at > incident.learned_at:
            errors.add("occurred_at", "事发时间不能晚于获悉时间", "occurred_at cannot be after learned_at")
        put("occurred_at", changes.occurred_at)
    return diff


def incident_update(*, actor: User, incident: Incident, changes: IncidentChanges, now: datetime) -> Incident:
    """Duty-room correction: re-grade, flags, occurrence time, category. Clocks follow, history is kept.

    Raising severity adds the new grade's clocks anchored at this moment; correcting the occurrence time
    moves every clock anchored at occurrence and re-evaluates it (a met clock may become late).
    """
    require_duty_room(actor, "只有值班室可以修改事件分级和事发时间", "only the duty room may change an incident")
    with transaction.atomic():
        incident = incident_lock(incident.pk)
        if incident.state == IncidentState.CLOSED:
            # a re-grade would start clocks nobody can meet: a closed incident's record is final
            raise Conflict("事件已结案，不能再修改分级、标记或事发时间", "the incident is closed and cannot be changed")
        before: Severity = incident.severity
        errors = Errors()
        diff = _apply_changes(incident, changes, errors, now)
        errors.raise_if_any()
        if not diff:
            return incident
        incident.updated_at = now
        incident.save()
        rulebook = rulebook_of(incident.rulebook)
        if "occurred_at" in diff:
            _plan_initial(incident, now)
        created: list[PlannedClock] = []
        if before != incident.severity:
            created = escalation_clocks(rulebook, before, incident.severity, now)
            _plan_levels(incident, rulebook, created, now)
            engine.followups_regrade(rulebook=rulebook, incident=incident, now=now)
        if "category" in diff or "subtype" in diff:
            incident_refresh_suggestion(incident)
        audit_record(
            actor=actor,
            action="incident.update",
            object_type="incident",
            object_id=incident.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
            data={"changes": diff, "reason": changes.reason, "new_clocks": [p.key for p in created]},
        )
        outbox_emit(
            topic="incident.updated",
            units=_audience(incident),
            at=now,
            payload={**_event_payload(incident), "changed": sorted(diff)},
            incident_id=incident.pk,
            sensitive=is_protected(incident),
        )
    return incident


def incident_mark_handled(*, actor: User, incident: Incident, now: datetime) -> Incident:
    """Handling finished: stop the follow-up clock and open the final-report clock."""
    require_may_mark_handled(actor, incident)
    with transaction.atomic():
        incident = incident_lock(incident.pk)
        if incident.state != IncidentState.OPEN:
            raise Conflict("事件已标记处置结束", "the incident is already marked handled")
        incident.state = IncidentState.HANDLED
        incident.handled_at = now
        incident.updated_at = now
        incident.save(update_fields=["state", "handled_at", "updated_at"])
        stopped = engine.obligations_close_for_handled(incident=incident, actor=actor, now=now)
        rulebook = rulebook_of(incident.rulebook)
        planned = PlannedClock(
            key="final_report",
            kind=ObligationKind.FINAL_REPORT,
            due_at=final_report_due(rulebook, now),
            rule=f"{rulebook.ref}/{rulebook.final_report.id}",
            anchor_at=now,
        )
        _plan_levels(incident, rulebook, [planned], now)
        audit_record(
            actor=actor,
            action="incident.handled",
            object_type="incident",
            object_id=incident.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
            data={"handled_at": now, "followups_stopped": [o.pk for o in stopped]},
        )
        outbox_emit(
            topic="incident.handled",
            units=_audience(incident),
            at=now,
            payload=_event_payload(incident),
            incident_id=incident.pk,
            sensitive=is_protected(incident),
        )
    return incident


def incident_record_read(*, actor: User, incident: Incident, now: datetime) -> None:
    """Need-to-know (domain.md §6): every read of a work-secret incident leaves an audit row."""
    if incident.classification != Classification.WORK_SECRET:
        return
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="incident.read",
            object_type="incident",
            object_id=incident.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
        )
