"""Finding probable duplicates among open incidents and open leads (``duplicates`` in api.md).

The database narrows the field (open, same area or unknown area, within ``WINDOW`` of the event time,
newest first, at most ``CANDIDATES`` of each kind) so intake cost does not grow with the number of open
items; ``similarity.duplicate_score`` scores the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.leads.models import OPEN_LEAD_STATES, Lead
from dutyroom.leads.similarity import DUPLICATE_THRESHOLD, Doc, duplicate_score

WINDOW = timedelta(hours=12)
CANDIDATES = 200
KEEP = 5


@dataclass(frozen=True)
class Match:
    score: float
    incident: Incident | None = None
    lead: Lead | None = None


def lead_doc(lead: Lead) -> Doc:
    return Doc.of(lead.title, lead.text, lead.area.code if lead.area else None, lead.event_at)


def _area_scope(area_id: int | None, field: str) -> Q:
    if area_id is None:
        return Q()
    return Q(**{f"{field}_id": area_id}) | Q(**{f"{field}__isnull": True})


def duplicate_candidates(lead: Lead) -> list[Match]:
    """Scored matches at or above the threshold, best first (at most ``KEEP``)."""
    doc = lead_doc(lead)
    at = lead.event_at
    incidents = (
        Incident.objects.filter(state=IncidentState.OPEN, occurred_at__gte=at - WINDOW, occurred_at__lte=at + WINDOW)
        .filter(_area_scope(lead.area_id, "area"))
        .select_related("area")
        .only("id", "title", "address", "occurred_at", "area__code")
        .order_by("-occurred_at")[:CANDIDATES]
    )
    leads = (
        Lead.objects.filter(state__in=OPEN_LEAD_STATES, received_at__gte=at - WINDOW, received_at__lte=at + WINDOW)
        .filter(_area_scope(lead.area_id, "area"))
        .exclude(pk=lead.pk)
        .select_related("area")
        .only("id", "title", "text", "occurred_at", "received_at", "area__code")
        .order_by("-received_at")[:CANDIDATES]
    )
    matches: list[Match] = []
    for incident in incidents:
        area = incident.area.code if incident.area else None
        other = Doc.of(incident.title, incident.address, area, incident.occurred_at)
        score = duplicate_score(doc, other)
        if score >= DUPLICATE_THRESHOLD:
            matches.append(Match(score, incident=incident))
    for candidate in leads:
        score = duplicate_score(doc, lead_doc(candidate))
        if score >= DUPLICATE_THRESHOLD:
            matches.append(Match(score, lead=candidate))
    matches.sort(key=lambda m: -m.score)
    return matches[:KEEP]
