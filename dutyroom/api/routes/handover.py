"""Handover (交接班) and the duty log (值班日志): open items, sign out, acknowledge, the day's log."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import AwareDatetime, Field

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import DutyLogEntryOut, DutyLogRowOut, HandoverOut, OpenItemOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import Body, caller
from dutyroom.api.schemas import Strict  # unknown fields and NUL bytes refused, as everywhere
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import LOCAL, iso_local
from dutyroom.handover import limits
from dutyroom.handover.access import access_handover, require_reader
from dutyroom.handover.dutylog import duty_log_day, parse_day
from dutyroom.handover.models import DutyLogEntry
from dutyroom.handover.selectors import handover_view, handovers_recent, open_items
from dutyroom.handover.services import LogInput, duty_log_add, handover_acknowledge, handover_sign

router = Router(tags=["handover"])


class HandoverIn(Strict):
    note: str = Field(default="", max_length=limits.HANDOVER_NOTE)
    incoming: str | None = Field(default=None, max_length=limits.USERNAME)


class AcknowledgeIn(Strict):
    note: str = Field(default="", max_length=limits.ACK_NOTE)


class LogIn(Strict):
    kind: Literal["call", "instruction", "other"]
    text: str = Field(max_length=limits.LOG_TEXT)
    at: AwareDatetime | None = None
    incident: int | None = Field(default=None, ge=1, le=2**63 - 1)
    unit: str | None = Field(default=None, max_length=64)


def log_entry_view(entry: DutyLogEntry) -> Body:
    return {
        "id": entry.pk,
        "source": "entry",
        "at": iso_local(entry.at),
        "time": entry.at.astimezone(LOCAL).strftime("%H:%M"),
        "kind": entry.kind,
        "text": entry.text,
        "incident": entry.incident_id,
        "unit": entry.unit.code if entry.unit else None,
        "by": entry.by.username,
        "created_at": iso_local(entry.created_at),
    }


@router.get("/handovers/open-items", response=list[OpenItemOut])
def list_open_items(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    """What a handover signed now would list, with work-secret titles only for those who may see them."""
    user = caller(request)
    require_reader(user)
    return paged(request, response, open_items(clock_now(), viewer=user, room=user.local_duty_room), paging)


@router.get("/handovers", response=list[HandoverOut])
def list_handovers(request: HttpRequest, response: HttpResponse, paging: Query[Paging]) -> list[Any]:
    user = caller(request)
    require_reader(user)
    return paged(request, response, handovers_recent(None, user.local_duty_room), paging, handover_view, default=100)


@router.post("/handovers", response={201: HandoverOut})
def sign_handover(request: HttpRequest, payload: HandoverIn) -> Status[Any]:
    """The outgoing officer signs out: every open item is frozen into the handover with the note."""
    user = caller(request)

    def action() -> tuple[int, Any]:
        done = handover_sign(actor=user, note=payload.note, incoming=payload.incoming, now=clock_now())
        return 201, handover_view(access_handover(user, done.pk))

    return Status(*idempotent(request, action))


@router.get("/handovers/{handover_id}", response=HandoverOut)
def get_handover(request: HttpRequest, handover_id: int) -> Any:
    return handover_view(access_handover(caller(request), handover_id))


@router.post("/handovers/{handover_id}/acknowledge", response=HandoverOut)
def acknowledge_handover(request: HttpRequest, handover_id: int, payload: AcknowledgeIn) -> Any:
    """The incoming officer takes over; a second acknowledgement is a 409, the outgoing officer's own a 403."""
    user = caller(request)
    handover = access_handover(user, handover_id)

    def action() -> tuple[int, Any]:
        done = handover_acknowledge(actor=user, handover=handover, note=payload.note, now=clock_now())
        return 200, handover_view(access_handover(user, done.pk))

    return idempotent(request, action)[1]


@router.get("/duty-log", response=list[DutyLogRowOut], exclude_unset=True)
def get_duty_log(
    request: HttpRequest, response: HttpResponse, paging: Query[Paging], date: str | None = None
) -> list[Any]:
    """One Beijing day of the log, oldest first: free entries (``source: entry``) and system events."""
    user = caller(request)
    require_reader(user)
    return paged(request, response, duty_log_day(parse_day(date, clock_now()), user), paging)


@router.post("/duty-log", response={201: DutyLogEntryOut})
def add_duty_log(request: HttpRequest, payload: LogIn) -> Status[Any]:
    user = caller(request)

    def action() -> tuple[int, Any]:
        data = LogInput(
            kind=payload.kind, text=payload.text, at=payload.at, incident=payload.incident, unit=payload.unit
        )
        return 201, log_entry_view(duty_log_add(actor=user, data=data, now=clock_now()))

    return Status(*idempotent(request, action))
