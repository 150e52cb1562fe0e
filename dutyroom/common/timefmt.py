"""Times leave the system in Asia/Shanghai with an explicit offset and no fractional seconds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def iso_local(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(LOCAL).isoformat(timespec="seconds")
