"""Labels of enums, model choices and rulebook subtypes in the page's language.

Chinese pages show exactly what they always did: the rules core's ``label_zh``, the models' choice labels
and the rulebook's own subtype names. English pages (the user switched with the header's button) show
``label_en`` and the English names below. Stored values, the API and board.json are never translated.

Call these while the page's language is active (inside a view or template), not at import time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Protocol

from django.db import models
from django.utils.translation import get_language

from dutyroom.accounts.models import Role
from dutyroom.incidents.models import IncidentState
from dutyroom.orgs.models import UnitKind
from dutyroom.reports.models import Authority
from dutyroom.rules import Category, Classification, Grade, ObligationKind, ObligationState, ReportKind


class Labelled(Protocol):
    """A rules-core enum member: a stored value and both labels."""

    @property
    def value(self) -> str: ...

    @property
    def label_zh(self) -> str: ...

    @property
    def label_en(self) -> str: ...


def english() -> bool:
    """True on pages the user switched to English (``chinese_first`` activates the chosen language)."""
    return (get_language() or "").lower().startswith("en")


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date, today: date) -> str:
    """A day as people write it: 12月7日 (Dec 7), with the year only when it is not this year's. A duty
    officer reads "2026-12-07" as a machine's stamp; the month and day are what they say on the phone."""
    if english():
        text = f"{_MONTHS_EN[day.month - 1]} {day.day}"
        return text if day.year == today.year else f"{text}, {day.year}"
    text = f"{day.month}月{day.day}日"
    return text if day.year == today.year else f"{day.year}年{text}"


def when_text(local: datetime, today: date, *, seconds: bool = False) -> str:
    """A local wall time with its day: 12月7日 08:30 (Dec 7 08:30); ``seconds`` for audit rows only."""
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{day_text(local.date(), today)} {clock}"


def label(member: Labelled) -> str:
    """A rules-core enum member's label: ``label_en`` on English pages, ``label_zh`` otherwise."""
    return member.label_en if english() else member.label_zh


def unit_name(unit: Any) -> str:
    """A unit as people name it: its English name on English pages when it has one, its Chinese name otherwise."""
    if unit is None:
        return ""
    name_en = getattr(unit, "name_en", "")
    return str(name_en) if english() and name_en else str(unit.name)


BAND_EN = {"excellent": "Excellent", "good": "Good", "pass": "Pass", "fail": "Fail"}
FINDING_KIND_EN = {
    "omitted": "Omitted report",
    "false": "False report",
    "concealed": "Concealed report",
    "forbidden_channel": "Report over a forbidden channel",
    "late": "Late report",
}
FINDING_STATE_EN = {"open": "Open for appeal", "appealed": "Appealed", "upheld": "Upheld", "rejected": "Rejected"}


ADOPTION_LEVEL_EN = {"suzhou": "Suzhou", "jiangsu": "Jiangsu Province", "state_council": "State Council"}


def adoption_level_label(level: str, zh: str) -> str:
    return ADOPTION_LEVEL_EN.get(level, zh) if english() else zh


def band_label(band: Any) -> str:
    """An assessment grade band (优秀/良好/…) in the page's language."""
    if band is None:
        return ""
    return BAND_EN.get(str(band.id), str(band.label)) if english() else str(band.label)


def finding_kind_label(kind: str, zh: str) -> str:
    return FINDING_KIND_EN.get(kind, zh) if english() else zh


def finding_state_label(state: str, zh: str) -> str:
    return FINDING_STATE_EN.get(state, zh) if english() else zh


def period_label(period: Any) -> str:
    """``2026年12月`` / ``December 2026`` (quarters and years alike)."""
    if not english():
        return str(period.label_zh())
    start = period.start
    kind = str(getattr(period.kind, "value", period.kind))
    if kind == "month":
        return start.strftime("%B %Y")
    if kind == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def minutes_text(seconds: float | int | None) -> str:
    """A delay in whole minutes, as people say it."""
    if seconds is None:
        return "—"
    minutes = round(float(seconds) / 60)
    if english():
        return f"{minutes} min"
    return f"{minutes} 分钟"


def person_label(user: Any) -> str:
    """A person as the pages name them: their display name, else their role at their unit."""
    if user.display_name:
        return str(user.display_name)
    role = role_label(user.role)
    return f"{unit_name(user.unit)} {role}" if user.unit is not None else role


def people_labels(usernames: Iterable[str]) -> dict[str, str]:
    """User names to the names people know them by (display name, else the role's label): pages never show a
    login name where a person is meant."""
    from dutyroom.accounts.models import User

    found = {u.username: person_label(u) for u in User.objects.filter(username__in=set(usernames))}
    return {name: found.get(name, name) for name in usernames}


def grade_label(grade: str | None, ungraded: str = "") -> str:
    """``Ⅳ级 一般`` / ``Grade IV (ordinary)``; ``ungraded`` for no grade."""
    return label(Grade(grade)) if grade else ungraded


def category_label(category: str) -> str:
    return label(Category(category))


def classification_label(classification: str) -> str:
    return label(Classification(classification))


def obligation_kind_label(kind: str) -> str:
    return label(ObligationKind(kind))


def obligation_state_label(state: str) -> str:
    return label(ObligationState(state))


def report_kind_label(kind: str) -> str:
    return label(ReportKind(kind))


def member_choices(members: Iterable[Labelled]) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a form's ``choices``: build them per request, in ``__init__``."""
    return [(member.value, label(member)) for member in members]


# --- Model choices (their Chinese labels stay in the models; these are the English ones) ---

ROLE_EN: dict[str, str] = {
    Role.DUTY_OFFICER: "Duty officer",
    Role.DUTY_LEADER: "Duty leader",
    Role.UNIT_REPORTER: "Reporter (unit)",
    Role.UNIT_LEADER: "Signer (unit leader)",
    Role.INFORMANT: "Grid worker / informant",
    Role.VERIFIER: "Verifier",
    Role.ASSESSOR: "Assessor",
    Role.ADMIN: "System administrator",
    Role.VIEWER: "Read-only",
}
INCIDENT_STATE_EN: dict[str, str] = {
    IncidentState.OPEN: "Being handled",
    IncidentState.HANDLED: "Handling finished",
    IncidentState.CLOSED: "Closed",
}
AUTHORITY_EN: dict[str, str] = {
    Authority.STATE_COUNCIL: "State Council",
    Authority.JIANGSU: "Jiangsu Province",
    Authority.SUZHOU: "Suzhou City",
    Authority.CITY: "City government",
}
UNIT_KIND_EN: dict[str, str] = {
    UnitKind.DUTY_ROOM: "City government duty room",
    UnitKind.TOWN: "Town",
    UnitKind.ZONE: "Zone (management committee)",
    UnitKind.SUBDISTRICT: "Subdistrict",
    UnitKind.DEPARTMENT: "Department",
    UnitKind.VILLAGE: "Village",
    UnitKind.COMMUNITY: "Community",
    UnitKind.GRID: "Grid",
}


def _choice_label(choices: type[models.TextChoices], english_names: dict[str, str], value: str | None) -> str:
    """The model's own (Chinese) label, or the English name on English pages; unknown values as stored."""
    if not value:
        return ""
    if english() and value in english_names:
        return english_names[value]
    return str(dict(choices.choices).get(value, value))


def role_label(role: str | None) -> str:
    return _choice_label(Role, ROLE_EN, role)


def incident_state_label(state: str | None) -> str:
    return _choice_label(IncidentState, INCIDENT_STATE_EN, state)


def authority_label(authority: str | None) -> str:
    return _choice_label(Authority, AUTHORITY_EN, authority)


def unit_kind_label(kind: str | None) -> str:
    return _choice_label(UnitKind, UNIT_KIND_EN, kind)


def authority_choices() -> list[tuple[str, str]]:
    return [(value, authority_label(value)) for value in Authority.values]


# --- Rulebook subtypes: Chinese names are rulebook data; English names by code, for the codes we know ---

SUBTYPE_EN: dict[str, str] = {
    # natural
    "flood": "Flood or drought",
    "meteorological": "Meteorological disaster",
    "earthquake": "Earthquake",
    "geological": "Geological disaster",
    "marine": "Marine disaster",
    "biological": "Biological disaster",
    "forest_fire": "Forest fire",
    # accident
    "production_safety": "Work-safety accident",
    "fire": "Fire",
    "traffic": "Road traffic accident",
    "water_traffic": "Waterway traffic accident",
    "hazardous_chemicals": "Hazardous chemicals accident",
    "special_equipment": "Special equipment accident",
    "infrastructure": "Public facility or equipment accident",
    "environmental": "Environmental pollution or ecological damage",
    "construction": "Construction accident",
    # public_health
    "infectious_disease": "Infectious disease outbreak",
    "mass_unexplained_disease": "Cluster of unexplained illness",
    "food_safety": "Food safety incident",
    "occupational_poisoning": "Occupational poisoning",
    "animal_epidemic": "Animal epidemic",
    # social_security
    "mass_incident": "Mass incident",
    "terrorism": "Terrorist attack",
    "criminal_case": "Criminal case",
    "economic_security": "Economic security incident",
    "foreign_related": "Incident involving foreign nationals",
    "public_opinion": "Online public-opinion incident",
}


def subtype_label(code: str, data_label: str) -> str:
    """The rulebook's (Chinese) name; on English pages the English name if the code is known, else that name."""
    if english() and code in SUBTYPE_EN:
        return SUBTYPE_EN[code]
    return data_label


# --- Follow-up numbering ---

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (续报 numbers as officers write them)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"
    return str(n)


def report_title(kind: str, number: int | None) -> str:
    """A report's heading: ``续报一`` on Chinese pages, ``Follow-up 1`` on English ones."""
    report_kind = ReportKind(kind)
    title = label(report_kind)
    if report_kind == ReportKind.FOLLOWUP and number:
        return f"{title} {number}" if english() else f"{title}{cn_number(number)}"
    return title


TOPIC_EN = {
    "reminder": "Deadline reminder",
    "overdue": "Overdue",
    "escalation": "Escalation",
    "receipt_overdue": "Written report not confirmed",
    "chase": "Chase",
    "new_incident": "New incident",
    "regraded": "Grade or flags changed",
    "verification_request": "Verification request",
    "finding": "Finding",
    "lead": "Lead",
    "instruction": "Leader's instruction",
}


def alert_topic_label(topic: str) -> str:
    """A notification topic in the page's language."""
    from dutyroom.alerts.texts import TOPIC_ZH
    from dutyroom.rules import AlertTopic

    if topic not in TOPIC_EN:
        return topic
    return TOPIC_EN[topic] if english() else TOPIC_ZH[AlertTopic(topic)]
