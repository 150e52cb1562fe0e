"""Reads that join people and the unit tree."""

from __future__ import annotations

from dutyroom.accounts.models import User
from dutyroom.common.validation import Errors
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_for_code


def acting_unit(actor: User, code: str | None, errors: Errors, *, default: Unit | None) -> Unit | None:
    """The unit a user acts for: their own; the duty room may name any unit (it logs on others' behalf)."""
    if not code:
        return default
    if actor.unit is not None and actor.unit.code == code and actor.unit.active:
        return actor.unit  # read with the user (the usual case: a unit naming itself)
    unit = unit_for_code(code, errors)
    if unit is not None and not actor.is_duty_room and unit.pk != actor.unit_id:
        errors.add("unit", "只能以本单位名义报告", "you can only act for your own unit")
    return unit
