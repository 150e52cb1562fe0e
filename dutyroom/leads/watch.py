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
from dutyroom.leads.text import fold_chars, normalize


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
    """An automaton over the normalised terms; ``scan`` answers as if the text were normalised the same way.

    Why not simply ``normalize`` every text: on a 650-character news item the NFKC + traditional-character
    pass costs several times the match itself. So the automaton also holds, as one-character *guard*
    patterns, every character whose folding could change a match: characters that fold into something
    a term contains, invisible characters (they fold to nothing and could split a term), and characters
    that compose with the one before them. One pass over the raw text then tells whether it is already
    its own normal form as far as any term can see; only a text with a guard hit is normalised and scanned
    again. ``tests/leads/test_watch_fast.py`` checks the answer equals normalise-then-match on random text.
    """

    def __init__(self, terms: list[Term], patterns: list[str]) -> None:
        self.terms = terms
        self.levels_fixed = [t.starts_at is None and t.ends_at is None for t in terms]
        guards = guards_for(patterns) if patterns else []
        folds, composers = fold_chars()
        # capital sigma (its lower case depends on whether a word ends) and anything that composes
        contextual = composers | {"\u03a3"} | {g for g, f in folds.items() if any(c in composers for c in f)}
        # what each guard becomes; None = it depends on its neighbours, so only a full normalise will do
        self.guard_folds: list[str | None] = [None if g in contextual else folds.get(g) for g in guards]
        self.automaton = ahocorasick_rs.AhoCorasick(patterns + guards) if patterns else None
        self.size = len(patterns)

    def match(self, text: str) -> Counter[int]:
        """Term index → number of (overlapping) occurrences in the normalised text."""
        if self.automaton is None or not text:
            return Counter()
        size = self.size
        found = self.automaton.find_matches_as_indexes(text, overlapping=True)
        if any(m[0] >= size for m in found):
            found = self.automaton.find_matches_as_indexes(self._folded(text, found), overlapping=True)
        return Counter(m[0] for m in found if m[0] < size)

    def _folded(self, text: str, found: list[tuple[int, int, int]]) -> str:
        """The text with its guard characters folded where they stand (what ``normalize`` would make of
        them, since nothing composes), or the fully normalised text when something might compose."""
        pieces: list[str] = []
        last = 0
        for index, start, end in found:
            if index < self.size:
                continue
            fold = self.guard_folds[index - self.size]
            if fold is None:
                return normalize(text)
            pieces += (text[last:start], fold)
            last = end
        pieces.append(text[last:])
        return "".join(pieces)

    def hit_tuples(self, text: str, at: datetime) -> list[tuple[int, int, int]]:
        """(term index, level, count) per term found: what a hit row needs, without building objects."""
        terms, fixed = self.terms, self.levels_fixed
        return [(i, 1 if fixed[i] else terms[i].level_at(at), n) for i, n in self.match(text).items()]

    def scan(self, text: str, at: datetime) -> list[Hit]:
        return [Hit(self.terms[i], level, n) for i, level, n in self.hit_tuples(text, at)]


def guards_for(patterns: list[str]) -> list[str]:
    """One-character patterns for the characters whose folding could matter to these terms."""
    folds, composers = fold_chars()
    used = set("".join(patterns))
    return sorted(
        ch
        for ch, folded in folds.items()
        # capital sigma folds to σ alone but to ς at the end of a word, and a character that folds into a
        # combining one (half-width ﾟ) composes with its neighbour: such characters are always guards
        if not folded or ch == "\u03a3" or any(c in used or c in composers for c in folded)
    ) + sorted(composers - folds.keys())


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
        WatchHit(
            lead=lead, term_id=h.term.id, term_text=h.term.term, kind=h.term.kind, level=h.level, count=h.count, at=now
        )
        for h in hits
    ]


def watch_record(lead: Lead, now: datetime, index: WatchIndex | None = None) -> list[WatchHit]:
    """Scan the lead's title and text and store its hits (inside the caller's transaction)."""
    index = index if index is not None else current_index()
    hits = index.scan(f"{lead.title}\n{lead.text}\n{lead.address}", lead.received_at)
    rows = WatchHit.objects.bulk_create(hits_rows(lead, hits, now))
    lead.watch_level = max((h.level for h in hits), default=0)
    return rows
