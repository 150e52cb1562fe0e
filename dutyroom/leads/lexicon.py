"""The event-type lexicon: how people name what happened, tied to the rulebook's categories and subtypes.

One table serves three readers: duplicate scoring (two reports of different kinds of event are not one
event), the category suggested for a lead's incident form, and hot words (an event word is a topic, a
generic verb is not). Words are written as residents, grid workers, hotline operators and the press write
them — 着火/起火/失火, 煤气/燃气/液化气, 撞/相撞/追尾 — and ``canonical`` folds each family of synonyms to
one form so that character bigrams of two wordings meet. Pure: no Django, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from dutyroom.leads.text import normalize


@dataclass(frozen=True)
class Kind:
    """One kind of event: the rulebook category and subtype it belongs to, the words that say it happened
    (``words``) and words that only hint at the category (``cues``: a 食堂 is where poisoning happens, but a
    canteen fire is a fire). Both count for the category; only ``words`` tell two events apart."""

    code: str
    category: str
    subtype: str
    words: tuple[str, ...]
    cues: tuple[str, ...] = ()


KINDS_FILE = Path(__file__).resolve().parent / "data" / "kinds.txt"


def read_kinds(text: str) -> tuple[Kind, ...]:
    """The kinds of ``data/kinds.txt`` (its header says the format). The vocabulary is data that people who
    know how a city's residents write keep up to date, so it lives in a file, not in code."""
    kinds: list[Kind] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" ")
        if head == "kind":
            code, category, subtype = rest.split()
            kinds.append(Kind(code, category, subtype, ()))
        elif head in ("words:", "cues:") and kinds:
            listed = tuple(w.strip() for w in rest.split(",") if w.strip())
            kinds[-1] = replace(kinds[-1], words=listed) if head == "words:" else replace(kinds[-1], cues=listed)
        else:
            raise ValueError(f"{KINDS_FILE.name} line {number}: {raw!r}")
    return tuple(kinds)


KINDS: tuple[Kind, ...] = read_kinds(KINDS_FILE.read_text(encoding="utf-8"))

# Kinds that stand side by side in one account of one event (a gas explosion burns; a boat sinks and its crew
# go missing), so their pairing is no contradiction. ``opinion`` (网传, 舆情) is about how an event is talked
# of, never a different event, so it is compatible with every kind.
_COMPATIBLE = (
    "fire explosion",
    "fire leak",
    "explosion leak",
    "fire air_pollution",
    "fire traffic",
    "leak traffic",
    "leak air_pollution",
    "drowning vessel",
    "drowning missing",
    "vessel missing",
    "collapse fall",
    "collapse lift",
    "fall lift",
    "collapse vessel",
    "flood storm",
    "storm utility",
    "flood utility",
    "collapse utility",
    "traffic utility",
    "poisoning infection",
    "poisoning leak",
    "animal infection",
    "heat storm",
    "gathering air_pollution",
    "gathering water_pollution",
    "gathering crowd",
    "gathering noise",
    "crime gathering",
    "traffic drowning",
    "collapse traffic",
    "collapse storm",
    "collapse flood",
    "fall traffic",
    "traffic vessel",
    "missing traffic",
    "leak water_pollution",
    "leak utility",
    "heat poisoning",
    "collapse machinery",
    "machinery traffic",
    "fall machinery",
    "confined poisoning",
    "confined water_pollution",
    "confined drowning",
    "electric utility",
    "electric fire",
    "storm traffic",
    "storm fall",
    "storm lift",
    "earthquake collapse",
    "pest infection",
    "pest animal",
    "flood drowning",
    "lift crowd",
    "gathering traffic",
)
COMPATIBLE: frozenset[frozenset[str]] = frozenset(frozenset(pair.split()) for pair in _COMPATIBLE)
NEUTRAL_KINDS = frozenset({"opinion"})
# Kinds whose reports name more than one kind of site by nature, so two kinds of site are no contradiction: a
# typhoon or a flood reaches fields, homes and shops alike; an odour from a plant is smelt in the homes around;
# a missing schoolgirl is found in a net café.
MANY_SITES = frozenset({"storm", "flood", "earthquake", "air_pollution", "missing"})
# Pairs of kinds that are two views of one happening rather than two things that happened together: what an
# onlooker sees and what the authority names it (呕吐 / 诺如病毒, 异味 / 泄漏, 落水 / 翻船, 找不到 / 落水, 大棚塌了 /
# 台风, 摔下来 / 扶梯逆行).
VIEWS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair.split())
    for pair in (
        "poisoning infection",
        "animal infection",
        "leak air_pollution",
        "drowning vessel",
        "drowning missing",
        "vessel missing",
        "flood storm",
        "confined poisoning",
        "heat poisoning",
        "collapse storm",
        "fall lift",
    )
)


def kinds_are_views(a: frozenset[str], b: frozenset[str]) -> bool:
    """Do two reports name different kinds that are views of one happening (``VIEWS``)?"""
    a, b = a - NEUTRAL_KINDS, b - NEUTRAL_KINDS
    return bool(a and b and not (a & b)) and any(frozenset((x, y)) in VIEWS for x in a for y in b)


# An announcement, a drill, an inspection, a forecast or a debunked rumour is about a topic, not an occurrence
# of it: a resident who sees the drill (演习), the inspectors (来检查) or the road closures (管制) writes about
# the same non-event as the unit's notice does.
NOTICE_WORDS: tuple[str, ...] = (
    "演练",
    "演习",
    "公告",
    "通告",
    "培训",
    "宣传",
    "检验",
    "年检",
    "体检",
    "隐患排查",
    "巡逻",
    "专项",
    "听证",
    "预警",
    "安全提示",
    "安全教育",
    "整治",
    "查处",
    "夜查",
    "改造",
    "交通管制",
    "禁烧",
    "召开",
    "计划停",
    "计划检修",
    "检修停",
    "辟谣",
    "谣言",
    "不实",
    "是假的",
    "旧闻",
    "旧视频",
    "伪造",
    "谣传",
    "虚惊一场",
    "还以为",
    "误认为",
    "误报",
    "与本地无关",
    "非本地",
    "防范",
    "座谈会",
    "工作方案",
)
# Words that are a notice only in a notice's phrasing: 关于…的通知 / 通知来了, not 已通知环保部门 or 学校通知
# 去医院; an inspection, not what one found after the event (现场检查发现, 经120检查无异常); 预计未来6小时 (a
# forecast), not 预计晚上恢复 (a real outage's press line); 会议 held, not 会议室.
_NOTICE_PHRASES = re.compile(
    r"(?<!经)检查(?!井|发现|无|后|结果|显示)|的通知|通知[：:]|(?:停水|停电|停气)通知|通知来了|发布[^，。]{0,12}通知"
    r"|预计(?:未来|今天|明天|今夜|后天)|会议(?!室)"
)

# How people pass a notice on in their own words: a rule (不许, 不让, 禁止), advice (记得, 提前, 建议), a warning
# of what is coming (要来了, 下周), an inspection seen from below (来查, 迎检, 劝导), a screening or a rumour
# asked about (真的假的, 都在传), what a campaign does to people (被罚, 被拍, 贴了封条), road works (修路, 在挖),
# a denial passed on (别转了).
# A post in these words may be about the notice a unit issued, so one text being a notice and the other not
# says less when the other talks so (``is_advisory``). Never marks a notice itself.
_ADVISORY = re.compile(
    r"不许|不让|不准|禁止|严禁|记得|提前|建议|要来了|注意了|提醒|下周|下个月|迎检|来查|在查|查车|劝导|整改"
    r"|真的假的|真的吗|都在传|都在转|群里|筛查|公布|出来了|月报|新装|装了|预计|(?<!消)防(?:蚊|撞|溺水|暑|盗|诈|骗|范)"
    r"|要查|严查|又查|被罚|罚款|被拍|贴了|修路|在挖|别转|别乱转|不要转"
)


def is_advisory(text: str) -> bool:
    """Does ``text`` talk the way people pass a notice, a campaign or a forecast on (see ``_ADVISORY``)?"""
    return _ADVISORY.search(normalize(text)) is not None


# Synonym families folded to one written form before character bigrams are compared. Longest match wins,
# so 液化气罐 is folded as a whole before 液化气 would be.
_CANON: dict[str, tuple[str, ...]] = {
    "起火": ("着火", "失火", "著火", "烧起来", "燃起来", "火灾", "火警", "冒火", "烧着"),
    "燃气": ("煤气", "液化气", "天然气", "然气", "燃汽", "液化石油气", "液化气罐", "煤气罐", "液化气钢瓶", "钢瓶"),
    "爆炸": ("炸了", "爆燃", "闪爆", "炸开"),
    "泄漏": ("泄露", "洩漏", "漏气", "漏了", "外泄", "渗漏", "漏出", "往外漏", "漏东西"),
    "相撞": (
        "撞车",
        "撞了",
        "撞一起",
        "碰撞",
        "追尾",
        "撞上",
        "撞到",
        "撞倒",
        "撞飞",
        "撞击",
        "相碰",
        "刮擦",
        "剐蹭",
        "碰擦",
        "擦碰",
        "撞",
    ),
    "侧翻": ("翻车", "翻了"),
    "坍塌": ("倒塌", "垮塌", "塌方", "塌了", "倒了", "倾覆", "塌下来", "垮了", "蹋方", "踏方", "蹋了"),
    "落水": ("溺水", "掉河里", "掉下去", "掉水里", "掉进河", "坠河", "跌入河"),
    "走失": ("走丢", "不见了", "走散", "找不到", "失联"),
    "讨薪": ("要工资", "要工钱", "讨要欠薪", "欠薪", "拖欠工资", "讨工资", "讨要工资"),
    "腹泻": ("拉肚子", "上吐下泻"),
    "发热": ("发烧",),
    "商铺": ("商店", "店铺", "门店", "铺子"),
    "沉没": ("沉了", "翻沉", "沉船"),
    "死鱼": ("鱼全死了", "鱼死了", "鱼都死了", "死了好多鱼", "死了很多鱼"),
    "尸体": ("浮尸", "遗体"),
    "坠落": ("下坠", "摔下来", "掉下来"),
    "停电": ("没电", "断电", "没有电"),
    "积水": ("内涝", "淹水", "被淹", "淹了", "水漫"),
    "爆管": ("水管爆", "管道破裂", "水管破裂", "爆裂"),
    "饭店": ("餐馆", "饭馆", "餐饮店", "小吃店", "面馆", "餐饮场所", "餐厅"),
    "起重机": ("吊机", "门座式起重机"),
    "儿童": ("小孩", "男童", "女童", "孩子", "小朋友", "男孩", "女孩"),
    "老人": ("老年人", "八旬老人", "老太", "老头"),
    "居民楼": ("民房", "住宅", "楼房", "居民家", "住户"),
    "企业": ("工厂", "厂里", "厂房", "公司", "厂子", "厂家"),
    "工人": ("民工", "农民工", "职工", "员工"),
    "受伤": ("伤了", "轻伤", "重伤", "烧伤", "伤者"),
    "死亡": ("没了", "身亡", "遇难", "丧生", "去世", "不治", "死"),
    "送医": ("送医院", "送往医院", "120"),
    "消防": ("119", "消防车", "消防员", "消防队"),
    "警方": ("民警", "警察", "110", "公安", "派出所"),
    "货车": ("大货车", "卡车", "渣土车", "半挂车"),
    "电动车": ("电瓶车", "电动自行车", "电驴"),
    "轿车": ("小车", "小汽车", "私家车"),
    # a person who faints or slips has not "fallen down" like a wall (倒了 → 坍塌)
    "晕倒": ("晕倒了", "昏倒", "昏倒了", "晕过去", "昏过去"),
    "摔倒": ("摔倒了", "跌倒", "跌倒了", "滑倒", "滑倒了"),
}

# Where it happened, by the kind of place: a gas leak in a restaurant and a leak at a chemical plant of one
# town are two events, however alike the words; so are a house fire and a haystack fire in one village. Two
# reports that both name a kind of site and share none are seldom one event (``sites_of``).
SITES: dict[str, tuple[str, ...]] = {
    "home": ("居民楼", "民房", "住宅", "楼房", "住户", "平房", "家中", "楼道", "居民家", "小区", "自建房"),
    "eatery": (
        "饭店",
        "餐馆",
        "饭馆",
        "餐厅",
        "烧烤店",
        "小吃店",
        "面馆",
        "火锅店",
        "后厨",
        "餐饮店",
        "快餐店",
        "餐饮场所",
    ),
    "nightlife": ("ktv", "酒吧", "娱乐场所", "网吧", "夜总会"),
    "plant": ("企业", "厂", "车间", "储罐"),
    "school": ("学校", "小学", "中学", "幼儿园", "学生", "校园", "高中", "初中"),
    "care_home": ("养老院", "敬老院", "福利院", "护理院"),
    "field": ("农田", "稻草", "田里", "田头", "秸秆", "麦田", "稻田", "草垛", "草堆"),
    "building_site": ("工地", "在建", "脚手架", "基坑", "塔吊"),
    "market": ("菜场", "菜市场", "商场", "超市", "农贸市场", "商铺"),
    "warehouse": ("仓库", "库房", "物流园", "堆场"),
}

# What a gathering is about: unpaid wages, land taken or homes pulled down, a flat sold and not delivered, savings
# lost to a firm. Workers who want their wages and villagers who petition over compensation at one town hall are
# two gatherings, however alike the words (``grievances_of``).
GRIEVANCES: dict[str, tuple[str, ...]] = {
    "wages": ("讨薪", "欠薪", "工资", "工钱", "劳资"),
    "land": ("拆迁", "动迁", "补偿", "安置", "征地"),
    "homes": ("业主", "交房", "房屋质量", "开发商", "烂尾"),
    "savings": ("理财", "集资", "兑付", "存款", "投资"),
}

_FIGURE = re.compile(r"([0-9]+|[一二三四五六七八九十百两几]+)(?:个|名|位)?(?=人)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int | None:
    """二十三 → 23, 两 → 2, 十 → 10; ``None`` for what is not a plain figure (几, 百余) or is a range people
    write as one word (三四十 for thirty or forty, 十五六, 五六)."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def figures(text: str) -> str:
    """Figures of people written one way: 两人, 两个人, 二人, 2名 → 2人 (the press writes digits, residents don't)."""

    def one(match: re.Match[str]) -> str:
        number = chinese_number(match.group(1))
        return f"{number}" if number is not None else match.group(1)

    return _FIGURE.sub(one, text)


@lru_cache(maxsize=1)
def _canon_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    surfaces: list[str] = []
    targets: list[str] = []
    for target, words in _CANON.items():
        for word in (target, *words):  # the target itself too, so 相撞 is not read as 相 + 撞
            surfaces.append(word)
            targets.append(target)
    return ahocorasick_rs.AhoCorasick(surfaces, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST), targets


# Who passed the report on, not what happened: 【太仓发布】, 网格员报：, 热线来电：, 110转来：, 来电人称.
_SOURCE = re.compile(
    r"【[^】]{0,10}】|^[^，。：:]{0,10}?(?:报|来电|转来|通报|反映)[：:]|来电人?称|群众来电|网友称|据悉|记者"
)


def canonical(text: str) -> str:
    """Normalised text without its source line, figures written as digits, each synonym family one way."""
    folded = figures(_SOURCE.sub(" ", normalize(text).strip()))
    automaton, targets = _canon_automaton()
    out: list[str] = []
    last = 0
    for index, start, end in automaton.find_matches_as_indexes(folded):
        out.append(folded[last:start])
        out.append(targets[index])
        last = end
    out.append(folded[last:])
    return "".join(out)


@lru_cache(maxsize=1)
def _kind_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[tuple[Kind, bool]]]:
    surfaces: list[str] = []
    owners: list[tuple[Kind, bool]] = []
    for kind in KINDS:
        for words, is_event in ((kind.words, True), (kind.cues, False)):
            for word in words:
                surfaces.append(word)
                owners.append((kind, is_event))
    return ahocorasick_rs.AhoCorasick(surfaces), owners


def kind_hits(text: str) -> list[tuple[Kind, str, bool]]:
    """Every (kind, word, says-it-happened) in the normalised ``text``, in order of appearance. A word inside a
    longer one is the longer one's: 淹死 is a drowning, not also a flood (淹)."""
    automaton, owners = _kind_automaton()
    spans = automaton.find_matches_as_indexes(text, overlapping=True)
    return [
        (owners[i][0], text[s:e], owners[i][1])
        for i, s, e in spans
        if not any(s2 <= s and e <= e2 and e2 - s2 > e - s for _, s2, e2 in spans)
    ]


def kinds_of(text: str) -> frozenset[str]:
    """The kinds of event ``text`` says happened (cues alone name none)."""
    return frozenset(kind.code for kind, _, is_event in kind_hits(normalize(text)) if is_event)


def kinds_and_hints(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The kinds ``text`` says happened, and the kinds only its cues point to (119 and 云梯车 to a fire, 电梯 to a
    lift): a report that names no event may still be about the one another report names."""
    hits = kind_hits(normalize(text))
    kinds = frozenset(kind.code for kind, _, is_event in hits if is_event)
    return kinds, frozenset(kind.code for kind, _, is_event in hits if not is_event) - kinds


# A unit's report of an event (首报, 续报, a duty log) is about what happened, whatever campaign or plan it
# mentions on the way; and some notice words belong to the response to one event, not to a notice: a plan
# started for it (启动专项预案), an inspection somebody asks for (要求市场监管部门检查), one a unit made after a
# complaint (已对周边两家企业开展突击检查), a lift sent for testing after it failed (委托检验机构), the road closed
# at the scene (该路段实施交通管制).
_REPORTED = re.compile(r"首报|续报|终报|值班记录")
_RESPONSE = re.compile(
    r"专项预案|(?:要求|请求|希望)[^，。；,;]{0,10}检查|已对[^，。；,;]{0,20}(?:开展|进行)[^，。；,;]{0,4}检查"
    r"|委托检验|(?:已|现场|该路段)实施交通管制"
)


def is_notice(text: str) -> bool:
    folded = normalize(text)
    if _REPORTED.search(folded):
        return False
    folded = _RESPONSE.sub("", folded)
    return any(word in folded for word in NOTICE_WORDS) or _NOTICE_PHRASES.search(folded) is not None


DRILL_WORDS = ("演练", "演习", "模拟")


def is_drill(text: str) -> bool:
    """A drill or exercise: 演练, 演习, 模拟 (a strong, unmistakable kind of notice)."""
    folded = normalize(text)
    return any(word in folded for word in DRILL_WORDS)


def kinds_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Could two reports naming these kinds describe one event? Unknown on either side: yes."""
    a, b = a - NEUTRAL_KINDS, b - NEUTRAL_KINDS
    if not a or not b or a & b:
        return True
    return any(frozenset((x, y)) in COMPATIBLE for x in a for y in b)


@lru_cache(maxsize=1)
def event_words() -> frozenset[str]:
    """Every word of the lexicon in its canonical form: a hot word may be one of these."""
    return frozenset(word for kind in KINDS for word in (*kind.words, *kind.cues)) | frozenset(_CANON)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    return {word: target for target, words in _CANON.items() for word in words if len(word) >= 2}


def synonym_of(word: str) -> str:
    """One word written as its synonym family's form (着火 → 起火); any other word unchanged."""
    return _synonyms().get(word, word)


@lru_cache(maxsize=1)
def _word_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    words = sorted({w for w in event_words() | frozenset(_synonyms()) if len(w) >= 2 and not w.isascii()})
    return ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST), words


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, word as its synonym family writes it) for each lexicon word in a normalised ``text``:
    the lexicon knows words a general dictionary splits (吊机, 电瓶车)."""
    automaton, words = _word_automaton()
    return [(s, e, synonym_of(words[i])) for i, s, e in automaton.find_matches_as_indexes(text)]


@lru_cache(maxsize=1)
def _site_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    surfaces: list[str] = []
    owners: list[str] = []
    for site, words in SITES.items():
        surfaces += words
        owners += [site] * len(words)
    return ahocorasick_rs.AhoCorasick(surfaces), owners


@lru_cache(maxsize=1)
def _grievance_automaton() -> tuple[ahocorasick_rs.AhoCorasick, list[str]]:
    surfaces: list[str] = []
    owners: list[str] = []
    for matter, words in GRIEVANCES.items():
        surfaces += words
        owners += [matter] * len(words)
    return ahocorasick_rs.AhoCorasick(surfaces), owners


def grievances_of(text: str) -> frozenset[str]:
    """What a gathering in a normalised ``text`` is about (``GRIEVANCES``)."""
    automaton, owners = _grievance_automaton()
    return frozenset(owners[i] for i, _, _ in automaton.find_matches_as_indexes(text, overlapping=True))


def sites_of(text: str) -> frozenset[str]:
    """The kinds of place (``SITES``) a normalised ``text`` names."""
    automaton, owners = _site_automaton()
    return frozenset(owners[i] for i, _, _ in automaton.find_matches_as_indexes(text, overlapping=True))


# A building of an estate by its number (12幢, 27号楼, 8、9幢), or a motorway's kilometre post (K28+300): two
# fires in one estate on one evening, in building 12's stairwell and in building 27's garage, are two events,
# though every other word of them meets; so are two crashes at K28 and K32.
_BUILDING = re.compile(r"((?:\d{1,3}\s*(?:幢|栋|号楼)?\s*[、,和及]\s*)*\d{1,3})\s*(?:幢|栋|号楼)")
_KILOMETRE = re.compile(r"(?<![a-z])k(\d{1,4})(?!\d)")


def buildings_of(text: str) -> frozenset[str]:
    """The building numbers and kilometre posts a normalised ``text`` names, as written without leading zeros
    (``k28`` for a kilometre post)."""
    buildings = {str(int(n)) for match in _BUILDING.finditer(text) for n in re.findall(r"\d{1,3}", match.group(1))}
    return frozenset(buildings | {f"k{int(match.group(1))}" for match in _KILOMETRE.finditer(text)})


# A time of day as units and the press write it (8时05分, 14时许, 19:40): two reports from one crossing that say
# 8时05分 and 11时20分 are two crashes. Only the 24-hour forms: 7点 may be morning or evening.
_CLOCK = re.compile(r"(?<![\d.-])([01]?\d|2[0-3])(?:时(?:([0-5]\d)分)?|:([0-5]\d))(?![\d])")


def clock_minutes(text: str) -> frozenset[int]:
    """The times of day a normalised ``text`` names, as minutes after midnight."""
    return frozenset(int(m.group(1)) * 60 + int(m.group(2) or m.group(3) or 0) for m in _CLOCK.finditer(text))
