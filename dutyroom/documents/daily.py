"""The content of 值班日报: one local day of the duty room, from the database as it stands when generated.

Sections: the day's incidents; the clocks that fell due (met, late, missed); receipts; verification requests;
handovers. Work-secret incidents appear without their title, so the report can go to whoever reads daily
reports (assessors, admins) without widening who learns what.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from dutyroom.documents.layout import LOCAL, Block, Heading, OfficialDocument, Paragraph, Table, cn_date, cn_time
from dutyroom.handover.models import Handover
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import SECRET_NAME, incident_name, may_name
from dutyroom.instructions.models import Instruction
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.selectors import duty_room_unit
from dutyroom.reports.models import VerificationRequest
from dutyroom.rules import Grade, ObligationKind, ObligationState

MASTHEAD = "值班日报"
STATE_ORDER = ["met", "late", "overdue", "waived", "pending"]


def day_window(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=LOCAL)
    return start, start + timedelta(days=1)


def incident_line(incident: Incident) -> str:
    grade = Grade(incident.grade).label_zh if incident.grade else "未定级"
    # the daily report circulates: named for no one in particular, so a work secret is withheld
    title = incident_name(incident, None)
    title = f"{title}详情限值班室查阅" if title == SECRET_NAME else title
    drill = "（演练）" if incident.exercise else ""
    state = incident.get_state_display()
    return f"{cn_time(incident.occurred_at)}　{incident.unit.name}：{title}{drill}，{grade}，{state}。"


def _incidents(start: datetime, end: datetime) -> list[Block]:
    incidents = list(
        Incident.objects.filter(
            Q(occurred_at__gte=start, occurred_at__lt=end) | Q(created_at__gte=start, created_at__lt=end)
        )
        .select_related("unit")
        .order_by("occurred_at", "id")
    )
    blocks: list[Block] = [Heading(f"一、突发事件（{len(incidents)}起）")]
    if not incidents:
        blocks.append(Paragraph("当日无突发事件报告。"))
    blocks.extend(Paragraph(incident_line(i)) for i in incidents)
    return blocks


def _clocks(start: datetime, end: datetime, now: datetime) -> list[Block]:
    due = list(
        Obligation.objects.filter(due_at__gte=start, due_at__lt=end)
        .exclude(kind=ObligationKind.RECEIPT)
        .select_related("unit", "incident")
    )
    counts = Counter((o.kind, o.state) for o in due)
    kinds = sorted({o.kind for o in due})
    rows = [[ObligationKind(k).label_zh, *(str(counts[(k, s)]) for s in STATE_ORDER)] for k in kinds]
    blocks: list[Block] = [Heading(f"二、报告时限（当日到期{len(due)}项）")]
    headers = ["时限", *(ObligationState(s).label_zh for s in STATE_ORDER)]
    blocks.append(Table(headers, rows or [["当日无到期时限", "—", "—", "—", "—", "—"]]))
    for o in sorted((o for o in due if o.state in ("late", "overdue")), key=lambda o: o.due_at):
        what = ObligationKind(o.kind).label_zh
        about = f"（事件#{o.incident_id}）" if o.incident_id else ""
        if o.state == "late":
            blocks.append(Paragraph(f"{o.unit.name}{what}{about}迟报{(o.late_by_seconds or 0) // 60}分钟。"))
        else:
            blocks.append(Paragraph(f"{o.unit.name}{what}{about}截至{cn_time(now)}未报。"))
    return blocks


def _receipts(start: datetime, end: datetime) -> list[Block]:
    receipts = Obligation.objects.filter(kind=ObligationKind.RECEIPT, due_at__gte=start, due_at__lt=end)
    counts = Counter(receipts.values_list("state", flat=True))
    return [
        Heading("三、签收情况"),
        Paragraph(
            f"应签收书面报告{sum(counts.values())}份：按时签收{counts['met']}份，超时签收{counts['late']}份，"
            f"未签收{counts['overdue'] + counts['pending']}份。"
        ),
    ]


def _verifications(start: datetime, end: datetime) -> list[Block]:
    requests = list(
        VerificationRequest.objects.filter(created_at__gte=start, created_at__lt=end)
        .select_related("unit", "incident")
        .prefetch_related("obligations")
    )
    blocks: list[Block] = [Heading(f"四、核报情况（{len(requests)}件）")]
    if not requests:
        blocks.append(Paragraph("当日无核实请求。"))
    for request in requests:
        states = {o.state for o in request.obligations.all()}
        answer = "已按时反馈" if "met" in states else "超时反馈" if "late" in states else "尚未反馈"
        secret = request.incident is not None and not may_name(request.incident, None)
        question = SECRET_NAME if secret else f"“{request.question[:60]}”"
        blocks.append(
            Paragraph(
                f"{cn_time(request.created_at)}　{request.get_authority_display()}要求"
                f"{request.unit.name}核报{question}（时限{cn_time(request.due_at)}）：{answer}。"
            )
        )
    return blocks


def _instructions(start: datetime, end: datetime) -> list[Block]:
    given = list(
        Instruction.objects.filter(given_at__gte=start, given_at__lt=end)
        .select_related("incident")
        .prefetch_related("tasks__unit")
    )
    blocks: list[Block] = [Heading(f"五、领导批示（{len(given)}件）")]
    if not given:
        blocks.append(Paragraph("当日无领导批示。"))
    for instruction in given:
        text = instruction.text if may_name(instruction.incident, None) else SECRET_NAME
        answered = [t.unit.name for t in instruction.tasks.all() if t.feedback]
        owing = [t.unit.name for t in instruction.tasks.all() if not t.feedback]
        state = "；".join(
            p
            for p in (
                f"已反馈：{'、'.join(answered)}" if answered else "",
                f"未反馈：{'、'.join(owing)}" if owing else "",
            )
            if p
        )
        blocks.append(Paragraph(f"{cn_time(instruction.given_at)}　{instruction.leader}批示：{text}（{state}）"))
    return blocks


def _handover_line(h: Handover) -> str:
    items = h.items or []
    overdue = sum(1 for i in items if i.get("state") == "overdue")
    open_part = f"未结事项{len(items)}项" + (f"（其中超时{overdue}项）" if overdue else "")
    if h.acknowledged_at is not None and h.acknowledged_by is not None:
        taken = f"{h.acknowledged_by.label}{cn_time(h.acknowledged_at)}确认接班"
    else:
        taken = f"待{h.incoming.label}确认接班" if h.incoming is not None else "尚未确认接班"
    line = f"{cn_time(h.signed_at)}　{h.outgoing.label}签字交班，{taken}；{open_part}。"
    return f"{line}交班说明：{h.note}" if h.note else line


def _handovers(start: datetime, end: datetime) -> list[Block]:
    """The day's handovers (who to whom, both signatures' times, open items, note), from ``dutyroom.handover``.

    The snapshot's titles are never read here: only counts, so a work-secret title cannot reach the report."""
    rows = list(
        Handover.objects.filter(signed_at__gte=start, signed_at__lt=end, room__isnull=True)  # the city's book
        .select_related("outgoing", "incoming", "acknowledged_by")
        .order_by("signed_at", "id")
    )
    blocks: list[Block] = [Heading(f"六、交接班（{len(rows)}次）")]
    if not rows:
        blocks.append(Paragraph("当日无交接班记录。"))
    blocks.extend(Paragraph(_handover_line(h)) for h in rows)
    return blocks


def daily_content(day: date, *, number: str, now: datetime) -> OfficialDocument:
    start, end = day_window(day)
    blocks = [
        *_incidents(start, end),
        *_clocks(start, end, now),
        *_receipts(start, end),
        *_verifications(start, end),
        *_instructions(start, end),
        *_handovers(start, end),
    ]
    office = duty_room_unit().name
    return OfficialDocument(
        masthead=MASTHEAD,
        number=number,
        office=office,
        title=f"{cn_date(day)}值班情况",
        classification="内部",
        blocks=blocks,
        closing=[office],
        issued_on=cn_date(now.astimezone(LOCAL).date()),
    )
