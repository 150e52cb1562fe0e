"""Reading an incident into the export formats (CAP source) from the database."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max

from dutyroom.incidents.models import Incident
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.interop.cap import CapSource, cap_alert
from dutyroom.reports.models import Report
from dutyroom.rules import Category


def cap_source(incident: Incident) -> CapSource:
    reports = Report.objects.filter(incident=incident)
    last_report = reports.aggregate(m=Max("received_at"))["m"]
    changed = max(filter(None, [incident.updated_at, incident.created_at, last_report]))
    latest = reports.exclude(summary="").order_by("-received_at", "-id").first()
    subtypes = rulebook_of(incident.rulebook).subtypes.get(Category(incident.category), {})
    base = settings.DUTYROOM_PUBLIC_URL.rstrip("/")
    return CapSource(
        incident_id=incident.pk,
        title=incident.title,
        category=incident.category,
        subtype=incident.subtype,
        subtype_label=subtypes.get(incident.subtype, ""),
        grade=incident.grade,
        sensitive=incident.sensitive,
        may_escalate=incident.may_escalate,
        hotspot=incident.hotspot,
        exercise=incident.exercise,
        classification=incident.classification,
        state=incident.state,
        occurred_at=incident.occurred_at,
        created_at=incident.created_at,
        changed_at=changed,
        reports=reports.count(),
        city=settings.DUTYROOM_INSTANCE_NAME,
        sender=settings.DUTYROOM_CAP_SENDER,
        sender_name=f"{settings.DUTYROOM_INSTANCE_NAME}人民政府值班室",
        area=incident.area.name if incident.area else "",
        address=incident.address,
        lat=incident.lat,
        lon=incident.lon,
        summary=latest.summary if latest else "",
        figures={k: int(v) for k, v in (incident.figures or {}).items() if isinstance(v, int | float)},
        web=f"{base}/incidents/{incident.pk}/" if base else "",
    )


def incident_cap(incident: Incident) -> bytes:
    return cap_alert(cap_source(incident))
