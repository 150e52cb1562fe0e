"""Permission-checked fetches. Missing and forbidden both answer NotFound, so ids leak nothing.

Need-to-know (domain.md §6): the duty room, assessors and admins see every incident; a unit sees the
incidents it is responsible for or that happen in its territory, including those of units below it.
Work-secret incidents are further limited to the duty room and the responsible unit's own staff.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dutyroom.accounts.models import Role, User
from dutyroom.common.errors import NotFound
from dutyroom.incidents.models import Incident
from dutyroom.orgs.selectors import unit_subtree_ids

RESPONSIBLE_STAFF_ROLES = frozenset({Role.UNIT_REPORTER, Role.UNIT_LEADER})


def visible_incidents(user: User) -> QuerySet[Incident]:
    qs = Incident.objects.select_related("unit", "area", "rulebook")
    if user.is_duty_room:
        return qs
    if user.sees_whole_city:
        return qs.exclude(classification="work_secret")
    if user.unit_id is None:
        return qs.none()
    assert user.unit is not None
    scope = unit_subtree_ids(user.unit)
    in_scope = Q(unit_id__in=scope) | Q(area_id__in=scope) | Q(verification_requests__unit_id__in=scope)
    secret_ok = ~Q(classification="work_secret")
    if user.role in RESPONSIBLE_STAFF_ROLES:
        secret_ok |= Q(unit_id=user.unit_id)
    return qs.filter(in_scope & secret_ok).distinct()


def access_incident(user: User, incident_id: int) -> Incident:
    incident = visible_incidents(user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("事件")
    return incident
