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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import rjieba

from dutyroom.leads import gazetteer, lexicon
from dutyroom.leads.text import normalize
from dutyroom.rules import WatchRule

# Words too common in incident and news text to say anything about a topic: pronouns, time words, generic
# verbs and adjectives (出现, 上升, 大量, 发生), the duty room's own vocabulary (情况, 处置, 核实).
_STOP_TEXT = """
我们 你们 他们 她们 它们 大家 自己 这个 那个 这些 那些 这样 那样 什么 怎么 为什么 没有 已经 目前 现在
今天 昨天 明天 今日 昨日 明日 前天 上午 下午 晚上 凌晨 中午 傍晚 夜间 小时 分钟 时许 当天 当日 近日 日前
记者 报道 消息 发生 出现 上升 下降 增加 减少 大量 大批 大片 很多 好多 许多 多个 多名 多处 部分 一些 一个
情况 有关 相关 进行 表示 可能 以及 其中 因为 所以 但是 如果 还是 或者 就是 这里 那里 这边 那边 时候 网友
网传 视频 图片 据悉 据了解 市民 群众 附近 周边 一带 方向 左右 目前为止 有人 多人 此事 该事 造成 导致 引发
要求 加强 开展 组织 工作 部门 有关部门 相关部门 单位 人员 工作人员 负责人 政府 处置 处理 核实 正在 仍在
已经 及时 迅速 立即 全力 积极 有效 严重 紧急 重大 较大 一般 特别 非常 比较 突然 突发 事件 事故 信息 报告
现场 情况 问题 原因 目前 暂无 没有 知道 看到 听说 好像 感觉 真的 据说 据称 疑似 怀疑 不明 发现 进入 赶到
未来 以上 以下 最高 最低 升至 降至 达到 超过 小于 大于 低于 高于 我市 本市 全市 防范 活动 期间 之后 之前
以来 其他 各地 各类 有序 全面 切实
网格 网格员 热线 来电 来电人 人家 拨打 报警 求助 反映 请求 通知 公告 希望 大概 应该 需要 不要 可以 还有
到场 已到 正在 介入 调查 了解 核查 跟进 关注 回应 提醒 注意 影响 地区 区域 地方 地点 位置 东西 事情
the and for with from that this
"""
# What a feed or a CAP message carries on every item, whatever happened: its fields, their values and the
# feed's own template words. They never say what a burst is about.
_BOILERPLATE_TEXT = """
发布 来源 原标题 原文 链接 转载 转发 评论 点赞 阅读 编辑 责任编辑 作者 版权 声明 点击 查看 详情 全文 附件
更新 取消 生效 失效 预警 预报 预警信号 警报 信号 级别 等级 类型 响应 措施 建议 指引 防御 预计 预期 观测
已观测 实际 确定 可能性 紧迫 紧急程度 严重程度 确定性 公开 发布单位 发布时间 区域描述 橙色 黄色 蓝色 红色
标题 正文 栏目 频道 首页 客户端 公众号 微博 微信 抖音 头条 热搜 话题 网页 网站 来自 分享 收藏 关注 粉丝
"""
STOPWORDS = frozenset(_STOP_TEXT.split()) | frozenset(_BOILERPLATE_TEXT.split())
_KEEP = re.compile(r"^[\u4e00-\u9fff]+$")  # a topic is named in Chinese: CAP's English fields never are topics
_NUMERIC = re.compile(r"^[\d.,%#一二三四五六七八九十百千万两几余多数]+$")


_TIME = re.compile(
    r"^(?:今天|昨天|明天|前天|今日|昨日|明日|当天|每天|天天)?(?:上午|下午|晚上|凌晨|中午|傍晚|早上|夜里)?$"
)


def is_noise(word: str) -> bool:
    """A word that never makes a hot word: too short, not Chinese, a figure, a time of day, a stop word or
    boilerplate."""
    return (
        len(word) < 2
        or not _KEEP.match(word)
        or bool(_NUMERIC.match(word))
        or word in STOPWORDS
        or bool(_TIME.match(word))
    )


def is_topic(word: str) -> bool:
    """Can ``word`` be what a burst is about? An event or what it happens to (a lexicon word, or a word built
    on one: 化工厂, 燃气管道) or a place the gazetteer knows."""
    if is_noise(word):
        return False
    return word in lexicon.event_words() or gazetteer.active().is_place(word) or bool(lexicon.word_spans(word))


# A feed's credits: the label and the name after it (来源：太仓日报, 责任编辑：王敏) say who, never what.
_CREDITS = re.compile(r"(?:来源|原标题|责任编辑|编辑|作者|记者|通讯员|摄影|审核|校对)[：:]\s*[^\s，。；;]{0,12}")
_GENERIC_HEAD = re.compile(r"^(?:发生|出现|造成|引发|导致|突发)(?=..)")


def _cut_out(text: str, spans: list[tuple[int, int, str]], seen: dict[str, None]) -> str:
    """Record the words found at ``spans`` and return the text with them cut out (so jieba does not cut
    them again into halves)."""
    pieces: list[str] = []
    last = 0
    for start, end, word in spans:
        pieces.append(text[last:start])
        last = end
        if not is_noise(word):
            seen.setdefault(word, None)
    pieces.append(text[last:])
    return "\n".join(pieces)


def words_of(title: str, text: str) -> list[str]:
    """The distinct topic words of one lead, in first-seen order: places as the gazetteer writes them
    (浏河新塘村 → 浏河镇, 新塘村), event words folded to one synonym (着火 → 起火), other words as jieba cuts them."""
    folded = _CREDITS.sub(" ", normalize(f"{title}\n{text}"))
    seen: dict[str, None] = {}
    rest = _cut_out(folded, [(s, e, p.written) for s, e, p in gazetteer.active().spans(folded)], seen)
    run = ""  # characters jieba left single: the lexicon may know them as a word (吊机, 电瓶车)
    for token in [*rjieba.cut(rest, False), ""]:  # dictionary words only: no guessed "有户", "组一"
        token = token.strip()
        if len(token) == 1:
            run += token
            continue
        if run:
            _cut_out(run, lexicon.word_spans(run), seen)
            run = ""
        word = lexicon.synonym_of(_GENERIC_HEAD.sub("", token))  # 发生爆炸 → 爆炸
        if not is_noise(word):
            seen.setdefault(word, None)
    return list(seen)


def hot_words(documents: Iterable[Iterable[str]], top: int) -> list[tuple[str, int]]:
    """The ``top`` words by the number of documents holding them (ties: alphabetical, for stable output)."""
    counts: Counter[str] = Counter()
    for words in documents:  # rows stored before the noise list grew are filtered here too
        counts.update(w for w in set(words) if not is_noise(w))
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


def stories(found: list[Burst], items: dict[str, set[int]], preferred: set[str], overlap: float = 0.5) -> list[Story]:
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


def _identity(text: str) -> str:
    return text


def _minutes_written(minutes: int, translate: Callable[[str], str]) -> str:
    if minutes % 1440 == 0:
        return translate("%(n)s天") % {"n": minutes // 1440}
    if minutes % 60 == 0:
        return translate("%(n)s小时") % {"n": minutes // 60}
    return translate("%(n)s分钟") % {"n": minutes}


def warning_why(
    topic: str,
    *,
    count: int,
    baseline: float,
    window_minutes: int,
    related: Iterable[str] = (),
    sensitive: bool = False,
    translate: Callable[[str], str] = _identity,
) -> str:
    """Why a warning fired, in the words a duty officer reads: what, how many, against what usual.
    ``translate`` is the caller's gettext (this module stays free of Django)."""
    values = {
        "topic": topic,
        "count": count,
        "span": _minutes_written(window_minutes, translate),
        "usual": f"{baseline:.1f}".rstrip("0").rstrip("."),
    }
    if sensitive:
        why = translate("关注词“%(topic)s”在敏感期内被%(count)s条线索提到，敏感期内一经命中即预警") % values
    elif baseline <= 0:
        why = translate("近%(span)s有%(count)s条线索说到“%(topic)s”，此前各时段都没有") % values
    else:
        why = translate("近%(span)s有%(count)s条线索说到“%(topic)s”，此前平均每%(span)s约%(usual)s条") % values
    others = [t for t in related if t != topic][:5]
    if others:
        why += translate("；同时增多：%(topics)s") % {"topics": "、".join(others)}
    return why + translate("。")
