"""The chain of clocks (分级管理): who owes which clock to which duty room on one incident.

The responsible unit owes its clocks to the nearest duty room above it. When that is a duty room below the city
(a town's), the town in turn owes the next duty room up — in the end the city — its own clocks on the same
incident, by the city's rules and anchored as the city's rulebook anchors them. Each level's clocks are tightened
by the overlays set above that level (``rules.overlay``), in force when the incident was opened, so a later change
of a town's rules never moves a running clock, and the town's clock never depends on when its village reported.

With no duty room below the city (every installation before 分级管理) the chain is the responsible unit alone,
owing to the city: exactly the clocks there always were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import (
    duty_room_unit,
    duty_rooms,
    overlays_below,
    overlays_over,
    owed_to_code,
    owed_to_unit,
    unit_ancestors,
)
from dutyroom.rules import PlannedClock, Rulebook
from dutyroom.rules.overlay import Limit, in_force, tighten


@dataclass(frozen=True)
class Level:
    """One link: ``unit`` owes its clocks to ``owed_to`` (a unit code; empty for the city duty room)."""

    unit: Unit
    owed_to: str
    limits: Mapping[str, Limit]
    upper: bool  # a duty room above the responsible unit, owing on the same incident

    def key(self, key: str) -> str:
        """The obligation key of a clock at this level: the responsible unit's keys are as they always were."""
        return f"{self.unit.code}:{key}" if self.upper else key

    def plan(self, rulebook: Rulebook, planned: Sequence[PlannedClock]) -> list[PlannedClock]:
        return tighten(rulebook, planned, self.limits) if self.limits else list(planned)


def _any_local_duty_room() -> bool:
    return duty_rooms().any_local


def _has_levels() -> bool:
    """Whether any unit runs a duty room below the city or sets rules: one cheap read for the city-only case
    (once per pass, shared with the city duty room's)."""
    facts = duty_rooms()
    return facts.any_local or facts.any_rules


def chain_levels(rulebook: Rulebook, unit: Unit, judged_at: datetime) -> list[Level]:
    """The levels that owe clocks when ``unit`` is responsible, nearest first, under the overlays in force at
    ``judged_at`` (the incident's opening)."""
    if not _has_levels():
        return [Level(unit=unit, owed_to="", limits={}, upper=False)]
    levels: list[Level] = []
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        receiver = owed_to_unit(current)
        overlays = overlays_over(current, judged_at)
        limits = in_force(rulebook, overlays) if overlays else {}
        levels.append(Level(unit=current, owed_to=owed_to_code(receiver), limits=limits, upper=bool(levels)))
        current = receiver
    return levels


def limits_owed_by(rulebook: Rulebook, unit: Unit, judged_at: datetime) -> Mapping[str, Limit]:
    """The limits in force for the clocks ``unit`` owes its duty room (its follow-ups, like its first report):
    the overlays set above it, in the versions in force at ``judged_at`` (the incident's opening, so a later
    change of a town's rules never moves a running clock). Empty: the rulebook's own limits."""
    if not _has_levels():
        return {}
    overlays = overlays_over(unit, judged_at)
    return in_force(rulebook, overlays) if overlays else {}


def limits_of_room(rulebook: Rulebook, room: Unit | None, judged_at: datetime) -> Mapping[str, Limit]:
    """The limits a duty room holds to the clocks owed to it that are not a unit's own reports: its receipt of
    a report (its own duty) and the reply to a question it asked. Those are the rules of the room's area — its
    own overlay and those above it — never one set below it: a village's leader cannot hold the town's duty room
    to a receipt time, and a question the city asks is answered by the city's rules. ``room`` None: the city."""
    if not _has_levels():
        return {}
    overlays = overlays_below(room if room is not None else duty_room_unit(), judged_at)
    return in_force(rulebook, overlays) if overlays else {}


def receiver_of(unit: Unit) -> Unit | None:
    """The duty room below the city that receives ``unit``'s reports (and confirms them); None: the city's."""
    if not _any_local_duty_room():
        return None
    return owed_to_unit(unit)


def owes_on(incident_id: int, unit: Unit, responsible: Unit) -> bool:
    """Whether ``unit`` is a level above the responsible unit owing its own clocks on the incident. Being above
    is checked, not inferred from holding a clock: a department asked to verify holds a clock on the incident
    too, and must not thereby number its follow-ups or close it."""
    if unit.pk not in {above.pk for above in unit_ancestors(responsible)}:
        return False
    return Obligation.objects.filter(incident_id=incident_id, unit=unit).exclude(owed_to=unit.code).exists()
