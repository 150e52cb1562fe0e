"""The categories and subtypes of a rulebook, with their names in both languages, and the subtype a person
meant: the code, or its Chinese name as people type it (火灾 for ``fire``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from dutyroom.rules import Category, Rulebook


@lru_cache(maxsize=1)
def subtype_names_en() -> dict[str, str]:
    """English names by subtype code (``rulebooks/subtypes.en.yaml``), read once."""
    text = resources.files("dutyroom.rulebooks").joinpath("subtypes.en.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return {str(code): str(name) for code, name in data.items()}


def categories_of(rulebook: Rulebook) -> list[dict[str, Any]]:
    """Each statutory category with its subtypes in the rulebook's order (``GET /api/v1/categories``)."""
    names_en = subtype_names_en()
    found = []
    for category in Category:
        subtypes = rulebook.subtypes.get(category, {})
        found.append(
            {
                "code": category.value,
                "name": category.label_zh,
                "name_en": category.label_en,
                "subtypes": [
                    {"code": code, "name": name, "name_en": names_en.get(code, name)} for code, name in subtypes.items()
                ],
            }
        )
    return found


def subtype_code(rulebook: Rulebook, category: str | None, value: str | None) -> str | None:
    """The subtype code meant by ``value``: a code stays as it is; the Chinese name of one of the category's
    subtypes becomes its code. Anything else is returned unchanged for the usual check to refuse."""
    if not value or not category or category not in {c.value for c in Category}:
        return value
    subtypes = rulebook.subtypes.get(Category(category), {})
    if value in subtypes:
        return value
    wanted = value.strip()
    for code, name in subtypes.items():
        if name == wanted:
            return code
    return value
