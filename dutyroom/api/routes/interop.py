"""Exports in the standards of the duty room's world: CAP 1.2 and an EDXL-SitRep-shaped report chain."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from dutyroom.api.routes.common import caller
from dutyroom.incidents.access import access_incident
from dutyroom.interop.exports import incident_cap
from dutyroom.interop.sitrep import sitrep_view

router = Router(tags=["interop"])


class SitRepCasualties(Schema):
    deaths: int
    missing: int
    trapped: int
    serious_injuries: int
    injuries: int
    evacuated: int


class SitRepReport(Schema):
    """One report of the chain, named as EDXL-SitRep names its elements."""

    messageID: str
    reportNumber: int
    reportVersion: Literal["Initial", "Update", "Final"]
    reportKind: Literal["phone", "written", "followup", "final"]
    followupNumber: int | None
    precedingMessageID: str | None
    originatingMessageID: str
    preparedBy: str
    preparedByName: str
    authorizedBy: str | None
    dateTimeReceived: str
    situationSummary: str
    casualtyAndIllnessSummary: SitRepCasualties | None


class SitRep(Schema):
    """The report chain of an incident: Initial, then Updates (续报), then Final (终报)."""

    incidentID: str
    incidentName: str
    incidentLifecyclePhase: Literal["Response", "Recovery", "Closed"]
    reports: list[SitRepReport]


@router.get("/incidents/{incident_id}/cap", response={200: None})
def incident_cap_export(request: HttpRequest, incident_id: int) -> HttpResponse:
    """A CAP 1.2 alert of the incident, valid against the OASIS schema (``application/cap+xml``)."""
    incident = access_incident(caller(request), incident_id)
    return HttpResponse(incident_cap(incident), content_type="application/cap+xml; charset=utf-8")


@router.get("/incidents/{incident_id}/sitrep", response=SitRep)
def incident_sitrep(request: HttpRequest, incident_id: int) -> dict[str, object]:
    """The report chain as an EDXL-SitRep-shaped document (reportNumber, reportVersion, precedingMessageID)."""
    incident = access_incident(caller(request), incident_id)
    return sitrep_view(incident)
