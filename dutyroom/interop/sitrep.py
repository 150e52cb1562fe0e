"""An EDXL-SitRep-shaped view of an incident's report chain (OASIS EDXL-SitRep 1.0 element names).

The first/follow-up/final chain of domain.md §4 maps onto SitRep's ``reportNumber`` and ``reportVersion``
(Initial / Update / Final), each report naming the one before it (``precedingMessageID``) and the first one
(``originatingMessageID``). Verification replies answer questions and are not part of the chain.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.models import Incident
from dutyroom.reports.models import Report
from dutyroom.rules import ReportKind

CHAIN_KINDS = (ReportKind.PHONE, ReportKind.WRITTEN, ReportKind.FOLLOWUP, ReportKind.FINAL)


def message_id(report: Report) -> str:
    return f"{settings.DUTYROOM_CAP_SENDER}.report.{report.pk}"


def report_version(report: Report, position: int) -> str:
    if report.kind == ReportKind.FINAL:
        return "Final"
    return "Initial" if position == 1 else "Update"


def sitrep_view(incident: Incident) -> dict[str, Any]:
    reports = list(
        Report.objects.filter(incident=incident, kind__in=CHAIN_KINDS)
        .select_related("unit")
        .order_by("received_at", "id")
    )
    chain: list[dict[str, Any]] = []
    for position, report in enumerate(reports, start=1):
        chain.append(
            {
                "messageID": message_id(report),
                "reportNumber": position,
                "reportVersion": report_version(report, position),
                "reportKind": report.kind,
                "followupNumber": report.number,
                "precedingMessageID": chain[-1]["messageID"] if chain else None,
                "originatingMessageID": chain[0]["messageID"] if chain else message_id(report),
                "preparedBy": report.unit.code,
                "preparedByName": report.unit.name,
                "authorizedBy": report.signer or None,
                "dateTimeReceived": iso_local(report.received_at),
                "situationSummary": report.summary,
                "casualtyAndIllnessSummary": {
                    "deaths": report.deaths,
                    "missing": report.missing,
                    "trapped": report.trapped,
                    "serious_injuries": report.serious_injuries,
                    "injuries": report.injuries,
                    "evacuated": report.evacuated,
                }
                if report.has_figures
                else None,
            }
        )
    return {
        "incidentID": f"{settings.DUTYROOM_CAP_SENDER}.incident.{incident.pk}",
        "incidentName": incident.title,
        "incidentLifecyclePhase": {"open": "Response", "handled": "Recovery", "closed": "Closed"}[incident.state],
        "reports": chain,
    }
