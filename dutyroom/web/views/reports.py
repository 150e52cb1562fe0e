"""/incidents/<id>/report/: file a follow-up (续报), final (终报) or written report.

The duty room also logs phone reports (电话报告) here, with the caller and the time of the call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.incidents.access import access_incident
from dutyroom.incidents.models import Incident
from dutyroom.reports.access import require_may_submit
from dutyroom.reports.services import ReportInput, report_submit
from dutyroom.rules import Channel, ReportKind
from dutyroom.web import labels
from dutyroom.web.forms import ReportForm, report_input_from
from dutyroom.web.views.common import actor, forbidden, form_service, not_found
from dutyroom.web.views.common import render_form as render_page
from dutyroom.web.views.present import clock_scope, incident_card

TEMPLATE = "web/report_new.html"


def report_input(form: ReportForm, duty_room: bool) -> ReportInput:
    data = form.cleaned_data
    kind = data["kind"]
    return report_input_from(
        data,
        kind=kind,
        casualties=form.casualties(),
        channel=Channel.PHONE.value if kind == ReportKind.PHONE else data.get("channel") or Channel.PLATFORM.value,
        called_at=data.get("called_at") if kind == ReportKind.PHONE else None,
        unit=(data.get("unit") or None) if duty_room else None,
    )


def _initial(user: User, incident: Incident, kind: str) -> dict[str, Any]:
    if kind not in {k.value for k in ReportKind}:
        # No kind asked for: a written report until there is one, follow-ups after it.
        # a town passing its village's incident on starts with its own written report
        own = incident.reports.all() if user.is_duty_room else incident.reports.filter(unit=user.unit)
        written = own.filter(kind=ReportKind.WRITTEN).exists()
        kind = ReportKind.FOLLOWUP.value if written else ReportKind.WRITTEN.value
    initial: dict[str, Any] = {"kind": kind, "channel": Channel.PLATFORM.value, "unit": incident.unit.code}
    if not user.is_duty_room:
        initial.update(contact_name=user.display_name, contact_phone=user.phone)
    else:
        initial["called_at"] = clock_now().replace(second=0, microsecond=0)
    return initial


def _context(user: User, incident: Incident, form: ReportForm) -> dict[str, Any]:
    obligations = list(incident.obligations.select_related("unit"))
    return {
        "form": form,
        "incident": incident,
        "card": incident_card(incident, obligations, clock_now(), clock_scope(user)),
        "duty_room": user.is_duty_room,
    }


@login_required
def report_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        incident = access_incident(user, pk)
    except NotFound:
        return not_found(request)
    try:
        require_may_submit(user)
    except Forbidden as error:
        return forbidden(request, error)
    if request.method != "POST":
        form = ReportForm(initial=_initial(user, incident, request.GET.get("kind", "")), duty_room=user.is_duty_room)
        return render_page(request, TEMPLATE, _context(user, incident, form))
    form = ReportForm(request.POST, duty_room=user.is_duty_room)
    if form.is_valid():
        report = form_service(
            form,
            lambda: report_submit(
                actor=user, incident=incident, data=report_input(form, user.is_duty_room), now=clock_now()
            ),
        )
        if report is not None:
            messages.success(
                request,
                _("%(kind)s已提交，接收时间以服务器时间为准") % {"kind": labels.report_kind_label(report.kind)},
            )
            return redirect(reverse("web:incident", args=[incident.pk]) + f"#report-{report.pk}")
    return render_page(request, TEMPLATE, _context(user, incident, form))
