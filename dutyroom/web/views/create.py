"""/incidents/new/: a unit reports a new incident and its first written report in one step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, Forbidden, ValidationFailed
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.reports.services import ReportInput, report_submit
from dutyroom.rules import Channel, ReportKind
from dutyroom.web.forms import IncidentNewForm
from dutyroom.web.views.common import (
    actor,
    add_service_errors,
    can_report,
    forbidden,
    message_of,
    render_form,
)

TEMPLATE = "web/incident_new.html"


def incident_input(form: IncidentNewForm, user: User) -> IncidentInput:
    data = form.cleaned_data
    return IncidentInput(
        title=data.get("title") or "",
        category=data["category"],
        subtype=data.get("subtype") or "",
        grade=data.get("grade") or None,
        sensitive=bool(data.get("sensitive")),
        may_escalate=bool(data.get("may_escalate")),
        hotspot=bool(data.get("hotspot")),
        exercise=bool(data.get("exercise")),
        occurred_at=data["occurred_at"],
        learned_at=data.get("learned_at"),
        unit=data.get("unit") or None,
        area=data.get("area") or None,
        address=data.get("address") or "",
        classification=data.get("classification") or "internal",
    )


def first_report_input(form: IncidentNewForm) -> ReportInput:
    data = form.cleaned_data
    return ReportInput(
        kind=ReportKind.WRITTEN.value,
        channel=Channel.PLATFORM.value,
        summary=data.get("summary") or "",
        casualties=form.casualties(),
        direct_loss_cny=data.get("direct_loss_cny"),
        measures=data.get("measures") or "",
        signer=data.get("signer") or "",
        contact_name=data.get("contact_name") or "",
        contact_phone=data.get("contact_phone") or "",
        unit=data.get("unit") or None,
    )


def create_with_first_report(user: User, form: IncidentNewForm, now: datetime) -> Incident:
    """Both or neither: a report that fails validation rolls the incident back."""
    with transaction.atomic():
        incident = incident_create(actor=user, data=incident_input(form, user), now=now)
        report_submit(actor=user, incident=incident, data=first_report_input(form), now=now)
    return incident


def _initial(user: User) -> dict[str, Any]:
    # No default occurrence time: the clocks run from it, so the reporter must state it, not accept "now".
    return {
        "contact_name": user.display_name if not user.is_duty_room else "",
        "contact_phone": user.phone,
        "unit": user.unit.code if user.unit else "",
    }


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not can_report(user):
        return forbidden(
            request,
            Forbidden(
                "当前角色不能直接报告事件（网格员请提交线索）",
                "this role cannot report incidents; submit a lead",
            ),
        )
    choose_unit = user.is_duty_room
    if request.method != "POST":
        form = IncidentNewForm(initial=_initial(user), choose_unit=choose_unit)
        return render_form(request, TEMPLATE, {"form": form})
    form = IncidentNewForm(request.POST, choose_unit=choose_unit)
    if form.is_valid():
        try:
            incident = create_with_first_report(user, form, clock_now())
        except ValidationFailed as error:
            add_service_errors(form, error)
        except DomainError as error:
            form.add_error(None, message_of(error))
        else:
            messages.success(request, _("事件已报告，首报已送达值班室"))
            return redirect(reverse("web:incident", args=[incident.pk]))
    return render_form(request, TEMPLATE, {"form": form})
