"""/incidents/new/: a unit reports a new incident and its first written report in one step."""

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
from dutyroom.common.errors import Forbidden
from dutyroom.incidents.access import require_may_create_incident
from dutyroom.incidents.services import IncidentInput
from dutyroom.orgs.models import TERRITORIAL_KINDS
from dutyroom.reports.intake import incident_create_with_report
from dutyroom.reports.services import ReportInput
from dutyroom.rules import ReportKind
from dutyroom.web.forms import IncidentNewForm, report_input_from
from dutyroom.web.views.common import actor, forbidden, form_service, render_form

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
    return report_input_from(
        data, kind=ReportKind.WRITTEN.value, casualties=form.casualties(), unit=data.get("unit") or None
    )


def home_town(user: User) -> str:
    """The town (镇/区/街道) a user belongs to, the nearest territorial unit up their tree; "" for departments."""
    unit = user.unit
    while unit is not None:
        if unit.kind in TERRITORIAL_KINDS:
            return str(unit.code)
        unit = unit.parent
    return ""


def _initial(user: User) -> dict[str, Any]:
    # The occurrence time starts at now, to the minute, and stays visible and editable: most reports are of
    # something that just happened, and an empty box made every reporter type the time on a phone keyboard.
    return {
        "contact_name": user.display_name if not user.is_duty_room else "",
        "contact_phone": user.phone,
        "unit": user.unit.code if user.unit else "",
        "area": home_town(user),
        "occurred_at": clock_now().replace(second=0, microsecond=0),
    }


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    try:
        require_may_create_incident(user)
    except Forbidden as error:
        return forbidden(request, error)
    choose_unit = user.is_duty_room
    if request.method != "POST":
        form = IncidentNewForm(initial=_initial(user), choose_unit=choose_unit)
        return render_form(request, TEMPLATE, {"form": form})
    form = IncidentNewForm(request.POST, choose_unit=choose_unit)
    if form.is_valid():
        incident = form_service(
            form,
            lambda: incident_create_with_report(
                actor=user, data=incident_input(form, user), report=first_report_input(form), now=clock_now()
            ),
        )
        if incident is not None:
            messages.success(request, _("事件已报告，首报已送达值班室"))
            return redirect(reverse("web:incident", args=[incident.pk]))
    return render_form(request, TEMPLATE, {"form": form})
