"""Finding an incident: the list and search page (open, handled and closed ones) and the JSON behind the
search-as-you-type picker that every form taking an incident number offers.

Both read ``visible_incidents`` only, so a work-secret title is listed, matched and shown only to the people
its access rule already lets read it; nobody else learns that it exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.access import visible_incidents
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.search import IncidentQuery, incidents_matching, search_text
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import reporting_units
from dutyroom.rules import Category, Grade
from dutyroom.web import labels
from dutyroom.web.views.common import actor

PAGE_SIZE = 30
PICKER_SIZE = 10
STATES = ("open", "handled", "closed")


def unit_label(unit: Unit) -> str:
    return unit.name_en if labels.english() and unit.name_en else unit.name


def occurred_label(value: datetime) -> str:
    """A person's words for a time: 今天 10:30 / 12月5日 10:30 / 2025年12月5日 (Today 10:30 / Dec 5 10:30)."""
    local = value.astimezone(LOCAL)
    today = datetime.now(LOCAL).date()
    clock = local.strftime("%H:%M")
    if labels.english():
        if local.date() == today:
            return f"Today {clock}"
        if local.year == today.year:
            return f"{local:%b} {local.day} {clock}"
        return f"{local:%b} {local.day}, {local.year}"
    if local.date() == today:
        return f"今天 {clock}"
    if local.year == today.year:
        return f"{local.month}月{local.day}日 {clock}"
    return f"{local.year}年{local.month}月{local.day}日"


def _day(value: str) -> date | None:
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if 1900 <= parsed.year <= 2199 else None


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def query_from(request: HttpRequest) -> tuple[IncidentQuery, dict[str, str]]:
    """The search the page's form asks for, and the form's values as typed (to fill the form again). A value
    that is not one of the choices is ignored, as a search box would: the page never answers with an error."""
    get = request.GET
    chosen = {key: get.get(key, "").strip() for key in ("q", "unit", "category", "grade", "from", "to", "state")}
    unit = Unit.objects.filter(code=chosen["unit"]).first() if chosen["unit"] else None
    start, end = _day(chosen["from"]), _day(chosen["to"])
    query = IncidentQuery(
        text=search_text(chosen["q"]),
        unit_id=unit.pk if unit is not None else None,
        category=chosen["category"] if chosen["category"] in Category._value2member_map_ else "",
        grade=chosen["grade"] if chosen["grade"] in Grade._value2member_map_ else "",
        state=chosen["state"] if chosen["state"] in STATES else "",
        start=datetime.combine(start, time.min, LOCAL) if start else None,
        end=datetime.combine(end, time.min, LOCAL) + timedelta(days=1) - timedelta(microseconds=1) if end else None,
    )
    return query, chosen


def row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "title": incident.title,
        "unit": unit_label(incident.unit),
        "category": labels.category_label(incident.category),
        "grade": labels.grade_label(incident.grade, _("未定级")),
        "occurred": occurred_label(incident.occurred_at),
        "state": incident.state,
        "state_label": labels.incident_state_label(incident.state),
        "exercise": incident.exercise,
    }


@require_GET
@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Every incident the person may read, newest first, searched and filtered, a page at a time."""
    query, chosen = query_from(request)
    qs = incidents_matching(visible_incidents(actor(request)), query)
    total = qs.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page_number(request.GET.get("page", "")), pages)
    rows = [row(incident) for incident in qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    kept = {key: value for key, value in chosen.items() if value}

    def link(to: int) -> str:
        return "?" + urlencode({**kept, "page": to})

    return render(
        request,
        "web/incident_list.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "chosen": chosen,
            "previous": link(page - 1) if page > 1 else "",
            "next": link(page + 1) if page < pages else "",
            "units": [(u.code, unit_label(u)) for u in reporting_units().order_by("kind", "code")],
            "categories": labels.member_choices(Category),
            "grades": labels.member_choices(Grade),
            "states": [(s, labels.incident_state_label(s)) for s in IncidentState.values],
            "searched": bool(kept),
        },
    )


@require_GET
@login_required
def incident_pick(request: HttpRequest) -> JsonResponse:
    """The picker's suggestions: the incidents matching what was typed (a title, a place, a summary's words or
    a number), newest first; with nothing typed, the latest ones, so nobody has to know a number."""
    text = search_text(request.GET.get("q", ""))
    qs = incidents_matching(visible_incidents(actor(request)), IncidentQuery(text=text))
    results = []
    for incident in qs[:PICKER_SIZE]:
        shown = row(incident)
        shown["label"] = f"#{incident.pk} {incident.title}"
        shown["detail"] = " · ".join((shown["unit"], shown["occurred"], shown["state_label"]))
        results.append(shown)
    return JsonResponse({"results": results})
