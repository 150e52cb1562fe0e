"""Documents: 值班信息专报 of an incident and the 值班日报, as Word or PDF files."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import DailyReportOut, SpecialReportOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice
from dutyroom.api.schemas import Strict  # unknown fields and NUL bytes refused, as everywhere
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.common.timefmt import LOCAL, iso_local
from dutyroom.documents.files import FORMATS, render
from dutyroom.documents.layout import OfficialDocument
from dutyroom.documents.models import DailyReport, SpecialReport
from dutyroom.documents.services import daily_report_generate, special_report_current, special_report_issue
from dutyroom.documents.special import special_report_document
from dutyroom.incidents.access import access_incident

router = Router(tags=["documents"])


class SpecialReportIn(Strict):
    signer: str | None = Field(default=None, max_length=100)


class DailyReportIn(Strict):
    day: date | None = None


def _file(document: OfficialDocument, fmt: str, stem: str) -> HttpResponse:
    check_choice("format", fmt, FORMATS)
    rendered = render(document, fmt, stem)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = rendered.disposition
    return response


def special_view(issue: SpecialReport) -> dict[str, Any]:
    return {
        "id": issue.pk,
        "incident": issue.incident_id,
        "number": issue.label,
        "year": issue.year,
        "sequence": issue.number,
        "signer": issue.signer,
        "issued_at": iso_local(issue.issued_at),
        "issued_by": issue.issued_by.username if issue.issued_by else None,
    }


def daily_view(report: DailyReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "day": report.day.isoformat(),
        "number": report.label,
        "revision": report.revision,
        "generated_at": iso_local(report.generated_at),
        "generated_by": report.generated_by.username if report.generated_by else None,
    }


@router.get("/incidents/{incident_id}/document", response={200: None})
def incident_document(request: HttpRequest, incident_id: int, format: str = "docx") -> HttpResponse:
    """值班信息专报 (docx or pdf): the incident's latest issue; the duty room's first request issues number one."""
    user = caller(request)
    incident = access_incident(user, incident_id)
    check_choice("format", format, FORMATS)
    issue = SpecialReport.objects.filter(incident=incident).first()
    if issue is None:
        if not user.is_duty_room:
            raise Forbidden("该事件尚未编发专报，只有值班室可以编发", "no special report yet; the duty room issues it")
        issue = special_report_current(actor=user, incident=incident, now=clock_now())
    stem = f"值班信息专报{issue.label}"
    return _file(special_report_document(issue), format, stem)


@router.post("/incidents/{incident_id}/special-reports", response={201: SpecialReportOut})
def issue_special_report(request: HttpRequest, incident_id: int, payload: SpecialReportIn) -> Status[Any]:
    """Issue a new numbered 专报 (a new 期) about the incident; ``signer`` defaults to the issuing leader."""
    user = caller(request)
    incident = access_incident(user, incident_id)

    def action() -> tuple[int, Any]:
        issue = special_report_issue(actor=user, incident=incident, signer=payload.signer, now=clock_now())
        return 201, special_view(issue)

    return Status(*idempotent(request, action))


@router.get("/incidents/{incident_id}/special-reports", response=list[SpecialReportOut])
def list_special_reports(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], incident_id: int
) -> list[Any]:
    incident = access_incident(caller(request), incident_id)
    return paged(request, response, SpecialReport.objects.filter(incident=incident), paging, special_view)


def _daily_reader(request: HttpRequest) -> None:
    user = caller(request)
    if not (user.is_duty_room or user.sees_whole_city):
        raise NotFound("值班日报")


@router.get("/daily-reports", response=list[DailyReportOut])
def list_daily_reports(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    """Kept daily reports, newest day first (the duty room, assessors and admins)."""
    _daily_reader(request)
    return paged(request, response, DailyReport.objects.select_related("generated_by"), paging, daily_view, default=366)


@router.post("/daily-reports", response={201: DailyReportOut})
def generate_daily_report(request: HttpRequest, payload: DailyReportIn) -> Status[Any]:
    """Generate (or regenerate) the 日报 of ``day`` (default: today, Asia/Shanghai)."""
    user = caller(request)
    _daily_reader(request)

    def action() -> tuple[int, Any]:
        now = clock_now()
        report = daily_report_generate(actor=user, day=payload.day or now.astimezone(LOCAL).date(), now=now)
        return 201, daily_view(report)

    return Status(*idempotent(request, action))


@router.get("/daily-reports/{report_id}/document", response={200: None})
def daily_report_document(request: HttpRequest, report_id: int, format: str = "docx") -> HttpResponse:
    _daily_reader(request)
    report = DailyReport.objects.filter(pk=report_id).first()
    if report is None:
        raise NotFound("值班日报")
    return _file(OfficialDocument.from_json(report.content), format, f"值班日报{report.label}")
