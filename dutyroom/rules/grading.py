"""Suggested grade from reported figures (domain.md §2).

The suggestion is advice to the duty officer, who decides the grade; so it always carries the table,
criterion, value and threshold that produced it and a Chinese sentence the officer can read and quote.
Thresholds are rulebook data because each category has its own statute and statutes change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .enums import Category, Grade
from .figures import Figures
from .model import GradingCriterion, GradingTable, Rulebook

__all__ = ["Figures", "GradeSuggestion", "applicable_table", "suggest_grade"]

NO_TABLE_BASIS = "该类别无分级标准，由值班室研判"
_SEVERE_FIRST = (Grade.I, Grade.II, Grade.III)


@dataclass(frozen=True)
class GradeSuggestion:
    """The suggested grade and why. ``grade`` is None only when no table applies to the incident."""

    grade: Grade | None
    table: str | None
    criterion: str | None
    value: int | None
    threshold: int | None
    basis: str


def applicable_table(rb: Rulebook, category: Category, subtype: str | None, on: date) -> GradingTable | None:
    """The table that governs an incident of ``category``/``subtype`` occurring ``on``.

    A table naming the subtype beats a category-wide one; among equals, the latest in force on ``on``
    (so an amended statute takes over from its effective date, and older incidents keep the old one).
    An unknown subtype simply falls back to the category-wide table: subtype codes come from stored
    incidents that may predate this rulebook, and a suggestion is only advice.
    """
    in_force = [t for t in rb.grading if Category(category) in t.categories and t.effective_from <= on]
    specific = [t for t in in_force if subtype and subtype in t.subtypes]
    general = [t for t in in_force if not t.subtypes]
    for group in (specific, general):
        if group:
            latest = max(t.effective_from for t in group)
            return next(t for t in group if t.effective_from == latest)
    return None


def suggest_grade(rb: Rulebook, category: Category, subtype: str | None, figures: Figures, on: date) -> GradeSuggestion:
    """Highest grade any criterion reaches ("以上" includes the bound); on a tie the earlier criterion in
    the table is named. Nothing reaching Ⅲ suggests Ⅳ; no table at all suggests nothing."""
    if isinstance(on, datetime):
        # A datetime's date depends on the zone; take the jurisdiction's calendar day, never the server's.
        if on.tzinfo is None or on.utcoffset() is None:
            raise ValueError(f"on must be a date or a timezone-aware datetime, got naive {on.isoformat()}")
        on = on.astimezone(rb.tzinfo).date()
    table = applicable_table(rb, category, subtype, on)
    if table is None:
        return GradeSuggestion(None, None, None, None, None, NO_TABLE_BASIS)

    best: tuple[Grade, GradingCriterion, int, int] | None = None
    for criterion in table.criteria:
        value = sum(getattr(figures, name) for name in criterion.fields)
        reached = next(
            (g for g in _SEVERE_FIRST if g in criterion.thresholds and value >= criterion.thresholds[g]), None
        )
        if reached is not None and (best is None or _rank(reached) < _rank(best[0])):
            best = (reached, criterion, value, criterion.thresholds[reached])
    if best is None:
        return GradeSuggestion(Grade.IV, table.id, None, None, None, _below_basis(table, figures))
    grade, criterion, value, threshold = best
    basis = f"依据 {table.source}：{_amount(criterion, value)}，达到 {grade.label_zh} 标准（≥{threshold:,}）"
    return GradeSuggestion(grade, table.id, criterion.id, value, threshold, basis)


def _below_basis(table: GradingTable, figures: Figures) -> str:
    parts = []
    for criterion in table.criteria:
        value = sum(getattr(figures, name) for name in criterion.fields)
        lowest = next(g for g in reversed(_SEVERE_FIRST) if g in criterion.thresholds)
        note = "" if lowest == Grade.III else f"（{lowest.label_zh} 最低标准）"
        parts.append(f"{_amount(criterion, value)} <{criterion.thresholds[lowest]:,}{note}")
    return (
        f"依据 {table.source}：各项指标均未达到 {Grade.III.label_zh} 标准（{'；'.join(parts)}），"
        f"建议 {Grade.IV.label_zh}"
    )


def _amount(criterion: GradingCriterion, value: int) -> str:
    # "死亡（含失踪）12 人" but "直接经济损失 60,000,000 元": no space after a closing bracket.
    gap = "" if criterion.label.endswith(("）", ")")) else " "
    unit = f" {criterion.unit}" if criterion.unit else ""
    return f"{criterion.label}{gap}{value:,}{unit}"


def _rank(grade: Grade) -> int:
    return _SEVERE_FIRST.index(grade)
