"""Who sees which findings and which rows of the assessment.

The assessor, the duty room and admins see every unit; a unit sees its own findings, ledger and rank, never
the findings against other units. Missing and forbidden both answer NotFound.
"""

from __future__ import annotations

from django.db.models import QuerySet

from dutyroom.accounts.models import User
from dutyroom.assessment.models import Finding
from dutyroom.common.errors import NotFound
from dutyroom.incidents.access import visible_incidents
from dutyroom.leads.models import EvidenceState, LeadEvidence
from dutyroom.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind

ASSESSED_KINDS = frozenset({*TERRITORIAL_KINDS, UnitKind.DEPARTMENT})


def sees_all_units(user: User) -> bool:
    return user.sees_whole_city


def assessed_units() -> QuerySet[Unit]:
    """The units the city assesses: towns, zones, subdistricts and departments (not villages or grids)."""
    return Unit.objects.filter(active=True, kind__in=ASSESSED_KINDS).order_by("id")


def visible_assessed_units(user: User) -> QuerySet[Unit]:
    units = assessed_units()
    if sees_all_units(user):
        return units
    return units.filter(pk=user.unit_id) if user.unit_id else units.none()


def visible_findings(user: User) -> QuerySet[Finding]:
    """The city-wide readers see every finding, those about work-secret incidents included: the assessor decides
    such a finding on its stub (the finding, the unit's appeal, the incident named ``［工作秘密］`` by
    ``incidents.naming``) without being given the incident itself, so a finding can always be decided and the
    secret's need-to-know list does not grow for it."""
    qs = Finding.objects.select_related("incident", "unit", "raised_by", "appealed_by", "decided_by")
    if sees_all_units(user):
        return qs
    if user.unit_id is None:
        return qs.none()
    return qs.filter(unit_id=user.unit_id)


def access_finding(user: User, finding_id: int) -> Finding:
    finding = visible_findings(user).filter(pk=finding_id).first()
    if finding is None:
        raise NotFound("认定")
    return finding


def evidence_candidates(user: User) -> list[LeadEvidence]:
    """ "The city learned of it from a lead first" candidates (from lead intake) not yet raised or dismissed, for the
    people who raise findings; exercise incidents never count."""
    if not sees_all_units(user):
        return []
    return list(
        LeadEvidence.objects.filter(
            state=EvidenceState.CANDIDATE, incident__exercise=False, incident__in=visible_incidents(user)
        )
        .select_related("incident", "unit", "lead")
        .order_by("-lead_received_at")[:100]
    )


def access_assessed_unit(user: User, code: str) -> Unit:
    unit = visible_assessed_units(user).filter(code=code).first()
    if unit is None:
        raise NotFound("单位")
    return unit
