"""Watch-list matching (舆情关注词) with ahocorasick-rs over normalised text.

The automaton is built once per change of the list and cached per process; a cheap fingerprint query
(count and latest change) tells whether another process changed the list. Matching cost grows with the
text, not with the number of terms (``bench/leads.py`` shows 1k vs 10k terms). Terms are topics, places,
events and periods, never people (domain.md §5): the kinds say so and the service refuses nothing else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import ahocorasick_rs
from django.db.models import Count, Max

from dutyroom.leads.models import Lead, WatchHit, WatchTerm
from dutyroom.leads.text import normalize


@dataclass(frozen=True)
class Term:
    id: int
    term: str
    kind: str
    starts_at: datetime | None
    ends_at: datetime | None

    def level_at(self, at: datetime) -> int:
        """2 inside the term's sensitive period (hits are raised a level), else 1."""
        if self.starts_at is None and self.ends_at is None:
            return 1
        after_start = self.starts_at is None or at >= self.starts_at
        before_end = self.ends_at is None or at <= self.ends_at
        return 2 if after_start and before_end else 1


@dataclass(frozen=True)
class Hit:
    term: Term
    level: int
    count: int


class WatchIndex:
    """An automaton over the normalised terms; ``scan`` normalises the text the same way."""

    def __init__(self, terms: list[Term], patterns: list[str]) -> None:
        self.terms = terms
        self.automaton = ahocorasick_rs.AhoCorasick(patterns) if patterns else None

    def scan(self, text: str, at: datetime) -> list[Hit]:
        if self.automaton is None or not text:
            return []
        counts = Counter(self.automaton.find_matches_as_indexes(normalize(text), overlapping=True))
        found = Counter[int]()
        for (index, _start, _end), n in counts.items():
            found[index] += n
        return [Hit(self.terms[i], self.terms[i].level_at(at), n) for i, n in found.items()]


def index_of(terms: list[Term]) -> WatchIndex:
    return WatchIndex(terms, [normalize(t.term) for t in terms])


_cache: dict[str, tuple[tuple[object, ...], WatchIndex]] = {}


def _fingerprint() -> tuple[object, ...]:
    agg = WatchTerm.objects.aggregate(n=Count("id"), c=Max("created_at"), d=Max("deleted_at"))
    return (agg["n"], agg["c"], agg["d"])


def current_index() -> WatchIndex:
    """The live list's automaton, rebuilt only when the list changed."""
    fingerprint = _fingerprint()
    cached = _cache.get("live")
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    terms = [
        Term(t.pk, t.term, t.kind, t.starts_at, t.ends_at)
        for t in WatchTerm.objects.filter(deleted_at__isnull=True).order_by("id")
    ]
    index = index_of(terms)
    _cache["live"] = (fingerprint, index)
    return index


def hits_rows(lead: Lead, hits: list[Hit], now: datetime) -> list[WatchHit]:
    return [
        WatchHit(lead=lead, term_id=h.term.id, term_text=h.term.term, kind=h.term.kind, level=h.level,
                 count=h.count, at=now)
        for h in hits
    ]


def watch_record(lead: Lead, now: datetime, index: WatchIndex | None = None) -> list[WatchHit]:
    """Scan the lead's title and text and store its hits (inside the caller's transaction)."""
    index = index if index is not None else current_index()
    hits = index.scan(f"{lead.title}\n{lead.text}\n{lead.address}", lead.received_at)
    rows = WatchHit.objects.bulk_create(hits_rows(lead, hits, now))
    lead.watch_level = max((h.level for h in hits), default=0)
    return rows
