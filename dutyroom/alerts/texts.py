"""The words of an alert. One rule decides what may be said (domain.md §6, ``rules.content_protected`` via
``incidents.services.is_protected``): for major, flagged or work-secret incidents every channel, the inbox
included, says only that an item needs attention, with a link; the person reads the rest after logging in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings

from dutyroom.incidents.access import is_protected
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import incident_name
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.rules import AlertTopic, ObligationKind

LOCAL = ZoneInfo("Asia/Shanghai")
LOCAL_FORMAT = "%m-%d %H:%M"

TOPIC_ZH = {
    AlertTopic.REMINDER: "即将到期提醒",
    AlertTopic.OVERDUE: "已超时",
    AlertTopic.ESCALATION: "超时升级",
    AlertTopic.RECEIPT_OVERDUE: "书面报告未确认接收",
    AlertTopic.CHASE: "催报",
    AlertTopic.NEW_INCIDENT: "新事件",
    AlertTopic.REGRADED: "事件等级或标记变更",
    AlertTopic.VERIFICATION_REQUEST: "核实请求",
    AlertTopic.FINDING: "考评认定",
    AlertTopic.LEAD: "线索",
}
PROTECTED_TEXT = "有一项事项需要您处理，请登录 DutyRoom 查看。"


def link_for(incident: Incident | None) -> str:
    base = settings.DUTYROOM_BASE_URL
    return f"{base}/incidents/{incident.pk}/" if incident is not None else f"{base}/notifications/"


def protected(incident: Incident | None) -> bool:
    """No incident (a verification request about a rumour) counts as protected: we cannot tell, so say less."""
    return True if incident is None else is_protected(incident)


def alert_text(topic: AlertTopic, *, incident: Incident | None, obligation: Obligation | None,
               unit: Unit | None) -> str:
    """The message, already safe for e-mail, SMS and webhooks."""
    head = f"【{TOPIC_ZH[topic]}】"
    if protected(incident):
        return f"{head}{PROTECTED_TEXT} {link_for(incident)}"
    assert incident is not None
    parts = [head, f"{unit.name}：" if unit is not None else "", f"“{incident_name(incident, None)}”"]
    if obligation is not None:
        due = obligation.due_at.astimezone(LOCAL).strftime(LOCAL_FORMAT)
        parts.append(f"的{ObligationKind(obligation.kind).label_zh}时限 {due}")
    return "".join(parts) + f"。{link_for(incident)}"

