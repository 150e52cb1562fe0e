"""/assessment/: the ranking per peer group with charts, a unit's ledger (every point explained), the findings
queue with appeal and decision forms, and the draft monthly 通报 as a Word document.

A unit sees only its own row, ledger and findings; the assessor, the duty room and admins see every unit.
Each page is at one level (分级管理): a town's duty room sees its own units, scored on the clocks owed to it;
the city-wide readers see the city's level and may open any town's (``?assessed_by=<town>``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dutyroom.assessment.access import (
    CITY,
    Level,
    access_assessed_unit,
    access_finding,
    evidence_candidates,
    level_named,
    sees_all_units,
    visible_assessed_units,
    visible_findings,
)
from dutyroom.assessment.book import scoring_book
from dutyroom.assessment.models import FindingKind, FindingState
from dutyroom.assessment.notice import (
    level_issuer,
    notice_content,
    notice_docx,
    notice_pdf,
    table_xlsx,
    town_short_name,
)
from dutyroom.assessment.scores import assessment_for, monthly_on_time, unit_ledger
from dutyroom.assessment.selectors import first_report_delays
from dutyroom.assessment.services import APPELLANT_ROLES, finding_appeal, finding_decide, may_decide, may_raise
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, NotFound
from dutyroom.common.replica import replica_reads
from dutyroom.common.timefmt import LOCAL
from dutyroom.orgs.models import Unit, UnitKind
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


def _charts(period: Period, rows: list[Any], units: list[Any], level: Level) -> dict[str, Any]:
    now = clock_now()
    year = parse_period(str(period.start.year))
    book = scoring_book()
    delays = first_report_delays(period, book, [u.pk for u in units], now, level.owed_to)
    violations = {
        key: sum(r.findings[key] for r in rows)
        for key in ("late", "omitted", "false", "concealed", "forbidden_channel")
    }
    violations["missing"] = sum(r.first_reports["missing"] for r in rows)
    months = monthly_on_time(year, units, now, level.owed_to)
    return {"months": months, "violations": violations, "delays": delays}


def group_labels(level: Level) -> dict[str, str]:
    if level.is_city:
        return {"territorial": _("镇（区）、街道"), "department": _("部门")}
    return {"territorial": _("村、社区"), "department": _("企业、站所")}


def _level(request: HttpRequest) -> Level | None:
    try:
        return level_named(actor(request), request.GET.get("assessed_by", ""))
    except NotFound:
        return None


def _other_levels(user: Any, level: Level) -> list[Any]:
    """The levels a city-wide reader may switch to: the city's and each duty room below it."""
    if not user.sees_whole_city:
        return []
    return [u for u in Unit.objects.filter(duty_room=True, active=True).exclude(kind=UnitKind.DUTY_ROOM)]


@login_required
@replica_reads()
def assessment_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    level = _level(request)
    if level is None:
        return not_found(request)
    period = _period(request)
    units = list(visible_assessed_units(user, level))
    table = assessment_for(period, units, clock_now(), level=level)
    names = group_labels(level)
    groups = [(names[g], [r for r in table.rows if r.group == g]) for g in ("territorial", "department")]
    return render(
        request,
        "web/assessment.html",
        {
            "period": period,
            "previous": period.previous(),
            "groups": [g for g in groups if g[1]],
            "chart": _charts(period, table.rows, units, level),
            "all_units": sees_all_units(user, level),
            "level": level,
            "room_label": town_short_name(labels.unit_name(level.room)) if level.room is not None else "",
            "level_query": "" if level == CITY else f"&assessed_by={level.code}",
            "other_levels": _other_levels(user, level),
            "chases_recorded": table.chases_recorded,
            "closes_at": table.closed_at,
        },
    )


@login_required
@replica_reads()
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    user = actor(request)
    try:
        unit, level = access_assessed_unit(user, code)
    except NotFound:
        return not_found(request)
    period = _period(request)
    detail = unit_ledger(period, unit, clock_now(), viewer=user, level=level)
    return render(
        request,
        "web/assessment_unit.html",
        {
            "period": period,
            "detail": detail,
            "row": detail.row,
            "lines": detail.ledger.lines,
            "level": level,
            "room_label": town_short_name(labels.unit_name(level.room)) if level.room is not None else "",
            "level_query": "" if level == CITY else f"&assessed_by={level.code}",
        },
    )


DOCUMENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def notice_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """The draft 通报 (Word or PDF) or the table (XLSX) of the period at a level, for who sees every unit there:
    the city's office, or a town's duty room for the units that report to it."""
    user = actor(request)
    level = _level(request)
    if level is None or not sees_all_units(user, level) or fmt not in DOCUMENT_TYPES:
        return not_found(request)
    period = _period(request)
    now = clock_now()
    units = visible_assessed_units(user, level)
    table = assessment_for(period, units, now, with_points=fmt != "xlsx", level=level)
    if fmt == "xlsx":
        content = table_xlsx(table)
    else:
        issuer, prefix = level_issuer(level)
        notice = notice_content(
            table, number=f"{prefix}〔{now.astimezone(LOCAL):%Y}〕{period.start.month}号", issuer=issuer, now=now
        )
        content = notice_docx(notice) if fmt == "docx" else notice_pdf(notice)
    response = HttpResponse(content, content_type=DOCUMENT_TYPES[fmt])
    name = ("table" if fmt == "xlsx" else "notice") + ("" if level.is_city else f"-{level.code}")
    response["Content-Disposition"] = f'attachment; filename="{name}-{period.code}.{fmt}"'
    return response


def _states() -> list[tuple[str, str]]:
    return [(value, labels.finding_state_label(value, str(zh))) for value, zh in FindingState.choices]


@login_required
def findings_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    raises = may_raise(user)
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
            "may_raise": raises,
            "candidates": evidence_candidates(user) if raises else [],
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
            "may_decide": may_decide(user, finding) and finding.state in (FindingState.OPEN, FindingState.APPEALED),
            "kinds": FindingKind,
        },
    )
