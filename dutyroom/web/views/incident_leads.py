"""What the leads app adds to an incident's page: "learned from lead N at T" and the duplicates offered
for it (with the duty officer's confirm/reject). Kept here so the incident view gains one line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import DomainError, NotFound
from dutyroom.incidents.access import visible_incidents
from dutyroom.incidents.models import Incident
from dutyroom.leads.incident_dups import access_incident_duplicate, incident_duplicate_decide, incident_duplicates
from dutyroom.leads.views import learned_from_leads
from dutyroom.orgs.models import Unit
from dutyroom.web import labels
from dutyroom.web.templatetags.dutyroom_web import local_dt
from dutyroom.web.views.common import actor, message_of, not_found


def _in_words(learned: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each "learned from lead N" line as a person reads it: the unit's and the duty room's names (a unit owes
    its first report to its town's duty room or to the city's) and the local time, never codes."""
    codes = {f["unit"] for f in learned} | {f["room"] for f in learned if f.get("room")}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    shown = []
    for f in learned:
        unit, room = units.get(f["unit"]), units.get(f.get("room") or "")
        shown.append(
            {
                **f,
                "unit_name": labels.unit_name(unit) if unit is not None else f["unit"],
                "room_name": labels.unit_name(room) if room is not None else _("市政府值班室"),
                "at_local": local_dt(datetime.fromisoformat(f["at"])) if f.get("at") else "",
            }
        )
    return shown


def incident_lead_context(incident: Incident, user: User) -> dict[str, Any]:
    return {
        "learned_from_leads": _in_words(learned_from_leads(incident.pk)),
        "incident_duplicates": incident_duplicates(incident),
        "may_decide_duplicates": user.is_duty_room,
    }


@require_POST
@login_required
def incident_duplicate_decision(request: HttpRequest, pk: int) -> HttpResponse:
    user = actor(request)
    try:
        proposal = access_incident_duplicate(user, pk, visible_incidents(user))
    except NotFound:
        return not_found(request)
    try:
        incident_duplicate_decide(
            actor=user, duplicate=proposal, confirm=request.POST.get("duplicate") == "yes", now=clock_now()
        )
    except DomainError as error:
        messages.error(request, message_of(error))
    else:
        messages.success(request, _("重复提示已处理。"))
    return redirect("web:incident", pk=proposal.incident_id)
