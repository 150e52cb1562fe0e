"""The content of 值班信息专报: an incident told from its reports, in the order leaders read it.

Body: basic facts, the first report, each follow-up in order (续报一、续报二 …), the final report, the answers to
verification requests (核报), leaders' instructions, the casualties (the incident's figures as last reported, then
one row per report that carried figures) and a timeline; the sections are numbered 一、二、三 … all the way down,
whichever of them an incident has. A figure no report stated prints as 不详, never 0. Built from the database
at print time, so a re-print of an issue shows the reports received since; the number and signer stay
those of the issue.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Q

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
from dutyroom.reports.models import Report, VerificationRequest
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


UNKNOWN = "不详"
FIGURE_LABELS = (
    ("deaths", "死亡", "人"),
    ("missing", "失踪", "人"),
    ("trapped", "被困", "人"),
    ("serious_injuries", "重伤", "人"),
    ("injuries", "轻伤", "人"),
    ("evacuated", "转移疏散", "人"),
    ("direct_loss_cny", "直接经济损失", "元"),
)


def _money(value: Decimal | str | None) -> str:
    return UNKNOWN if value is None else f"{Decimal(str(value)):,.0f}"


def _count(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def numbered(sections: list[tuple[str, list[Block]]]) -> list[Block]:
    """Sections in order, each heading numbered 一、二、三 … so the numbering never stops part way."""
    blocks: list[Block] = []
    for index, (title, body) in enumerate(sections, start=1):
        blocks.append(Heading(f"{cn_number(index)}、{title}"))
        blocks.extend(body)
    return blocks


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
    return [Paragraph(line) for line in lines]


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


def _chain(reports: list[Report]) -> list[tuple[str, list[Block]]]:
    """First report, follow-ups in order, final: the 先报概况、续报变化、终报总结 the notice asks for."""
    firsts = [r for r in reports if r.kind in (ReportKind.PHONE, ReportKind.WRITTEN)]
    followups = [r for r in reports if r.kind == ReportKind.FOLLOWUP]
    finals = [r for r in reports if r.kind == ReportKind.FINAL]
    first: list[Block] = [] if firsts else [Paragraph("责任单位尚未报送首报。")]
    for report in firsts:
        first.extend(_report_paragraphs(report))
    sections: list[tuple[str, list[Block]]] = [("首报情况", first)]
    if followups:
        body: list[Block] = []
        for report in sorted(followups, key=lambda r: (r.number or 0, r.received_at)):
            body.extend(_report_paragraphs(report))
        sections.append(("续报情况", body))
    final: list[Block] = [] if finals else [Paragraph("事件尚在处置中，终报待报。")]
    for report in finals:
        final.extend(_report_paragraphs(report))
    sections.append(("终报情况", final))
    return sections


def verification_blocks(incident: Incident, reports: list[Report]) -> list[Block]:
    """核报情况: each question from above about this incident, and the unit's answer (or that it is owed)."""
    blocks: list[Block] = []
    asked = {r.verification_request_id for r in reports if r.verification_request_id is not None}
    requests = VerificationRequest.objects.filter(Q(incident=incident) | Q(pk__in=asked))
    for request in requests.select_related("unit").order_by("created_at", "id"):
        blocks.append(
            Paragraph(f"{cn_time(request.created_at)}，{request.get_authority_display()}要求核报：{request.question}")
        )
        replies = [r for r in reports if r.verification_request_id == request.pk]
        for reply in replies:
            blocks.append(Paragraph(f"{reply.unit.name}于{cn_time(reply.received_at)}核报：{reply.summary}"))
        if not replies:
            blocks.append(Paragraph(f"{request.unit.name}：尚未核报（时限{cn_time(request.due_at)}）。"))
    return blocks


def figures_paragraph(incident: Incident) -> Paragraph:
    """The incident's figures as last reported, each figure from the latest report that stated it."""
    stored = incident.figures or {}
    parts = []
    for name, label, unit in FIGURE_LABELS:
        value = stored.get(name)
        shown = (_money(value) if name == "direct_loss_cny" else _count(value)) if value is not None else UNKNOWN
        parts.append(f"{label}{shown}{'' if value is None else unit}")
    return Paragraph(f"截至目前（各项取最近一次报告的数字）：{'，'.join(parts)}。")


def casualties_table(reports: list[Report]) -> Table:
    rows = [
        [
            report_name(r),
            cn_time(r.received_at),
            _count(r.deaths),
            _count(r.missing),
            _count(r.trapped),
            _count(r.serious_injuries),
            _count(r.injuries),
            _count(r.evacuated),
            _money(r.direct_loss_cny),
        ]
        for r in reports
        if r.has_figures or r.direct_loss_cny is not None
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
    blocks: list[Block] = []
    for instruction in instructions:
        blocks.append(Paragraph(f"{cn_time(instruction.given_at)}，{instruction.leader}批示：{instruction.text}"))
        for task in instruction.tasks.all():
            if task.feedback:
                blocks.append(Paragraph(f"{task.unit.name}于{cn_time(task.feedback_at)}反馈：{task.feedback}"))
            else:
                blocks.append(Paragraph(f"{task.unit.name}：尚未反馈（时限{cn_time(task.due_at)}）。"))
    return blocks


def chain_signer(reports: list[Report]) -> str:
    """The signer of the latest report that names one: the leader who signed what the 专报 is built from,
    for an issue no duty leader signed when it was numbered."""
    return next((r.signer for r in reversed(reports) if r.signer), "")


def special_report_document(issue: SpecialReport) -> OfficialDocument:
    incident = issue.incident
    reports = list(Report.objects.filter(incident=incident).select_related("unit").order_by("received_at", "id"))
    sections: list[tuple[str, list[Block]]] = [("基本情况", _facts(incident)), *_chain(reports)]
    answers = verification_blocks(incident, reports)
    if answers:
        sections.append(("核报情况", answers))
    instructed = instructions_blocks(incident)
    if instructed:
        sections.append(("领导批示及落实情况", instructed))
    sections.append(("伤亡和损失情况", [figures_paragraph(incident), casualties_table(reports)]))
    sections.append(("事件时间线", [Paragraph(f"{cn_time(at)}　{text}") for at, text in timeline(incident, reports)]))
    office = duty_room_unit().name
    return OfficialDocument(
        masthead=MASTHEAD,
        number=issue.label,
        office=office,
        title=incident_name(incident, issue.issued_by),
        signer=issue.signer or chain_signer(reports),
        classification=classification_mark(incident.classification),
        blocks=numbered(sections),
        closing=[office],
        issued_on=cn_date(issue.issued_at.astimezone(LOCAL).date()),
    )
