"""The assessment rulebook (考评办法): points per occurrence, floor, grade bands, appeal window, editions.

Scores are per period, not per incident, so the scoring rules are their own file
(``<rulebook id>.assessment.yaml``) with *editions*, each in force from the first day of a month. A month is
scored by the edition in force on its first day; a rulebook change therefore never rewrites an old period.
Every defect raises ``RulebookError`` naming the file, the key path and the reason, like the clocks rulebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from ._check import ID, Checker
from .model import RulebookError
from .periods import WorkCalendar
from .rulebook import _StrictLoader, default_directory


class FactKind(StrEnum):
    """Everything that can move a unit's score. The rulebook gives each a number of points."""

    FIRST_REPORT_LATE = "first_report_late"
    FIRST_REPORT_MISSING = "first_report_missing"
    VERIFICATION_LATE = "verification_late"
    VERIFICATION_MISSING = "verification_missing"
    FOLLOWUP_LATE = "followup_late"
    FOLLOWUP_MISSING = "followup_missing"
    FINAL_LATE = "final_late"
    FINAL_MISSING = "final_missing"
    FINDING_OMITTED = "finding_omitted"
    FINDING_FALSE = "finding_false"
    FINDING_CONCEALED = "finding_concealed"
    FINDING_FORBIDDEN_CHANNEL = "finding_forbidden_channel"
    ADOPTED_SUZHOU = "adopted_suzhou"
    ADOPTED_JIANGSU = "adopted_jiangsu"
    ADOPTED_STATE_COUNCIL = "adopted_state_council"


@dataclass(frozen=True)
class GradeBand:
    id: str
    label: str
    min: Decimal


@dataclass(frozen=True)
class Edition:
    """The scoring rules in force from ``effective_from`` (the first day of a month) until the next edition."""

    effective_from: date
    base: Decimal
    floor: Decimal
    grades: tuple[GradeBand, ...]
    points: Mapping[FactKind, Decimal] = field(hash=False)

    def rule_ref(self, book_id: str, kind: FactKind | str) -> str:
        """What a ledger line cites: ``taicang-2017.assessment@2017-10-01/first_report_late``."""
        return f"{book_id}.assessment@{self.effective_from.isoformat()}/{kind}"

    def grade_of(self, score: Decimal) -> GradeBand:
        for band in self.grades:
            if score >= band.min:
                return band
        return self.grades[-1]


@dataclass(frozen=True)
class ScoringBook:
    id: str
    title: str
    timezone: str
    appeal_working_days: int
    calendar: WorkCalendar
    close_after_days: int
    editions: tuple[Edition, ...]

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def edition_for(self, month_start: date) -> Edition:
        """The edition in force on ``month_start``; before the first edition, the first one applies."""
        chosen = self.editions[0]
        for edition in self.editions:
            if edition.effective_from <= month_start:
                chosen = edition
        return chosen


_TOP = ("id", "title", "timezone", "appeal_working_days", "close_after_days", "editions")
_OPTIONAL_TOP = ("holidays", "workdays")


def parse_scoring_book(data: Mapping[str, Any], source_name: str) -> ScoringBook:
    """Validate a decoded document into a ``ScoringBook``."""
    c = Checker(source_name)
    doc = c.mapping(data, "(document)", _TOP, _OPTIONAL_TOP)
    timezone = c.text(doc["timezone"], "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        c.fail("timezone", f"unknown time zone {timezone!r}")
    editions = tuple(
        _edition(c, raw, f"editions[{i}]")
        for i, raw in enumerate(c.items(doc["editions"], "editions", allow_empty=False))
    )
    for i in range(1, len(editions)):
        if editions[i].effective_from <= editions[i - 1].effective_from:
            c.fail(f"editions[{i}].effective_from", "editions must be in order of effective_from, each later")
    return ScoringBook(
        id=c.text(doc["id"], "id", ID),
        title=c.text(doc["title"], "title"),
        timezone=timezone,
        appeal_working_days=_non_negative_int(c, doc["appeal_working_days"], "appeal_working_days"),
        calendar=WorkCalendar(
            holidays=frozenset(_days(c, doc.get("holidays", []), "holidays")),
            workdays=frozenset(_days(c, doc.get("workdays", []), "workdays")),
        ),
        close_after_days=_non_negative_int(c, doc["close_after_days"], "close_after_days"),
        editions=editions,
    )


def _non_negative_int(c: Checker, value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        c.fail(path, f"must be a whole number ≥ 0, got {value!r}")
    return value


def _days(c: Checker, value: object, path: str) -> list[date]:
    return [c.day(item, f"{path}[{i}]") for i, item in enumerate(c.items(value, path))]


def _number(c: Checker, value: object, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        c.fail(path, f"must be a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        c.fail(path, f"must be a number, got {value!r}")
    if not number.is_finite():
        c.fail(path, "must be a finite number")
    return number


def _edition(c: Checker, raw: object, path: str) -> Edition:
    data = c.mapping(raw, path, ("effective_from", "base", "floor", "grades", "points"))
    effective_from = c.day(data["effective_from"], f"{path}.effective_from")
    if effective_from.day != 1:
        c.fail(f"{path}.effective_from", "must be the first day of a month (a month is scored by one edition)")
    base = _number(c, data["base"], f"{path}.base")
    floor = _number(c, data["floor"], f"{path}.floor")
    if floor > base:
        c.fail(f"{path}.floor", f"floor {floor} is above the base {base}")
    grades = _grades(c, data["grades"], f"{path}.grades", floor)
    raw_points = c.mapping(data["points"], f"{path}.points", [k.value for k in FactKind])
    points = {kind: _number(c, raw_points[kind.value], f"{path}.points.{kind.value}") for kind in FactKind}
    for kind, value in points.items():
        positive = kind.value.startswith("adopted_")
        if (positive and value < 0) or (not positive and value > 0):
            sign = "≥ 0 (a reward)" if positive else "≤ 0 (a deduction)"
            c.fail(f"{path}.points.{kind.value}", f"must be {sign}, got {value}")
    return Edition(effective_from, base, floor, grades, MappingProxyType(points))


def _grades(c: Checker, value: object, path: str, floor: Decimal) -> tuple[GradeBand, ...]:
    bands = []
    for i, raw in enumerate(c.items(value, path, allow_empty=False)):
        band = c.mapping(raw, f"{path}[{i}]", ("id", "label", "min"))
        bands.append(
            GradeBand(
                c.text(band["id"], f"{path}[{i}].id", ID),
                c.text(band["label"], f"{path}[{i}].label"),
                _number(c, band["min"], f"{path}[{i}].min"),
            )
        )
    for i in range(1, len(bands)):
        if bands[i].min >= bands[i - 1].min:
            c.fail(f"{path}[{i}].min", "grade bands must be listed highest first, each lower than the one before")
    if bands[-1].min > floor:
        c.fail(f"{path}[{len(bands) - 1}].min", f"the lowest band must start at or below the floor ({floor})")
    return tuple(bands)


def load_scoring_book(rulebook_id: str, directory: Path | None = None) -> ScoringBook:
    """``<directory>/<rulebook_id>.assessment.yaml`` (default: the packaged rulebooks folder)."""
    folder = directory if directory is not None else default_directory()
    path = folder / f"{rulebook_id}.assessment.yaml"
    if not path.is_file():
        raise RulebookError(f"{path.name}: no assessment rules for rulebook {rulebook_id!r} in {folder}")
    return load_scoring_text(path.read_text(encoding="utf-8"), path.name)


def load_scoring_text(text: str, source_name: str) -> ScoringBook:
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise RulebookError(f"{source_name}: invalid YAML: {error}") from error
    if not isinstance(data, Mapping):
        raise RulebookError(f"{source_name}: the document must be a mapping of keys")
    return parse_scoring_book(data, source_name)
