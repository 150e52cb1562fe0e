"""Incident page forms for leaders' instructions (批示): the duty room records one, a tasked unit answers."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, NotFound
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.access import access_incident, visible_incidents
from dutyroom.instructions.selectors import access_instruction_task, unit_tasks
from dutyroom.instructions.services import InstructionInput, instruction_feedback, instruction_record
from dutyroom.web.views.common import actor, message_of, not_found
from dutyroom.web.views.incidents import render_incident


def _local(value: str) -> datetime | None:
    """A ``datetime-local`` box is Beijing time without an offset."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=LOCAL) if value else None
    except ValueError:
        return None


def _back(incident_id: int) -> HttpResponse:
    return redirect(reverse("web:incident", args=[incident_id]) + "#instructions")


@require_POST
@login_required
def instruction_new(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        incident = access_incident(actor(request), pk)
    except NotFound:
        return not_found(request)
    data = InstructionInput(
        leader=request.POST.get("leader", ""),
        text=request.POST.get("text", ""),
        units=request.POST.getlist("units"),
        due_at=_local(request.POST.get("due_at", "")),
    )
    try:
        instruction_record(actor=actor(request), incident=incident, data=data, now=clock_now())
    except DomainError as error:
        # shown again on the incident page, the form open with everything the leader wrote
        messages.error(request, message_of(error))
        typed = {
            "leader": data.leader,
            "text": data.text,
            "units": data.units,
            "due_at": request.POST.get("due_at", ""),
        }
        response = render_incident(request, incident, instruction_typed=typed, instruction_open=True)
        response.status_code = 400
        return response
    else:
        messages.success(request, _("批示已登记并转承办单位，反馈时限开始计时"))
    if request.POST.get("next") == "leader":  # written from the leader's page: back to it
        return redirect(reverse("web:leader") + f"#incident-{incident.pk}")
    return _back(incident.pk)


@require_POST
@login_required
def instruction_answer(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        task = access_instruction_task(actor(request), pk)
    except NotFound:
        return not_found(request)
    try:
        instruction_feedback(actor=actor(request), task=task, text=request.POST.get("text", ""), now=clock_now())
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("落实情况已反馈"))
    if visible_incidents(actor(request)).filter(pk=task.instruction.incident_id).exists():
        return _back(task.instruction.incident_id)
    return redirect(reverse("web:instruction-tasks") + f"#task-{task.pk}")


@require_GET
@login_required
def unit_tasks_page(request: HttpRequest) -> HttpResponse:
    """督办事项: what the reader's unit was tasked with, answerable here even when the incident belongs to another
    unit (or is a work secret the unit may not open)."""
    return render(request, "web/instruction_tasks.html", {"tasks": unit_tasks(actor(request))})
