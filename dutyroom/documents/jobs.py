"""The worker's morning job: write yesterday's 值班日报 at ``DUTYROOM_DAILY_REPORT_AT`` (Asia/Shanghai).

Idempotent: it only generates a day that has no report yet, so several workers (or a restart) write it once;
a duty officer can still regenerate a day by hand.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError

from dutyroom.documents.layout import LOCAL
from dutyroom.documents.models import DailyReport
from dutyroom.documents.services import daily_report_generate


def report_time() -> time:
    hours, minutes = (int(part) for part in str(settings.DUTYROOM_DAILY_REPORT_AT).split(":"))
    return time(hours, minutes)


def daily_report_job(now: datetime) -> datetime | None:
    local = now.astimezone(LOCAL)
    at = report_time()
    today_run = datetime.combine(local.date(), at, tzinfo=LOCAL)
    if local >= today_run:
        day = local.date() - timedelta(days=1)
        if not DailyReport.objects.filter(day=day).exists():
            with suppress(IntegrityError):  # another worker wrote it a moment ago
                daily_report_generate(actor=None, day=day, now=now)
        return datetime.combine(local.date() + timedelta(days=1), at, tzinfo=LOCAL)
    return today_run
