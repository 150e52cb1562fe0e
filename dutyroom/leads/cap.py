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

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from dutyroom.common.errors import ValidationFailed

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NAMESPACES = {"urn:oasis:names:tc:emergency:cap:1.2": "cap12.xsd", "urn:oasis:names:tc:emergency:cap:1.1": "cap11.xsd"}
MAX_BYTES = 1024 * 1024
INFO_ORDER = ["language", "category", "event", "responseType", "urgency", "severity", "certainty", "audience",
              "eventCode", "effective", "onset", "expires", "senderName", "headline", "description", "instruction",
              "web", "contact", "parameter", "resource", "area"]
# CAP category → incident category (domain.md §2): a hint for a confirmed lead's new incident.
CATEGORY_HINTS = {"Geo": "natural", "Met": "natural", "Env": "accident", "Safety": "accident", "Fire": "accident",
                  "Transport": "accident", "Infra": "accident", "CBRNE": "accident", "Rescue": "accident",
                  "Health": "public_health", "Security": "social_security"}


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
    infos: list[CapInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


@lru_cache(maxsize=4)
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), _parser()))


def _fail(zh: str, en: str) -> ValidationFailed:
    return ValidationFailed.one("body", zh, en)


def _parse(body: bytes) -> etree._Element:
    if not body.strip():
        raise _fail("请求体为空，应为 CAP 消息", "empty body; expected a CAP message")
    if len(body) > MAX_BYTES:
        raise _fail("CAP 消息超过 1 MB", "CAP message is over 1 MB")
    if b"<!DOCTYPE" in body[:4096].upper() or b"<!ENTITY" in body.upper():
        raise _fail("CAP 消息不得包含 DOCTYPE 或实体声明", "DOCTYPE and entity declarations are not allowed")
    try:
        return etree.fromstring(body, _parser())
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
    raise _fail(f"不符合 CAP 规范（第 {first.line} 行）：{first.message}",
                f"not valid CAP (line {first.line}): {first.message}")


def _text(el: etree._Element, ns: str, name: str) -> str:
    found = el.find(f"{{{ns}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _check_references(root: etree._Element, ns: str) -> None:
    refs = root.find(f"{{{ns}}}references")
    if refs is None:
        return
    triples = (refs.text or "").split()
    if not triples or any(len(t.split(",")) != 3 for t in triples):
        raise _fail("references 必须是一个或多个 “sender,identifier,sent” 三元组",
                    "references must hold one or more sender,identifier,sent triples")


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
    meta = " · ".join(x for x in (_text(info, ns, "urgency"), _text(info, ns, "severity"),
                                  _text(info, ns, "certainty")) if x)
    areas = [_text(a, ns, "areaDesc") for a in info.findall(f"{{{ns}}}area")]
    category = _text(info, ns, "category")
    return CapInfo(
        title=headline[:200], text="\n".join(p for p in [f"[{event}] {meta}", *parts] if p)[:20000],
        category_hint=CATEGORY_HINTS.get(category, ""),
        occurred_at=_when(_text(info, ns, "onset") or _text(info, ns, "effective") or sent),
        address="；".join(a for a in areas if a)[:300], url=_text(info, ns, "web")[:500],
    )


def cap_parse(body: bytes) -> CapMessage:
    """A validated CAP message with one ``CapInfo`` per ``info`` block; 400 (field ``body``) naming the defect."""
    root = _parse(body)
    ns = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "alert" or ns not in NAMESPACES:
        raise _fail(f"根元素必须是 CAP 1.1 或 1.2 的 alert，实际为 {root.tag}",
                    f"the root must be a CAP 1.1 or 1.2 alert, got {root.tag}")
    message = CapMessage(version=ns.rsplit(":", 1)[-1], identifier=_text(root, ns, "identifier"),
                         sender=_text(root, ns, "sender"), sent=_text(root, ns, "sent"))
    _validate(root, ns, message.notes)
    _check_references(root, ns)
    message.infos = [_info(info, ns, message.sent) for info in root.findall(f"{{{ns}}}info")]
    if not message.infos:  # a valid alert with no info block is still news: one lead from the alert itself
        note = _text(root, ns, "note")
        message.infos = [CapInfo(title=(note or f"CAP {_text(root, ns, 'msgType')} {message.identifier}")[:200],
                                 text=note, category_hint="", occurred_at=_when(message.sent), address="", url="")]
    return message
