"""Need-to-know grants on work-secret incidents: listed, given and revoked by the duty room."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from dutyroom.api.idempotency import idempotent
from dutyroom.api.outputs import GrantOut
from dutyroom.api.paging import Paging, paged
from dutyroom.api.routes.common import caller
from dutyroom.api.schemas import Strict, no_body
from dutyroom.common import limits
from dutyroom.common.clock import now as clock_now
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.access import access_incident, require_duty_room
from dutyroom.incidents.grants import incident_grant, incident_grant_revoke, incident_grants
from dutyroom.incidents.models import IncidentGrant

router = Router(tags=["grants"])


class GrantIn(Strict):
    user: str = Field(max_length=150)
    reason: str = Field(max_length=limits.REASON)


def grant_view(grant: IncidentGrant) -> dict[str, Any]:
    return {
        "incident": grant.incident_id,
        "user": grant.user.username,
        "reason": grant.reason,
        "granted_by": grant.granted_by.username,
        "granted_at": iso_local(grant.granted_at),
        "revoked_by": grant.revoked_by.username if grant.revoked_by else None,
        "revoked_at": iso_local(grant.revoked_at),
    }


@router.get("/incidents/{incident_id}/grants", response=list[GrantOut])
def list_grants(request: HttpRequest, response: HttpResponse, paging: Query[Paging], incident_id: int) -> list[Any]:
    """Everyone ever granted need-to-know on this incident, with who granted and revoked (duty room only)."""
    user = caller(request)
    incident = access_incident(user, incident_id)
    require_duty_room(user, "只有值班室可以查看查阅授权", "only the duty room sees grants")
    return paged(request, response, incident_grants(incident), paging, grant_view)


@router.post("/incidents/{incident_id}/grants", response={201: GrantOut})
def give_grant(request: HttpRequest, incident_id: int, payload: GrantIn) -> Status[Any]:
    user = caller(request)
    incident = access_incident(user, incident_id)

    def action() -> tuple[int, Any]:
        grant = incident_grant(
            actor=user, incident=incident, username=payload.user, reason=payload.reason, now=clock_now()
        )
        return 201, grant_view(grant)

    return Status(*idempotent(request, action))


@router.delete("/incidents/{incident_id}/grants/{username}", response=GrantOut)
def revoke_grant(request: HttpRequest, incident_id: int, username: str) -> Any:
    no_body(request)
    user = caller(request)
    incident = access_incident(user, incident_id)
    return grant_view(incident_grant_revoke(actor=user, incident=incident, username=username, now=clock_now()))
