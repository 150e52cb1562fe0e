"""Duplicate scoring between two short reports (pure; the database picks the candidates, this scores them).

Score 0–1 = 0.6 × text similarity + 0.2 × place + 0.2 × time, halved when both texts name an event kind
and the kinds differ. Why these parts:
- text: cosine of character bigrams of title and text, numbers collapsed (a later report with new figures
  is still the same event) — no segmentation needed and robust on 30–100 characters;
- place: same town/area 1, unknown on either side 0.5 (a netizen rarely names the town), different 0;
- time: 1 within an hour, falling linearly to 0 at 12 hours apart;
- event kind: two reports from the same street at the same hour share most bigrams of the address, so a
  small lexicon of event words (火灾/起火/着火 → fire …) vetoes "same place, different event".
``DUPLICATE_THRESHOLD`` is the score from which a pair is offered; the labelled set in ``data/`` measures it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from dutyroom.leads.text import cosine, grams_of, normalize, shingle_text

DUPLICATE_THRESHOLD = 0.55
TIME_FULL_SECONDS = 3600
TIME_ZERO_SECONDS = 12 * 3600

EVENT_WORDS: dict[str, tuple[str, ...]] = {
    "fire": ("火灾", "起火", "着火", "失火", "燃烧", "火情", "浓烟", "冒烟", "黑烟"),
    "explosion": ("爆炸", "闪爆", "爆燃", "巨响"),
    "leak": ("泄漏", "泄露", "漏料", "异味", "刺鼻", "漏气"),
    "traffic": ("追尾", "相撞", "车祸", "交通事故", "撞车", "侧翻"),
    "collapse": ("坍塌", "倒塌", "塌方", "垮塌", "埋压"),
    "drowning": ("落水", "溺水", "溺亡", "打捞"),
    "gathering": ("聚集", "讨薪", "维权", "上访", "拉横幅"),
    "poisoning": ("中毒", "呕吐", "腹泻", "上吐下泻", "腹痛"),
    "flood": ("积水", "内涝", "淹", "进水", "水深"),
}


@dataclass(frozen=True)
class Signature:
    """What a lead or incident stores at write time so that scoring it later costs no normalising:
    its shingled text (normalised, numbers collapsed, punctuation dropped) and its event kinds."""

    shingles: str
    kinds: str  # comma-separated, sorted

    @classmethod
    def of(cls, title: str, text: str) -> Signature:
        full = f"{title} {text}"
        return cls(shingle_text(full), ",".join(sorted(event_kinds(full))))


@dataclass(frozen=True)
class Doc:
    """What scoring needs of a lead or an incident; ``area`` is any key that is equal for the same place."""

    area: object | None
    at: datetime
    grams: Counter[str] = field(default_factory=Counter, compare=False, hash=False)
    kinds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, title: str, text: str, area: object | None, at: datetime) -> Doc:
        return cls.signed(Signature.of(title, text), area, at)

    @classmethod
    def signed(cls, signature: Signature, area: object | None, at: datetime) -> Doc:
        kinds = frozenset(signature.kinds.split(",")) if signature.kinds else frozenset()
        return cls(area=area, at=at, grams=grams_of(signature.shingles), kinds=kinds)


def event_kinds(text: str) -> frozenset[str]:
    folded = normalize(text)
    return frozenset(kind for kind, words in EVENT_WORDS.items() if any(w in folded for w in words))


def place_score(a: object | None, b: object | None) -> float:
    if a is None or b is None:
        return 0.5
    return 1.0 if a == b else 0.0


def time_score(a: datetime, b: datetime) -> float:
    apart = abs((a - b).total_seconds())
    if apart <= TIME_FULL_SECONDS:
        return 1.0
    if apart >= TIME_ZERO_SECONDS:
        return 0.0
    return 1.0 - (apart - TIME_FULL_SECONDS) / (TIME_ZERO_SECONDS - TIME_FULL_SECONDS)


def duplicate_score(a: Doc, b: Doc) -> float:
    score = 0.6 * cosine(a.grams, b.grams) + 0.2 * place_score(a.area, b.area) + 0.2 * time_score(a.at, b.at)
    if a.kinds and b.kinds and not (a.kinds & b.kinds):
        score *= 0.5
    return round(min(1.0, max(0.0, score)), 3)
