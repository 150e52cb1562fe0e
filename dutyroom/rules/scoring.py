"""Scoring a unit for a period: the points ledger, totals from counts, the floor, grade bands and ranks.

Two ways to the same score, kept equal by property tests:
- ``ledger``: one line per fact (the incident, the clock or finding, the rule, the delta) for a unit's
  drill-down, where every point must be explained;
- ``score_from_counts``: base + Σ count × points, for the ranking table of every unit, which the database
  computes with aggregate queries (no Python loop over a year's million clocks).
A fact belongs to the month of its incident. A fact that changes after the period closed (a finding upheld
later, a clock waived later) is a correction (更正) in that old period's ledger, never in the current one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar

from .enums import ObligationKind
from .periods import Period
from .scoring_book import Edition, FactKind, GradeBand, ScoringBook

K = TypeVar("K", bound=Hashable)

FIRST_REPORT_KINDS = frozenset(
    {ObligationKind.FIRST_REPORT, ObligationKind.PHONE_REPORT, ObligationKind.WRITTEN_REPORT}
)
#: Obligation kinds that are scored, and the fact each outcome becomes.
_OBLIGATION_FACTS: Mapping[ObligationKind, tuple[FactKind, FactKind]] = {
    ObligationKind.FIRST_REPORT: (FactKind.FIRST_REPORT_LATE, FactKind.FIRST_REPORT_MISSING),
    ObligationKind.PHONE_REPORT: (FactKind.FIRST_REPORT_LATE, FactKind.FIRST_REPORT_MISSING),
    ObligationKind.WRITTEN_REPORT: (FactKind.FIRST_REPORT_LATE, FactKind.FIRST_REPORT_MISSING),
    ObligationKind.VERIFICATION_REPLY: (FactKind.VERIFICATION_LATE, FactKind.VERIFICATION_MISSING),
    ObligationKind.FOLLOWUP: (FactKind.FOLLOWUP_LATE, FactKind.FOLLOWUP_MISSING),
    ObligationKind.FINAL_REPORT: (FactKind.FINAL_LATE, FactKind.FINAL_MISSING),
}
SCORED_OBLIGATION_KINDS = frozenset(_OBLIGATION_FACTS)
FINDING_FACTS: Mapping[str, FactKind] = {
    "omitted": FactKind.FINDING_OMITTED,
    "false": FactKind.FINDING_FALSE,
    "concealed": FactKind.FINDING_CONCEALED,
    "forbidden_channel": FactKind.FINDING_FORBIDDEN_CHANNEL,
}
ADOPTION_FACTS: Mapping[str, FactKind] = {
    "suzhou": FactKind.ADOPTED_SUZHOU,
    "jiangsu": FactKind.ADOPTED_JIANGSU,
    "state_council": FactKind.ADOPTED_STATE_COUNCIL,
}


def obligation_fact(kind: ObligationKind | str, missing: bool) -> FactKind | None:
    """The fact a late (or still missing) clock of ``kind`` is; ``None`` for kinds that are not scored
    (the duty room's own receipt clocks)."""
    pair = _OBLIGATION_FACTS.get(ObligationKind(kind))
    return None if pair is None else pair[1 if missing else 0]


@dataclass(frozen=True)
class Fact:
    """One scorable event. ``month`` is the first day of the month of its incident; ``at`` is when it became
    true (the late report, the overdue flip, the decision); ``cancelled_at`` when it stopped counting (waived)."""

    kind: FactKind
    month: date
    source: str
    reason: str = ""
    incident: int | None = None
    at: datetime | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class LedgerLine:
    delta: Decimal
    kind: str
    rule: str
    reason: str
    incident: int | None = None
    source: str = ""
    correction: bool = False
    at: datetime | None = None


@dataclass(frozen=True)
class Ledger:
    lines: tuple[LedgerLine, ...]
    score: Decimal
    grade: GradeBand


def period_closes_at(book: ScoringBook, period: Period) -> datetime:
    """When a period's score is settled (its 通报 is drafted); later changes are corrections."""
    return datetime.combine(period.end + timedelta(days=book.close_after_days), time(), book.tzinfo)


def _edition_of(book: ScoringBook, period: Period) -> Edition:
    return book.edition_for(period.start)


def _fact_lines(book: ScoringBook, fact: Fact, closed_at: datetime | None) -> list[LedgerLine]:
    edition = book.edition_for(fact.month)
    delta = edition.points[fact.kind]
    rule = edition.rule_ref(book.id, fact.kind)
    late_change = closed_at is not None and fact.at is not None and fact.at > closed_at
    line = LedgerLine(delta, fact.kind.value, rule, fact.reason, fact.incident, fact.source, late_change, fact.at)
    if fact.cancelled_at is None:
        return [line]
    counted_at_close = closed_at is not None and not late_change and fact.cancelled_at > closed_at
    if not counted_at_close:
        return []  # cancelled before anyone published it: it never counted
    reversal = LedgerLine(
        -delta,
        fact.kind.value,
        rule,
        f"{fact.reason}（已豁免，撤销扣分）",
        fact.incident,
        fact.source,
        True,
        fact.cancelled_at,
    )
    return [line, reversal]


def ledger(book: ScoringBook, period: Period, facts: Iterable[Fact], closed_at: datetime | None = None) -> Ledger:
    """Every line of a unit's score for ``period``: the base, one line per non-zero fact, the floor if it
    applies. The lines always add up to the score. ``closed_at`` (see ``period_closes_at``) marks corrections."""
    edition = _edition_of(book, period)
    lines = [LedgerLine(edition.base, "base", edition.rule_ref(book.id, "base"), "基础分")]
    for fact in sorted(facts, key=lambda f: (f.month, f.at or datetime.min.replace(tzinfo=book.tzinfo), f.source)):
        lines.extend(line for line in _fact_lines(book, fact, closed_at) if line.delta != 0)
    raw = sum((line.delta for line in lines), Decimal(0))
    if raw < edition.floor:
        lines.append(
            LedgerLine(
                edition.floor - raw, "floor", edition.rule_ref(book.id, "floor"), f"保底：得分不低于 {edition.floor}"
            )
        )
    score = sum((line.delta for line in lines), Decimal(0))
    return Ledger(tuple(lines), score, edition.grade_of(score))


def score_from_counts(book: ScoringBook, period: Period, counts: Mapping[tuple[date, FactKind], int]) -> Decimal:
    """The same score as ``ledger`` from counts of facts per (month, kind) that still count."""
    edition = _edition_of(book, period)
    raw = edition.base + sum(
        (book.edition_for(month).points[kind] * count for (month, kind), count in counts.items()), Decimal(0)
    )
    return max(raw, edition.floor)


def grade_for(book: ScoringBook, period: Period, score: Decimal) -> GradeBand:
    return _edition_of(book, period).grade_of(score)


def rank_within_groups(rows: Iterable[tuple[K, str, Decimal]]) -> dict[K, int]:
    """Competition ranking ("1, 1, 3") of scores within each peer group: rank = 1 + how many in the same
    group scored strictly higher. Ties share a rank, so the order of the input never decides a rank."""
    by_group: dict[str, list[tuple[K, Decimal]]] = {}
    for key, group, score in rows:
        by_group.setdefault(group, []).append((key, score))
    ranks: dict[K, int] = {}
    for members in by_group.values():
        scores = sorted((score for _key, score in members), reverse=True)
        for key, score in members:
            ranks[key] = 1 + sum(1 for other in scores if other > score)
    return ranks


def median(values: Sequence[int]) -> float | None:
    """Median of delays in seconds (the mean of the two middle values for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def on_time_rate(on_time: int, late: int, missing: int) -> float | None:
    """Share of due first-report clocks met in time; ``None`` when nothing was due."""
    due = on_time + late + missing
    return None if due == 0 else on_time / due
