"""The watch matcher skips normalising a text that needs none; its answer must not change because of it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import ahocorasick_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from dutyroom.leads.text import normalize
from dutyroom.leads.watch import Term, index_of

# Simplified and traditional forms, full-width letters and digits, invisible and combining characters,
# Greek capitals (sigma's lower case depends on its neighbours), Hangul jamo and compatibility forms.
ALPHABET = list(
    "化工厂廠爆炸发發生网網传傳火灾災沙溪浏河镇鎮码头頭台风颱風"
    "pxPXＰＸｐｘ2２５．.,，eé\u0301\u200b\u200d\ufeff\u00adΣσςΑα"
    "\u1100\u1161\u11a8가㈱株()（）ﾊﾟパｶﾞガﬁfiⅫxii①1"
)
TERMS = [
    "化工厂",
    "网传",
    "PX项目",
    "台风",
    "码头",
    "沙溪镇",
    "pm2.5",
    "café",
    "ας",
    "가",
    "(株)",
    "パ",
    "ee",
    "ガ",
    "fi",
    "xii",
    "1化",
]


def reference(terms: list[str], text: str) -> Counter[int]:
    """What the matcher must answer: normalise the text, then match every (overlapping) occurrence."""
    automaton = ahocorasick_rs.AhoCorasick([normalize(t) for t in terms])
    return Counter(i for i, _s, _e in automaton.find_matches_as_indexes(normalize(text), overlapping=True))


INDEX = index_of([Term(i, t, "keyword", None, None) for i, t in enumerate(TERMS)])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=40).map("".join))
def test_matching_raw_text_answers_as_if_it_had_been_normalised(text):
    assert INDEX.match(text) == reference(TERMS, text)


def test_traditional_full_width_and_invisible_spellings_hit_the_simplified_term():
    at = datetime.now(UTC)
    for text in ("網傳化工廠爆炸", "网传化\u200b工厂爆炸", "ＰＸ項目", "颱風", "沙溪鎮碼頭"):
        assert INDEX.scan(text, at), text
    hits = {h.term.term: h.count for h in INDEX.scan("化工厂，化工廠，化工\ufeff厂", at)}
    assert hits == {"化工厂": 3}


def test_a_plain_simplified_text_is_matched_without_normalising(monkeypatch):
    from dutyroom.leads import watch

    def refuse(text: str) -> str:
        raise AssertionError("normalised a text that needed no normalising")

    monkeypatch.setattr(watch, "normalize", refuse)
    assert INDEX.match("沙溪镇码头附近化工厂，台风天") == Counter({5: 1, 4: 1, 0: 1, 3: 1})
