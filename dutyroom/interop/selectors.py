"""Reads about reporting upward, for the API and the incident page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from dutyroom.accounts.models import User
from dutyroom.common.timefmt import iso_local
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import WORK_SECRET, incident_names
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


def awaiting_forwardings() -> QuerySet[Forwarding]:
    """Upward reports waiting for the 签发, oldest first (the partial index ``forwarding_awaiting``)."""
    return (
        Forwarding.objects.filter(state=ForwardingState.AWAITING)
        .select_related("incident", "report", "report__incident")
        .order_by("created_at", "id")
    )


def _incident_of(forwarding: Forwarding) -> Incident | None:
    if forwarding.incident is not None:
        return forwarding.incident
    return forwarding.report.incident if forwarding.report is not None else None


def awaiting_views(viewer: User, rows: list[Forwarding], now: datetime) -> list[dict[str, Any]]:
    """Each awaiting forwarding with its clock. The rulebook gives no time within which the city owes the
    level above (its limits are what units owe the city), so there is no due time: the clock is the wait
    since the forwarding was filed, shown beside it so a forgotten 签发 stands out."""
    incidents = [i for i in (_incident_of(f) for f in rows) if i is not None]
    names = incident_names(viewer, incidents)
    views = []
    for forwarding in rows:
        incident = _incident_of(forwarding)
        views.append(
            {
                "id": forwarding.pk,
                "forwarding_id": str(forwarding.forwarding_id),
                "kind": forwarding.kind,
                "target": forwarding.target,
                "incident": incident.pk if incident is not None else None,
                "incident_name": names.get(incident.pk, "") if incident is not None else "",
                "grade": incident.grade if incident is not None else None,
                "work_secret": incident is not None and incident.classification == WORK_SECRET,
                "created_at": iso_local(forwarding.created_at),
                "waiting_minutes": max(0, int((now - forwarding.created_at).total_seconds() // 60)),
                "due_at": None,
                "forwarding": forwarding,
                "incident_obj": incident,
            }
        )
    return views
