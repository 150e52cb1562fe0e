"""Assessment (考评): findings with appeal and decision, adoptions, and the period table with its points."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import AdoptionOut, AssessmentRowOut, FindingOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice, unit_filter
from dutyroom.api.schemas import AdoptionIn, AppealIn, DecisionIn, FindingIn
from dutyroom.assessment.access import access_finding, level_named, visible_assessed_units, visible_findings
from dutyroom.assessment.book import scoring_book
from dutyroom.assessment.models import FindingState
from dutyroom.assessment.present import adoption_view, finding_view, row_view
from dutyroom.assessment.scores import assessment_for
from dutyroom.assessment.services import (
    AdoptionInput,
    FindingInput,
    adoption_record,
    finding_appeal,
    finding_decide,
    finding_raise,
)
from dutyroom.common.clock import now as clock_now
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.replica import replica_reads
from dutyroom.incidents.access import access_incident
from dutyroom.rules.periods import Period, parse_period

router = Router(tags=["assessment"])


def period_param(value: str | None) -> Period:
    try:
        return parse_period(value or "")
    except ValueError as error:
        raise ValidationFailed.one(
            "period", "考评期格式应为 YYYY-MM、YYYY-Qn 或 YYYY", "period must be YYYY-MM, YYYY-Qn or YYYY"
        ) from error


@router.post("/findings", response={201: FindingOut})
def create_finding(request: HttpRequest, payload: FindingIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        incident = access_incident(user, payload.incident)
        finding = finding_raise(
            actor=user,
            incident=incident,
            now=clock_now(),
            data=FindingInput(unit=payload.unit, kind=payload.kind, evidence=payload.evidence, lead=payload.lead),
        )
        return 201, finding_view(finding, clock_now())

    return Status(*idempotent(request, action))


@router.get("/findings", response=list[FindingOut])
def list_findings(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    unit: str | None = None,
    state: str | None = None,
    period: str | None = None,
) -> list[Any]:
    """Findings the caller may see (a unit: only its own), newest first."""
    check_choice("state", state, FindingState.values)
    qs = visible_findings(caller(request))
    if unit:
        qs = qs.filter(unit=unit_filter(unit))
    if state:
        qs = qs.filter(state=state)
    if period:
        start, end = period_param(period).bounds(scoring_book().tzinfo)
        qs = qs.filter(incident__occurred_at__gte=start, incident__occurred_at__lt=end)
    now = clock_now()
    return paged(request, response, qs, paging, lambda finding: finding_view(finding, now))


@router.get("/findings/{finding_id}", response=FindingOut)
def get_finding(request: HttpRequest, finding_id: int) -> Any:
    return finding_view(access_finding(caller(request), finding_id), clock_now())


@router.post("/findings/{finding_id}/appeal", response=FindingOut)
def appeal_finding(request: HttpRequest, finding_id: int, payload: AppealIn) -> Any:
    user = caller(request)
    finding = access_finding(user, finding_id)

    def action() -> tuple[int, Any]:
        appealed = finding_appeal(actor=user, finding=finding, text=payload.text, now=clock_now())
        return 200, finding_view(appealed, clock_now())

    return idempotent(request, action)[1]


@router.post("/findings/{finding_id}/decision", response=FindingOut)
def decide_finding(request: HttpRequest, finding_id: int, payload: DecisionIn) -> Any:
    user = caller(request)
    finding = access_finding(user, finding_id)

    def action() -> tuple[int, Any]:
        decided = finding_decide(
            actor=user, finding=finding, upheld=payload.upheld, reason=payload.reason, now=clock_now()
        )
        return 200, finding_view(decided, clock_now())

    return idempotent(request, action)[1]


@router.post("/adoptions", response={201: AdoptionOut})
def create_adoption(request: HttpRequest, payload: AdoptionIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        incident = access_incident(user, payload.incident)
        adoption = adoption_record(
            actor=user,
            incident=incident,
            now=clock_now(),
            data=AdoptionInput(unit=payload.unit, by=payload.by, note=payload.note),
        )
        return 201, adoption_view(adoption)

    return Status(*idempotent(request, action))


@router.get("/assessment", response=list[AssessmentRowOut])
def get_assessment(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    period: str | None = None,
    assessed_by: str | None = None,
) -> list[Any]:
    """Every unit the caller may see (a unit: only itself) with score, grade, rank in its peer group, counts
    and the points that add up to the score, at one level: ``assessed_by`` names the duty room (``duty-room``
    or a town's code; default the caller's own: a town's duty room its units, a village its town's). Exercise
    incidents never count. Read from the replica (a ``with`` block, not the decorator: django-ninja reads the
    view's own signature to find its parameters)."""
    chosen = period_param(period)
    user = caller(request)
    with replica_reads():
        level = level_named(user, assessed_by)
        units = visible_assessed_units(user, level)
        table = assessment_for(chosen, units, clock_now(), with_points=True, viewer=user, level=level)
        extra = {
            "period": chosen.code,
            "closes_at": table.closed_at.isoformat(timespec="seconds"),
            "assessed_by": level.code,
        }
        return paged(request, response, table.rows, paging, lambda row: {**row_view(row), **extra})
