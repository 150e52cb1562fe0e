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
