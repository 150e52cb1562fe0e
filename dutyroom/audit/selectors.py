"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from dutyroom.audit.models import AuditEntry


def incident_history(incident_id: int) -> QuerySet[AuditEntry]:
    """Every change recorded against an incident, oldest first (reads of secret incidents are left out)."""
    return AuditEntry.objects.filter(incident_id=incident_id).exclude(action="incident.read").order_by("id")
