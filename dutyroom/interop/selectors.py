"""Reads about reporting upward, for the API and the incident page."""

from __future__ import annotations

from typing import Any

from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.models import Incident
from dutyroom.interop.models import ForwardedReport, Forwarding, ForwardingState
from dutyroom.reports.models import Report


def incident_forwarding_view(incident: Incident) -> dict[str, Any]:
    receipts = {r.report_id: r for r in ForwardedReport.objects.filter(report__incident=incident)}
    reports = []
    for report in Report.objects.filter(incident=incident).order_by("received_at", "id"):
        receipt = receipts.get(report.pk)
        if receipt is not None:
            reports.append(
                {
                    "report": report.pk,
                    "kind": report.kind,
                    "received_by": receipt.received_by,
                    "received_at": iso_local(receipt.received_at),
                }
            )
    pending = Forwarding.objects.filter(incident=incident).exclude(state=ForwardingState.DELIVERED)
    return {
        "incident": incident.pk,
        "forwarded": Forwarding.objects.filter(incident=incident).exists(),
        "pending": pending.count(),
        "reports": reports,
    }
