"""Loading and validating rulebooks (domain.md §3: "the rule set is data").

A rulebook decides who is late, and lateness feeds public criticism of a unit, so a bad file must never
load quietly: unknown keys, missing grades, non-positive minutes and contradictory limits are all
errors, each naming the file, the key path and the reason. The validated values live in ``model.py``
and are re-exported here, so ``from dutyroom.rules.rulebook import Rulebook`` works.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ._parse import parse_rulebook
from .model import (
    IMMEDIATE_WRITTEN_PREFIX,
    ClockRule,
    FollowupRule,
    GradeTier,
    GradingCriterion,
    GradingTable,
    ImmediateRule,
    LeadRule,
    Rulebook,
    RulebookError,
    WatchRule,
)

__all__ = [
    "IMMEDIATE_WRITTEN_PREFIX",
    "ClockRule",
    "FollowupRule",
    "GradeTier",
    "GradingCriterion",
    "GradingTable",
    "ImmediateRule",
    "LeadRule",
    "Rulebook",
    "RulebookError",
    "WatchRule",
    "default_directory",
    "load_rulebook",
    "load_rulebook_text",
    "parse_rulebook",
    "rulebook_text",
]

_FILE_NAME = re.compile(r"^(?P<id>[a-z0-9][a-z0-9-]*?)(?:\.v(?P<version>[1-9][0-9]*))?\.ya?ml$")


def default_directory() -> Path:
    """The ``dutyroom/rulebooks`` package folder, found relative to this file so it works installed too."""
    return Path(__file__).resolve().parent.parent / "rulebooks"


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses duplicate keys: PyYAML keeps the last one silently, which would let a second
    ``within_minutes`` override the first without anyone noticing."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_rulebook_text(text: str, source_name: str) -> Rulebook:
    """Parse YAML text; syntax errors become ``RulebookError`` with the line, like every other defect."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RulebookError(f"{source_name}: {where}invalid YAML: {problem}") from error
    if not isinstance(data, Mapping):
        raise RulebookError(f"{source_name}: the document must be a mapping of keys, got {type(data).__name__}")
    return parse_rulebook(data, source_name)


def rulebook_text(name: str, version: int | None = None, directory: Path | None = None) -> tuple[Rulebook, str]:
    """Like ``load_rulebook`` but also returns the file's text, which the database snapshots verbatim."""
    if _looks_like_path(name):
        path = Path(name)
        if not path.is_file():
            raise RulebookError(f"{name}: no such rulebook file")
        text = path.read_text(encoding="utf-8")
        rulebook = load_rulebook_text(text, path.name)
        if version is not None and rulebook.version != version:
            raise RulebookError(f"{path.name}: version: asked for version {version}, the file is {rulebook.version}")
        return rulebook, text

    folder = directory if directory is not None else default_directory()
    candidates = _candidates(folder)
    if name not in candidates:
        available = ", ".join(sorted(candidates)) or "none"
        raise RulebookError(f"{name}: unknown rulebook id in {folder} (available: {available})")
    loaded: dict[int, tuple[Rulebook, str]] = {}
    for path, file_version in candidates[name]:
        text = path.read_text(encoding="utf-8")
        rulebook = load_rulebook_text(text, path.name)
        if rulebook.id != name:
            raise RulebookError(f"{path.name}: id: the file name says {name!r}, the file says {rulebook.id!r}")
        if file_version is not None and rulebook.version != file_version:
            raise RulebookError(
                f"{path.name}: version: the file name says {file_version}, the file says {rulebook.version}"
            )
        if rulebook.version in loaded:
            raise RulebookError(f"{path.name}: version: {rulebook.ref} is defined by more than one file")
        loaded[rulebook.version] = (rulebook, text)
    wanted = max(loaded) if version is None else version
    if wanted not in loaded:
        available = ", ".join(str(v) for v in sorted(loaded))
        raise RulebookError(f"{name}: no version {version} (available versions: {available})")
    return loaded[wanted]


def load_rulebook(name: str, version: int | None = None, directory: Path | None = None) -> Rulebook:
    """Load a rulebook by id (``taicang-2017``; the highest version unless ``version``) or by YAML path."""
    return rulebook_text(name, version, directory)[0]


def _looks_like_path(name: str) -> bool:
    return name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name


def _candidates(folder: Path) -> dict[str, list[tuple[Path, int | None]]]:
    found: dict[str, list[tuple[Path, int | None]]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        version = int(match["version"]) if match["version"] else None
        found.setdefault(match["id"], []).append((path, version))
    return found
