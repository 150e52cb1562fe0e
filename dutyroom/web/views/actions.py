"""POST actions of the incident page: 签收, 豁免, 修改分级/标记, 标记处置结束.

Each goes through its service; success redirects back to the incident page (POST/redirect/GET), a
field error re-renders the page with the typed text kept, any other refusal becomes a message.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from dutyroom.incidents.access import access_incident
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import incident_name
from dutyroom.incidents.services import IncidentChanges, incident_mark_handled, incident_update
from dutyroom.reports.access import access_obligation, access_report, staffed_room, visible_obligations
from dutyroom.reports.services import obligation_waive, report_confirm_receipt
from dutyroom.rules import ObligationKind, ObligationState
from dutyroom.web import labels
from dutyroom.web.forms import IncidentEditForm, WaiveForm
from dutyroom.web.views.common import actor, add_service_errors, forbidden, message_of, not_found
from dutyroom.web.views.incidents import render_incident, waive_prefix

OPEN_STATES = (ObligationState.PENDING, ObligationState.OVERDUE)


def _back(incident_id: int | None, anchor: str = "") -> HttpResponse:
    url = reverse("web:incident", args=[incident_id]) if incident_id else reverse("web:board")
    return redirect(url + (f"#{anchor}" if anchor else ""))


@require_POST
@login_required
def report_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        report = access_report(actor(request), pk)
    except NotFound:
        return not_found(request)
    try:
        report_confirm_receipt(actor=actor(request), report=report, now=clock_now())
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        title = incident_name(report.incident, actor(request), _("核报反馈"))
        messages.success(request, _("已签收：%(title)s") % {"title": title})
    if request.POST.get("next") == "board":  # signed from the board's 待签收 panel: stay on the board
        return redirect(reverse("web:board") + "#receipts")
    if report.incident_id is None:  # a reply about no incident lives on the verification list
        return redirect(reverse("web:verification-list") + f"#verification-{report.verification_request_id}")
    return _back(report.incident_id, f"report-{report.pk}")


@require_POST
@login_required
def receipts_confirm(request: HttpRequest) -> HttpResponse:
    """Bulk 签收 from the board: every report the duty room still owes a receipt for, each through the same
    service (one transaction and audit entry each), so one refused report does not undo the others."""
    user = actor(request)
    room = staffed_room(user)  # the city's duty room, or a town's for the reports its units sent it
    if room is None:
        return forbidden(request, Forbidden("只有值班室可以签收", "only the duty room confirms receipt"))
    owed = (
        visible_obligations(user)
        .filter(kind=ObligationKind.RECEIPT, state__in=OPEN_STATES, report__isnull=False, owed_to=room)
        .order_by("due_at", "id")
        .values_list("report_id", flat=True)
    )
    signed = 0
    for report_id in list(owed):
        try:
            report_confirm_receipt(actor=user, report=access_report(user, report_id), now=clock_now())
        except DomainError:
            continue  # signed meanwhile by a colleague, or not the duty room's to sign: nothing to do
        signed += 1
    messages.success(request, ngettext("已签收 %(n)d 份报告", "已签收 %(n)d 份报告", signed) % {"n": signed})
    return redirect(reverse("web:board") + "#receipts")


@require_POST
@login_required
def obligation_waive_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        obligation = access_obligation(actor(request), pk)
    except NotFound:
        return not_found(request)
    form = WaiveForm(request.POST, prefix=waive_prefix(obligation.pk))
    form.is_valid()
    try:
        obligation_waive(
            actor=actor(request),
            obligation=obligation,
            reason=form.cleaned_data.get("reason", ""),
            now=clock_now(),
        )
    except ValidationFailed as error:
        add_service_errors(form, error)
        if obligation.incident is None:
            messages.error(request, message_of(error))
            return _back(None)
        return render_incident(request, obligation.incident, waive_form=form, waive_target=obligation.pk)
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("已豁免：%(kind)s") % {"kind": labels.obligation_kind_label(obligation.kind)})
    return _back(obligation.incident_id, "clocks")


def _changes(incident: Incident, form: IncidentEditForm) -> IncidentChanges | None:
    """Only what the duty officer actually changed; None if the occurrence-time reason is missing."""
    data = form.cleaned_data
    grade = data.get("grade") or None
    occurred: datetime | None = data.get("occurred_at")
    moved = occurred is not None and occurred != incident.occurred_at.replace(second=0, microsecond=0)
    reason = (data.get("reason") or "").strip()
    if moved and not reason:
        form.add_error("reason", _("更正事发时间必须填写原因"))
        return None
    return IncidentChanges(
        set_grade=grade != incident.grade,
        grade=grade,
        sensitive=data.get("sensitive"),
        may_escalate=data.get("may_escalate"),
        hotspot=data.get("hotspot"),
        occurred_at=occurred if moved else None,
        reason=reason,
    )


@require_POST
@login_required
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        incident = access_incident(user, pk)
    except NotFound:
        return not_found(request)
    form = IncidentEditForm(request.POST, prefix="edit")
    changes = _changes(incident, form) if form.is_valid() else None
    if changes is None:
        return render_incident(request, incident, edit_form=form, edit_open=True)
    try:
        incident_update(actor=user, incident=incident, changes=changes, now=clock_now())
    except ValidationFailed as error:
        add_service_errors(form, error)
        return render_incident(request, incident, edit_form=form, edit_open=True)
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("已保存修改，时限已按新的分级和事发时间重新计算"))
    return _back(incident.pk)


@require_POST
@login_required
def incident_handled(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        incident = access_incident(user, pk)
    except NotFound:
        return not_found(request)
    try:
        incident_mark_handled(actor=user, incident=incident, now=clock_now())
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("已标记处置结束，终报时限开始计时"))
    return _back(incident.pk)
