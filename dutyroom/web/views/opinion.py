"""/leads/opinion/: the duty room's public-opinion desk — hot words, early warnings (预警) to acknowledge
or turn into verification, and the stage report (阶段性舆情) with its trend chart and Word download."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from dutyroom.leads.access import access_warning, warnings_readable
from dutyroom.leads.early_warnings import warning_acknowledge, warning_verify
from dutyroom.leads.models import Lead, WarningState
from dutyroom.leads.opinion import hot_words
from dutyroom.leads.stage import stage_report
from dutyroom.leads.stage_docx import stage_docx
from dutyroom.web.forms import LocalDateTimeField
from dutyroom.web.views.common import actor, add_service_errors, forbidden, message_of, not_found

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _hot(hours: int) -> list[tuple[str, int]]:
    since = clock_now() - timedelta(hours=hours)
    words = Lead.objects.filter(received_at__gte=since).values_list("words", flat=True)
    return hot_words((w.split() for w in words), 20)


@login_required
def opinion_desk(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    try:
        warnings = warnings_readable(user)
    except Forbidden as error:
        return forbidden(request, error)
    return render(
        request,
        "web/leads/opinion.html",
        {
            "open_warnings": list(warnings.exclude(state=WarningState.VERIFYING).prefetch_related("items")[:50]),
            "verifying": list(warnings.filter(state=WarningState.VERIFYING)[:20]),
            "hot_hour": _hot(1),
            "hot_day": _hot(24),
            "may_act": user.is_duty_room,
        },
    )


@require_POST
@login_required
def warning_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        warning = access_warning(user, pk)
    except NotFound:
        return not_found(request)
    try:
        if request.POST.get("action") == "verify":
            warning_verify(actor=user, warning=warning, now=clock_now())
            messages.success(request, _("已转为核实线索，核实单位开始计时。"))
        else:
            warning_acknowledge(actor=user, warning=warning, now=clock_now())
            messages.success(request, _("预警已知悉。"))
    except DomainError as error:
        messages.error(request, message_of(error))
    return redirect("web:opinion")


class PeriodForm(forms.Form):
    start = LocalDateTimeField(label=gettext_lazy("开始时间"))
    end = LocalDateTimeField(label=gettext_lazy("结束时间"))


@login_required
def opinion_report(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    try:
        warnings_readable(user)
    except Forbidden as error:
        return forbidden(request, error)
    now = clock_now()
    data = request.GET if "start" in request.GET else None
    # the inputs show minutes: the default end is the next minute, so what arrived this minute is in
    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    form = PeriodForm(data, initial={"start": end - timedelta(days=7), "end": end})
    report: dict[str, Any] | None = None
    if form.is_valid():
        try:
            report = stage_report(form.cleaned_data["start"], form.cleaned_data["end"])
        except ValidationFailed as error:
            add_service_errors(form, error)
    if report is not None and request.GET.get("format") == "docx":
        response = HttpResponse(stage_docx(report), content_type=DOCX)
        response["Content-Disposition"] = 'attachment; filename="opinion-report.docx"'
        return response
    return render(
        request, "web/leads/opinion_report.html", {"form": form, "report": report, "query": request.GET.urlencode()}
    )
