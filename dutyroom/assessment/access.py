"""Who sees which findings and which rows of the assessment, at which level.

Each duty room assesses the units whose reports go to it (分级管理): the city duty room the towns, zones,
subdistricts and departments, scored on the clocks owed to the city; a town's duty room the villages,
communities, enterprises and stations below it that report to it, scored on the clocks owed to the town. The
assessor, the city duty room and admins see every level (the city's by default); a town's duty officers and
leader see their own level only; a unit sees its own findings, ledger and rank at the level that assesses it,
never the findings against other units. Missing and forbidden both answer NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from dutyroom.accounts.models import User
from dutyroom.assessment.models import Finding
from dutyroom.common.errors import NotFound
from dutyroom.incidents.access import visible_incidents
from dutyroom.leads.models import EvidenceState, LeadEvidence
from dutyroom.orgs.models import CITY_DUTY_ROOM, TERRITORIAL_KINDS, Unit, UnitKind
from dutyroom.orgs.selectors import owed_to_unit, reports_to_codes, unit_by_code, unit_subtree_ids

ASSESSED_KINDS = frozenset({*TERRITORIAL_KINDS, UnitKind.DEPARTMENT})
#: Kinds a town's duty room assesses: units that owe reports. Grids send leads (their grid workers are
#: informants), not reports on the clock, so they have no score.
LOCAL_ASSESSED_KINDS = frozenset({UnitKind.VILLAGE, UnitKind.COMMUNITY, UnitKind.ENTERPRISE, UnitKind.STATION})


@dataclass(frozen=True)
class Level:
    """The duty room that assesses: ``room`` None is the city duty room."""

    room: Unit | None = None

    @property
    def owed_to(self) -> str:
        """As stored on an obligation, finding or adoption: empty for the city (old rows read the same)."""
        return self.room.code if self.room is not None else ""

    @property
    def code(self) -> str:
        """As the API names a duty room (``owed_to``, ``reports_to``)."""
        return self.room.code if self.room is not None else CITY_DUTY_ROOM

    @property
    def is_city(self) -> bool:
        return self.room is None


CITY = Level()


def sees_all_units(user: User, level: Level = CITY) -> bool:
    """Whether ``user`` sees every unit's row at ``level``: the city-wide readers at every level, a town's duty
    officers and leader at their town's."""
    if user.sees_whole_city:
        return True
    local = user.local_duty_room
    return local is not None and level.room is not None and local.pk == level.room.pk


def user_level(user: User) -> Level:
    """The level a user's assessment pages open at: a town's duty room its own; a unit below a town that runs a
    duty room the town's (where it is scored); everyone else the city's."""
    local = user.local_duty_room
    if local is not None:
        return Level(local)
    if user.sees_whole_city or user.unit is None:
        return CITY
    return level_of_unit(user.unit) or CITY


def level_named(user: User, code: str | None) -> Level:
    """The level ``code`` names (``duty-room`` or a town's code) if ``user`` may see it; the user's own when
    ``code`` is empty. A level the user may not see is NotFound, as a missing one."""
    if not code:
        return user_level(user)
    if code == CITY_DUTY_ROOM:
        level = CITY
    else:
        room = unit_by_code(code)
        if room is None or not room.runs_local_duty_room:
            raise NotFound("考评层级")
        level = Level(room)
    if sees_all_units(user, level) or level == user_level(user):
        return level
    raise NotFound("考评层级")


def level_of_unit(unit: Unit) -> Level | None:
    """The level that assesses ``unit``: the city for towns and departments, the town's duty room for a unit
    reporting to one; None for a unit nobody scores (a grid, a village whose town runs no duty room)."""
    if unit.kind in ASSESSED_KINDS:
        return CITY
    if unit.kind in LOCAL_ASSESSED_KINDS:
        room = owed_to_unit(unit)
        return Level(room) if room is not None else None
    return None


def assessed_units(level: Level = CITY) -> QuerySet[Unit]:
    """The units ``level`` assesses: the city's towns, zones, subdistricts and departments; a town's duty room
    the units below it whose reports go to it (not those below a duty room further down)."""
    if level.room is None:
        return Unit.objects.filter(active=True, kind__in=ASSESSED_KINDS).order_by("id")
    below = list(
        Unit.objects.filter(
            pk__in=unit_subtree_ids(level.room) - {level.room.pk}, active=True, kind__in=LOCAL_ASSESSED_KINDS
        )
    )
    reports_to = reports_to_codes(below)
    ids = [u.pk for u in below if reports_to[u.pk] == level.room.code]
    return Unit.objects.filter(pk__in=ids).order_by("id")


def visible_assessed_units(user: User, level: Level | None = None) -> QuerySet[Unit]:
    level = user_level(user) if level is None else level
    units = assessed_units(level)
    if sees_all_units(user, level):
        return units
    return units.filter(pk=user.unit_id) if user.unit_id else units.none()


def visible_findings(user: User) -> QuerySet[Finding]:
    """The city-wide readers see every finding, those about work-secret incidents included: the assessor decides
    such a finding on its stub (the finding, the unit's appeal, the incident named ``［工作秘密］`` by
    ``incidents.naming``) without being given the incident itself, so a finding can always be decided and the
    secret's need-to-know list does not grow for it. A town's duty room sees the findings it raised (about the
    units it assesses) and those against the town; a unit its own."""
    qs = Finding.objects.select_related("incident", "unit", "raised_by", "appealed_by", "decided_by")
    if user.sees_whole_city:
        return qs
    local = user.local_duty_room
    if local is not None:  # the findings it raised, and those against its own town (as before)
        return qs.filter(Q(room=local.code) | Q(unit_id=local.pk))
    if user.unit_id is None:
        return qs.none()
    return qs.filter(unit_id=user.unit_id)


def access_finding(user: User, finding_id: int) -> Finding:
    finding = visible_findings(user).filter(pk=finding_id).first()
    if finding is None:
        raise NotFound("认定")
    return finding


def evidence_candidates(user: User) -> list[LeadEvidence]:
    """ "A duty room learned of it from a lead (or from the town) first" candidates not yet raised or dismissed,
    for the people who raise findings at that level; exercise incidents never count."""
    local = user.local_duty_room
    if local is not None:
        room = local.code
    elif user.sees_whole_city:
        room = ""
    else:
        return []
    return list(
        LeadEvidence.objects.filter(
            state=EvidenceState.CANDIDATE, room=room, incident__exercise=False, incident__in=visible_incidents(user)
        )
        .select_related("incident", "unit", "lead")
        .order_by("-lead_received_at")[:100]
    )


def access_assessed_unit(user: User, code: str) -> tuple[Unit, Level]:
    """A unit's page at the level that assesses it, for who may see that unit's row there."""
    unit = unit_by_code(code)
    level = level_of_unit(unit) if unit is not None else None
    if unit is None or level is None:
        raise NotFound("单位")
    if not (sees_all_units(user, level) or user.unit_id == unit.pk):
        raise NotFound("单位")
    if not assessed_units(level).filter(pk=unit.pk).exists():
        raise NotFound("单位")
    return unit, level
