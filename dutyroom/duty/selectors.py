"""Reads of the roster: who is on duty now (every alert to "the duty officer" asks this)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from dutyroom.accounts.models import Role, User
from dutyroom.common.memo import memoized
from dutyroom.duty.models import Shift
from dutyroom.orgs.models import Unit, UnitKind


def roster_now(now: datetime, room: Unit | None = None) -> Shift | None:
    """The shift covering ``now`` (the latest-starting one if a handover overlaps), or None: nobody is rostered.

    Resolved to the second (``now``'s fraction dropped): shifts begin and end on whole minutes (the rota form
    and the import take minutes), so the answer is the same for every instant of a second, and a burst's many
    sweeps within one second read the roster once (``common.memo.pass_memo``). ``room``: a town's duty room,
    whose own roster this reads; None: the city's."""
    second = now.replace(microsecond=0)
    return memoized(
        ("roster_now", second, room.pk if room is not None else None),
        lambda: (
            Shift.objects.select_related("duty_officer", "duty_leader", "city_leader")
            .filter(starts_at__lte=second, ends_at__gt=second, room=room)
            .order_by("-starts_at")
            .first()
        ),
    )


def shifts_between(start: datetime, end: datetime, room: Unit | None = None) -> QuerySet[Shift]:
    return Shift.objects.select_related("duty_officer", "duty_leader", "city_leader").filter(
        starts_at__lt=end, ends_at__gt=start, room=room
    )


def everyone_with_role(role: str) -> list[User]:
    """The fallback audience when no shift covers the moment: every active user of the role."""
    # the city's fallback: a town's own duty officers watch their town's clocks, not the city's
    city = Q(unit__isnull=True) | Q(unit__duty_room=False) | Q(unit__kind=UnitKind.DUTY_ROOM)
    return memoized(("role", role), lambda: list(User.objects.filter(city, role=role, is_active=True).order_by("id")))


def room_staff(room: Unit, role: str) -> list[User]:
    """A town's duty room uncovered by its roster: every active holder of the role in that room."""
    return memoized(
        ("room-staff", room.pk, role),
        lambda: list(User.objects.filter(unit=room, role=role, is_active=True).order_by("id")),
    )


def on_duty(role: Role, now: datetime, room: Unit | None = None) -> list[User]:
    """Who takes an alert addressed to a roster role right now; every holder of the role when uncovered.
    ``room``: a town's duty room (its own roster and people); None: the city's."""
    shift = roster_now(now, room)
    if shift is None and room is not None:
        return room_staff(room, role)
    if shift is None:
        if role == Role.DUTY_OFFICER:
            return everyone_with_role(Role.DUTY_OFFICER)
        return everyone_with_role(Role.DUTY_LEADER)
    person = {Role.DUTY_OFFICER: shift.duty_officer, Role.DUTY_LEADER: shift.duty_leader}.get(role)
    return [person] if person is not None and person.is_active else []


def city_leader_on_duty(now: datetime) -> list[User]:
    """The city leader on the current shift; without one, the duty leaders take the alert."""
    shift = roster_now(now)
    if shift is not None and shift.city_leader is not None:
        return [shift.city_leader]
    return on_duty(Role.DUTY_LEADER, now)
