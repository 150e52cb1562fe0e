"""/assessment/: the ranking per peer group with charts, a unit's ledger (every point explained), the findings
queue with appeal and decision forms, and the draft monthly 通报 as a Word document.

A unit sees only its own row, ledger and findings; the assessor, the duty room and admins see every unit.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dutyroom.assessment.access import (
    access_assessed_unit,
    access_finding,
    evidence_candidates,
    sees_all_units,
    visible_assessed_units,
    visible_findings,
)
from dutyroom.assessment.book import scoring_book
from dutyroom.assessment.models import FindingKind, FindingState
from dutyroom.assessment.notice import notice_content, notice_docx, notice_pdf, table_xlsx
from dutyroom.assessment.scores import assessment_for, monthly_on_time, unit_ledger
from dutyroom.assessment.selectors import first_report_delays
from dutyroom.assessment.services import APPELLANT_ROLES, DECIDER_ROLES, finding_appeal, finding_decide
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, NotFound
from dutyroom.common.replica import replica_reads
from dutyroom.common.timefmt import LOCAL
from dutyroom.rules.periods import Period, PeriodKind, parse_period
from dutyroom.web import labels
from dutyroom.web.views.common import actor, message_of, not_found


def _period(request: HttpRequest) -> Period:
    text = request.GET.get("period", "")
    try:
        return parse_period(text)
    except ValueError:
        return parse_period(clock_now().astimezone(LOCAL).strftime("%Y-%m"))


MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_label(period: Period) -> str:
    """2026年12月 / 2026年第4季度 / 2026年 on Chinese pages; December 2026 / Q4 2026 / 2026 on English ones."""
    if not labels.english():
        return period.label_zh()
    if period.kind == PeriodKind.MONTH:
        return f"{MONTHS_EN[period.start.month - 1]} {period.start.year}"
    if period.kind == PeriodKind.QUARTER:
        return f"Q{(period.start.month - 1) // 3 + 1} {period.start.year}"
    return str(period.start.year)


def _charts(period: Period, rows: list[Any], units: list[Any]) -> dict[str, Any]:
    now = clock_now()
    year = parse_period(str(period.start.year))
    book = scoring_book()
    delays = first_report_delays(period, book, [u.pk for u in units], now)
    violations = {
        key: sum(r.findings[key] for r in rows)
        for key in ("late", "omitted", "false", "concealed", "forbidden_channel")
    }
    violations["missing"] = sum(r.first_reports["missing"] for r in rows)
    return {"months": monthly_on_time(year, units, now), "violations": violations, "delays": delays}


@login_required
@replica_reads()
def assessment_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    period = _period(request)
    units = list(visible_assessed_units(user))
    table = assessment_for(period, units, clock_now())
    groups = [
        (_("镇（区）、街道"), [r for r in table.rows if r.group == "territorial"]),
        (_("部门"), [r for r in table.rows if r.group == "department"]),
    ]
    return render(
        request,
        "web/assessment.html",
        {
            "period": period,
            "previous": period.previous(),
            "groups": [g for g in groups if g[1]],
            "chart": _charts(period, table.rows, units),
            "all_units": sees_all_units(user),
            "chases_recorded": table.chases_recorded,
            "closes_at": table.closed_at,
        },
    )


@login_required
@replica_reads()
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    user = actor(request)
    try:
        unit = access_assessed_unit(user, code)
    except NotFound:
        return not_found(request)
    period = _period(request)
    detail = unit_ledger(period, unit, clock_now(), viewer=user)
    return render(
        request,
        "web/assessment_unit.html",
        {"period": period, "detail": detail, "row": detail.row, "lines": detail.ledger.lines},
    )


DOCUMENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def notice_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """The draft 通报 (Word or PDF) or the table (XLSX) of the period; for the office that sees every unit."""
    user = actor(request)
    if not sees_all_units(user) or fmt not in DOCUMENT_TYPES:
        return not_found(request)
    period = _period(request)
    now = clock_now()
    table = assessment_for(period, visible_assessed_units(user), now, with_points=fmt != "xlsx")
    if fmt == "xlsx":
        content = table_xlsx(table)
    else:
        notice = notice_content(
            table,
            number=f"太政办考〔{now.astimezone(LOCAL):%Y}〕{period.start.month}号",
            issuer="太仓市人民政府办公室",
            now=now,
        )
        content = notice_docx(notice) if fmt == "docx" else notice_pdf(notice)
    response = HttpResponse(content, content_type=DOCUMENT_TYPES[fmt])
    name = "table" if fmt == "xlsx" else "notice"
    response["Content-Disposition"] = f'attachment; filename="{name}-{period.code}.{fmt}"'
    return response


def _states() -> list[tuple[str, str]]:
    return [(value, labels.finding_state_label(value, str(zh))) for value, zh in FindingState.choices]


@login_required
def findings_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    may_raise = user.is_duty_room or user.role == "assessor"
    state = request.GET.get("state", "")
    qs = visible_findings(user)
    if state in FindingState.values:
        qs = qs.filter(state=state)
    return render(
        request,
        "web/findings.html",
        {
            "findings": list(qs[:300]),
            "state": state,
            "states": _states(),
            "now": clock_now(),
            "may_raise": may_raise,
            "candidates": evidence_candidates(user) if may_raise else [],
        },
    )


@login_required
def finding_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        finding = access_finding(user, pk)
    except NotFound:
        return not_found(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "appeal":
                finding_appeal(actor=user, finding=finding, text=request.POST.get("text", ""), now=clock_now())
                messages.success(request, _("申诉已提交"))
            else:
                finding_decide(
                    actor=user,
                    finding=finding,
                    upheld=request.POST.get("upheld") == "true",
                    reason=request.POST.get("reason", ""),
                    now=clock_now(),
                )
                messages.success(request, _("决定已记录"))
        except DomainError as error:
            messages.error(request, message_of(error))
        return redirect("web:finding", pk=pk)
    now = clock_now()
    return render(
        request,
        "web/finding.html",
        {
            "finding": finding,
            "now": now,
            "may_appeal": user.role in APPELLANT_ROLES
            and user.unit_id == finding.unit_id
            and finding.state == FindingState.OPEN
            and now < finding.appeal_due_at,
            "may_decide": user.role in DECIDER_ROLES and finding.state in (FindingState.OPEN, FindingState.APPEALED),
            "kinds": FindingKind,
        },
    )
