"""Two duty-log lines for the demo city, so a newcomer opening /duty-log/ sees free entries beside events."""

from __future__ import annotations

from datetime import datetime, timedelta

from dutyroom.accounts.models import User
from dutyroom.handover.models import DutyLogEntry
from dutyroom.handover.services import LogInput, duty_log_add

SAMPLES = [
    (40, "call", "沙溪镇值班室来电：居民楼火灾明火已扑灭，无人员伤亡，书面续报随后报送。", "shaxi"),
    (15, "instruction", "向应急管理局传达带班领导指示：浏河镇储罐泄漏点周边加强监测，每小时报告一次。", "emergency"),
]


def duty_log_demo_load(now: datetime) -> int:
    """Idempotent: writes the samples only into an empty log, through the real service (audited)."""
    if DutyLogEntry.objects.exists():
        return 0
    officer = User.objects.get(username="duty-officer")
    for minutes_ago, kind, text, unit in SAMPLES:
        duty_log_add(
            actor=officer,
            now=now,
            data=LogInput(kind=kind, text=text, unit=unit, at=now - timedelta(minutes=minutes_ago)),
        )
    return len(SAMPLES)
