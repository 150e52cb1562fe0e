"""Finding an incident: the filters the incident list page, its picker and ``GET /api/v1/incidents`` share.

Always applied to ``visible_incidents(user)``: a search never reaches an incident the caller may not read, so a
work-secret title is matched (and shown) only for the people the access rule already lets read it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from dutyroom.incidents.models import Incident

# Longer text cannot be in a title (the longest field searched is the address); it would only cost a scan.
MAX_QUERY = 200


def search_text(value: str) -> str:
    """What a person typed, without the invisible characters a paste brings along."""
    kept = "".join(ch for ch in value if unicodedata.category(ch) not in {"Cc", "Cf"})
    return " ".join(kept.split())[:MAX_QUERY]


@dataclass(frozen=True)
class IncidentQuery:
    text: str = ""
    unit_id: int | None = None
    category: str = ""
    grade: str = ""
    state: str = ""  # "" or "all" = every state
    start: datetime | None = None
    end: datetime | None = None


def incidents_matching(qs: QuerySet[Incident], query: IncidentQuery) -> QuerySet[Incident]:
    """``qs`` narrowed by ``query``. Text matches the title, the address or any report's summary; a number
    typed alone (``#12`` or ``12``) also finds that incident, as a duty officer quotes it on the phone."""
    if query.unit_id is not None:
        qs = qs.filter(unit_id=query.unit_id)
    if query.state and query.state != "all":
        qs = qs.filter(state=query.state)
    if query.category:
        qs = qs.filter(category=query.category)
    if query.grade:
        qs = qs.filter(grade=query.grade)
    if query.start is not None:
        qs = qs.filter(occurred_at__gte=query.start)
    if query.end is not None:
        qs = qs.filter(occurred_at__lte=query.end)
    for word in query.text.split():
        summaries = Incident.objects.filter(reports__summary__icontains=word).values("pk")
        match = Q(title__icontains=word) | Q(address__icontains=word) | Q(pk__in=summaries)
        number = word.removeprefix("#")
        if number.isdigit() and len(number) < 12:
            match |= Q(pk=int(number))
        qs = qs.filter(match)
    return qs
