"""Periodic jobs the worker loop runs beside the deadline sweep (alert ladders, feed polling, daily reports …).

Each job is ``job(now) -> datetime | None``: it does what is due at ``now`` (claiming its rows by
compare-and-set, so any number of workers may run it) and returns when it next wants to run, or ``None`` if
it has nothing scheduled. The loop sleeps until the nearest of those times and the next deadline.
A capability adds its job to ``JOBS`` below; a job that raises is logged and retried on the next pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


# A job that asked for nothing runs again after this long, or at once when woken (new work was written).
IDLE_PERIOD = timedelta(seconds=5)


@dataclass
class JobSchedule:
    """When each job next wants to run, so an idle worker runs a job only when it asked to or when woken.

    An idle worker must stay under 2% of a core; before, every job ran every half second, each with its queries, whether
    or not anything was due. Now a job runs when the time it returned has come, when its ``IDLE_PERIOD`` has
    passed, or on a wake-up (a commit that wrote a clock, an alert or an outbox event wakes every worker)."""

    jobs: list[Job] = field(default_factory=lambda: list(JOBS))
    next_at: dict[int, datetime] = field(default_factory=dict)

    def run_due(self, now: datetime, *, woken: bool) -> datetime:
        """Run every job whose time has come (all of them when ``woken``); returns when the next one is due."""
        for index, job in enumerate(self.jobs):
            due = self.next_at.get(index)
            if not woken and due is not None and due > now:
                continue
            wanted = jobs_run(now, [job])
            self.next_at[index] = min(wanted, now + IDLE_PERIOD) if wanted is not None else now + IDLE_PERIOD
        return min(self.next_at.values(), default=now + IDLE_PERIOD)
