"""CAP 1.2 export of an incident (OASIS ``urn:oasis:names:tc:emergency:cap:1.2``).

The message is built from a plain :class:`CapSource` (no database), so every combination of grade, flags,
classification and state can be checked against the OASIS schema cheaply. The mapping (decisions.md):

- ``status``: Exercise for drills, Actual otherwise.
- ``scope``: Public for public incidents, Restricted (with a ``restriction`` text) for internal and work secret.
- Protected incidents (Ⅰ/Ⅱ, flagged or work secret; domain.md §6) carry codes only: no title, description,
  place, coordinates or figures; ``headline`` says "log in to read it", ``areaDesc`` is the city.
- ``msgType``: Alert for the first state of an open incident, Update after any change or report, Cancel once the
  incident is closed (final report filed); Update and Cancel reference the first alert.
- ``severity`` Ⅰ Extreme, Ⅱ Severe, Ⅲ Moderate, Ⅳ Minor, ungraded Unknown; ``urgency`` Past once handled, else
  Immediate for Ⅰ/Ⅱ or flagged, Expected otherwise; ``certainty`` Observed once a report arrived, else Likely.
- ``sent`` is the moment of the incident's latest change, in +08:00 with no fractions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from dutyroom.rules import Category, Classification, Grade, Severity, content_protected

NS = "urn:oasis:names:tc:emergency:cap:1.2"
LOCAL = ZoneInfo("Asia/Shanghai")
SCHEMA_PATH = Path(__file__).parent / "schemas" / "cap12.xsd"

SEVERITY = {Grade.I: "Extreme", Grade.II: "Severe", Grade.III: "Moderate", Grade.IV: "Minor"}
CATEGORY_BY_SUBTYPE = {
    "flood": "Met",
    "meteorological": "Met",
    "marine": "Met",
    "earthquake": "Geo",
    "geological": "Geo",
    "biological": "Env",
    "forest_fire": "Fire",
    "fire": "Fire",
    "traffic": "Transport",
    "water_traffic": "Transport",
    "hazardous_chemicals": "CBRNE",
    "infrastructure": "Infra",
    "environmental": "Env",
}
CATEGORY_DEFAULT = {
    Category.NATURAL: "Geo",
    Category.ACCIDENT: "Safety",
    Category.PUBLIC_HEALTH: "Health",
    Category.SOCIAL_SECURITY: "Security",
}
PROTECTED_HEADLINE = "有一条突发事件信息需要处理，请登录值班系统查阅"
RESTRICTION = "仅限政府值班系统内部流转，不得通过互联网平台传播"


@dataclass(frozen=True)
class CapSource:
    """What the export needs to know about an incident, read from the database by ``cap_source``."""

    incident_id: int
    title: str
    category: str
    subtype: str
    subtype_label: str
    grade: str | None
    sensitive: bool
    may_escalate: bool
    hotspot: bool
    exercise: bool
    classification: str
    state: str  # open | handled | closed
    occurred_at: datetime
    created_at: datetime
    changed_at: datetime
    reports: int
    city: str
    sender: str
    sender_name: str
    area: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    summary: str = ""
    figures: dict[str, int] = field(default_factory=dict)
    web: str = ""

    @property
    def severity(self) -> Severity:
        return Severity(
            grade=Grade(self.grade) if self.grade else None,
            sensitive=self.sensitive,
            may_escalate=self.may_escalate,
            hotspot=self.hotspot,
        )

    @property
    def protected(self) -> bool:
        return content_protected(self.severity, Classification(self.classification))


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: local time with +08:00, whole seconds (the schema's pattern refuses fractions and Z)."""
    return moment.astimezone(LOCAL).replace(microsecond=0).isoformat()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%Y%m%dT%H%M%S")


def msg_type(source: CapSource) -> str:
    if source.state == "closed":
        return "Cancel"
    first = source.changed_at <= source.created_at  # a first report filed with the incident is part of it
    return "Alert" if source.state == "open" and first else "Update"


def first_identifier(source: CapSource) -> str:
    return f"{source.sender}.incident.{source.incident_id}.{_stamp(source.created_at)}"


def identifier(source: CapSource) -> str:
    kind = msg_type(source)
    if kind == "Alert":
        return first_identifier(source)
    return f"{first_identifier(source)}.{kind.lower()}.{_stamp(source.changed_at)}.r{source.reports}"


def urgency(source: CapSource) -> str:
    if source.state != "open":
        return "Past"
    return "Immediate" if source.grade in (Grade.I, Grade.II) or source.severity.immediate else "Expected"


def cap_category(source: CapSource) -> str:
    return CATEGORY_BY_SUBTYPE.get(source.subtype, CATEGORY_DEFAULT[Category(source.category)])


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _parameter(info: etree._Element, name: str, value: str) -> None:
    parameter = _sub(info, "parameter")
    _sub(parameter, "valueName", name)
    _sub(parameter, "value", value)


def _info(alert: etree._Element, source: CapSource) -> None:
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN")
    _sub(info, "category", cap_category(source))
    protected = source.protected
    _sub(info, "event", "突发事件" if protected else (source.subtype_label or Category(source.category).label_zh))
    _sub(info, "responseType", "Monitor" if source.state == "open" else "AllClear")
    _sub(info, "urgency", urgency(source))
    _sub(info, "severity", SEVERITY.get(Grade(source.grade), "Unknown") if source.grade else "Unknown")
    _sub(info, "certainty", "Observed" if source.reports else "Likely")
    if not protected:
        code = _sub(info, "eventCode")
        _sub(code, "valueName", "dutyroom:subtype")
        _sub(code, "value", source.subtype or source.category)
        _sub(info, "onset", cap_time(source.occurred_at))
    _sub(info, "senderName", source.sender_name)
    _sub(info, "headline", PROTECTED_HEADLINE if protected else source.title)
    if not protected and source.summary:
        _sub(info, "description", source.summary)
    if source.web:
        _sub(info, "web", source.web)
    _parameter(info, "dutyroom:grade", source.grade or "none")
    _parameter(info, "dutyroom:classification", source.classification)
    if not protected:
        for name, value in sorted(source.figures.items()):
            _parameter(info, f"dutyroom:{name}", str(value))
    area = _sub(info, "area")
    place = "，".join(p for p in (source.area, source.address) if p)
    _sub(area, "areaDesc", source.city if protected or not place else f"{source.city}{place}")
    if not protected and source.lat is not None and source.lon is not None:
        _sub(area, "circle", f"{source.lat:.6f},{source.lon:.6f} 0")


def cap_alert(source: CapSource) -> bytes:
    """The CAP 1.2 XML of ``source`` (UTF-8, with declaration)."""
    alert = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    kind = msg_type(source)
    _sub(alert, "identifier", identifier(source))
    _sub(alert, "sender", source.sender)
    _sub(alert, "sent", cap_time(source.changed_at))
    _sub(alert, "status", "Exercise" if source.exercise else "Actual")
    _sub(alert, "msgType", kind)
    public = source.classification == Classification.PUBLIC
    _sub(alert, "scope", "Public" if public else "Restricted")
    if not public:
        _sub(alert, "restriction", RESTRICTION)
    if source.exercise:
        _sub(alert, "note", "演练信息（Exercise）")
    if kind != "Alert":
        _sub(alert, "references", f"{source.sender},{first_identifier(source)},{cap_time(source.created_at)}")
    _sub(alert, "incidents", f"{source.sender}.incident.{source.incident_id}")
    _info(alert, source)
    xml: bytes = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def cap_errors(xml: bytes) -> list[str]:
    """Schema errors of a CAP 1.2 document (empty when valid)."""
    schema = _schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [str(error) for error in schema.error_log]
