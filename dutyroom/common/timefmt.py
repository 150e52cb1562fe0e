"""Times leave the system in China Standard Time, always ``+08:00`` (api.md), with no fractional seconds.

A fixed offset, not the Asia/Shanghai zone: before 1912 the zone database gives local mean time (+08:05:43)
and 1986–1991 had summer time (+09:00); the API promises +08:00 for every instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

LOCAL = timezone(timedelta(hours=8), "CST")


def iso_local(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(LOCAL).isoformat(timespec="seconds")
