"""Pages for documents and exports: the 专报 and CAP buttons of the incident page, and the 值班日报 list."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, NotFound
from dutyroom.common.timefmt import LOCAL
from dutyroom.documents.files import FORMATS
from dutyroom.documents.files import render as render_file
from dutyroom.documents.layout import OfficialDocument
from dutyroom.documents.models import DailyReport, SpecialReport
from dutyroom.documents.services import daily_report_generate, special_report_current
from dutyroom.documents.special import special_report_document
from dutyroom.incidents.access import access_incident
from dutyroom.interop.exports import incident_cap
from dutyroom.web.views.common import actor, forbidden, not_found


def _download(document: OfficialDocument, fmt: str, stem: str) -> HttpResponse:
    rendered = render_file(document, fmt, stem)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = rendered.disposition
    return response


@require_GET
@login_required
def special_report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The 专报 button: the latest issue, or number one issued now when the duty room asks first."""
    user = actor(request)
    try:
        incident = access_incident(user, pk)
        if fmt not in FORMATS:
            raise NotFound("格式")
        issue = SpecialReport.objects.filter(incident=incident).first()
        if issue is None:
            if not user.is_duty_room:
                return forbidden(
                    request,
                    DomainError(
                        "该事件尚未编发专报，只有值班室可以编发", "no special report yet; the duty room issues it"
                    ),
                )
            issue = special_report_current(actor=user, incident=incident, now=clock_now())
    except NotFound:
        return not_found(request)
    return _download(special_report_document(issue), fmt, f"值班信息专报{issue.label}")


@require_GET
@login_required
def cap_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = access_incident(actor(request), pk)
    except NotFound:
        return not_found(request)
    response = HttpResponse(incident_cap(incident), content_type="application/cap+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="incident-{incident.pk}.cap.xml"'
    return response


def _may_read_daily(request: HttpRequest) -> bool:
    user = actor(request)
    return user.is_duty_room or user.sees_whole_city


@require_GET
@login_required
def daily_report_list(request: HttpRequest) -> HttpResponse:
    """The kept 值班日报, newest day first, with a button to write today's (or any day's) now."""
    if not _may_read_daily(request):
        return not_found(request)
    reports = DailyReport.objects.select_related("generated_by")[:120]
    return render(
        request,
        "web/daily_reports.html",
        {
            "reports": reports,
            "today": clock_now().astimezone(LOCAL).date().isoformat(),
            "can_generate": actor(request).is_duty_room or actor(request).sees_whole_city,
        },
    )


@require_POST
@login_required
def daily_report_make(request: HttpRequest) -> HttpResponse:
    if not _may_read_daily(request):
        return not_found(request)
    try:
        day = date.fromisoformat(request.POST.get("day") or clock_now().astimezone(LOCAL).date().isoformat())
    except ValueError:
        messages.error(request, _("日期格式无效"))
        return redirect("web:daily-reports")
    report = daily_report_generate(actor=actor(request), day=day, now=clock_now())
    messages.success(request, _("已生成值班日报 %(number)s") % {"number": report.label})
    return redirect("web:daily-reports")


@require_GET
@login_required
def daily_report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    report = DailyReport.objects.filter(pk=pk).first()
    if report is None or fmt not in FORMATS or not _may_read_daily(request):
        return not_found(request)
    return _download(OfficialDocument.from_json(report.content), fmt, f"值班日报{report.label}")
