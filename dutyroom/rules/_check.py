"""Typed accessors for a decoded rulebook document that fail with the file, key path and reason.

Kept apart from ``_parse.py`` so the parser reads as a list of rules about rulebooks, not type plumbing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from .enums import Grade, ObligationKind, ReportKind
from .model import ClockRule, RulebookError

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")  # no "@" or "/": ids are embedded in "ref/rule" strings


class Checker:
    """Reads one document; every accessor returns the typed value or raises ``RulebookError`` at ``path``."""

    def __init__(self, source_name: str) -> None:
        self.source = source_name

    def fail(self, path: str, why: str) -> NoReturn:
        raise RulebookError(f"{self.source}: {path}: {why}")

    def mapping(
        self, value: object, path: str, required: Iterable[str], optional: Iterable[str] = ()
    ) -> Mapping[Any, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"must be a mapping, got {show(value)}")
        required, optional = tuple(required), tuple(optional)
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.fail(join(path, key), f"unknown key (expected one of: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in value:
                self.fail(join(path, key), "required key is missing")
        return value

    def items(self, value: object, path: str, *, allow_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {show(value)}")
        if not value and not allow_empty:
            self.fail(path, "must not be empty")
        return value

    def text(self, value: object, path: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be a non-empty string, got {show(value)}")
        if pattern is not None and not pattern.match(value):
            self.fail(path, f"must match {pattern.pattern}, got {value!r}")
        return value

    def positive(self, value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(path, f"must be a positive integer, got {show(value)}")
        return value

    def number(self, value: object, path: str) -> float:
        """A positive number (integer or decimal), e.g. a threshold."""
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            self.fail(path, f"must be a positive number, got {show(value)}")
        return float(value)

    def minutes(self, value: object, path: str) -> timedelta:
        return timedelta(minutes=self.positive(value, path))

    def day(self, value: object, path: str) -> date:
        if isinstance(value, datetime):
            self.fail(path, f"must be a date (YYYY-MM-DD) without a time, got {value.isoformat()}")
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(path, f"must be a date (YYYY-MM-DD), got {show(value)}")

    def member(self, enum: type[E], value: object, path: str) -> E:
        if isinstance(value, str) and value in enum._value2member_map_:
            return enum(value)
        known = ", ".join(m.value for m in enum)
        self.fail(path, f"unknown {enum.__name__} {show(value)} (known: {known})")

    def grade(self, value: object, path: str) -> Grade | None:
        if value is None:
            return None
        if isinstance(value, str) and value in Grade._value2member_map_:
            return Grade(value)
        self.fail(path, f"unknown grade {show(value)} (known: I, II, III, IV, or null for ungraded)")

    def unique(self, values: list[Any], path: str, parse: Callable[[Any, str], T]) -> list[T]:
        out: list[T] = []
        for index, raw in enumerate(values):
            item = parse(raw, f"{path}[{index}]")
            if item in out:
                self.fail(f"{path}[{index}]", f"duplicate value {show(raw)}")
            out.append(item)
        return out

    def members(self, enum: type[E], value: object, path: str, *, allow_empty: bool = True) -> frozenset[E]:
        values = self.items(value, path, allow_empty=allow_empty)
        return frozenset(self.unique(values, path, lambda raw, p: self.member(enum, raw, p)))

    def clock(self, value: object, path: str, kind: ObligationKind | None = None) -> ClockRule:
        """A clock rule; ``kind`` fixes the kind of a rulebook-wide clock, where the key may be left out."""
        keys = ("id", "within_minutes", "met_by")
        data = self.mapping(value, path, (*keys, "kind") if kind is None else keys, ("kind",))
        rule_id = self.text(data["id"], f"{path}.id", ID)
        actual = self.member(ObligationKind, data["kind"], f"{path}.kind") if "kind" in data else kind
        if actual is None or (kind is not None and actual != kind):
            self.fail(f"{path}.kind", f"must be {kind} here, got {actual}")
        within = self.minutes(data["within_minutes"], f"{path}.within_minutes")
        receipt = actual in (ObligationKind.RECEIPT, ObligationKind.LEAD_VERIFICATION)
        met_by = self.members(ReportKind, data["met_by"], f"{path}.met_by", allow_empty=receipt)
        if receipt and met_by:
            self.fail(
                f"{path}.met_by",
                f"must be [] (a {actual} clock is met by a person's decision, not a report)",
            )
        return ClockRule(rule_id, actual, within, met_by)


def join(path: str, key: object) -> str:
    return str(key) if path == "(document)" else f"{path}.{key}"


def show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    return f"{type(value).__name__} {value!r}"


def grade_name(grade: Grade | None) -> str:
    return "ungraded (null)" if grade is None else f"grade {grade}"


def minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} min"


def kinds(values: frozenset[ReportKind]) -> str:
    return "[" + ", ".join(sorted(values)) + "]"
