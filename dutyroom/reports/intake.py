"""Opening an incident together with the unit's first report: one service for the API and the web form.

Both or neither: a first report that fails validation rolls the incident back, so a retried request never
leaves an incident without the report its sender thinks was filed. Report field errors are named under
``report.`` (the API's JSON path); the web form strips that prefix to put each error beside its box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.common.errors import ValidationFailed
from dutyroom.common.memo import pass_memo
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.reports.models import Report
from dutyroom.reports.services import ReportInput, report_submit

REPORT_PREFIX = "report."


@dataclass(frozen=True)
class Opened:
    """An incident just opened and the reports filed with it (none or its first): what the caller answers with,
    from the rows in hand."""

    incident: Incident
    reports: list[Report]


def incident_open(*, actor: User, data: IncidentInput, report: ReportInput | None, now: datetime) -> Opened:
    with pass_memo(), transaction.atomic():
        incident = incident_create(actor=actor, data=data, now=now)
        filed: list[Report] = []
        if report is not None:
            try:  # the row just inserted is held by this transaction: no lock to take, nothing to re-read
                filed.append(report_submit(actor=actor, incident=incident, data=report, now=now, created=True))
            except ValidationFailed as error:
                raise ValidationFailed(
                    {f"{REPORT_PREFIX}{field}": why for field, why in error.errors.items()}
                ) from error
    return Opened(incident=incident, reports=filed)


def incident_create_with_report(
    *, actor: User, data: IncidentInput, report: ReportInput | None, now: datetime
) -> Incident:
    return incident_open(actor=actor, data=data, report=report, now=now).incident
