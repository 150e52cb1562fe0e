"""Duplicate scoring between two short reports (pure; the database picks the candidates, this scores them).

The score is a probability-like confidence (0–1) that two reports describe one event: a logistic model
over what a duty officer would weigh, fitted on the first four blind sets, the earlier independent set and the
template set (``bench/_fit_dedup.py``; the fifth blind set, held out whole, never fed it):
- **text**: cosine of character bigrams after ``lexicon.canonical`` (着火/失火 → 起火, 两人 → 2人, 煤气 → 燃气),
  numbers collapsed (a later report with new figures is still the same event);
- **event**: do both name a kind of event from the lexicon, a shared one, two kinds that are views of one
  happening (呕吐 / 诺如病毒: ``lexicon.VIEWS``), other kinds that can stand in one account (a fire and an
  explosion), or only kinds that cannot (a fire and a theft); when one names no event, do its cues point to the
  kind the other names (119已经到了 beside a fire: ``kind_hinted``);
- **notice**: an announcement, an inspection, a forecast or a debunked rumour is not an occurrence; one text a
  notice and the other not weighs less when the other passes a notice on in people's words (不许, 记得,
  要来了: ``lexicon.is_advisory``) or names no event at all (``notice_vague``); a drill (演练, 演习, 模拟) is
  told apart on its own, as nobody describes a drill without saying so;
- **place**: the gazetteer's keys — another city, another town, another village or road of the same town,
  or the same town / the same village or road; another building of an estate or kilometre post of a motorway
  (12幢 and 27号楼, K28 and K32); the stored area (unit) when both have one;
- **clock**: both name a time of day (8时05分, 11时20分) and every time of one is more than two hours from every
  time of the other;
- **time**: 1 within an hour, falling to 0 at 12 hours apart; further apart than the candidate window
  (``WINDOW_SECONDS``, 12 hours) a pair scores 0.
``DUPLICATE_THRESHOLD`` (0.5, the contract's) is where a pair is offered.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from dutyroom.leads import gazetteer, lexicon
from dutyroom.leads.gazetteer import PlaceKeys
from dutyroom.leads.text import cosine, grams_of, normalize, shingle_text

DUPLICATE_THRESHOLD = 0.5
TIME_FULL_SECONDS = 3600
TIME_ZERO_SECONDS = 12 * 3600
# Reports further apart than this are never one lead's duplicates: the candidate query (``dedup.WINDOW``)
# never brings them together, and the score says the same so that it can be read, and measured, alone.
WINDOW_SECONDS = 12 * 3600
_KINDS_CHARS = 100  # the width of the stored ``kinds`` column
# The stored shingles are the opening of the text only. A duplicate shows in the title and the first lines (a
# re-report, a reposted item); while what is stored is every later lead's candidate for 12 hours, and each one
# counts its bigrams: a CAP import of 16 blocks of 20,000 characters made every lead after it count 320,000 more
# (three imports: 0.4 s a lead, most of a core under a lead flood). 2,000 is several times any real lead's text.
SHINGLE_CHARS = 2000
NOTICE = "n:1"
DRILL = "n:d"
ADVISORY = "n:a"
ELSEWHERE = "x:1"  # it happened in another city (昆山, 常熟), not in the installation's own

# Fitted weights (bench/_fit_dedup.py on the tuning part); the bias is the log-odds of an unremarkable pair.
WEIGHTS: dict[str, float] = {
    "bias": -2.25,
    "contained": 4.36,
    "text": 1.99,
    "kind_shared": 0.74,
    "kind_clash": -3.78,
    "kind_view": -0.53,
    "kind_differs": -2.65,
    "notice_told": 0.64,
    "notice_differs": -2.26,
    "notice_vague": -0.81,
    "kind_hinted": 0.4,
    "drill_differs": -1.95,
    "city_clash": -5.31,
    "elsewhere_alone": -2.72,
    "town_clash": -5.3,
    "grievance_clash": -2.19,
    "site_clash": -4.1,
    "town_shared": 0.73,
    "local_clash": -4.16,
    "street_clash": -4.14,
    "street_shared": 0.0,
    "building_clash": -4.26,
    "clock_apart": -1.59,
    "local_shared": -0.09,
    "area_same": 0.5,
    "area_differs": -2.0,
    "time": 1.5,
}


@dataclass(frozen=True)
class Signature:
    """What a lead or incident stores at write time so that scoring it later costs no normalising: its
    shingled canonical text and, comma-separated in ``kinds``, its event kinds, place keys and notice mark."""

    shingles: str
    kinds: str

    @classmethod
    def of(cls, title: str, text: str, places: gazetteer.Gazetteer | None = None) -> Signature:
        full = normalize(f"{title} {text}")
        named, hinted = lexicon.kinds_and_hints(full)
        gazetteer_ = places or gazetteer.active()
        keys = gazetteer_.keys(full)
        tokens = [*sorted(named), *keys.tokens()]
        if keys.cities and gazetteer_.home and gazetteer_.home not in keys.cities:
            tokens.insert(0, ELSEWHERE)
        tokens += [f"p:{site}" for site in sorted(lexicon.sites_of(full))]
        tokens += [f"g:{matter}" for matter in sorted(lexicon.grievances_of(full))]
        tokens += [f"h:{kind}" for kind in sorted(hinted)]
        tokens += [f"b:{number}" for number in sorted(lexicon.buildings_of(full))]
        tokens += [f"m:{minute}" for minute in sorted(lexicon.clock_minutes(full))]
        if lexicon.is_notice(full):
            tokens.insert(0, NOTICE)
        if lexicon.is_drill(full):
            tokens.insert(0, DRILL)
        if lexicon.is_advisory(full):
            tokens.insert(0, ADVISORY)
        kept: list[str] = []
        for token in tokens:  # the column is 100 characters: keep what fits, most telling first
            if sum(map(len, kept)) + len(kept) + len(token) <= _KINDS_CHARS:
                kept.append(token)
        return cls(shingle_text(lexicon.canonical(full))[:SHINGLE_CHARS], ",".join(kept))


@dataclass(frozen=True)
class Doc:
    """What scoring needs of a lead or an incident; ``area`` is any key that is equal for the same place."""

    area: object | None
    at: datetime
    grams: Counter[str] = field(default_factory=Counter, compare=False, hash=False)
    kinds: frozenset[str] = frozenset()
    places: PlaceKeys = field(default_factory=PlaceKeys)
    notice: bool = False
    drill: bool = False
    advisory: bool = False
    elsewhere: bool = False
    sites: frozenset[str] = frozenset()
    hints: frozenset[str] = frozenset()  # kinds only a cue points to (``lexicon.kinds_and_hints``)
    grievances: frozenset[str] = frozenset()  # what a gathering is about (``lexicon.grievances_of``)
    buildings: frozenset[str] = frozenset()  # an estate's building numbers (``lexicon.buildings_of``)
    clocks: frozenset[int] = frozenset()  # times of day it names, minutes after midnight (``lexicon.clock_minutes``)

    @classmethod
    def of(cls, title: str, text: str, area: object | None, at: datetime) -> Doc:
        return cls.signed(Signature.of(title, text), area, at)

    @classmethod
    def signed(cls, signature: Signature, area: object | None, at: datetime) -> Doc:
        tokens = signature.kinds.split(",") if signature.kinds else []
        kinds = frozenset(t for t in tokens if ":" not in t)
        return cls(
            area=area,
            at=at,
            grams=grams_of(signature.shingles),
            kinds=kinds,
            places=PlaceKeys.of_tokens(tokens),
            notice=NOTICE in tokens,
            drill=DRILL in tokens,
            advisory=ADVISORY in tokens,
            elsewhere=ELSEWHERE in tokens,
            sites=frozenset(t[2:] for t in tokens if t.startswith("p:")),
            hints=frozenset(t[2:] for t in tokens if t.startswith("h:")),
            grievances=frozenset(t[2:] for t in tokens if t.startswith("g:")),
            buildings=frozenset(t[2:] for t in tokens if t.startswith("b:")),
            clocks=frozenset(int(t[2:]) for t in tokens if t.startswith("m:") and t[2:].isdigit()),
        )


def time_score(a: datetime, b: datetime) -> float:
    apart = abs((a - b).total_seconds())
    if apart <= TIME_FULL_SECONDS:
        return 1.0
    if apart >= TIME_ZERO_SECONDS:
        return 0.0
    return 1.0 - (apart - TIME_FULL_SECONDS) / (TIME_ZERO_SECONDS - TIME_FULL_SECONDS)


def containment(a: Counter[str], b: Counter[str]) -> float:
    """Share of the shorter text's bigrams found in the longer: an official title of five words against a
    resident's two sentences is contained, though their cosine is low."""
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small.keys() & large.keys()) / len(small)


def _clash(a: frozenset[str], b: frozenset[str]) -> float:
    return 1.0 if a and b and not (a & b) else 0.0


# Further apart than this, two times of day are two happenings: a follow-up names when the fire was out or the
# last person freed, seldom more than two hours after the first report's time.
CLOCK_APART_MINUTES = 120


def _clocks_apart(a: frozenset[int], b: frozenset[int]) -> bool:
    """Do both texts name a time of day, and is every time of one far from every time of the other (across
    midnight too)?"""
    return bool(a and b) and all(min(abs(x - y), 1440 - abs(x - y)) > CLOCK_APART_MINUTES for x in a for y in b)


def _site_clash(a: Doc, b: Doc) -> float:
    """Two kinds of site, neither a building site (building work goes on at homes, plants, schools and shops: a
    fall from a plant's roof is told as 工地 by a resident and as 厂房 by the zone), about no kind of event that
    reaches many sites by nature (``lexicon.MANY_SITES``: a typhoon hits fields and homes alike)."""
    if "building_site" in a.sites | b.sites or a.kinds & b.kinds & lexicon.MANY_SITES:
        return 0.0
    return _clash(a.sites, b.sites)


def _streets_meet(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two texts name one street? A street read by pattern may carry the words before it (整个朝阳路, 说是通港路,
    环卫工人民南路), so a name that ends in the whole of the other's, three characters or more, is the same street."""
    return any(x == y or (min(len(x), len(y)) >= 3 and (x.endswith(y) or y.endswith(x))) for x in a for y in b)


def _hinted(hints_a: frozenset[str], named_a: frozenset[str], hints_b: frozenset[str], named_b: frozenset[str]) -> bool:
    """Do the cues of a text that names no event point to a kind the other names, or, when neither names one,
    do their cues meet? (A cue beside the cue of a text that names its event says nothing more.)"""
    if named_a and named_b:
        return False
    if named_a or named_b:
        return bool(hints_b & named_a if named_a else hints_a & named_b)
    return bool(hints_a & hints_b)


def features(a: Doc, b: Doc) -> dict[str, float]:
    """The evidence for and against "one event", each 0–1 (named as in ``WEIGHTS``)."""
    pa, pb = a.places, b.places
    compatible = lexicon.kinds_compatible(a.kinds, b.kinds)
    town_clash = _clash(pa.towns, pb.towns)
    differs = _clash(a.kinds - lexicon.NEUTRAL_KINDS, b.kinds - lexicon.NEUTRAL_KINDS) if compatible else 0.0
    views = lexicon.kinds_are_views(a.kinds, b.kinds)
    named_a, named_b = a.kinds - lexicon.NEUTRAL_KINDS, b.kinds - lexicon.NEUTRAL_KINDS
    # The text that is no notice is the one that may pass the notice on in people's words (a notice's own
    # 预计 or 提醒 says nothing of the other text).
    other = b if a.notice else a
    told = a.notice != b.notice and other.advisory
    # A notice beside a report that names no event may be the notice passed on (路挖了半个月, 警车巡逻好多); beside
    # a report of an event that happened, it is about the topic, not that event.
    vague = a.notice != b.notice and not told and not (other.kinds - lexicon.NEUTRAL_KINDS)
    streets_met = _streets_meet(pa.streets, pb.streets)
    return {
        "text": cosine(a.grams, b.grams),
        "contained": containment(a.grams, b.grams),
        "kind_shared": 1.0 if a.kinds & b.kinds else 0.0,
        "kind_clash": 0.0 if compatible else 1.0,
        "kind_differs": 0.0 if views else differs,
        "kind_view": differs if views else 0.0,
        "notice_differs": 1.0 if a.notice != b.notice and not told and not vague else 0.0,
        "notice_told": 1.0 if told else 0.0,
        "notice_vague": 1.0 if vague else 0.0,
        # One names no event and its cues point to the kind the other names (119已经到了 beside a fire), or
        # neither names one and their cues meet (扶梯 and 电梯).
        "kind_hinted": 1.0 if _hinted(a.hints, named_a, b.hints, named_b) else 0.0,
        "drill_differs": 1.0 if a.drill != b.drill else 0.0,
        "city_clash": _clash(pa.cities, pb.cities),
        # One names another city and the other no place at all: a report to this duty room is about its own
        # city unless it says otherwise (疾控：某小学诺如 beside 【昆山发布】花桥一小学诺如).
        "elsewhere_alone": 1.0 if (a.elsewhere and not pb.cities) or (b.elsewhere and not pa.cities) else 0.0,
        "town_clash": town_clash,
        "site_clash": _site_clash(a, b),
        "grievance_clash": _clash(a.grievances, b.grievances),
        "town_shared": 1.0 if pa.towns & pb.towns else 0.0,
        "local_clash": 0.0 if town_clash else _clash(pa.locals, pb.locals),
        "local_shared": 1.0 if pa.locals & pb.locals else 0.0,
        "street_clash": 0.0 if town_clash or streets_met else _clash(pa.streets, pb.streets),
        "street_shared": 1.0 if streets_met else 0.0,
        "building_clash": _clash(a.buildings, b.buildings),
        "clock_apart": 1.0 if _clocks_apart(a.clocks, b.clocks) else 0.0,
        "area_same": 1.0 if a.area is not None and a.area == b.area else 0.0,
        "area_differs": 1.0 if a.area is not None and b.area is not None and a.area != b.area else 0.0,
        "time": time_score(a.at, b.at),
    }


def _no_kind_met(a: Doc, b: Doc) -> bool:
    """Neither a kind both name nor one that a cue of one points to in the other (119 beside a fire)."""
    return (
        a.kinds.isdisjoint(b.kinds)
        and a.hints.isdisjoint(b.kinds)
        and a.kinds.isdisjoint(b.hints)
        and a.hints.isdisjoint(b.hints)
    )


def ruled_out(a: Doc, b: Doc) -> bool:
    """Pairs never offered, whatever the weights: not a word nor a kind of event in common (and cheap to tell),
    or further apart than the window (the same crossing on another day is another accident). The fit leaves
    them out too, as the model never scores them."""
    if a.grams.keys().isdisjoint(b.grams.keys()) and _no_kind_met(a, b):
        return True
    return abs((a.at - b.at).total_seconds()) > WINDOW_SECONDS


def duplicate_score(a: Doc, b: Doc, weights: dict[str, float] | None = None) -> float:
    """Probability-like confidence that ``a`` and ``b`` report one event (symmetric)."""
    if ruled_out(a, b):
        return 0.0
    w = weights or WEIGHTS
    logit = w["bias"] + sum(w[name] * value for name, value in features(a, b).items() if value)
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit)))), 3)
