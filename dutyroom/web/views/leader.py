"""/leader/: what needs a leader, on a phone.

A city or duty leader does not watch the board's countdowns; they need the incidents that reach them (new
Ⅰ/Ⅱ grade and sensitive ones), what is overdue, and their own instructions (批示) with the units' feedback,
and they write an instruction where they read the incident. The instruction goes through the same service as
the duty officer's registration (the leader is a member of the duty room).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import Forbidden
from dutyroom.incidents.access import visible_incidents
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.instructions.models import Instruction
from dutyroom.orgs.selectors import city_tasked_units
from dutyroom.reports.access import visible_obligations
from dutyroom.rules import ObligationKind, ObligationState
from dutyroom.web.views.common import actor, forbidden
from dutyroom.web.views.incidents import instruction_due_default
from dutyroom.web.views.present import grade_label, incident_flags

# Incidents shown to a leader: at most this many of each kind (a phone screen, not an archive).
SHOWN = 15
# "New" for a leader: opened within the last day.
RECENT = timedelta(hours=24)
OPEN = (ObligationState.PENDING, ObligationState.OVERDUE)


def may_use(user: User) -> bool:
    return user.is_duty_room or user.sees_whole_city


def _item(incident: Incident, overdue: int = 0) -> dict[str, Any]:
    return {
        "incident": incident,
        "grade_label": grade_label(incident.grade),
        "flags": incident_flags(incident),
        "overdue": overdue,
    }


@require_GET
@login_required
def leader_page(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if not may_use(user):
        return forbidden(request, Forbidden("只有值班室和领导可以查看", "only the duty room and leaders"))
    now = clock_now()
    live = visible_incidents(user).filter(state__in=[IncidentState.OPEN, IncidentState.HANDLED])
    major = (
        live.filter(Q(grade__in=["I", "II"]) | Q(sensitive=True), created_at__gte=now - RECENT)
        .select_related("unit")
        .order_by("-created_at")[:SHOWN]
    )
    late = (
        visible_obligations(user)
        .filter(state__in=OPEN, due_at__lte=now, incident__isnull=False)
        .exclude(kind=ObligationKind.RECEIPT)
        .order_by()
        .values("incident_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:SHOWN]
    )
    late_counts = {row["incident_id"]: row["n"] for row in late}
    overdue = live.filter(pk__in=late_counts).select_related("unit")
    mine = (
        Instruction.objects.filter(Q(recorded_by=user) | Q(leader=user.label))
        .filter(incident__in=visible_incidents(user))
        .select_related("incident")
        .prefetch_related("tasks__unit", "tasks__obligation")
        .order_by("-given_at")[:SHOWN]
    )
    return render(
        request,
        "web/leader.html",
        {
            "major": [_item(i) for i in major],
            "overdue": sorted((_item(i, late_counts[i.pk]) for i in overdue), key=lambda x: -x["overdue"]),
            "instructions": list(mine),
            "duty_room": user.is_duty_room,
            "instruction_units": city_tasked_units(None) if user.is_duty_room else [],
            "instruction_due": instruction_due_default(),
        },
    )
