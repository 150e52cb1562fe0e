"""Tests of the pure rules core. Plain pytest, no Django: run with ``pytest tests/rules -p no:django``.

Shared helpers live here (not in conftest) so hypothesis tests can use them without function-scoped fixtures.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from dutyroom.rules import Rulebook, default_directory, parse_rulebook

SHANGHAI = ZoneInfo("Asia/Shanghai")
TAICANG_FILE = default_directory() / "taicang-2017.v2.yaml"  # the shipped (highest) version
TAICANG_TEXT = TAICANG_FILE.read_text(encoding="utf-8")
TAICANG_DATA: dict[str, Any] = yaml.safe_load(TAICANG_TEXT)
TAICANG: Rulebook = parse_rulebook(TAICANG_DATA, "taicang-2017.yaml")

#: 2024-05-01 09:00 in Taicang: a fixed "occurred" moment for table tests.
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=SHANGHAI)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def taicang_data() -> dict[str, Any]:
    """A fresh, mutable copy of the taicang document, for building variants and broken files."""
    return copy.deepcopy(TAICANG_DATA)


def variant(edit: Callable[[dict[str, Any]], object], source_name: str = "taicang-2017.yaml") -> Rulebook:
    """Parse the taicang document after ``edit`` changed it in place."""
    data = taicang_data()
    edit(data)
    return parse_rulebook(data, source_name)


def learned_anchored() -> Rulebook:
    """Taicang's numbers with Wuhan's anchor: clocks count from when the unit learned of the incident."""

    def edit(data: dict[str, Any]) -> None:
        data["id"] = "learned-variant"
        data["anchor"] = "learned"

    return variant(edit)
