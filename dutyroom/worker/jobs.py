"""Periodic jobs the worker loop runs beside the deadline sweep (alert ladders, feed polling, daily reports …).

Each job is ``job(now) -> datetime | None``: it does what is due at ``now`` (claiming its rows by
compare-and-set, so any number of workers may run it) and returns when it next wants to run, or ``None`` if
it has nothing scheduled. The loop sleeps until the nearest of those times and the next deadline.
A capability adds its job to ``JOBS`` below; a job that raises is logged and retried on the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from dutyroom.alerts.jobs import alerts_job
from dutyroom.assessment.jobs import forbidden_channel_findings_job
from dutyroom.audit.services import audit_seal_job
from dutyroom.documents.jobs import daily_report_job
from dutyroom.interop.outbound import forwarding_job
from dutyroom.leads.early_warnings import warnings_job
from dutyroom.leads.feeds import feeds_job
from dutyroom.leads.incident_dups import incident_duplicates_job

log = logging.getLogger("dutyroom.worker")

Job = Callable[[datetime], datetime | None]

JOBS: list[Job] = [
    audit_seal_job,
    feeds_job,
    forwarding_job,
    daily_report_job,
    forbidden_channel_findings_job,
    incident_duplicates_job,
    warnings_job,
    alerts_job,
]


def jobs_run(now: datetime, jobs: list[Job] | None = None) -> datetime | None:
    """Run every job once; returns the earliest time any of them asked to run again."""
    earliest: datetime | None = None
    for job in JOBS if jobs is None else jobs:
        try:
            wanted = job(now)
        except Exception:  # one failing job must not stop the clocks
            log.exception("worker job %s failed; retrying on the next pass", getattr(job, "__name__", job))
            continue
        if wanted is not None and (earliest is None or wanted < earliest):
            earliest = wanted
    return earliest
