"""Reads over the unit tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, Q, QuerySet
from django.db.models.expressions import RawSQL

from dutyroom.common.engine.prepared import PreparedRead
from dutyroom.common.memo import memoized
from dutyroom.common.validation import Errors
from dutyroom.orgs.models import CITY_DUTY_ROOM, Unit, UnitKind, UnitRules
from dutyroom.rules.overlay import Overlay, overlays_at


def unit_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code, active=True).first()


@dataclass(frozen=True)
class DutyRooms:
    """What every write of a report or incident asks of the tree before anything else: the city duty room, and
    whether any unit below the city runs a duty room or sets rules (else the chain is the unit alone)."""

    city: Unit | None
    any_local: bool
    any_rules: bool


def duty_rooms() -> DutyRooms:
    """One read for the three (once per pass): the duty-room units, each carrying whether any unit sets rules."""
    return memoized(("orgs", "duty-rooms"), _duty_rooms)


def _duty_room_units() -> QuerySet[Unit]:
    return Unit.objects.filter(Q(kind=UnitKind.DUTY_ROOM, parent__isnull=True) | Q(duty_room=True)).annotate(
        any_rules=Exists(UnitRules.objects.all())
    )


# Read by every report and incident write: compiled once (compiling cost more than reading).
_DUTY_ROOM_UNITS = PreparedRead(_duty_room_units)


def _duty_rooms() -> DutyRooms:
    rows = _DUTY_ROOM_UNITS()
    city = next((u for u in rows if u.kind == UnitKind.DUTY_ROOM and u.parent_id is None), None)
    # the annotation of _duty_room_units
    any_rules = bool(rows[0].any_rules) if rows else UnitRules.objects.exists()  # type: ignore[attr-defined]
    return DutyRooms(city=city, any_local=any(u.duty_room for u in rows), any_rules=any_rules)


def duty_room_unit() -> Unit:
    """The city duty room: the audience of every report and alert. Read once per pass (a report names it for
    its receipt clock and again for its notice); callers must not change the row they get."""
    city = duty_rooms().city
    if city is None:
        raise Unit.DoesNotExist("the city duty room is missing")
    return city


def unit_subtree_ids(unit: Unit) -> set[int]:
    """The unit and every unit below it (a town sees what its villages and grids report)."""
    return set(Unit.objects.filter(pk__in=_walk_below(unit.pk)).values_list("id", flat=True))


# Up to this many units a subtree is written into a query as its ids; beyond it, as the tree walk itself.
LITERAL_SUBTREE = 32


def subtree_in(ids: set[int], root_id: int) -> set[int] | RawSQL:
    """What ``field__in=`` needs for the subtree ``ids`` under ``root_id``: the ids themselves when they are few,
    else a query that walks the tree in the database (one parameter).

    A town's subtree in a deep city is 181 units (30 villages, 150 enterprises), and its duty room's board asks
    about it in nine queries, each naming the set four or five times: 900 literal parameters a query for the ORM
    to compile, the driver to quote and PostgreSQL to parse and estimate, 7 ms each against 0.1 ms of execution.
    The recursive query is planned once per statement (a hashed subplan on PostgreSQL, a materialised list on
    SQLite) over a table of a few thousand rows. Few ids stay literal: a village's one unit plans best as itself.
    """
    return ids if len(ids) <= LITERAL_SUBTREE else _walk_below(root_id)


def _walk_below(root_id: int) -> RawSQL:
    """The ids of ``root_id`` and every unit below it, walked by the database (``UNION`` rather than ``UNION
    ALL``: a unit met twice is not walked again, so even a cycle in the tree would end)."""
    return _walk_from("SELECT CAST(%s AS BIGINT)", (root_id,))


def _walk_from(start: str, params: tuple[object, ...]) -> RawSQL:
    """The ids the query ``start`` selects and every unit below them, walked by the database."""
    table = Unit._meta.db_table
    return RawSQL(
        f'WITH RECURSIVE below(id) AS ({start} UNION SELECT u."id" FROM "{table}" u '
        f'JOIN below ON u."parent_id" = below.id) SELECT id FROM below',
        params,
    )


def reporting_units() -> QuerySet[Unit]:
    return Unit.objects.filter(active=True).exclude(kind=UnitKind.DUTY_ROOM)


def city_tasked_units(incident_unit_id: int | None) -> list[Unit]:
    """The units an incident page offers the city duty room for a leader's instruction (督办): those whose
    reports come to the city, and the incident's own unit whatever its level. A unit below a town's own duty
    room is reached through its town, as its reports are (a deep tree listed 1,800 villages and enterprises as
    checkboxes on every incident page, 200 KB of it); grids are never tasked (grid workers send leads)."""
    units = reporting_units().exclude(kind=UnitKind.GRID)
    if duty_rooms().any_local:
        # one walk from every local duty room's children, in the database: walking each room's subtree here
        # and excluding the 1,800 ids it found took ten queries and 8 ms of a single one on every incident page
        units = units.exclude(Q(pk__in=_walk_below_local_rooms()) & ~Q(pk=incident_unit_id or 0))
    return list(units)


def _walk_below_local_rooms() -> RawSQL:
    """The ids of every unit below a duty room that is not the city's (``UNION``: see ``_walk_below``)."""
    table = Unit._meta.db_table
    children = (
        f'SELECT u."id" FROM "{table}" u JOIN "{table}" room ON u."parent_id" = room."id" '
        f'WHERE room."duty_room" AND room."kind" <> %s'
    )
    return _walk_from(children, (UnitKind.DUTY_ROOM.value,))


def unit_for_code(code: str, errors: Errors, field: str = "unit") -> Unit | None:
    """Look a unit code up, recording a field error a person understands when it does not exist."""
    unit = unit_by_code(code)
    if unit is None:
        errors.add(field, f"单位代码 {code} 不存在", f"unknown unit code {code}")
    return unit


def unit_ancestors(unit: Unit) -> list[Unit]:
    """The units above ``unit``, nearest first (its parent, the parent's parent, … up to the root)."""
    found: list[Unit] = []
    seen = {unit.pk}
    parent_id = unit.parent_id
    while parent_id is not None and parent_id not in seen:
        parent = Unit.objects.filter(pk=parent_id).first()
        if parent is None:
            break
        found.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return found


def owed_to_unit(unit: Unit) -> Unit | None:
    """The duty room below the city that receives ``unit``'s reports: the nearest unit above it running one.
    None: its reports go to the city duty room, as every unit's did before duty rooms below the city."""
    return next((above for above in unit_ancestors(unit) if above.runs_local_duty_room), None)


def owed_to_code(receiver: Unit | None) -> str:
    """``owed_to`` as stored on an obligation: empty for the city duty room (so rows from before duty rooms
    below the city read the same), else the receiving unit's code."""
    return receiver.code if receiver is not None else ""


def reports_to_codes(units: list[Unit]) -> dict[int, str]:
    """Each unit's ``reports_to`` (the code of the duty room its reports go to) from one read of the tree."""
    tree = {row["id"]: row for row in Unit.objects.values("id", "code", "parent_id", "duty_room", "kind")}
    answer: dict[int, str] = {}
    for unit in units:
        parent_id, seen, code = unit.parent_id, {unit.pk}, CITY_DUTY_ROOM
        while parent_id is not None and parent_id not in seen and parent_id in tree:
            row = tree[parent_id]
            if row["duty_room"] and row["kind"] != UnitKind.DUTY_ROOM:
                code = row["code"]
                break
            seen.add(parent_id)
            parent_id = row["parent_id"]
        answer[unit.pk] = code
    return answer


def overlay_versions(units: list[Unit]) -> list[Overlay]:
    """Every stored version of the rules the given units set, in the order of ``units`` (top first)."""
    rows = UnitRules.objects.filter(unit__in=units).select_related("unit")
    by_unit: dict[int, list[Overlay]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_id, []).append(
            Overlay(unit=row.unit.code, version=row.version, within_minutes=dict(row.within_minutes), set_at=row.set_at)
        )
    return [overlay for unit in units for overlay in by_unit.get(unit.pk, [])]


def overlays_over(unit: Unit, at: datetime) -> list[Overlay]:
    """The overlays in force at ``at`` for ``unit``'s own clocks: those set by every unit above it, top first."""
    above = list(reversed(unit_ancestors(unit)))
    if not above or not UnitRules.objects.filter(unit__in=above).exists():
        return []
    return overlays_at(overlay_versions(above), at)


def overlays_below(unit: Unit, at: datetime) -> list[Overlay]:
    """The overlays in force at ``at`` for the units below ``unit``: its own and those above it, top first."""
    chain = [*reversed(unit_ancestors(unit)), unit]
    return overlays_at(overlay_versions(chain), at)
