"""The category of a lead, suggested from its words for the prefilled incident form.

Uses the event-type lexicon (``lexicon.KINDS``), which ties each word to a rulebook category: a word that says
an event happened (爆炸, 起火, 讨薪) counts fully, a cue (食堂, 视频, 工地) half. How the event is talked of —
网传, 舆情, 热议 — names the public-opinion subtype but never outweighs the event itself, so a gas explosion
seen in a video is still 事故灾难. The duty officer decides; ``None`` when the words name no category.
"""

from __future__ import annotations

from collections import defaultdict

from dutyroom.leads import gazetteer, lexicon
from dutyroom.leads.text import normalize

CATEGORIES = ("natural", "accident", "public_health", "social_security")
EVENT_WEIGHT = 1.0
CUE_WEIGHT = 0.5
# Talk about an event (网传, 舆情) counts this much: enough alone, never over an event word.
TALK_WEIGHT = 0.4
# People gathering over a grievance (pollution, wages) are the event the duty room handles first: a
# 群体性事件, whatever the grievance's own category.
GATHERING_WEIGHT = 2.0


# A rumour shown false is talk, not the event it names: 网传化工厂爆炸视频为旧视频 is public opinion.
DEBUNKED = ("谣言", "辟谣", "不实", "旧视频", "是假的", "造谣", "系谣", "真的假的", "真的吗", "是不是真的")

# What a cause brings about belongs to the cause's category: a roof that snow brought down, a tree the wind
# blew onto a road or a hoarding it knocked over are a natural disaster's damage (not a building accident);
# a swimmer swept away and missing is a drowning (not a missing-person case); workers overcome in a sewer
# are a confined-space accident. Crashes and collisions in fog
# stay accidents, and so does a burst main that floods a road: a driver or a pipe is the cause there.
NATURAL_CAUSES = frozenset({"storm", "flood", "earthquake", "pest"})
CONSEQUENCES: dict[str, frozenset[str]] = {
    **dict.fromkeys(NATURAL_CAUSES, frozenset({"collapse", "fall", "lift", "drowning", "missing"})),
    "drowning": frozenset({"missing"}),
    "vessel": frozenset({"missing"}),
    "collapse": frozenset({"missing"}),
    # Gas in a sewer or a septic tank: a confined-space accident at work, not a food poisoning.
    "confined": frozenset({"poisoning"}),
}


# When no word of the lexicon is there, single characters still lean one way (雹, 涝, 爆, 疫, 抢): a weak
# guess for a text in words nobody listed, never used when a word of the lexicon is found.
HINT_CHARS: dict[str, str] = {
    "natural": "风雨雪雷冰旱震涝潮雹霜雾",
    "accident": "火烟爆炸撞翻塌坠漏电污",
    "public_health": "病疫毒吐泻烧热蚊",
    "social_security": "偷抢骗砍刀警闹访堵吵",
}


def _hinted(folded: str) -> str | None:
    counts = {category: sum(folded.count(c) for c in chars) for category, chars in HINT_CHARS.items()}
    best = max(counts.values())
    return next(c for c in CATEGORIES if counts[c] == best) if best else None


def _without_places(folded: str) -> str:
    """Place names blanked out: 浮桥 is a town, not a bridge (桥)."""
    spans = gazetteer.active().spans(folded)
    if not spans:
        return folded
    out = list(folded)
    for start, end, _ in spans:
        out[start:end] = " " * (end - start)
    return "".join(out)


def _hits(text: str) -> list[tuple[lexicon.Kind, str, bool]]:
    """Kinds named in the text as written and in its canonical form (掉下去 → 落水), each word once."""
    folded = _without_places(normalize(text))
    seen = {(kind.code, word) for kind, word, _ in lexicon.kind_hits(folded)}
    extra = [hit for hit in lexicon.kind_hits(lexicon.canonical(folded)) if (hit[0].code, hit[1]) not in seen]
    return lexicon.kind_hits(folded) + extra


def category_scores(text: str, cues: bool = True) -> dict[str, float]:
    """Evidence per rulebook category code in ``text`` (from the words that say what happened alone when
    ``cues`` is false)."""
    scores: dict[str, float] = defaultdict(float)
    hits = _hits(text)
    causes = {kind.code for kind, _, is_event in hits if is_event}
    effects = frozenset().union(*(CONSEQUENCES.get(code, frozenset()) for code in causes))
    for kind, _word, is_event in hits:
        if kind.code in effects or not (cues or is_event):
            continue
        if kind.code in lexicon.NEUTRAL_KINDS:
            scores[kind.category] += TALK_WEIGHT
        elif kind.code == "gathering" and is_event:
            scores[kind.category] += GATHERING_WEIGHT
        else:
            scores[kind.category] += EVENT_WEIGHT if is_event else CUE_WEIGHT
    return scores


def suggest_category(text: str) -> str | None:
    """A rulebook category code (natural, accident, public_health, social_security) or ``None``."""
    if any(word in normalize(text) for word in DEBUNKED):
        return "social_security"
    scores = category_scores(text)
    if not scores:
        return _hinted(_without_places(normalize(text)))
    best = max(scores.values())
    tied = [c for c in CATEGORIES if scores.get(c) == best]
    if len(tied) > 1:
        # A word that says what happened outweighs hints of where (工人中毒 in a 化工 车间 is a poisoning);
        # then the category whose consequences are felt first (an accident before the talk about it).
        said = category_scores(text, cues=False)
        return max(tied, key=lambda c: said.get(c, 0.0))
    return tied[0]
