"""Public-opinion watch beyond the watch list: hot words, early warnings (预警), the stage report (阶段性舆情)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import OpinionReportOut, WarningOut, WordCountOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice
from dutyroom.api.schemas import no_body
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import ValidationFailed
from dutyroom.leads.access import access_warning, warnings_readable
from dutyroom.leads.early_warnings import warning_acknowledge, warning_verify, warning_view
from dutyroom.leads.models import Lead, WarningState
from dutyroom.leads.opinion import hot_words
from dutyroom.leads.stage import check_period, stage_report
from dutyroom.leads.stage_docx import stage_docx

router = Router(tags=["opinion"])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _time(field: str, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise ValidationFailed.one(field, "时间格式无效，请使用 ISO 8601", "invalid ISO 8601 time") from error
    if parsed.tzinfo is None:
        raise ValidationFailed.one(field, "时间必须带时区偏移（如 +08:00）", "time must carry a UTC offset")
    return parsed


@router.get("/warnings", response=list[WarningOut])
def list_warnings(request: HttpRequest, response: HttpResponse, paging: Query[Paging], state: str | None = None) -> Any:
    qs = warnings_readable(caller(request))
    check_choice("state", state, WarningState.values)
    if state:
        qs = qs.filter(state=state)
    return paged(request, response, qs.prefetch_related("items"), paging, warning_view, default=200)


@router.get("/warnings/{warning_id}", response=WarningOut)
def get_warning(request: HttpRequest, warning_id: int) -> Any:
    return warning_view(access_warning(caller(request), warning_id))


@router.post("/warnings/{warning_id}/acknowledge", response=WarningOut)
def acknowledge_warning(request: HttpRequest, warning_id: int) -> Any:
    no_body(request)
    user = caller(request)
    warning = access_warning(user, warning_id)

    def action() -> tuple[int, Any]:
        return 200, warning_view(warning_acknowledge(actor=user, warning=warning, now=clock_now()))

    return idempotent(request, action)[1]


@router.post("/warnings/{warning_id}/verify", response=WarningOut)
def verify_warning(request: HttpRequest, warning_id: int) -> Any:
    """Turn the warning into a verification request (a lead on the verifiers' clock); returns the warning
    with ``lead`` set."""
    no_body(request)
    user = caller(request)
    warning = access_warning(user, warning_id)

    def action() -> tuple[int, Any]:
        return 200, warning_view(warning_verify(actor=user, warning=warning, now=clock_now()))

    return idempotent(request, action)[1]


@router.get("/hot-words", response=list[WordCountOut])
def list_hot_words(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    since: str | None = None,
    until: str | None = None,
    top: int = 20,
) -> Any:
    """Hot words of leads received in [since, until) (default: the last hour), by number of leads."""
    warnings_readable(caller(request))
    end = _time("until", until) or clock_now()
    start = _time("since", since) or end - timedelta(hours=1)
    start, end = check_period(start, end)
    words = Lead.objects.filter(received_at__gte=start, received_at__lt=end).values_list("words", flat=True)
    found = hot_words((w.split() for w in words), max(1, min(top, 100)))
    return paged(request, response, found, paging, lambda pair: {"word": pair[0], "count": pair[1]})


@router.get("/opinion-report", response=OpinionReportOut)
def opinion_report(request: HttpRequest, start: str | None = None, end: str | None = None, format: str = "json") -> Any:
    """The stage report for [start, end); ``format=docx`` answers the Word document."""
    warnings_readable(caller(request))
    check_choice("format", format, ["json", "docx"])
    report = stage_report(*check_period(_time("start", start), _time("end", end)))
    if format == "docx":
        response = HttpResponse(stage_docx(report), content_type=DOCX)
        response["Content-Disposition"] = 'attachment; filename="opinion-report.docx"'
        return response
    return report
