"""Incidents, their reports and receipts."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import CategoryOut, IncidentDetailOut, IncidentOut, ReportOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice, parse_since, parse_time, unit_filter
from dutyroom.api.schemas import IncidentIn, IncidentPatch, ReportIn, no_body
from dutyroom.api.serializers import incident_view, report_view
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.access import access_incident, visible_incidents
from dutyroom.incidents.categories import categories_of, subtype_code
from dutyroom.incidents.models import IncidentState
from dutyroom.incidents.rulebooks import configured_rulebook, rulebook_of
from dutyroom.incidents.search import IncidentQuery, incidents_matching, search_text
from dutyroom.incidents.services import (
    IncidentChanges,
    IncidentInput,
    incident_mark_handled,
    incident_record_read,
)
from dutyroom.incidents.services import incident_update as incident_update_service
from dutyroom.reports.access import access_report
from dutyroom.reports.intake import incident_open
from dutyroom.reports.services import ReportInput, report_confirm_receipt, report_submit_to
from dutyroom.rules import Category, Grade

router = Router(tags=["incidents"])


def _report_input(payload: ReportIn) -> ReportInput:
    data = payload.model_dump(exclude={"casualties"})
    casualties = payload.casualties.model_dump(exclude_unset=True) if payload.casualties else None
    return ReportInput(**data, casualties=casualties)


@router.post("/incidents", response={201: IncidentDetailOut})
def create_incident(request: HttpRequest, payload: IncidentIn) -> Status[Any]:
    """Open an incident; with ``report`` the unit's first report is filed in the same transaction."""
    user = caller(request)

    def action() -> tuple[int, Any]:
        now = clock_now()
        location = payload.location
        data = IncidentInput(
            title=payload.title,
            category=payload.category,
            subtype=subtype_code(configured_rulebook()[0], payload.category, payload.subtype) or "",
            grade=payload.grade,
            sensitive=payload.sensitive,
            may_escalate=payload.may_escalate,
            hotspot=payload.hotspot,
            exercise=payload.exercise,
            occurred_at=payload.occurred_at,
            learned_at=payload.learned_at,
            unit=payload.unit,
            area=location.area if location else None,
            address=location.address if location else "",
            lat=location.lat if location else None,
            lon=location.lon if location else None,
            classification=payload.classification,
            classified_stub=payload.classified_stub,
        )
        report = _report_input(payload.report) if payload.report is not None else None
        # the rows in hand are what was written (the report's figures and time included): not read back; a new
        # incident has no lead behind it (a lead opens its incident through the verifier's own path)
        opened = incident_open(actor=user, data=data, report=report, now=now)
        return 201, incident_view(opened.incident, clock_now(), with_reports=True, reports=opened.reports, learned=[])

    return Status(*idempotent(request, action))


STATES = [*IncidentState.values, "all"]


@router.get("/categories", response=list[CategoryOut])
def list_categories(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    """The categories of the rulebook in force, each with its subtypes (any signed-in caller)."""
    caller(request)
    return paged(request, response, categories_of(configured_rulebook()[0]), paging)


@router.get("/incidents", response=list[IncidentOut])
def list_incidents(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    unit: str | None = None,
    state: str | None = None,
    since: str | None = None,
    q: str | None = None,
    category: str | None = None,
    grade: str | None = None,
    from_: str | None = Query(None, alias="from"),
    to: str | None = None,
) -> list[Any]:
    """Incidents the caller may see, newest first. ``since`` = occurred or changed at/after that time; ``q``
    searches title, summary and address; ``from``/``to`` bound the occurrence time; closed ones included."""
    check_choice("state", state, STATES)
    check_choice("category", category, [c.value for c in Category])
    check_choice("grade", grade, [g.value for g in Grade])
    query = IncidentQuery(
        text=search_text(q or ""),
        unit_id=unit_filter(unit).pk if unit else None,
        category=category or "",
        grade=grade or "",
        state=state or "",
        start=parse_time("from", from_),
        end=parse_time("to", to),
    )
    qs = incidents_matching(visible_incidents(caller(request)), query)
    after = parse_since(since)
    if after is not None:
        qs = qs.filter(Q(occurred_at__gte=after) | Q(updated_at__gte=after))
    now = clock_now()
    return paged(request, response, qs, paging, lambda incident: incident_view(incident, now))


@router.get("/incidents/{incident_id}", response=IncidentDetailOut)
def get_incident(request: HttpRequest, incident_id: int) -> Any:
    user = caller(request)
    incident = access_incident(user, incident_id)
    now = clock_now()
    incident_record_read(actor=user, incident=incident, now=now)
    return incident_view(incident, now, with_reports=True)


@router.patch("/incidents/{incident_id}", response=IncidentDetailOut)
def update_incident(request: HttpRequest, incident_id: int, payload: IncidentPatch) -> Any:
    user = caller(request)
    incident = access_incident(user, incident_id)
    given = payload.model_fields_set

    def action() -> tuple[int, Any]:
        changes = IncidentChanges(
            set_grade="grade" in given,
            grade=payload.grade,
            sensitive=payload.sensitive if "sensitive" in given else None,
            may_escalate=payload.may_escalate if "may_escalate" in given else None,
            hotspot=payload.hotspot if "hotspot" in given else None,
            occurred_at=payload.occurred_at if "occurred_at" in given else None,
            category=payload.category if "category" in given else None,
            subtype=subtype_code(rulebook_of(incident.rulebook), payload.category or incident.category, payload.subtype)
            if "subtype" in given
            else None,
            reason=payload.reason,
        )
        updated = incident_update_service(actor=user, incident=incident, changes=changes, now=clock_now())
        return 200, incident_view(updated, clock_now(), with_reports=True)

    return idempotent(request, action)[1]


@router.post("/incidents/{incident_id}/handled", response=IncidentDetailOut)
def mark_handled(request: HttpRequest, incident_id: int) -> Any:
    no_body(request)
    user = caller(request)
    incident = access_incident(user, incident_id)

    def action() -> tuple[int, Any]:
        handled = incident_mark_handled(actor=user, incident=incident, now=clock_now())
        return 200, incident_view(handled, clock_now(), with_reports=True)

    return idempotent(request, action)[1]


@router.post("/incidents/{incident_id}/reports", response={201: ReportOut})
def submit_report(request: HttpRequest, incident_id: int, payload: ReportIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        report = report_submit_to(actor=user, incident_id=incident_id, data=_report_input(payload), now=clock_now())
        return 201, report_view(report)

    return Status(*idempotent(request, action))


@router.post("/reports/{report_id}/receipt", response=ReportOut)
def confirm_receipt(request: HttpRequest, report_id: int) -> Any:
    no_body(request)
    user = caller(request)
    report = access_report(user, report_id)

    def action() -> tuple[int, Any]:
        confirmed = report_confirm_receipt(actor=user, report=report, now=clock_now())
        return 200, report_view(confirmed)

    return idempotent(request, action)[1]
