"""The worker's ladder step: for every open clock, fire the rungs the rulebook says are due now.

Timing is decided by ``rules.ladder_due``; this module only finds candidates cheaply (one anti-join per
rung against ``AlertMark``), claims a rung by inserting its mark (unique per obligation, step and
deadline, so a second worker's insert fails and it moves on) and writes the alert in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef

from dutyroom.alerts.models import AlertMark
from dutyroom.alerts.recipients import audience_users
from dutyroom.alerts.services import alert_emit
from dutyroom.audit.services import audit_record
from dutyroom.incidents.rulebooks import configured_rulebook
from dutyroom.obligations.models import Obligation
from dutyroom.rules import AlertPolicy, AlertTopic, ObligationKind, ObligationState, ladder_due

OPEN = (ObligationState.PENDING, ObligationState.OVERDUE)
BATCH = 200


def _candidates(policy: AlertPolicy, now: datetime, batch: int) -> list[int]:
    found: set[int] = set()
    for step in policy.steps:
        qs = Obligation.objects.filter(state__in=OPEN, kind__in=list(step.kinds), due_at__lte=now - step.offset)
        if step.topic == AlertTopic.REMINDER:
            qs = qs.filter(due_at__gt=now)
        marks = AlertMark.objects.filter(obligation=OuterRef("pk"), step=step.id, due_at=OuterRef("due_at"))
        found.update(qs.filter(~Exists(marks)).order_by("due_at").values_list("id", flat=True)[:batch])
    return sorted(found)[:batch]


def ladder_sweep(now: datetime, batch: int = BATCH) -> int:
    """Fire every due rung of every open clock; returns how many alerts this worker sent."""
    return ladder_pass(now, batch)[0]


def ladder_pass(now: datetime, batch: int = BATCH) -> tuple[int, bool]:
    """``ladder_sweep``, also saying whether the batch was full (more rungs are waiting: run again at once)."""
    policy = configured_rulebook()[0].alerts
    if not policy.steps:
        return 0, False
    candidates = _candidates(policy, now, batch)
    return sum(_ladder_one(obligation_id, policy, now) for obligation_id in candidates), len(candidates) >= batch


def _locked(obligation_id: int) -> Obligation | None:
    """The clock, locked first (PostgreSQL), so a rung takes its locks in the deadline sweep's order: the
    obligation row, then the audit head. Without it the two workers of the burst bench deadlocked: a rung's
    inserts (their foreign keys take a key-share lock on the clock) waited for a sweep holding the clock
    ``FOR UPDATE``, while that sweep waited for the audit head the other side held. A clock locked by a
    sweep is skipped (``SKIP LOCKED``) rather than waited for."""
    qs = Obligation.objects.select_related("unit", "incident")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, no_key=True, of=("self",))
    return qs.filter(pk=obligation_id).first()


def _ladder_one(obligation_id: int, policy: AlertPolicy, now: datetime) -> int:
    with transaction.atomic():
        obligation = _locked(obligation_id)
        if obligation is None:
            return 0  # a deadline sweep holds this clock right now; the next pass takes its rung
        done = AlertMark.objects.filter(obligation=obligation, due_at=obligation.due_at).values_list("step", flat=True)
        decision = ladder_due(policy, ObligationKind(obligation.kind), obligation.due_at,
                              open_=obligation.state in OPEN, done=list(done), now=now)
        if not decision.fire and not decision.skip:
            return 0
        marks = [AlertMark(obligation=obligation, step=s.id, due_at=obligation.due_at, fired=True, at=now)
                 for s in decision.fire]
        marks += [AlertMark(obligation=obligation, step=s.id, due_at=obligation.due_at, fired=False, at=now)
                  for s in decision.skip]
        try:
            with transaction.atomic():
                AlertMark.objects.bulk_create(marks)
        except IntegrityError:
            return 0  # another worker claimed these rungs
        for step in decision.fire:
            people = audience_users(step.to, obligation.unit, now)
            alert_emit(key=f"ladder:{obligation.pk}:{step.id}:{int(obligation.due_at.timestamp())}",
                       topic=step.topic, recipients=people, now=now, incident=obligation.incident,
                       obligation=obligation, unit=obligation.unit)
            audit_record(actor=None, action="obligation.alert", object_type="obligation", object_id=obligation.pk,
                         at=now, incident_id=obligation.incident_id, unit_code=obligation.unit.code,
                         data={"step": step.id, "topic": step.topic, "kind": obligation.kind,
                               "to": [p.username for p in people],
                               "skipped": [s.id for s in decision.skip]})
    return len(decision.fire)
