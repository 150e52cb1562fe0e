"""Finding probable duplicates among open incidents and open leads (``duplicates`` in api.md).

The database narrows the field (open, same area or unknown area, within ``WINDOW`` of the event time,
newest first, at most ``CANDIDATES`` of each kind) so intake cost does not grow with the number of open
items; ``similarity.duplicate_score`` scores the rest. Candidates come back as plain rows carrying the
signature stored at write time (``Lead.shingles``/``kinds``, ``IncidentSignature``), so scoring one costs
a bigram count and a dot product, never a model object or a normalising pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.leads import gazetteer
from dutyroom.leads.models import OPEN_LEAD_STATES, IncidentSignature, Lead
from dutyroom.leads.similarity import DUPLICATE_THRESHOLD, WINDOW_SECONDS, Doc, Signature, duplicate_score
from dutyroom.orgs.models import Unit

_gazetteer: gazetteer.Gazetteer | None = None


def installation_gazetteer() -> gazetteer.Gazetteer:
    """The places this installation knows: its unit tree (towns, zones, subdistricts, any village units) with
    the places file's villages, roads and neighbouring cities. Built once and kept until a unit changes
    (``forget_gazetteer``, connected to the unit's save and delete signals)."""
    global _gazetteer
    if _gazetteer is None:
        with transaction.atomic():  # a savepoint: a failed read inside a caller's transaction leaves it usable
            rows = list(Unit.objects.values_list("code", "name", "kind", "parent__code"))
        _gazetteer = gazetteer.build(rows, gazetteer.file_lines())
    return _gazetteer


def forget_gazetteer(**_: object) -> None:
    global _gazetteer
    _gazetteer = None


WINDOW = timedelta(seconds=WINDOW_SECONDS)
CANDIDATES = 200
KEEP = 5


@dataclass(frozen=True)
class Match:
    score: float
    incident_id: int | None = None
    lead_id: int | None = None


def _area_scope(area_id: int | None) -> Q:
    if area_id is None:
        return Q()
    return Q(area_id=area_id) | Q(area__isnull=True)


def incident_signatures(incidents: list[tuple[int, str, str, datetime]]) -> dict[int, Signature]:
    """Stored signatures of these incidents (id, title, address, updated_at); missing or stale ones are
    computed and stored now, so each incident is normalised once per change."""
    stored = {row.pk: row for row in IncidentSignature.objects.filter(incident_id__in=[i[0] for i in incidents])}
    out: dict[int, Signature] = {}
    fresh: list[IncidentSignature] = []
    for pk, title, address, updated_at in incidents:
        row = stored.get(pk)
        if row is not None and row.incident_updated_at == updated_at:
            out[pk] = Signature(row.shingles, row.kinds)
            continue
        signature = Signature.of(title, address)
        out[pk] = signature
        fresh.append(
            IncidentSignature(
                incident_id=pk,
                shingles=signature.shingles,
                kinds=signature.kinds,
                incident_updated_at=updated_at,
                checked_at=row.checked_at if row is not None else None,
            )
        )
    if fresh:
        # in one global order (the incident's id): two leads refreshing overlapping signatures at once would
        # otherwise take the rows' locks in whatever order their candidates came back (incidents that occurred
        # at the same instant have none) and, on PostgreSQL, deadlock
        fresh.sort(key=lambda row: row.incident_id)
        IncidentSignature.objects.bulk_create(
            fresh,
            update_conflicts=True,
            unique_fields=["incident"],
            update_fields=["shingles", "kinds", "incident_updated_at"],
        )
    return out


def duplicate_candidates(
    doc: Doc, *, area_id: int | None, at: datetime, not_lead: int | None = None, not_incident: int | None = None
) -> list[Match]:
    """Scored matches for ``doc`` at or above the threshold, best first (at most ``KEEP``)."""
    incidents = list(
        Incident.objects.filter(state=IncidentState.OPEN, occurred_at__gte=at - WINDOW, occurred_at__lte=at + WINDOW)
        .filter(_area_scope(area_id))
        .exclude(pk=not_incident or 0)
        .order_by("-occurred_at")
        .values_list("id", "title", "address", "updated_at", "area_id", "occurred_at")[:CANDIDATES]
    )
    leads = (
        Lead.objects.filter(state__in=OPEN_LEAD_STATES, received_at__gte=at - WINDOW, received_at__lte=at + WINDOW)
        .filter(_area_scope(area_id))
        .exclude(pk=not_lead or 0)
        .order_by("-received_at")
        .values_list("id", "shingles", "kinds", "area_id", "occurred_at", "received_at")[:CANDIDATES]
    )
    matches: list[Match] = []
    signatures = incident_signatures([row[:4] for row in incidents]) if incidents else {}
    for pk, _title, _address, _updated, area, when in incidents:
        score = duplicate_score(doc, Doc.signed(signatures[pk], area, when))
        if score >= DUPLICATE_THRESHOLD:
            matches.append(Match(score, incident_id=pk))
    for pk, shingles, kinds, area, occurred, received in leads:
        score = duplicate_score(doc, Doc.signed(Signature(shingles, kinds), area, occurred or received))
        if score >= DUPLICATE_THRESHOLD:
            matches.append(Match(score, lead_id=pk))
    matches.sort(key=lambda m: -m.score)
    return matches[:KEEP]


def lead_duplicates(lead: Lead) -> list[Match]:
    doc = Doc.signed(Signature(lead.shingles, lead.kinds), lead.area_id, lead.event_at)
    return duplicate_candidates(doc, area_id=lead.area_id, at=lead.event_at, not_lead=lead.pk)
