"""Duplicate offers for a new incident (the issue asks for incidents as well as leads).

Incidents sit below leads in the layers, so incident creation cannot call the scorer; instead a worker job
looks at incidents opened in the last ``RECENT`` that have not been checked, stores each one's signature,
scores it against open incidents and open leads exactly as a new lead is scored, and offers what it finds
to the duty room (outbox ``incident.duplicates``). A checked incident is claimed by compare-and-set on
``IncidentSignature.checked_at``, so any number of workers may run the job. The duty officer confirms or
rejects each offer; confirming records the decision (merging two incidents is not this issue's).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Conflict, Forbidden, NotFound
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.naming import incident_name
from dutyroom.leads import dedup
from dutyroom.leads.models import DuplicateState, IncidentDuplicate, IncidentSignature
from dutyroom.leads.similarity import Doc
from dutyroom.notifications.services import outbox_emit
from dutyroom.orgs.selectors import duty_room_unit

RECENT = timedelta(hours=24)
BATCH = 50
PERIOD = timedelta(seconds=30)


def _unchecked(now: datetime) -> QuerySet[Incident]:
    checked = IncidentSignature.objects.filter(checked_at__isnull=False).values("incident_id")
    return (
        Incident.objects.filter(state=IncidentState.OPEN, created_at__gte=now - RECENT)
        .exclude(pk__in=checked)
        .order_by("created_at")
    )


def incident_duplicates_check(*, incident: Incident, now: datetime) -> list[IncidentDuplicate] | None:
    """Offer this incident's probable duplicates; ``None`` if another worker checked it already."""
    with transaction.atomic():
        signature = dedup.incident_signatures([(incident.pk, incident.title, incident.address, incident.updated_at)])[
            incident.pk
        ]
        if IncidentSignature.objects.filter(pk=incident.pk, checked_at__isnull=True).update(checked_at=now) != 1:
            return None
        doc = Doc.signed(signature, incident.area_id, incident.occurred_at)
        matches = dedup.duplicate_candidates(
            doc, area_id=incident.area_id, at=incident.occurred_at, not_incident=incident.pk
        )
        rows = IncidentDuplicate.objects.bulk_create(
            [
                IncidentDuplicate(
                    incident=incident,
                    other_incident_id=m.incident_id,
                    other_lead_id=m.lead_id,
                    score=m.score,
                    created_at=now,
                )
                for m in matches
            ]
        )
        if rows:
            offered = [{"incident": r.other_incident_id, "lead": r.other_lead_id, "score": r.score} for r in rows]
            audit_record(
                actor=None,
                action="incident.duplicates_offered",
                object_type="incident",
                object_id=incident.pk,
                at=now,
                data={"duplicates": offered},
            )
            outbox_emit(
                topic="incident.duplicates",
                units=[duty_room_unit()],
                at=now,
                payload={"incident": incident.pk, "title": incident_name(incident, None), "duplicates": offered},
                sensitive=True,
            )
    return rows


def incident_duplicates_job(now: datetime) -> datetime | None:
    """Worker job: check the incidents opened lately that nobody has checked yet."""
    for incident in list(_unchecked(now)[:BATCH]):
        incident_duplicates_check(incident=incident, now=now)
    return now + PERIOD


def incident_duplicates(incident: Incident) -> list[IncidentDuplicate]:
    return list(IncidentDuplicate.objects.filter(incident=incident))


def access_incident_duplicate(user: User, duplicate_id: int, visible: QuerySet[Incident]) -> IncidentDuplicate:
    """The offer, if its incident is one the user may see (``visible``: the incidents app's answer)."""
    found = IncidentDuplicate.objects.filter(pk=duplicate_id, incident__in=visible).first()
    if found is None:
        raise NotFound("重复提示")
    return found


def incident_duplicate_decide(
    *, actor: User, duplicate: IncidentDuplicate, confirm: bool, now: datetime
) -> IncidentDuplicate:
    """The duty officer confirms or rejects an offer made for a new incident."""
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以确认重复", "only the duty room decides duplicates")
    with transaction.atomic():
        updated = IncidentDuplicate.objects.filter(pk=duplicate.pk, state=DuplicateState.PROPOSED).update(
            state=DuplicateState.CONFIRMED if confirm else DuplicateState.REJECTED, decided_by=actor, decided_at=now
        )
        if updated != 1:
            raise Conflict("该重复提示已处理", "this proposal was already decided")
        duplicate.refresh_from_db()
        audit_record(
            actor=actor,
            action="incident.duplicate_decide",
            object_type="incident",
            object_id=duplicate.incident_id,
            at=now,
            data={
                "duplicate": duplicate.pk,
                "confirmed": confirm,
                "score": duplicate.score,
                "incident": duplicate.other_incident_id,
                "lead": duplicate.other_lead_id,
            },
        )
    return duplicate


def incident_duplicate_view(d: IncidentDuplicate) -> dict[str, object]:
    return {"id": d.pk, "incident": d.other_incident_id, "lead": d.other_lead_id, "score": d.score, "state": d.state}
