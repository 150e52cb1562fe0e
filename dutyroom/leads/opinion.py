"""Hot words and bursts (舆情热词、突发性话题) — pure: no Django, no database, ``now`` never read here.

- **Words**: each lead's title and text, normalised, segmented with jieba (rjieba, its Rust binding), kept
  when two or more characters long, not a number, not punctuation and not a stop word. A lead stores its
  distinct words at intake (``Lead.words``), so a window's hot words are a count over stored rows.
- **Hot words** of a window: the words found in the most leads (document frequency, not raw repeats:
  one long article repeating a word must not make it hot).
- **Bursts**: per topic (a watch term or a word), the count of leads in the window ending now against
  λ, the mean count in the ``baseline_windows`` windows before it; Poisson z = (count − λ) / √(λ + 1).
  A topic bursts when count ≥ ``min_items`` and z ≥ ``z`` (rulebook ``leads.watch``). The +1 keeps a
  topic never seen before from bursting on two items; ``min_items`` keeps small numbers quiet.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import rjieba

from dutyroom.leads.text import normalize
from dutyroom.rules import WatchRule

# Words too common in incident and news text to say anything about a topic.
_STOP_TEXT = """
我们 你们 他们 她们 这个 那个 这些 那些 什么 怎么 没有 已经 目前 现在 今天 昨天
明天 上午 下午 晚上 凌晨 记者 报道 消息 发生 情况 有关 相关 进行 表示 可能 一个
一些 以及 其中 因为 所以 但是 如果 还是 或者 就是 这里 那里 时候 网友 网传 视频
图片 据悉 据了解 市民 群众 附近 左右 目前为止 有人 多人 此事 该事 the and for with
from that this
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_KEEP = re.compile(r"^[\w\u4e00-\u9fff]+$")
_NUMERIC = re.compile(r"^[\d.,%#一二三四五六七八九十百千万两几余多]+$")


def words_of(title: str, text: str) -> list[str]:
    """The distinct topic words of one lead, in first-seen order."""
    seen: dict[str, None] = {}
    for word in rjieba.cut(normalize(f"{title}\n{text}")):
        word = word.strip()
        if len(word) >= 2 and _KEEP.match(word) and not _NUMERIC.match(word) and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)


def hot_words(documents: Iterable[Iterable[str]], top: int) -> list[tuple[str, int]]:
    """The ``top`` words by the number of documents holding them (ties: alphabetical, for stable output)."""
    counts: Counter[str] = Counter()
    for words in documents:
        counts.update(set(words))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


@dataclass(frozen=True)
class Burst:
    topic: str
    count: int
    baseline: float
    z: float


def z_score(count: int, baseline: float) -> float:
    return (count - baseline) / math.sqrt(baseline + 1)


def bursts(current: Counter[str], history: list[Counter[str]], rule: WatchRule) -> list[Burst]:
    """Topics bursting in the current window, strongest first. ``history`` holds the counts of the
    ``rule.baseline_windows`` windows before it (fewer at the start of time: missing ones count as 0)."""
    windows = max(rule.baseline_windows, 1)
    found = []
    for topic, count in current.items():
        if count < rule.min_items:
            continue
        baseline = sum(window.get(topic, 0) for window in history[:windows]) / windows
        z = z_score(count, baseline)
        if z >= rule.z:
            found.append(Burst(topic, count, round(baseline, 3), round(z, 2)))
    return sorted(found, key=lambda b: (-b.z, b.topic))


@dataclass(frozen=True)
class Story:
    """Bursts that are one story: the leading burst, the topics that burst with it, the leads behind it."""

    burst: Burst
    related: tuple[str, ...]
    items: frozenset[int]


def stories(found: list[Burst], items: dict[str, set[int]], preferred: set[str],
            overlap: float = 0.5) -> list[Story]:
    """Group bursts that share most of their leads (one news story bursts in many of its words at once),
    so the duty room gets one warning per story. A watch term (``preferred``) leads its story, then the
    strongest burst; a burst joins a story when at least ``overlap`` of the smaller item set is shared."""
    ordered = sorted(found, key=lambda b: (b.topic not in preferred, -b.z, -b.count, -len(b.topic), b.topic))
    groups: list[tuple[Burst, list[str], frozenset[int]]] = []
    for burst in ordered:
        mine = frozenset(items.get(burst.topic, ()))
        for _lead, related, theirs in groups:
            if mine and len(mine & theirs) >= overlap * min(len(mine), len(theirs)):
                related.append(burst.topic)
                break
        else:
            groups.append((burst, [], mine))
    return [Story(lead, tuple(related), theirs) for lead, related, theirs in groups]
