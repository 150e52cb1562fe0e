"""The words of an alert. One rule decides what may be said (domain.md §6, ``rules.content_protected`` via
``incidents.services.is_protected``): for major, flagged or work-secret incidents every channel, the inbox
included, says only that an item needs attention, with a link; the person reads the rest after logging in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from dutyroom.accounts.models import User
from dutyroom.alerts.models import AlertEvent
from dutyroom.common.errors import NotFound
from dutyroom.incidents.access import access_incident, is_protected
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
    AlertTopic.INSTRUCTION: "领导批示",
}
PROTECTED_TEXT = "有一项事项需要您处理，请登录 DutyRoom 查看。"


def link_for(incident: Incident | None) -> str:
    base = settings.DUTYROOM_BASE_URL
    return f"{base}/incidents/{incident.pk}/" if incident is not None else f"{base}/notifications/"


def lead_text(lead_id: int | None) -> str:
    """A lead waiting for its verifier: rumours and reports from the street are never repeated outside the system,
    so every channel says only that one waits, with the link to it."""
    base = settings.DUTYROOM_BASE_URL
    link = f"{base}/leads/{lead_id}/" if lead_id is not None else f"{base}/leads/"
    return f"【{TOPIC_ZH[AlertTopic.LEAD]}】有一条线索等待贵单位核实，请登录 DutyRoom 查看。 {link}"


FINDING_STEP_ZH = {"raised": "提出了考评认定", "appealed": "对考评认定提出了申诉", "decided": "的考评认定已作出决定"}


def finding_text(*, step: str, finding_id: int | None, incident: Incident | None, unit: Unit | None) -> str:
    """A finding raised, appealed or decided, linked to the finding's page (where the unit appeals and the
    assessor decides). A protected incident's title stays off every channel; the inbox says it to readers."""
    base = settings.DUTYROOM_BASE_URL
    link = f"{base}/findings/{finding_id}/" if finding_id is not None else f"{base}/findings/"
    head = f"【{TOPIC_ZH[AlertTopic.FINDING]}】"
    if protected(incident) or unit is None:
        return f"{head}{PROTECTED_TEXT} {link}"
    assert incident is not None
    what = FINDING_STEP_ZH.get(step, "有一项考评认定")
    subject = f"{unit.name}（“{incident_name(incident, None)}”）"
    if step == "raised":
        return f"{head}对{subject}{what}，可在申诉期内申诉。{link}"
    return f"{head}{subject}{what}。{link}"


def instruction_text(*, incident: Incident | None, unit: Unit | None, due: str | None) -> str:
    """A leader's instruction (批示) a unit must carry out and answer by its due time."""
    head = f"【{TOPIC_ZH[AlertTopic.INSTRUCTION]}】"
    if protected(incident) or unit is None:
        return f"{head}{PROTECTED_TEXT} {link_for(incident)}"
    assert incident is not None
    when = ""
    if due:
        try:
            when = f"，请于 {datetime.fromisoformat(due).astimezone(LOCAL).strftime(LOCAL_FORMAT)} 前反馈落实情况"
        except ValueError:
            when = ""
    return f"{head}{unit.name}：“{incident_name(incident, None)}”有领导批示需要落实{when}。{link_for(incident)}"


def protected(incident: Incident | None) -> bool:
    """No incident (a verification request about a rumour) counts as protected: we cannot tell, so say less."""
    return True if incident is None else is_protected(incident)


def alert_text(
    topic: AlertTopic, *, incident: Incident | None, obligation: Obligation | None, unit: Unit | None
) -> str:
    """The message, already safe for e-mail, SMS and webhooks."""
    if protected(incident):
        return f"【{TOPIC_ZH[topic]}】{PROTECTED_TEXT} {link_for(incident)}"
    assert incident is not None
    return described_text(topic, incident=incident, obligation=obligation, unit=unit, viewer=None)


def described_text(
    topic: AlertTopic, *, incident: Incident, obligation: Obligation | None, unit: Unit | None, viewer: User | None
) -> str:
    """What happened, in words: the unit, the incident's name for ``viewer`` (``None``: whoever reads an outside
    channel) and the clock. Never for an outside channel of a protected incident; in the app only for a person
    who may read the incident (``inbox_text``)."""
    name = incident_name(incident, viewer)
    parts = [f"【{TOPIC_ZH[topic]}】", f"{unit.name}：" if unit is not None else "", f"“{name}”"]
    if obligation is not None:
        due = obligation.due_at.astimezone(LOCAL).strftime(LOCAL_FORMAT)
        parts.append(f"的{ObligationKind(obligation.kind).label_zh}时限 {due}")
    return "".join(parts) + f"。{link_for(incident)}"


def inbox_text(event: AlertEvent, user: User) -> str:
    """The text of an alert in this person's inbox. The content rule (domain.md §6) keeps a protected incident's
    content off e-mail, SMS and webhooks, which leave the system; the inbox is read after logging in, so a person
    who may read the incident is told what happened there, and anyone else gets the stored, generic text."""
    if not event.protected or event.incident_id is None:
        return event.text
    try:
        incident = access_incident(user, event.incident_id)
    except NotFound:
        return event.text
    return described_text(
        AlertTopic(event.topic), incident=incident, obligation=event.obligation, unit=event.unit, viewer=user
    )
