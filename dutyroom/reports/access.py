"""Permission-checked reads of obligations and verification requests (missing or forbidden → NotFound)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dutyroom.accounts.models import User
from dutyroom.common.errors import NotFound
from dutyroom.incidents.access import visible_incidents
from dutyroom.orgs.selectors import unit_subtree_ids
from dutyroom.reports.models import Obligation, VerificationRequest


def visible_obligations(user: User) -> QuerySet[Obligation]:
    qs = Obligation.objects.select_related("unit", "incident")
    if user.is_duty_room:
        return qs
    incidents = visible_incidents(user).values("id")
    scope = Q(incident_id__in=incidents)
    if user.unit is not None:
        scope |= Q(incident__isnull=True, unit_id__in=unit_subtree_ids(user.unit))
    return qs.filter(scope)


def access_obligation(user: User, obligation_id: int) -> Obligation:
    obligation = visible_obligations(user).filter(pk=obligation_id).first()
    if obligation is None:
        raise NotFound("时限")
    return obligation


def visible_verification_requests(user: User) -> QuerySet[VerificationRequest]:
    qs = VerificationRequest.objects.select_related("unit", "incident")
    if user.is_duty_room or user.sees_whole_city:
        return qs
    if user.unit is None:
        return qs.none()
    return qs.filter(unit_id__in=unit_subtree_ids(user.unit))


def access_verification_request(user: User, request_id: int) -> VerificationRequest:
    found = visible_verification_requests(user).filter(pk=request_id).first()
    if found is None:
        raise NotFound("核实请求")
    return found
