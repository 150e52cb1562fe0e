"""Need-to-know grants on work-secret incidents (domain.md §6): the duty room names who else may read one.

Reading stays audited for everyone (``incident_record_read``); granting and revoking are audited too, so the
log answers "who could read this incident, on whose say-so, from when to when".
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from dutyroom.accounts.models import User
from dutyroom.audit.services import audit_record
from dutyroom.common import limits
from dutyroom.common.errors import Conflict, NotFound
from dutyroom.common.validation import Errors, check_text
from dutyroom.incidents.access import require_duty_room
from dutyroom.incidents.models import Incident, IncidentGrant
from dutyroom.rules import Classification


def _person(username: str) -> User:
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise NotFound("用户")
    return person


def incident_grant(*, actor: User, incident: Incident, username: str, reason: str, now: datetime) -> IncidentGrant:
    require_duty_room(actor, "只有值班室可以授权查阅工作秘密事件", "only the duty room grants need-to-know")
    errors = Errors()
    check_text(errors, "reason", reason, required=True, max_length=limits.REASON)
    errors.raise_if_any()
    if incident.classification != Classification.WORK_SECRET:
        raise Conflict("只有工作秘密事件需要单独授权", "only work-secret incidents need a grant")
    person = _person(username)
    with transaction.atomic():
        if (
            IncidentGrant.objects.select_for_update()
            .filter(incident=incident, user=person, revoked_at__isnull=True)
            .exists()
        ):
            raise Conflict(f"{username} 已有查阅授权", f"{username} already holds a grant")
        grant = IncidentGrant.objects.create(
            incident=incident, user=person, reason=reason.strip(), granted_by=actor, granted_at=now
        )
        audit_record(
            actor=actor,
            action="incident.grant",
            object_type="incident",
            object_id=incident.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
            data={"user": username, "reason": grant.reason},
        )
    return grant


def incident_grant_revoke(*, actor: User, incident: Incident, username: str, now: datetime) -> IncidentGrant:
    require_duty_room(actor, "只有值班室可以撤销查阅授权", "only the duty room revokes need-to-know")
    person = _person(username)
    with transaction.atomic():
        grant = (
            IncidentGrant.objects.select_for_update()
            .filter(incident=incident, user=person, revoked_at__isnull=True)
            .first()
        )
        if grant is None:
            raise NotFound("查阅授权")
        grant.revoked_at = now
        grant.revoked_by = actor
        grant.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=actor,
            action="incident.grant_revoke",
            object_type="incident",
            object_id=incident.pk,
            at=now,
            incident_id=incident.pk,
            unit_code=incident.unit.code,
            data={"user": username},
        )
    return grant


def incident_grants(incident: Incident) -> list[IncidentGrant]:
    return list(
        IncidentGrant.objects.filter(incident=incident)
        .select_related("user", "granted_by", "revoked_by")
        .order_by("granted_at", "id")
    )
