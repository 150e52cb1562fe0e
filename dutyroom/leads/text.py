"""Text normalisation and similarity for leads (pure: no Django, no database).

Watch-list matching and duplicate scoring must see "ＸＸ化工厂", "xx化工厂", "XX化\u200b工厂" and the
traditional "化工廠" as one string, or a sender can dodge a watch list with a different input method.
``normalize`` folds full-width forms to half-width (NFKC), letter case, traditional to simplified
characters (single-character table from zhconv, applied with ``str.translate`` only when one is there),
and drops zero-width and other invisible format characters. It keeps every other character, so match
offsets stay meaningful.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections import Counter
from functools import lru_cache

_INVISIBLE = {
    ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
}


@lru_cache(maxsize=1)
def _folding() -> tuple[frozenset[str], dict[str, str]]:
    """Traditional → simplified (one character to one character) and invisible characters → nothing.

    Returned as the set of characters to fold (``isdisjoint`` answers "nothing to do" for a text in C, which
    is the common case) and the table for ``str.translate`` (used only when something is to be done)."""
    table: dict[str, str] = {chr(code): "" for code in _INVISIBLE}
    try:
        import zhconv

        zhconv.zhconv.loaddict()
        for trad, simp in zhconv.zhconv.zhcdicts["zh2Hans"].items():
            if len(trad) == 1 and len(simp) == 1 and trad != simp:
                table[trad] = simp
    except (ImportError, KeyError, AttributeError):  # the table is an improvement, not a requirement
        pass
    return frozenset(table), table


@lru_cache(maxsize=1)
def _translation() -> dict[int, str]:
    return {ord(c): v for c, v in _folding()[1].items()}


def normalize(text: str) -> str:
    """Fold width (NFKC), case and traditional forms; drop invisible characters."""
    if text.isascii():
        return text.lower()
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if not _folding()[0].isdisjoint(text):
        text = text.translate(_translation())
    return text.lower()


# Planes where some character folds: the BMP, the supplementary symbols/letters, the compatibility ideographs.
_FOLD_RANGES = ((0, 0x20000), (0x2F800, 0x2FA20))
_HANGUL_JAMO = ((0x1100, 0x1200), (0xA960, 0xA980), (0xD7B0, 0xD800))


@lru_cache(maxsize=1)
def fold_chars() -> tuple[dict[str, str], frozenset[str]]:
    """Every character ``normalize`` changes when it stands alone (→ what it becomes), and the characters
    that change what stands *before* them (combining marks, second halves of canonical pairs, Hangul jamo).

    This lets the watch matcher skip ``normalize`` for a text that holds none of them that matter (see
    ``watch.WatchIndex``): the text is then already its own normal form as far as any term can tell.
    """
    folds: dict[str, str] = {}
    composers: set[str] = set()
    for lo, hi in _FOLD_RANGES:
        for code in range(lo, hi):
            if 0xD800 <= code < 0xE000:
                continue
            ch = chr(code)
            folded = normalize(ch)
            if folded != ch:
                folds[ch] = folded
            if unicodedata.combining(ch):
                composers.add(ch)
            decomposition = unicodedata.decomposition(ch)
            if decomposition and not decomposition.startswith("<"):
                parts = decomposition.split()
                if len(parts) == 2:
                    composers.add(chr(int(parts[1], 16)))
    for lo, hi in _HANGUL_JAMO:
        composers.update(chr(c) for c in range(lo, hi))
    return folds, frozenset(composers)


_NUMBER = re.compile(r"[0-9０-９一二三四五六七八九十百千万两几]+")
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def shingle_text(text: str) -> str:
    """The text duplicate scoring compares: normalised, numbers collapsed to one mark (a re-report with new
    figures is the same event), punctuation and spaces dropped."""
    folded = _NUMBER.sub("#", normalize(text))
    return _NOISE.sub("", folded)


def grams_of(shingles: str) -> Counter[str]:
    """Bigrams of an already shingled text (what a lead stores at intake, so scoring never re-normalises)."""
    if len(shingles) < 2:
        return Counter([shingles]) if shingles else Counter()
    return Counter(map(operator.add, shingles, shingles[1:]))


def cosine(a: Counter[str], b: Counter[str]) -> float:
    """Cosine of two bigram counts. Shared bigrams are found by a set intersection (in C) first: two
    unrelated reports share few or none, which is the common case when scoring hundreds of candidates."""
    if not a or not b:
        return 0.0
    common = a.keys() & b.keys()
    if not common:
        return 0.0
    dot = sum(a[g] * b[g] for g in common)
    norm = math.sqrt(sum(map(operator.mul, a.values(), a.values())) * sum(map(operator.mul, b.values(), b.values())))
    return dot / norm
