"""Place names in leads, read against what the installation knows: its unit tree and its places file.

A resident writes 浏河新塘村, a grid worker 浏河镇新塘村12组, the press 太仓浏河; an official title names the
town by its unit. The gazetteer turns each into the same keys — the town (by unit code), the village, road or
landmark, the city — so duplicate scoring can tell "same village" from "next town" and "another city", and a
hot word can be known as a place. Built from rows (pure: no Django here); ``dedup.installation_gazetteer``
feeds it the unit tree, and ``data/places.txt`` adds villages, roads and the neighbouring cities.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick_rs

from dutyroom.leads.text import normalize

PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.txt"
_UNIT_SUFFIXES = (
    "人民政府值班室",
    "人民政府",
    "管理委员会",
    "管委会",
    "办事处",
    "村民委员会",
    "居民委员会",
    "村委会",
    "居委会",
)
_SHORT_SUFFIXES = ("街道", "镇", "乡", "区", "市")
TOWN_KINDS = frozenset({"town", "zone", "subdistrict", "child_city"})
SKIP_KINDS = frozenset({"grid", "department", "duty_room", "enterprise"})


@dataclass(frozen=True)
class Place:
    """What a name points at. ``level``: city, town, local (village, community, road or landmark inside a
    town), road (across towns) or outside (another city's place). ``town`` is a unit code for our towns,
    the name for another city's; ``city`` is the city's name."""

    name: str
    level: str
    town: str | None
    city: str
    label: str = ""  # how the place is written in Chinese (浏河镇 for the unit code liuhe)

    @property
    def written(self) -> str:
        return self.label or self.name


@dataclass(frozen=True)
class PlaceKeys:
    """The places one text names, as keys two texts can be compared on."""

    cities: frozenset[str] = frozenset()
    towns: frozenset[str] = frozenset()
    locals: frozenset[str] = frozenset()  # villages, communities, landmarks
    streets: frozenset[str] = frozenset()  # roads, streets, bridges (one event may name a street and a village)

    def tokens(self) -> list[str]:
        return (
            [f"c:{c}" for c in sorted(self.cities)]
            + [f"t:{t}" for t in sorted(self.towns)]
            + [f"l:{p}" for p in sorted(self.locals)]
            + [f"s:{p}" for p in sorted(self.streets)]
        )

    @classmethod
    def of_tokens(cls, tokens: Iterable[str]) -> PlaceKeys:
        found: dict[str, set[str]] = {"c": set(), "t": set(), "l": set(), "s": set()}
        for token in tokens:
            if token[1:2] == ":" and token[0] in found:
                found[token[0]].add(token[2:])
        return cls(*(frozenset(found[k]) for k in "ctls"))


_STREET = re.compile(
    r"([\u4e00-\u9fff]{1,5}?)(中路|东路|西路|南路|北路|大道|大街|路|街)(?![\u4e00-\u9fff]{0,1}(?:口|边|旁|上|段))?"
)
# Characters a street's name does not hold but the words before it do (来电人称太平北路, 交警把路封了).
_STREET_CUT = re.compile(
    r".*[镇区市县在的于近边至从一家了与及那这段号条处到往向沿似址点靠称把看多封洼分落我被让对和跟好]"
)
_STREET_ENDS = ("路", "街", "大道", "桥")
_STREET_SUFFIX = re.compile(r"(?:中路|东路|西路|南路|北路|大道|大街|路|街)(?!上|边|面|段|口)")
_NOT_STREET = frozenset(
    {"道", "马", "公", "铁", "线", "水", "门", "网", "出", "思", "进", "让", "带", "拦", "走", "找", "多处道"}
)


# A village or community nobody listed (新闸村, 印溪社区): two characters before 村 or 社区, unless they are
# a stand-in (某村, 我们村, 另一村) or the word is about villagers (村民, 村委).
_VILLAGE = re.compile(r"([\u4e00-\u9fff]{2})(村|社区)(?![民委里口])")
# 路 and 街: the community is named after its street (白云路社区), and the street is read as one; 进: a campaign
# that goes into the communities (宣传进社区) names none.
_NOT_VILLAGE = re.compile(r"[某我们一另部分受灾在农业个多这那该本全各邻每其的了和与及到是有路街进]|新$")


def village_names(segment: str) -> set[str]:
    """Villages and communities the unit tree and the places file do not list: a town has hundreds, and two
    reports from two villages of one town are seldom one event."""
    return {m.group(0) for m in _VILLAGE.finditer(segment) if not _NOT_VILLAGE.search(m.group(1))}


# An expressway nobody listed, by its usual two-character name (沈海高速, 沪宁高速): a fire on one is not a fire
# on the other, though both are "the motorway, Taicang section".
# Not where it happened: the way the traffic runs (往上海方向), and a list of places an event reached
# (江苏、上海多地有震感, 苏州、昆山等地).
_DIRECTION = re.compile(
    r"(?:往|向|朝|开往|驶往)[^,，。;；]{1,8}?方向|(?:[\u4e00-\u9fff]{2,4}[、和及])+[\u4e00-\u9fff]{2,4}(?:多地|等地|各地|等城市)"
)
_HIGHWAY = re.compile(r"([\u4e00-\u9fff]{2})高速")
_NOT_HIGHWAY = frozenset({"上了", "走了", "下了", "在这", "那个", "这个", "就是", "一条", "上的", "城际", "全是"})
# Characters no expressway's short name holds but the words before 高速 do (下雪高速封了, 受降雪影响高速封闭).
_NOT_HIGHWAY_CHARS = re.compile(r"[雪雨雾冰风响了的是被因受在]")


# A name does not end so before 路: 线路 (a line), 早上路上, 排查路面, 压住路边, 过马路, 公路, 铁路; nor in a verb
# of the road or of going (走路, 跑路 for a boss who absconds, 修路, 堵路, 封路, 挡路, 带路), nor in a side
# (路口东侧路面).
_NOT_STREET_END = ("道", "马", "公", "线", "上", "查", "住", "铁", "过", "走", "跑", "修", "堵", "封", "挡", "带", "侧")
# When it was, not where: 今天白云路, 刚才太平路.
_TIME_WORDS = re.compile(
    r".*(?:今天|昨天|前天|今晚|昨晚|今早|刚才|刚刚|早上|上午|中午|下午|晚上|凌晨|半夜|夜里|现在|最近)"
)


# A verb of going just before a place and 路上 after it is a journey, not a street (回苏州路上, 去上海路上).
_ON_THE_WAY = re.compile(r"[回去往到]\w{1,4}$")


def street_names(segment: str) -> set[str]:
    """Street names the places file does not list (新华东路, 娄江路): a town's streets are many and change, and
    two reports on different streets of one town are seldom one event."""
    found: set[str] = {
        m.group(0)
        for m in _HIGHWAY.finditer(segment)
        if m.group(1) not in _NOT_HIGHWAY and not _NOT_HIGHWAY_CHARS.search(m.group(1))
    }
    for match in _STREET.finditer(segment):
        if match.group(2) == "路" and segment.startswith("人", match.end()):
            continue  # 路人: a passer-by
        if segment.startswith("上", match.end()) and _ON_THE_WAY.search(segment, 0, match.start(2)):
            continue  # 回苏州路上: on the way back to 苏州
        core = _TIME_WORDS.sub("", _STREET_CUT.sub("", match.group(1)))
        if len(core) >= 2 and core not in _NOT_STREET and not core.endswith(_NOT_STREET_END):
            found.add(core + match.group(2))
    return found


def short_forms(name: str) -> list[str]:
    """浏河镇人民政府 → 浏河镇, 浏河; 娄东街道办事处 → 娄东街道, 娄东 (never a one-character stub)."""
    core = name
    for suffix in _UNIT_SUFFIXES:
        core = core.removesuffix(suffix)
    out = [core] if len(core) >= 2 else []
    for suffix in _SHORT_SUFFIXES:
        stub = core.removesuffix(suffix)
        if stub != core and len(stub) >= 2:
            out.append(stub)
            break
    return out


class Gazetteer:
    """Names → places, matched leftmost-longest (上海东路 is a road in 城厢, not the city of 上海)."""

    def __init__(self, names: dict[str, Place], home: str = "") -> None:
        self.names = {normalize(k): v for k, v in names.items() if len(k) >= 2}
        self.home = home  # the installation's own city (太仓): a report names it, or nothing, or elsewhere
        self._surfaces = list(self.names)
        self._automaton = ahocorasick_rs.AhoCorasick(
            self._surfaces, matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
        )

    def places(self, text: str) -> list[Place]:
        """Places named in an already normalised ``text``, in order."""
        return [self.names[self._surfaces[i]] for i, _, _ in self._automaton.find_matches_as_indexes(text)]

    def spans(self, text: str) -> list[tuple[int, int, Place]]:
        """(start, end, place) of each place named in an already normalised ``text``."""
        return [(s, e, self.names[self._surfaces[i]]) for i, s, e in self._automaton.find_matches_as_indexes(text)]

    def keys(self, text: str) -> PlaceKeys:
        text = _DIRECTION.sub(lambda m: " " * len(m.group(0)), text)
        cities: set[str] = set()
        towns: set[str] = set()
        locals_: set[str] = set()
        streets: set[str] = set()
        last = 0
        outside_towns: set[str] = set()
        for i, start, end in self._automaton.find_matches_as_indexes(text):
            streets.update(street_names(text[last:start]))
            locals_.update(village_names(text[last:start]))
            last = end
            place = self.names[self._surfaces[i]]
            suffix = _STREET_SUFFIX.match(text, end)
            if suffix and text.startswith("路上", end) and _ON_THE_WAY.search(text, 0, start + 1):
                suffix = None  # 回苏州路上: on the way back to 苏州, not a street named after it
            if suffix:  # 陆渡大道, 浏河口路: a street named after the place, inside it
                streets.add(text[start : suffix.end()])
                last = suffix.end()
            if place.city:  # a road may cross cities: it names none
                cities.add(place.city)
            if place.town:
                (outside_towns if place.level == "outside" else towns).add(place.town)
            if place.level == "road" or (place.level == "local" and place.name.endswith(_STREET_ENDS)):
                streets.add(place.name)
            elif not suffix and (
                place.level == "local" or (place.level == "outside" and not place.town and place.name != place.city)
            ):
                locals_.add(place.name)
        streets.update(street_names(text[last:]))
        locals_.update(village_names(text[last:]))
        # A road crosses cities and names none: the place named after it (沈海高速昆山段) says where.
        named = [p for p in self.places(text) if p.level not in ("city", "road")]
        if any(p.level == "outside" for p in named):
            # Both our places and another city's: the first one named is where it happened, the other is a
            # comparison or where the smoke drifts (常熟那边也龙卷风了，跟浮桥同一时间 / 浓烟往上海那边飘).
            if named[0].level == "outside":
                cities, towns = {p.city for p in named if p.level == "outside"}, outside_towns
            else:
                cities.difference_update(p.city for p in named if p.level == "outside")
        return PlaceKeys(frozenset(cities), frozenset(towns), frozenset(locals_), frozenset(streets))

    def is_place(self, word: str) -> bool:
        return normalize(word) in self.names


def build(units: Iterable[tuple[str, str, str, str | None]], lines: Iterable[str]) -> Gazetteer:
    """A gazetteer from unit rows (code, name, kind, parent code) and the lines of a places file."""
    rows = list(units)
    by_code = {code: (name, kind, parent) for code, name, kind, parent in rows}
    parsed = [line.split() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    aliases: dict[str, list[str]] = {}  # 苏州工业园区=苏州园区: the second is another name of the first
    for parts in parsed:
        for i, token in enumerate(parts):
            if "=" in token:
                head, *others = token.split("=")
                parts[i] = head
                aliases[head] = others
    city = next((parts[1] for parts in parsed if parts[0] == "city"), "")
    roots = [name for name, kind, _ in by_code.values() if kind == "duty_room"]
    if roots and not city:
        city = short_forms(roots[0])[-1]
    names: dict[str, Place] = {}
    for parts in parsed:
        if parts[0] == "city":
            for alias in parts[1:]:
                names[alias] = Place(city, "city", None, city)
    towns = {code for code, (_, kind, _) in by_code.items() if kind in TOWN_KINDS}
    for code in towns:
        forms = short_forms(by_code[code][0])
        for alias in forms:
            names[alias] = Place(code, "town", code, city, forms[0])
    for name, kind, parent in by_code.values():  # villages kept as units sit under their town
        if kind not in TOWN_KINDS and kind not in SKIP_KINDS and parent in towns:
            for alias in short_forms(name):
                names.setdefault(alias, Place(short_forms(name)[0], "local", parent, city))
    for parts in parsed:
        head, rest = parts[0], parts[1:]
        if head == "town" and rest:
            code = rest[0]
            for alias in rest[1:]:
                names.setdefault(alias, Place(code, "town", code, city, rest[1]))
        elif head == "under" and rest:
            own = tuple(k for k, v in names.items() if v.level == "town" and v.town == rest[0])
            for local in rest[1:]:  # a street may run into the next town: it names none, unless named after it
                street = local.endswith(_STREET_ENDS) and not local.startswith(own or ("\0",))
                names.setdefault(local, Place(local, "local", None if street else rest[0], city))
        elif head == "road" and rest:
            for alias in rest:
                names.setdefault(alias, Place(rest[0], "road", None, ""))
        elif head == "outside" and rest:
            other = rest[0]
            for place in rest:
                if place.startswith(other):  # the city itself: 昆山, 昆山市
                    names.setdefault(place, Place(other, "outside", None, other))
                elif place.endswith(("镇", "区", "街道")):
                    for alias in (place, *short_forms(place)):
                        names.setdefault(alias, Place(place, "outside", place, other))
                else:
                    names.setdefault(place, Place(place, "outside", None, other))
    for head, others in aliases.items():
        if head in names:
            for alias in others:
                names.setdefault(alias, names[head])
    return Gazetteer(names, city)


def file_lines() -> list[str]:
    return PLACES_FILE.read_text(encoding="utf-8").splitlines()


@lru_cache(maxsize=1)
def from_file() -> Gazetteer:
    """The places file alone: what a pure caller (a bench, a unit test) reads when no unit tree is at hand."""
    return build([], file_lines())


_provider: Callable[[], Gazetteer] = from_file


def use(provider: Callable[[], Gazetteer]) -> None:
    """Read places through ``provider`` from now on (the app installs the unit tree's at start-up)."""
    global _provider
    _provider = provider


def active() -> Gazetteer:
    try:
        return _provider()
    except Exception:  # no database yet (migrations, a pure test): the file still knows the city
        return from_file()
