"""Model field choices built from the rules core's enums, so the database and the rules speak one language."""

from __future__ import annotations

from enum import StrEnum


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, getattr(member, "label_zh", member.value)) for member in enum]
