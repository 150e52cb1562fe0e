"""Writes of the documents app: issuing a numbered 专报 and generating (or regenerating) a 值班日报.

Numbers come from one counter row per series and year, taken under a row lock, so two duty officers who
press "issue" at the same moment get consecutive numbers and never the same one (both databases).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction

from dutyroom.accounts.models import Role, User
from dutyroom.audit.services import audit_record
from dutyroom.common.errors import Forbidden, ValidationFailed
from dutyroom.common.validation import Errors, check_text
from dutyroom.documents.layout import LOCAL
from dutyroom.documents.models import DailyReport, DocumentCounter, SpecialReport
from dutyroom.incidents.models import Incident
from dutyroom.reports.models import Report

SPECIAL = "special_report"
DAILY = "daily_report"


def number_next(series: str, year: int) -> int:
    """The next number of ``series`` in ``year``; call inside the transaction that stores it."""
    try:
        with transaction.atomic():
            DocumentCounter.objects.get_or_create(series=series, year=year)
    except IntegrityError:  # a concurrent first issue of the year created it
        pass
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def default_signer(actor: User, incident: Incident) -> str:
    """The leader on duty signs (签发) what they issue; an officer's issue takes the leader who signed the latest
    report that names a signer, so the 签发人 line is never left blank when the chain names one."""
    if actor.role == Role.DUTY_LEADER:
        return actor.label
    signers = Report.objects.filter(incident=incident).exclude(signer="").order_by("-received_at", "-id")
    return signers.values_list("signer", flat=True).first() or ""


def special_report_issue(*, actor: User, incident: Incident, signer: str | None, now: datetime) -> SpecialReport:
    """Issue a new numbered 专报 (a new 期) about ``incident``."""
    if not actor.is_duty_room:
        raise Forbidden("只有值班室可以编发值班信息专报", "only the duty room issues special reports")
    errors = Errors()
    check_text(errors, "signer", signer or "", max_length=100)
    errors.raise_if_any()
    year = now.astimezone(LOCAL).year
    with transaction.atomic():
        issue = SpecialReport.objects.create(
            incident=incident,
            year=year,
            number=number_next(SPECIAL, year),
            signer=(signer if signer is not None else default_signer(actor, incident)).strip(),
            issued_by=actor,
            issued_at=now,
        )
        audit_record(
            actor=actor,
            action="special_report.issue",
            object_type="special_report",
            object_id=issue.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
            data={"number": issue.label, "signer": issue.signer},
        )
    return issue


def special_report_current(*, actor: User, incident: Incident, now: datetime) -> SpecialReport:
    """The incident's latest issue; the first request for a document issues number one of them."""
    latest = SpecialReport.objects.filter(incident=incident).select_related("incident").first()
    if latest is not None:
        return latest
    return special_report_issue(actor=actor, incident=incident, signer=None, now=now)


def check_report_day(day: date, now: datetime) -> None:
    """A daily report is about a day that has begun: from 1900 (the limits of every date field) to tomorrow
    (a night shift may prepare the morning's report before midnight). Year 1 or 9999 would overflow the
    day's window; 2199 is a typing mistake, not a report."""
    today = now.astimezone(LOCAL).date()
    if not date(1900, 1, 1) <= day <= today + timedelta(days=1):
        raise ValidationFailed.one(
            "day", "日期超出可接受范围（1900 年至明天）", "day must be between 1900-01-01 and tomorrow"
        )


def daily_report_generate(*, actor: User | None, day: date, now: datetime) -> DailyReport:
    """Build the 日报 of local ``day`` and keep it; generating a day again replaces its content (revision + 1).

    ``actor`` is None when the worker generates it in the morning.
    """
    from dutyroom.documents.daily import daily_content

    if actor is not None and not (actor.is_duty_room or actor.sees_whole_city):
        raise Forbidden("只有值班室可以生成值班日报", "only the duty room generates the daily report")
    check_report_day(day, now)
    with transaction.atomic():
        report = DailyReport.objects.select_for_update().filter(day=day).first()
        if report is None:
            report = DailyReport(day=day, year=day.year, number=number_next(DAILY, day.year), revision=0)
        report.revision += 1
        report.generated_by = actor
        report.generated_at = now
        report.content = daily_content(day, number=report.label, now=now).to_json()
        report.save()
        audit_record(
            actor=actor,
            action="daily_report.generate",
            object_type="daily_report",
            object_id=report.pk,
            at=now,
            data={"day": day.isoformat(), "number": report.label, "revision": report.revision},
        )
    return report
