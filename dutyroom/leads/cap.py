"""CAP 1.1/1.2 import (China's national early-warning release system publishes CAP): one lead per ``info``.

Parsing is safe by construction: no DTD is loaded, no entity is expanded, nothing is fetched from the
network, and huge trees are refused, so a hostile message cannot read files, call out or exhaust memory.
The message is validated against the OASIS schema of its version (``schemas/``: 1.2 as published, 1.1
derived from it), plus the rule the schema cannot express: ``references`` holds sender,identifier,sent
triples. Real publishers sometimes emit ``info`` children out of schema order (krisinformation.se's sample);
such a message is re-read in schema order (dropping elements CAP does not define there, which the stored raw
message still holds) and imported with a note saying so; it must then pass the schema like any other.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from dutyroom.common.errors import ValidationFailed

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NAMESPACES = {"urn:oasis:names:tc:emergency:cap:1.2": "cap12.xsd", "urn:oasis:names:tc:emergency:cap:1.1": "cap11.xsd"}
MAX_BYTES = 1024 * 1024
# CAP repeats ``info`` for each language or audience of one alert (OASIS CAP 1.2 §3.2.2), not for separate
# events: China's national early-warning release system sends one block (zh-CN), MeteoAlarm one per official
# language of the country (at most 5, Switzerland's 4 and Belgium's 3 among them), the OASIS and national samples
# at most 3. 16 leaves room for any real multilingual alert; each block becomes a lead with its own clocks,
# duplicate scoring and audit entry, so the bound also bounds the work one message can cause (800 identical
# blocks once held the city's database for 55 s).
MAX_INFOS = 16
INFO_ORDER = [
    "language",
    "category",
    "event",
    "responseType",
    "urgency",
    "severity",
    "certainty",
    "audience",
    "eventCode",
    "effective",
    "onset",
    "expires",
    "senderName",
    "headline",
    "description",
    "instruction",
    "web",
    "contact",
    "parameter",
    "resource",
    "area",
]
# CAP category → incident category (domain.md §2): a hint for a confirmed lead's new incident.
CATEGORY_HINTS = {
    "Geo": "natural",
    "Met": "natural",
    "Env": "accident",
    "Safety": "accident",
    "Fire": "accident",
    "Transport": "accident",
    "Infra": "accident",
    "CBRNE": "accident",
    "Rescue": "accident",
    "Health": "public_health",
    "Security": "social_security",
}


@dataclass
class CapInfo:
    title: str
    text: str
    category_hint: str
    occurred_at: datetime | None
    address: str
    url: str


@dataclass
class CapMessage:
    version: str
    identifier: str
    sender: str
    sent: str
    encoding: str = "utf-8"
    infos: list[CapInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@lru_cache(maxsize=4)
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), _parser()))


def _fail(zh: str, en: str) -> ValidationFailed:
    return ValidationFailed.one("body", zh, en)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARATION = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_LEADING_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# GB2312 and GBK texts are read as GB18030, their superset: publishers label GBK text GB2312 all the time
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "euc-cn": "gb18030"}


def _encoding(body: bytes) -> str:
    """The encoding the XML rules give ``body``: a byte-order mark, the zero bytes of UTF-16 without one, or
    the declaration (read as ASCII, which every declaration is), else UTF-8."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    if body.startswith(b"<\x00"):
        return "utf-16-le"
    if body.startswith(b"\x00<"):
        return "utf-16-be"
    declared = _DECLARATION.match(body[:200].decode("ascii", errors="replace"))
    name = declared.group(1).lower() if declared else "utf-8"
    return _WIDER.get(name, name)


def decode(body: bytes) -> tuple[str, str]:
    """(text, encoding) of a message, or 400: every check below reads characters, never raw bytes (a
    DOCTYPE in UTF-16 has zero bytes between its letters)."""
    encoding = _encoding(body)
    try:
        codecs.lookup(encoding)
        return body.decode(encoding), encoding
    except (LookupError, UnicodeDecodeError) as error:
        raise _fail(f"无法按 {encoding} 编码读取 CAP 消息", f"the CAP message cannot be read as {encoding}") from error


def _parse(body: bytes) -> tuple[etree._Element, str]:
    if not body.strip():
        raise _fail("请求体为空，应为 CAP 消息", "empty body; expected a CAP message")
    if len(body) > MAX_BYTES:
        raise _fail("CAP 消息超过 1 MB", "CAP message is over 1 MB")
    text, encoding = decode(body)
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise _fail("CAP 消息不得包含 DOCTYPE 或实体声明", "DOCTYPE and entity declarations are not allowed")
    # parsed from the decoded text (re-encoded as UTF-8 without its declaration), so lxml reads exactly the
    # characters checked above whatever the declaration claimed
    try:
        return etree.fromstring(_LEADING_DECLARATION.sub("", text, count=1).encode("utf-8"), _parser()), encoding
    except etree.XMLSyntaxError as error:
        raise _fail(f"不是格式正确的 XML：{error}", f"not well-formed XML: {error}") from error


AREA_ORDER = ["areaDesc", "polygon", "circle", "geocode", "altitude", "ceiling"]


def _put_in_order(parent: etree._Element, order: list[str], dropped: list[str]) -> bool:
    """Sort ``parent``'s children into schema order, dropping elements CAP does not define there."""
    children = list(parent)
    known = [c for c in children if etree.QName(c).localname in order]
    dropped += [etree.QName(c).localname for c in children if etree.QName(c).localname not in order]
    ordered = sorted(known, key=lambda el: order.index(etree.QName(el).localname))
    if ordered == children:
        return False
    for child in children:
        parent.remove(child)
    parent.extend(ordered)
    return True


def _repair(root: etree._Element, ns: str, dropped: list[str]) -> bool:
    changed = False
    for info in root.findall(f"{{{ns}}}info"):
        changed |= _put_in_order(info, INFO_ORDER, dropped)
        for area in info.findall(f"{{{ns}}}area"):
            changed |= _put_in_order(area, AREA_ORDER, dropped)
    return changed


def _validate(root: etree._Element, ns: str, notes: list[str]) -> None:
    schema = _schema(NAMESPACES[ns])
    if schema.validate(root):
        return
    first = schema.error_log[0]
    dropped: list[str] = []
    if _repair(root, ns, dropped) and schema.validate(root):
        notes.append("info/area 子元素顺序不符合规范，已按规范顺序读取 (re-read in schema order)")
        if dropped:
            notes.append(f"忽略非 CAP 元素 (ignored non-CAP elements): {', '.join(sorted(set(dropped)))}")
        return
    raise _fail(
        f"不符合 CAP 规范（第 {first.line} 行）：{first.message}", f"not valid CAP (line {first.line}): {first.message}"
    )


def _text(el: etree._Element, ns: str, name: str) -> str:
    found = el.find(f"{{{ns}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _check_references(root: etree._Element, ns: str) -> None:
    refs = root.find(f"{{{ns}}}references")
    if refs is None:
        return
    triples = (refs.text or "").split()
    if not triples or any(len(t.split(",")) != 3 for t in triples):
        raise _fail(
            "references 必须是一个或多个 “sender,identifier,sent” 三元组",
            "references must hold one or more sender,identifier,sent triples",
        )


def _when(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _info(info: etree._Element, ns: str, sent: str) -> CapInfo:
    event = _text(info, ns, "event")
    headline = _text(info, ns, "headline") or event
    parts = [_text(info, ns, "description"), _text(info, ns, "instruction")]
    meta = " · ".join(
        x for x in (_text(info, ns, "urgency"), _text(info, ns, "severity"), _text(info, ns, "certainty")) if x
    )
    areas = [_text(a, ns, "areaDesc") for a in info.findall(f"{{{ns}}}area")]
    category = _text(info, ns, "category")
    return CapInfo(
        title=headline[:200],
        text="\n".join(p for p in [f"[{event}] {meta}", *parts] if p)[:20000],
        category_hint=CATEGORY_HINTS.get(category, ""),
        occurred_at=_when(_text(info, ns, "onset") or _text(info, ns, "effective") or sent),
        address="；".join(a for a in areas if a)[:300],
        url=_text(info, ns, "web")[:500],
    )


def cap_parse(body: bytes) -> CapMessage:
    """A validated CAP message with one ``CapInfo`` per ``info`` block; 400 (field ``body``) naming the defect."""
    root, encoding = _parse(body)
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "alert" or ns not in NAMESPACES:
        raise _fail(
            f"根元素必须是 CAP 1.1 或 1.2 的 alert，实际为 {root.tag}",
            f"the root must be a CAP 1.1 or 1.2 alert, got {root.tag}",
        )
    message = CapMessage(
        version=ns.rsplit(":", 1)[-1],
        identifier=_text(root, ns, "identifier"),
        sender=_text(root, ns, "sender"),
        sent=_text(root, ns, "sent"),
        encoding=encoding,
    )
    blocks = len(root.findall(f"{{{ns}}}info"))
    if blocks > MAX_INFOS:
        raise _fail(
            f"一条 CAP 消息最多 {MAX_INFOS} 个 info 段（每种语言或受众一段），收到 {blocks} 个",
            f"a CAP message may carry at most {MAX_INFOS} info blocks (one per language or audience); got {blocks}",
        )
    _validate(root, ns, message.notes)
    _check_references(root, ns)
    message.infos = [_info(info, ns, message.sent) for info in root.findall(f"{{{ns}}}info")]
    if not message.infos:  # a valid alert with no info block is still news: one lead from the alert itself
        note = _text(root, ns, "note")
        message.infos = [
            CapInfo(
                title=(note or f"CAP {_text(root, ns, 'msgType')} {message.identifier}")[:200],
                text=note,
                category_hint="",
                occurred_at=_when(message.sent),
                address="",
                url="",
            )
        ]
    return message
