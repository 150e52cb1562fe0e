"""Turns the domain's outbox events into alerts for people: a new incident, a re-grade, a verification request,
a finding raised or decided, a lead waiting for its verifier, a leader's instruction to a unit.

Each outbox row is claimed by compare-and-set (pending → delivered) in the same transaction that writes its
alert, so a crash rolls both back and the next worker does it again; the alert key ``outbox:<id>`` makes a
second emission impossible anyway. Overdue flips are left to the ladder, which owns that alert.

Every topic a person can choose on the preferences page is routed here or by the ladder or the chase: a topic
that reaches nobody would be a promise the system never keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.recipients import assessors, audience_users, unit_staff
from dutyroom.alerts.services import alert_emit
from dutyroom.alerts.texts import finding_text, instruction_text, lead_text
from dutyroom.incidents.models import Incident
from dutyroom.notifications.models import OUTBOX, OutboxEvent
from dutyroom.notifications.services import pending_event_ids
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.rules import AlertTopic, Audience, Grade, ObligationKind

BATCH = 200
# The only topics that alert anyone here (see _recipients); the ladder owns overdue, and reports, receipts and
# the rest show on the board. Events of other topics are marked delivered in one statement per pass.
ROUTED_TOPICS = (
    "incident.created",
    "incident.updated",
    "verification.requested",
    "finding",
    "lead.received",
    "instruction.assigned",
)
SILENT_BATCH = 5000
SEVERITY_FIELDS = {"grade", "sensitive", "may_escalate", "hotspot"}
UNIT_PEOPLE = (Role.UNIT_REPORTER, Role.UNIT_LEADER)
# who verifies a lead for its unit (leads.verify.VERIFIER_ROLES): the unit's verifiers, reporters and leader
LEAD_VERIFIERS = (Role.VERIFIER, Role.UNIT_REPORTER, Role.UNIT_LEADER)


@dataclass(frozen=True)
class Routed:
    topic: AlertTopic
    people: list[User]
    text: str | None = None  # None: the usual words about the incident (alerts.texts.alert_text)
    unit: Unit | None = None  # the unit the alert is about when not the incident's own (a tasked unit)


def _opened_by_someone_else(incident: Incident) -> bool:
    """The unit did not open it itself: the duty room did, or a lead was confirmed against it."""
    creator = incident.created_by
    return creator is None or creator.unit_id != incident.unit_id


def _verifies(unit: Unit, lead_id: int) -> bool:
    """Whether ``unit`` has the lead's verification clock (leads.services keys it ``lead:<id>:verify:<unit>``)."""
    return Obligation.objects.filter(
        unit=unit, kind=ObligationKind.LEAD_VERIFICATION, key=f"lead:{lead_id}:verify:{unit.code}"
    ).exists()


def _regrade_audiences(incident: Incident | None) -> set[Audience]:
    """A re-grade changes who must act: the duty leader on shift always hears of it, and once the incident is
    重大 or 特别重大 (Ⅰ/Ⅱ) or sensitive, so does the city leader on duty, who answers for it upward."""
    audiences = {Audience.DUTY_OFFICER, Audience.DUTY_LEADER}
    if incident is not None and (incident.grade in (Grade.I, Grade.II) or incident.sensitive):
        audiences.add(Audience.CITY_LEADER)
    return audiences


def _recipients(event: OutboxEvent, incident: Incident | None, now: datetime) -> Routed | None:
    unit_is_duty_room = event.unit.is_duty_room
    if event.topic == "incident.created":
        if unit_is_duty_room:
            audiences = {Audience.DUTY_OFFICER} | ({Audience.DUTY_LEADER} if event.sensitive else set())
            return Routed(AlertTopic.NEW_INCIDENT, audience_users(audiences, None, now))
        if incident is not None and _opened_by_someone_else(incident):
            return Routed(AlertTopic.NEW_INCIDENT, unit_staff(event.unit, UNIT_PEOPLE))
        return None
    if event.topic == "incident.updated" and SEVERITY_FIELDS & set(event.payload.get("changed") or []):
        if unit_is_duty_room:
            return Routed(AlertTopic.REGRADED, audience_users(_regrade_audiences(incident), None, now))
        return Routed(AlertTopic.REGRADED, unit_staff(event.unit, UNIT_PEOPLE))
    if event.topic == "verification.requested":
        return Routed(AlertTopic.VERIFICATION_REQUEST, unit_staff(event.unit, UNIT_PEOPLE))
    if event.topic == "finding":
        step = str(event.payload.get("step") or "")
        finding = event.payload.get("finding")
        assessed = event.payload.get("unit")
        named = (
            event.unit
            if event.unit.code == assessed
            else Unit.objects.filter(code=assessed).first()
            if isinstance(assessed, str)
            else None
        )
        text = finding_text(
            step=step, finding_id=finding if isinstance(finding, int) else None, incident=incident, unit=named
        )
        if step in ("raised", "decided") and not unit_is_duty_room:
            return Routed(AlertTopic.FINDING, unit_staff(event.unit, UNIT_PEOPLE), text=text, unit=named)
        if step == "appealed":  # the appeal waits for the assessor's decision
            return Routed(AlertTopic.FINDING, assessors(), text=text, unit=named)
        return None
    if event.topic == "lead.received":
        lead = event.payload.get("lead")
        if not isinstance(lead, int) or not _verifies(event.unit, lead):
            return None  # the duty room hears of every lead on its board; only a verifier is alerted
        # the duty room verifies leads from grid workers and the public: the officer on shift is its staff here
        people = (
            audience_users({Audience.DUTY_OFFICER}, None, now)
            if unit_is_duty_room
            else unit_staff(event.unit, LEAD_VERIFIERS)
        )
        return Routed(AlertTopic.LEAD, people, text=lead_text(lead))
    if event.topic == "instruction.assigned":
        due = event.payload.get("due_at")
        return Routed(
            AlertTopic.INSTRUCTION,
            unit_staff(event.unit, UNIT_PEOPLE),
            text=instruction_text(incident=incident, unit=event.unit, due=due if isinstance(due, str) else None),
            unit=event.unit,
        )
    return None


def _silent_done(now: datetime) -> int:
    """Mark delivered, by compare-and-set in one statement, the pending events that alert nobody. In a burst of
    overdue clocks they were a transaction each (two per clock: the unit and the duty room), most of a pass."""
    ids = pending_event_ids(now, topics=ROUTED_TOPICS, routed=False, limit=SILENT_BATCH)
    if not ids:
        return 0
    return OUTBOX.take(ids, now)


def outbox_fanout(now: datetime, batch: int = BATCH) -> tuple[int, bool]:
    """Route one batch of pending events; returns (events done, whether a batch was full: more are waiting)."""
    silent = _silent_done(now)
    done = silent
    ids = pending_event_ids(now, topics=ROUTED_TOPICS, routed=True, limit=batch)
    for event_id in ids:
        with transaction.atomic():
            if OUTBOX.take([event_id], now) != 1:
                continue
            event = OutboxEvent.objects.select_related("unit").get(id=event_id)
            incident = (
                Incident.objects.select_related("unit", "created_by").filter(pk=event.incident_id).first()
                if event.incident_id is not None
                else None
            )
            routed = _recipients(event, incident, now)
            if routed is not None:
                alert_emit(
                    key=f"outbox:{event.pk}",
                    topic=routed.topic,
                    recipients=routed.people,
                    now=now,
                    incident=incident,
                    unit=routed.unit or (incident.unit if incident else event.unit),
                    text=routed.text,
                )
            done += 1
    return done, silent >= SILENT_BATCH or len(ids) >= batch
