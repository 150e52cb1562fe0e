"""The content of 值班信息专报: an incident told from its reports, in the order leaders read it.

Body: basic facts, the first report, each follow-up in order (续报一、续报二 …), the final report, a casualties
table (one row per report that carried figures) and a timeline. Built from the database at print time, so a
re-print of an issue shows the reports received since; the number and signer stay those of the issue.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from dutyroom.audit.models import AuditEntry
from dutyroom.documents.layout import (
    LOCAL,
    Block,
    Heading,
    OfficialDocument,
    Paragraph,
    Table,
    cn_date,
    cn_datetime,
    cn_number,
    cn_time,
)
from dutyroom.documents.models import SpecialReport
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import incident_name
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.instructions.selectors import incident_instructions
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports.models import Report
from dutyroom.rules import Category, Classification, Grade, ObligationKind, ReportKind

MASTHEAD = "值班信息专报"
CASUALTY_HEADERS = ["报告", "接收时间", "死亡", "失踪", "被困", "重伤", "轻伤", "转移疏散", "直接经济损失（元）"]
FLAG_LABELS = {"sensitive": "敏感", "may_escalate": "可能演化为较大以上", "hotspot": "社会舆论广泛关注"}


def classification_mark(classification: str) -> str:
    """The 密级 mark printed top-left (GB/T 9704 §7.2.2); a public document carries none."""
    return "" if classification == Classification.PUBLIC else Classification(classification).label_zh


def report_name(report: Report) -> str:
    if report.kind == ReportKind.FOLLOWUP:
        return f"续报{cn_number(report.number or 1)}"
    return ReportKind(report.kind).label_zh


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _facts(incident: Incident) -> list[Block]:
    rulebook = rulebook_of(incident.rulebook)
    category = Category(incident.category)
    subtype = rulebook.subtypes.get(category, {}).get(incident.subtype, incident.subtype)
    grade = Grade(incident.grade).label_zh if incident.grade else "尚未定级"
    flags = "、".join(label for name, label in FLAG_LABELS.items() if getattr(incident, name))
    place = "，".join(p for p in ((incident.area.name if incident.area else ""), incident.address) if p)
    lines = [
        f"事发时间：{cn_datetime(incident.occurred_at)}；获悉时间：{cn_datetime(incident.learned_at)}。",
        f"事发地点：{place or '待报'}。",
        f"事件类别：{category.label_zh}{('（' + subtype + '）') if subtype else ''}；事件分级：{grade}。",
        f"责任单位：{incident.unit.name}。",
    ]
    if flags:
        lines.append(f"事件性质：{flags}。")
    if incident.exercise:
        lines.append("本事件为演练，不计入考评。")
    return [Heading("一、基本情况"), *(Paragraph(line) for line in lines)]


def _report_paragraphs(report: Report) -> list[Paragraph]:
    head = f"{report.unit.name}于{cn_time(report.called_at or report.received_at)}报送{report_name(report)}"
    lines = [f"{head}：{report.summary}" if report.summary else f"{head}。"]
    if report.measures:
        lines.append(f"已采取措施：{report.measures}")
    if report.trend:
        lines.append(f"发展趋势：{report.trend}")
    signer = f"签发人：{report.signer}" if report.signer else ""
    contact = "，".join(p for p in (report.contact_name, report.contact_phone) if p)
    tail = "；".join(p for p in (signer, f"联系人：{contact}" if contact else "") if p)
    if tail:
        lines.append(f"（{tail}）")
    return [Paragraph(line) for line in lines]


def _chain(reports: list[Report]) -> list[Block]:
    """First report, follow-ups in order, final: the 先报概况、续报变化、终报总结 the notice asks for."""
    firsts = [r for r in reports if r.kind in (ReportKind.PHONE, ReportKind.WRITTEN)]
    followups = [r for r in reports if r.kind == ReportKind.FOLLOWUP]
    finals = [r for r in reports if r.kind == ReportKind.FINAL]
    blocks: list[Block] = [Heading("二、首报情况")]
    if not firsts:
        blocks.append(Paragraph("责任单位尚未报送首报。"))
    for report in firsts:
        blocks.extend(_report_paragraphs(report))
    if followups:
        blocks.append(Heading("三、续报情况"))
        for report in sorted(followups, key=lambda r: (r.number or 0, r.received_at)):
            blocks.extend(_report_paragraphs(report))
    blocks.append(Heading(f"{'四' if followups else '三'}、终报情况"))
    if finals:
        for report in finals:
            blocks.extend(_report_paragraphs(report))
    else:
        blocks.append(Paragraph("事件尚在处置中，终报待报。"))
    return blocks


def casualties_table(reports: list[Report]) -> Table:
    rows = [
        [report_name(r), cn_time(r.received_at), str(r.deaths), str(r.missing), str(r.trapped),
         str(r.serious_injuries), str(r.injuries), str(r.evacuated), _money(r.direct_loss_cny)]
        for r in reports if r.has_figures or r.direct_loss_cny is not None
    ]
    if not rows:
        rows = [["尚无伤亡和损失数据", "—", "—", "—", "—", "—", "—", "—", "—"]]
    return Table(CASUALTY_HEADERS, rows)


def timeline(incident: Incident, reports: list[Report]) -> list[tuple[datetime, str]]:
    """What happened when, from the incident, its reports, its clocks and the audit log of changes."""
    events: list[tuple[datetime, str]] = [(incident.occurred_at, "事件发生")]
    if incident.learned_at:
        events.append((incident.learned_at, f"{incident.unit.name}获悉"))
    for report in reports:
        events.append((report.called_at or report.received_at, f"{report.unit.name}报送{report_name(report)}"))
        if report.confirmed_at:
            events.append((report.confirmed_at, f"值班室确认接收{report_name(report)}"))
    late = Obligation.objects.filter(incident=incident, state__in=["late", "overdue"]).select_related("unit")
    for obligation in late:
        kind = ObligationKind(obligation.kind).label_zh
        if obligation.state == "late":
            minutes = (obligation.late_by_seconds or 0) // 60
            events.append((obligation.met_at or obligation.due_at, f"{obligation.unit.name}{kind}迟报{minutes}分钟"))
        else:
            events.append((obligation.due_at, f"{obligation.unit.name}{kind}超时未报"))
    for entry in AuditEntry.objects.filter(incident_id=incident.pk, action="incident.update").order_by("id"):
        changes = entry.data.get("changes", {})
        if "grade" in changes:
            old, new = changes["grade"].get("from"), changes["grade"].get("to")
            events.append((entry.at, f"值班室调整事件分级：{old or '未定级'} → {new or '未定级'}"))
    for request in incident.verification_requests.all():
        events.append((request.created_at, f"{request.get_authority_display()}要求核报：{request.question}"))
    for instruction in incident.instructions.all():
        events.append((instruction.given_at, f"{instruction.leader}作出批示"))
    if incident.handled_at:
        events.append((incident.handled_at, "处置结束"))
    return sorted(events, key=lambda event: event[0])


def instructions_blocks(incident: Incident) -> list[Block]:
    """领导批示及落实情况: each instruction, then each unit's feedback or how long it is still owed."""
    instructions = incident_instructions(incident)
    if not instructions:
        return []
    blocks: list[Block] = [Heading("领导批示及落实情况")]
    for instruction in instructions:
        blocks.append(Paragraph(f"{cn_time(instruction.given_at)}，{instruction.leader}批示：{instruction.text}"))
        for task in instruction.tasks.all():
            if task.feedback:
                blocks.append(Paragraph(f"{task.unit.name}于{cn_time(task.feedback_at)}反馈：{task.feedback}"))
            else:
                blocks.append(Paragraph(f"{task.unit.name}：尚未反馈（时限{cn_time(task.due_at)}）。"))
    return blocks


def special_report_document(issue: SpecialReport) -> OfficialDocument:
    incident = issue.incident
    reports = list(Report.objects.filter(incident=incident).select_related("unit").order_by("received_at", "id"))
    blocks = [*_facts(incident), *_chain(reports), *instructions_blocks(incident), Heading("伤亡和损失情况"),
              casualties_table(reports), Heading("事件时间线")]
    blocks.extend(Paragraph(f"{cn_time(at)}　{text}") for at, text in timeline(incident, reports))
    office = duty_room_unit().name
    return OfficialDocument(
        masthead=MASTHEAD, number=issue.label, office=office, title=incident_name(incident, issue.issued_by),
        signer=issue.signer, classification=classification_mark(incident.classification), blocks=blocks,
        closing=[office], issued_on=cn_date(issue.issued_at.astimezone(LOCAL).date()),
    )
