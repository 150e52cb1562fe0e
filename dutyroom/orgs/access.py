"""Who may manage units and set their rules (分级管理).

The unit tree sits below accounts, so a person is seen here only through what it needs of them: a role
name and a unit. The role names are the accounts' ``Role`` values.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import QuerySet

from dutyroom.common.errors import Forbidden
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_ancestors, unit_subtree_ids

ADMIN = "admin"
DUTY_ROLES = frozenset({"duty_officer", "duty_leader"})
UNIT_LEADER = "unit_leader"


class Actor(Protocol):
    role: str
    unit_id: int | None

    @property
    def is_duty_room(self) -> bool: ...

    @property
    def local_duty_room(self) -> Unit | None: ...

    @property
    def sees_whole_city(self) -> bool: ...


def visible_units(actor: Actor) -> QuerySet[Unit]:
    """The city duty room and city-wide readers see every unit; anyone else their own unit's subtree and the
    units above it (where their reports go)."""
    qs = Unit.objects.filter(active=True)
    if actor.is_duty_room or actor.sees_whole_city or actor.role == ADMIN:
        return qs
    if actor.unit_id is None:
        return qs.none()
    own = Unit.objects.get(pk=actor.unit_id)
    ids = unit_subtree_ids(own) | {above.pk for above in unit_ancestors(own)}
    return qs.filter(pk__in=ids)


def may_manage_units_below(actor: Actor, parent: Unit) -> bool:
    """Admin; the city duty room, for any parent; a duty room below the city, for its own subtree."""
    if actor.role == ADMIN or actor.is_duty_room:
        return True
    local = actor.local_duty_room
    return local is not None and parent.pk in unit_subtree_ids(local)


def require_may_manage_units_below(actor: Actor, parent: Unit) -> None:
    if not may_manage_units_below(actor, parent):
        raise Forbidden(
            "只有管理员或上级值班室可以管理下级单位",
            "only the admin or the duty room of the parent may manage these units",
        )


def may_set_rules(actor: Actor, unit: Unit) -> bool:
    """The unit's own duty room or leader, or the admin (the city duty room for the city's own rules)."""
    if actor.role == ADMIN:
        return True
    if unit.is_duty_room:
        return actor.is_duty_room
    own = actor.unit_id == unit.pk
    return own and (actor.role == UNIT_LEADER or (actor.role in DUTY_ROLES and unit.runs_local_duty_room))


def require_may_set_rules(actor: Actor, unit: Unit) -> None:
    if not may_set_rules(actor, unit):
        raise Forbidden(
            "只有本单位值班室、领导或管理员可以制定本级规则",
            "only the unit's duty room or leader, or the admin, may set its rules",
        )
