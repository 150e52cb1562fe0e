"""An incident's change history (变更记录) from the audit log, phrased for a duty officer or an auditor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from dutyroom.audit.models import AuditEntry
from dutyroom.audit.selectors import incident_history
from dutyroom.web.labels import (
    grade_label,
    obligation_kind_label,
    obligation_state_label,
    people_labels,
    report_kind_label,
)
from dutyroom.web.templatetags.dutyroom_web import local_dt


def _action(entry: AuditEntry) -> str:
    names = {
        "incident.create": _("创建事件"),
        "incident.update": _("修改事件"),
        "incident.handled": _("标记处置结束"),
        "report.submit": _("收到报告"),
        "report.receipt": _("签收报告"),
        "obligation.waive": _("豁免时限"),
        "obligation.overdue": _("时限超时"),
        "verification.request": _("发起核实请求"),
        "finding.raise": _("提出考评认定"),
        "finding.appeal": _("单位申诉"),
        "finding.decide": _("考评决定"),
        "adoption.record": _("登记信息采用"),
        "lead_evidence.dismiss": _("驳回线索在先候选"),
        "obligation.alert": _("发出提醒"),
        "obligation.chase": _("催报"),
    }
    return names.get(entry.action, entry.action)


def _field_label(field: str) -> str:
    names = {
        "grade": _("分级"),
        "sensitive": _("敏感"),
        "may_escalate": _("可能演化为较大以上"),
        "hotspot": _("舆论热点"),
        "occurred_at": _("事发时间"),
        "category": _("事件类别"),
        "subtype": _("事件类型"),
    }
    return names.get(field, field)


def _value(field: str, value: Any) -> str:
    if field == "grade":
        return grade_label(value, _("未定级"))
    if field == "occurred_at" and value:
        return local_dt(datetime.fromisoformat(str(value)), "seconds")
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _changes(data: dict[str, Any]) -> str:
    return "; ".join(
        f"{_field_label(field)}: {_value(field, change.get('from'))} → {_value(field, change.get('to'))}"
        for field, change in (data.get("changes") or {}).items()
    )


def _alert_said(data: dict[str, Any]) -> str:
    """An alert's topic and the people it reached, as the history shows it."""
    from dutyroom.web.labels import alert_topic_label

    people = ", ".join(data.get("to") or []) or _("（无人）")
    return f" · {alert_topic_label(str(data.get('topic', '')))} → {people}"


def _detail(entry: AuditEntry) -> str:
    data = entry.data or {}
    if entry.action == "incident.update":
        reason = data.get("reason")
        return _changes(data) + (f" — {reason}" if reason else "")
    if entry.action == "report.submit":
        kind = report_kind_label(str(data.get("kind", "")))
        met = ", ".join(
            f"{obligation_kind_label(m['kind'])} {obligation_state_label(m['state'])}"
            for m in data.get("met") or []
            if "kind" in m
        )
        return kind + (f" ({met})" if met else "")
    if entry.action == "obligation.alert":
        return obligation_kind_label(str(data.get("kind", ""))) + _alert_said(data)
    if entry.action == "obligation.chase":
        return obligation_kind_label(str(data.get("kind", ""))) + (f" — {data['note']}" if data.get("note") else "")
    if entry.action in ("obligation.waive", "obligation.overdue"):
        kind = obligation_kind_label(str(data.get("kind", "")))
        reason = data.get("reason")
        alert = data.get("alert")  # the overdue alert the worker sent with the flip
        return kind + (f" — {reason}" if reason else "") + (_alert_said(alert) if isinstance(alert, dict) else "")
    if entry.action == "lead_evidence.dismiss":
        return str(data.get("reason", ""))
    if entry.action.startswith("finding."):
        kinds = {
            "omitted": _("漏报"),
            "false": _("谎报"),
            "concealed": _("瞒报"),
            "forbidden_channel": _("违规渠道报送"),
        }
        text = kinds.get(str(data.get("kind")), str(data.get("kind", "")))
        detail = data.get("reason") or data.get("text") or data.get("evidence") or ""
        if entry.action == "finding.decide":
            text += " " + (_("成立") if data.get("upheld") else _("不成立"))
        return text + (f" — {detail}" if detail else "")
    return ""


def history_rows(incident_id: int) -> list[dict[str, Any]]:
    entries = list(incident_history(incident_id))
    people = people_labels([e.actor_label for e in entries if e.actor_id])
    return [
        {
            "at": entry.at,
            "who": people[entry.actor_label] if entry.actor_id else _("系统"),
            "what": _action(entry),
            "detail": _detail(entry),
            "seq": entry.pk,
        }
        for entry in entries
    ]
