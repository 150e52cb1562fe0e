"""The assessment's worker job: turn forbidden-channel marks on new reports into proposed findings, and a town
duty room's reports that came before its unit's into "who knew first" candidates.

Reports live a floor below the assessment and cannot call it; the mark they carry is the event, and this job
(listed in ``dutyroom.worker.jobs.JOBS``) handles it within a worker pass of the report being filed.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max

from dutyroom.assessment.services import findings_propose_forbidden_channel
from dutyroom.leads.knew_first import evidence_from_town_reports
from dutyroom.reports.models import Report

# Report ids up to here have been looked at by this process; a restart rescans once from 0 (cheap: only
# forbidden-channel reports without a finding match, and the unique constraint makes a repeat harmless).
_cursor = {"report_id": 0}


def forbidden_channel_findings_job(now: datetime) -> datetime | None:
    top = Report.objects.aggregate(top=Max("id"))["top"] or 0
    if top > _cursor["report_id"]:
        findings_propose_forbidden_channel(now=now, after_report=_cursor["report_id"], up_to_report=top)
        evidence_from_town_reports(now=now, after_report=_cursor["report_id"], up_to_report=top)
        _cursor["report_id"] = top
    return None  # runs on every pass; nothing to schedule
