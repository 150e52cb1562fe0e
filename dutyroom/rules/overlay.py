"""Local rules (改进办法, notice §六): a unit's overlay on the city's rulebook for the units below it.

A town may hold its villages to a shorter clock than the city holds the town ("units report to the town within
20 minutes" so that the town can meet the city's 45); it may never loosen one. An overlay names clocks by the
rulebook's clock ids (``general.first``, ``major.phone``, ``final``, ``receipt``, …) and gives a limit in minutes.

The overlays in force for a unit are those of every unit above it, top first; each level can only lower a
limit, so the deepest level wins and no chain can produce a deadline later than the rulebook's. Overlays are
versioned: an incident is judged under the versions in force when it was opened (the caller picks them by
time, ``overlays_at``), so a later change never moves a running clock.

Pure: no Django, no clock; every time is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeGuard

from .deadlines import PlannedClock, followup_due
from .enums import Grade, ObligationKind
from .model import IMMEDIATE_WRITTEN_PREFIX, Rulebook
from .timeutil import add_elapsed

#: The follow-up cadence has one limit per grade; an overlay caps every grade's interval at its value.
FOLLOWUP_ID_FALLBACK = "followup"


@dataclass(frozen=True)
class Overlay:
    """One version of the overlay a unit set for the units below it."""

    unit: str
    version: int
    within_minutes: Mapping[str, int] = field(hash=False)
    set_at: datetime


@dataclass(frozen=True)
class Limit:
    """A clock limit in force and who set it: a unit code, or the rulebook's ``ref``."""

    minutes: int
    set_by: str


@dataclass(frozen=True)
class Refusal:
    """Why an overlay value is refused: the key (``within_minutes.<clock id>``), the limit above, the reason."""

    key: str
    limit: int | None
    reason: str


def clock_limits(rb: Rulebook) -> dict[str, int]:
    """Every clock id of the rulebook an overlay may tighten, with the rulebook's limit in whole minutes. A
    follow-up clock is listed at its longest interval (the overlay caps each grade's interval)."""
    limits: dict[str, int] = {}
    for tier in rb.tiers:
        for clock in tier.clocks:
            limits[clock.id] = _minutes(clock.within)
    limits[rb.immediate.phone.id] = _minutes(rb.immediate.phone.within)
    limits[rb.followup.id] = max(_minutes(v) for v in rb.followup.interval.values())
    for clock in (rb.final_report, rb.verification_reply, rb.receipt):
        limits[clock.id] = _minutes(clock.within)
    return limits


def in_force(rb: Rulebook, chain: Sequence[Overlay]) -> dict[str, Limit]:
    """The limits in force below the last overlay of ``chain`` (ordered top first), each with who set it.

    A value that would loosen what is in force above it, or is no positive number of minutes, is ignored here
    (``refusals`` keeps it out of the database; this guards an overlay written before a level above tightened
    further): tighter always wins."""
    result = {clock_id: Limit(minutes, rb.ref) for clock_id, minutes in clock_limits(rb).items()}
    for overlay in chain:
        for clock_id, minutes in overlay.within_minutes.items():
            current = result.get(clock_id)
            if current is not None and _positive(minutes) and minutes < current.minutes:
                result[clock_id] = Limit(minutes, overlay.unit)
    return result


def refusals(rb: Rulebook, above: Sequence[Overlay], proposed: Mapping[str, object]) -> list[Refusal]:
    """What is wrong with ``proposed`` given the overlays ``above`` it (top first): an unknown clock id, a value
    that is not a positive whole number of minutes, or one larger than the limit in force above."""
    limits = in_force(rb, above)
    wrong: list[Refusal] = []
    for clock_id, value in proposed.items():
        key = f"within_minutes.{clock_id}"
        limit = limits.get(clock_id)
        if limit is None:
            wrong.append(Refusal(key, None, "unknown clock id"))
        elif not _positive(value):
            wrong.append(Refusal(key, limit.minutes, "must be a positive whole number of minutes"))
        elif value > limit.minutes:
            wrong.append(Refusal(key, limit.minutes, "looser than the limit in force above"))
    return wrong


def overlays_at(versions: Iterable[Overlay], at: datetime) -> list[Overlay]:
    """Of every stored version, the one in force at ``at`` per unit (the latest set at or before it). The order
    of units is kept as given (the caller passes them top first)."""
    latest: dict[str, Overlay] = {}
    for overlay in versions:
        if overlay.set_at > at:
            continue
        held = latest.get(overlay.unit)
        if held is None or overlay.version > held.version:
            latest[overlay.unit] = overlay
    order: list[str] = []
    for overlay in versions:
        if overlay.unit in latest and overlay.unit not in order:
            order.append(overlay.unit)
    return [latest[unit] for unit in order]


def clock_id_of(planned: PlannedClock) -> str:
    """The rulebook clock id a planned clock came from (its ``rule`` is ``<ref>/<id>``). The derived written clock
    of the immediate path keeps its tier's written limit, so it answers to that tier's written clock id."""
    rule_id = planned.rule.split("/", 1)[1] if "/" in planned.rule else planned.rule
    return rule_id


def tighten(rb: Rulebook, planned: Sequence[PlannedClock], limits: Mapping[str, Limit]) -> list[PlannedClock]:
    """The same clocks with each due time pulled in to the overlay's limit where that is tighter; the rule names
    the unit that set it (``<ref>/<id>+<unit>``). A clock is never moved later."""
    result: list[PlannedClock] = []
    for clock in planned:
        clock_id = clock_id_of(clock)
        limit = limits.get(_limit_key(rb, clock_id))
        if limit is None or limit.set_by == rb.ref:
            result.append(clock)
            continue
        due = add_elapsed(clock.anchor_at, timedelta(minutes=limit.minutes), "anchor")
        if due >= clock.due_at:
            result.append(clock)
            continue
        result.append(
            PlannedClock(
                key=clock.key,
                kind=clock.kind,
                due_at=due,
                rule=f"{clock.rule}+{limit.set_by}",
                anchor_at=clock.anchor_at,
            )
        )
    return result


def tighten_one(rb: Rulebook, planned: PlannedClock, limits: Mapping[str, Limit]) -> PlannedClock:
    """One clock under ``limits`` (``tighten`` for the clocks planned one at a time: a follow-up, a receipt, a
    verification reply, a final report)."""
    return tighten(rb, [planned], limits)[0] if limits else planned


def followup_clock(
    rb: Rulebook, grade: Grade | None, basis_at: datetime, key: str, limits: Mapping[str, Limit]
) -> PlannedClock:
    """The next follow-up clock: one interval of the grade after ``basis_at``, capped by a ``followup`` limit set
    below the city (one value for every grade: a grade whose interval is already shorter keeps it)."""
    planned = PlannedClock(
        key=key,
        kind=ObligationKind.FOLLOWUP,
        due_at=followup_due(rb, grade, basis_at),
        rule=f"{rb.ref}/{rb.followup.id}",
        anchor_at=basis_at,
    )
    return tighten_one(rb, planned, limits)


def _limit_key(rb: Rulebook, clock_id: str) -> str:
    if clock_id.startswith(IMMEDIATE_WRITTEN_PREFIX):
        tier_id = clock_id.removeprefix(IMMEDIATE_WRITTEN_PREFIX)
        for tier in rb.tiers:
            if tier.id == tier_id:
                return tier.written_limit.id
    return clock_id


def _positive(value: object) -> TypeGuard[int]:
    """A whole number of minutes above zero (a boolean is not a number of minutes)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _minutes(within: timedelta) -> int:
    return int(within.total_seconds() // 60)
