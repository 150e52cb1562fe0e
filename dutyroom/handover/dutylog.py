"""One local day of the duty log (值班日志): the officers' free entries beside the system's own events.

The system's events are read back from the audit chain rather than copied into a second table: the audit
row is written in the same transaction as the change, so the log can never claim something that did not
happen nor miss something that did. Only the actions a duty officer would have written by hand are shown
(``SYSTEM_ACTIONS``); an escalation is an ``obligation.alert`` whose topic is ``escalation``.

Each row carries its exact time for sorting and ``time`` (HH:MM, Beijing) for display: the log is kept to
the minute. Incident titles follow the viewer's need-to-know like the open items do.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from dutyroom.accounts.models import User
from dutyroom.audit.models import AuditEntry
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.timefmt import LOCAL, iso_local
from dutyroom.handover import limits
from dutyroom.handover.models import DutyLogEntry, DutyLogKind
from dutyroom.incidents.naming import incident_names_by_id
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_subtree_ids
from dutyroom.rules import ObligationKind

#: audit action → (Chinese, English) label of a system event in the log
SYSTEM_ACTIONS: dict[str, tuple[str, str]] = {
    "incident.create": ("新事件", "New incident"),
    "report.submit": ("收到报告", "Report received"),
    "report.receipt": ("签收报告", "Receipt confirmed"),
    "obligation.chase": ("催报", "Chased"),
    "obligation.overdue": ("时限超时", "Clock overdue"),
    "obligation.alert": ("升级提醒", "Escalation"),
    "verification.request": ("发起核实请求", "Verification requested"),
    "instruction.record": ("登记领导批示", "Leader's instruction recorded"),
    "lead.verify": ("线索核实", "Lead verified"),
    "handover.sign": ("签字交班", "Handover signed"),
    "handover.acknowledge": ("接班确认", "Handover acknowledged"),
}


def parse_day(value: str | None, now: datetime) -> date:
    """``YYYY-MM-DD`` (a Beijing day); today when absent; a 400 naming ``date`` otherwise."""
    if not value:
        return now.astimezone(LOCAL).date()
    try:
        day = date.fromisoformat(value)
    except ValueError as error:
        raise ValidationFailed.one("date", "日期格式无效，请使用 YYYY-MM-DD", "invalid date; use YYYY-MM-DD") from error
    if not 1900 <= day.year < 2200:
        raise ValidationFailed.one(
            "date", "日期超出可接受范围（1900 年至 2199 年）", "date must be between 1900 and 2199"
        )
    return day


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    return start, start + timedelta(days=1)


def _hhmm(value: datetime) -> str:
    return value.astimezone(LOCAL).strftime("%H:%M")


def _system_entries(start: datetime, end: datetime, room: Unit | None = None) -> list[AuditEntry]:
    rows = AuditEntry.objects.filter(at__gte=start, at__lt=end, action__in=list(SYSTEM_ACTIONS))
    if room is not None:  # a town's log: the events of its own area
        codes = Unit.objects.filter(pk__in=unit_subtree_ids(room)).values_list("code", flat=True)
        rows = rows.filter(unit_code__in=list(codes))
    rows = rows.order_by("at", "id")
    return [
        e
        for e in rows[: limits.SYSTEM_EVENTS_PER_DAY]
        if e.action != "obligation.alert" or (e.data or {}).get("topic") == "escalation"
    ]


def _titles(viewer: User, incident_ids: set[int]) -> dict[int, str]:
    return incident_names_by_id(viewer, incident_ids)


def _system_detail(entry: AuditEntry) -> str:
    data = entry.data or {}
    if entry.action in ("obligation.overdue", "obligation.chase", "obligation.alert") and data.get("kind"):
        try:
            return ObligationKind(str(data["kind"])).label_zh
        except ValueError:
            return ""
    if entry.action == "handover.sign":
        return f"未结事项{data.get('items', 0)}项"
    return ""


def _system_row(entry: AuditEntry, titles: dict[int, str]) -> dict[str, Any]:
    zh, en = SYSTEM_ACTIONS[entry.action]
    title = titles.get(entry.incident_id, "") if entry.incident_id else ""
    text = "　".join(p for p in (title, _system_detail(entry)) if p)
    return {
        "source": "system",
        "id": entry.seq,
        "at": iso_local(entry.at),
        "time": _hhmm(entry.at),
        "kind": entry.action,
        "label": zh,
        "label_en": en,
        "text": text,
        "incident": entry.incident_id,
        "unit": entry.unit_code or None,
        "by": entry.actor_label,
        "_at": entry.at,
    }


def _free_row(entry: DutyLogEntry, titles: dict[int, str]) -> dict[str, Any]:
    kind = DutyLogKind(entry.kind)
    return {
        "source": "entry",
        "id": entry.pk,
        "at": iso_local(entry.at),
        "time": _hhmm(entry.at),
        "kind": entry.kind,
        "label": kind.label,
        "label_en": kind.name.title(),
        "text": entry.text,
        "incident": entry.incident_id,
        "incident_title": titles.get(entry.incident_id or 0),
        "unit": entry.unit.code if entry.unit else None,
        "by": entry.by.username,
        "_at": entry.at,
    }


def duty_log_day(day: date, viewer: User) -> list[dict[str, Any]]:
    """The day's log, oldest first; on the same instant a free entry comes before the system's event."""
    start, end = day_window(day)
    room = viewer.local_duty_room  # each duty room reads its own log: a town's, or the city's
    free = list(DutyLogEntry.objects.filter(at__gte=start, at__lt=end, room=room).select_related("unit", "by"))
    system = _system_entries(start, end, room)
    ids = {e.incident_id for e in free if e.incident_id} | {e.incident_id for e in system if e.incident_id}
    titles = _titles(viewer, ids) if ids else {}
    rows = [_free_row(e, titles) for e in free] + [_system_row(e, titles) for e in system]
    rows.sort(key=lambda r: (r["_at"], r["source"] != "entry", r["id"]))
    for row in rows:
        del row["_at"]
    return rows
