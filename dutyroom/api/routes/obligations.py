"""Obligations (the statutory clocks) and verification requests (核报)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import ObligationOut, ReportOut, VerificationRequestOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller, check_choice, unit_filter
from dutyroom.api.schemas import VerificationReplyIn, VerificationRequestIn, WaiveIn
from dutyroom.api.serializers import obligation_view, report_view, verification_request_view
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.access import access_incident
from dutyroom.reports.access import (
    access_obligation,
    access_verification_request,
    visible_obligations,
    visible_verification_requests,
)
from dutyroom.reports.services import ReportInput, VerificationInput, obligation_waive, verification_request_create
from dutyroom.reports.verification import verification_reply_submit
from dutyroom.rules import ObligationKind, ObligationState

router = Router(tags=["obligations"])


@router.get("/obligations", response=list[ObligationOut])
def list_obligations(
    request: HttpRequest,
    response: HttpResponse,
    paging: Query[Paging],
    state: str | None = None,
    unit: str | None = None,
    kind: str | None = None,
) -> list[Any]:
    """Clocks the caller may see, soonest due first. ``state`` is evaluated now (pending past due = overdue)."""
    check_choice("state", state, [s.value for s in ObligationState])
    check_choice("kind", kind, [k.value for k in ObligationKind])
    now = clock_now()
    qs = visible_obligations(caller(request))
    if unit:
        qs = qs.filter(unit=unit_filter(unit))
    if kind:
        qs = qs.filter(kind=kind)
    if state == ObligationState.OVERDUE:
        qs = qs.filter(state__in=[ObligationState.PENDING, ObligationState.OVERDUE], due_at__lte=now)
    elif state == ObligationState.PENDING:
        qs = qs.filter(state=ObligationState.PENDING, due_at__gt=now)
    elif state:
        qs = qs.filter(state=state)
    return paged(request, response, qs.order_by("due_at", "id"), paging, lambda o: obligation_view(o, now))


@router.get("/obligations/{obligation_id}", response=ObligationOut)
def get_obligation(request: HttpRequest, obligation_id: int) -> Any:
    return obligation_view(access_obligation(caller(request), obligation_id), clock_now())


@router.post("/obligations/{obligation_id}/waive", response=ObligationOut)
def waive_obligation(request: HttpRequest, obligation_id: int, payload: WaiveIn) -> Any:
    user = caller(request)
    obligation = access_obligation(user, obligation_id)

    def action() -> tuple[int, Any]:
        waived = obligation_waive(actor=user, obligation=obligation, reason=payload.reason, now=clock_now())
        return 200, obligation_view(waived, clock_now())

    return idempotent(request, action)[1]


@router.post("/verification-requests", response={201: VerificationRequestOut})
def create_verification_request(request: HttpRequest, payload: VerificationRequestIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        incident = access_incident(user, payload.incident) if payload.incident is not None else None
        created = verification_request_create(
            actor=user,
            data=VerificationInput(
                unit=payload.unit,
                authority=payload.authority,
                question=payload.question,
                incident=incident,
                due_at=payload.due_at,
            ),
            now=clock_now(),
        )
        return 201, verification_request_view(created, clock_now())

    return Status(*idempotent(request, action))


@router.get("/verification-requests", response=list[VerificationRequestOut])
def list_verification_requests(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    now = clock_now()
    return paged(
        request,
        response,
        visible_verification_requests(caller(request)),
        paging,
        lambda v: verification_request_view(v, now),
    )


@router.get("/verification-requests/{request_id}", response=VerificationRequestOut)
def get_verification_request(request: HttpRequest, request_id: int) -> Any:
    return verification_request_view(access_verification_request(caller(request), request_id), clock_now())


@router.post("/verification-requests/{request_id}/reply", response={201: ReportOut})
def reply_to_verification_request(request: HttpRequest, request_id: int, payload: VerificationReplyIn) -> Status[Any]:
    """The unit's answer (核报反馈); works whether or not the request concerns an incident."""
    user = caller(request)
    asked = access_verification_request(user, request_id)

    def action() -> tuple[int, Any]:
        data = ReportInput(kind="verification_reply", **payload.model_dump())
        report = verification_reply_submit(actor=user, request=asked, data=data, now=clock_now())
        return 201, report_view(report)

    return Status(*idempotent(request, action))
