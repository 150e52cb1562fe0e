"""Reads over the unit tree."""

from __future__ import annotations

from django.db.models import QuerySet

from dutyroom.common.validation import Errors
from dutyroom.orgs.models import Unit, UnitKind


def unit_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code, active=True).first()


def duty_room_unit() -> Unit:
    """The city duty room: the audience of every report and alert."""
    return Unit.objects.get(kind=UnitKind.DUTY_ROOM, parent__isnull=True)


def unit_subtree_ids(unit: Unit) -> set[int]:
    """The unit and every unit below it (a town sees what its villages and grids report)."""
    ids = {unit.pk}
    frontier = [unit.pk]
    while frontier:
        children = list(Unit.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = [c for c in children if c not in ids]
        ids.update(frontier)
    return ids


def reporting_units() -> QuerySet[Unit]:
    return Unit.objects.filter(active=True).exclude(kind=UnitKind.DUTY_ROOM)


def unit_for_code(code: str, errors: Errors, field: str = "unit") -> Unit | None:
    """Look a unit code up, recording a field error a person understands when it does not exist."""
    unit = unit_by_code(code)
    if unit is None:
        errors.add(field, f"单位代码 {code} 不存在", f"unknown unit code {code}")
    return unit
