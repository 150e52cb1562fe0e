"""Assessment periods (month, quarter, year) and working-day arithmetic for appeal windows.

Periods are calendar periods in the jurisdiction's local time: "2026-11" is 1 November 00:00 to
1 December 00:00 in Asia/Shanghai. A quarter or a year is scored as one period (base once, every fact of
its months), which is how published municipal schemes roll monthly work up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period: ``start`` inclusive, ``end`` exclusive (local dates)."""

    start: date
    end: date
    kind: PeriodKind
    code: str

    @property
    def months(self) -> tuple[date, ...]:
        """First day of every month in the period, in order."""
        found = []
        day = self.start
        while day < self.end:
            found.append(day)
            day = _next_month(day)
        return tuple(found)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware instants: local midnight of ``start`` to local midnight of ``end``."""
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz)

    def label_zh(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def previous(self) -> Period:
        """The period of the same kind just before this one (for "last month" links)."""
        if self.kind == PeriodKind.MONTH:
            prior = (self.start - timedelta(days=1)).replace(day=1)
            return parse_period(f"{prior.year:04d}-{prior.month:02d}")
        if self.kind == PeriodKind.QUARTER:
            prior = (self.start - timedelta(days=1)).replace(day=1)
            return parse_period(f"{prior.year:04d}-Q{(prior.month - 1) // 3 + 1}")
        return parse_period(f"{self.start.year - 1:04d}")


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def parse_period(text: str) -> Period:
    """``YYYY-MM``, ``YYYY-Qn`` or ``YYYY``; anything else raises ``ValueError`` with a readable reason."""
    match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"period must be YYYY-MM, YYYY-Qn or YYYY, got {text!r}")
    year = int(match["year"])
    if year < 1900:
        raise ValueError(f"period year {year} is out of range")
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"period month must be 01–12, got {match['month']}")
        start = date(year, month, 1)
        return Period(start, _next_month(start), PeriodKind.MONTH, f"{year:04d}-{month:02d}")
    if match["quarter"]:
        quarter = int(match["quarter"])
        start = date(year, 3 * quarter - 2, 1)
        end = _next_month(_next_month(_next_month(start)))
        return Period(start, end, PeriodKind.QUARTER, f"{year:04d}-Q{quarter}")
    return Period(date(year, 1, 1), date(year + 1, 1, 1), PeriodKind.YEAR, f"{year:04d}")


def month_of(moment: datetime, tz: ZoneInfo) -> Period:
    """The month an instant falls in, in local time."""
    local = moment.astimezone(tz)
    return parse_period(f"{local.year:04d}-{local.month:02d}")


@dataclass(frozen=True)
class WorkCalendar:
    """Monday–Friday, minus public holidays, plus 调休 weekend days that are worked."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself is never counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        current = day
        remaining = count
        while remaining:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current


def working_day_deadline(raised_at: datetime, days: int, calendar: WorkCalendar, tz: ZoneInfo) -> datetime:
    """End of the ``days``-th working day after the (local) day of ``raised_at``: the appeal window closes at
    local midnight after that day, so a finding raised on Friday with 5 working days may be answered until the
    end of the next Friday, whatever the hour it was raised."""
    local_day = raised_at.astimezone(tz).date()
    last = calendar.add_working_days(local_day, days)
    return datetime.combine(last + timedelta(days=1), time(), tz)
