"""Who an alert reaches: the unit's staff by role, and the duty room's people by the roster."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dutyroom.accounts.models import Role, User
from dutyroom.common.memo import memoized
from dutyroom.duty.selectors import city_leader_on_duty, on_duty
from dutyroom.orgs.models import Unit
from dutyroom.rules import Audience


def unit_staff(unit: Unit, roles: Iterable[str]) -> list[User]:
    wanted = sorted(roles)
    return memoized(
        ("staff", unit.pk, tuple(wanted)),
        lambda: list(User.objects.filter(unit=unit, role__in=wanted, is_active=True).order_by("id")),
    )


def assessors() -> list[User]:
    """The city's assessors (考评人员): they decide findings, so an appeal is theirs to hear about."""
    return memoized(
        ("assessors",), lambda: list(User.objects.filter(role=Role.ASSESSOR, is_active=True).order_by("id"))
    )


def audience_users(audiences: Iterable[Audience], unit: Unit | None, now: datetime, owed_to: str = "") -> list[User]:
    """Resolve audiences to people, each once, in a stable order (once per pass for the same audiences and unit:
    a burst asks the same question for thousands of clocks). Callers must not mutate the list. ``owed_to``: the
    clock is owed to a duty room below the city (a town's), whose own officers and leader take "the duty
    officer" and "the duty leader"."""
    wanted = tuple(sorted(audiences))  # the roster is resolved to the second (duty.selectors.roster_now)
    return memoized(
        ("audience", wanted, unit.pk if unit is not None else None, now.replace(microsecond=0), owed_to),
        lambda: _audience_users(wanted, unit, now, owed_to),
    )


def _local_duty(owed_to: str, role: Role, now: datetime) -> list[User]:
    """The town's officer (or leader) on its own roster now; uncovered, every one of the town's."""
    room = memoized(("room", owed_to), lambda: Unit.objects.filter(code=owed_to).first())
    return on_duty(role, now, room) if room is not None else []


def _audience_users(audiences: tuple[Audience, ...], unit: Unit | None, now: datetime, owed_to: str = "") -> list[User]:
    people: dict[int, User] = {}
    for audience in audiences:
        if owed_to and audience in (Audience.DUTY_OFFICER, Audience.DUTY_LEADER):
            role = Role.DUTY_OFFICER if audience == Audience.DUTY_OFFICER else Role.DUTY_LEADER
            found = _local_duty(owed_to, role, now)
        elif audience == Audience.UNIT_REPORTERS and unit is not None:
            found = unit_staff(unit, [Role.UNIT_REPORTER])
        elif audience == Audience.UNIT_LEADER and unit is not None:
            found = unit_staff(unit, [Role.UNIT_LEADER])
        elif audience == Audience.DUTY_OFFICER:
            found = on_duty(Role.DUTY_OFFICER, now)
        elif audience == Audience.DUTY_LEADER:
            found = on_duty(Role.DUTY_LEADER, now)
        elif audience == Audience.CITY_LEADER:
            found = city_leader_on_duty(now)
        else:
            found = []
        for person in found:
            people.setdefault(person.pk, person)
    return list(people.values())
