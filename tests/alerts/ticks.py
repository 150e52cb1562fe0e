"""What the worker does at one moment, for tests that step through a clock's life: the deadline sweep (which
turns due clocks overdue and alerts about them in the same transaction), then the ladder's pass."""

from __future__ import annotations

from datetime import datetime

from dutyroom.alerts.ladder import ladder_sweep
from dutyroom.alerts.models import AlertEvent
from dutyroom.worker.loop import obligations_sweep


def tick(now: datetime) -> int:
    """Run the worker's clock steps at ``now``; returns how many alerts they wrote."""
    before = AlertEvent.objects.count()
    while obligations_sweep(now):
        pass
    ladder_sweep(now)
    return AlertEvent.objects.count() - before


def audited_steps(**where: object) -> list[str]:
    """The ladder's rungs the audit log records for the matching entries, in order: each ``obligation.alert``
    entry, and the overdue alert the flip's own ``obligation.overdue`` entry carries (one entry a clock)."""
    from dutyroom.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(action__in=("obligation.alert", "obligation.overdue"), **where).order_by("id")
    return [
        e.data["step"] if e.action == "obligation.alert" else e.data["alert"]["step"]
        for e in entries
        if e.action == "obligation.alert" or "alert" in e.data
    ]
