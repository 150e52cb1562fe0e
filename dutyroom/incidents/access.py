"""Who may see and do what with incidents. Services enforce these; views and the API ask them to show or hide.

Permission-checked fetches: missing and forbidden both answer NotFound, so ids leak nothing.

Need-to-know (domain.md §6): the duty room, assessors and admins see every incident; a unit sees the
incidents it is responsible for or that happen in its territory, including those of units below it.
Work-secret incidents are further limited to the duty room (a town's for its own area) and the responsible
unit's own staff.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from dutyroom.accounts.models import Role, User
from dutyroom.common.engine.prepared import PreparedRead
from dutyroom.common.errors import Forbidden, NotFound
from dutyroom.incidents.models import Incident, IncidentGrant
from dutyroom.orgs.selectors import subtree_in, unit_subtree_ids
from dutyroom.rules import Classification, content_protected

RESPONSIBLE_STAFF_ROLES = frozenset({Role.UNIT_REPORTER, Role.UNIT_LEADER})
# Roles that file incidents and reports; informants and grid workers send leads instead.
CREATOR_ROLES = frozenset({Role.DUTY_OFFICER, Role.DUTY_LEADER, Role.UNIT_REPORTER, Role.UNIT_LEADER})


def may_report(user: User) -> bool:
    """Whether the user's role files incidents and reports at all."""
    return user.role in CREATOR_ROLES


def require_may_create_incident(user: User) -> None:
    if not may_report(user):
        raise Forbidden(
            "当前角色不能直接报告事件（网格员请提交线索）", "this role cannot report incidents; submit a lead"
        )


def require_duty_room(user: User, message: str, message_en: str) -> None:
    """Duty-room-only actions (re-grade, waive, confirm receipt, ask for verification): 403 for everyone else."""
    if not user.is_duty_room:
        raise Forbidden(message, message_en)


def may_act_for_incident(user: User, incident: Incident) -> bool:
    """The responsible unit's reporters and leaders, or the duty room."""
    return user.is_duty_room or (user.unit_id == incident.unit_id and may_report(user))


def may_mark_handled(user: User, incident: Incident) -> bool:
    return incident.is_open and may_act_for_incident(user, incident)


def require_may_mark_handled(user: User, incident: Incident) -> None:
    if not may_act_for_incident(user, incident):
        raise Forbidden("只有责任单位或值班室可以标记处置结束", "only the responsible unit or the duty room may")


_AREA_ATTRIBUTE = "_area_unit_ids"


def user_area_ids(user: User) -> set[int]:
    """The user's unit and every unit below it, read once per user object (that is, per request): a town's
    board asks for it in each of its panels, and the tree walk is a query per level."""
    assert user.unit is not None
    cached: tuple[int, set[int]] | None = user.__dict__.get(_AREA_ATTRIBUTE)
    if cached is None or cached[0] != user.unit_id:
        cached = (user.unit.pk, unit_subtree_ids(user.unit))
        user.__dict__[_AREA_ATTRIBUTE] = cached
    return cached[1]


def user_area_in(user: User) -> set[int] | RawSQL:
    """The user's area as the right-hand side of ``__in`` (``orgs.selectors.subtree_in``)."""
    assert user.unit_id is not None
    return subtree_in(user_area_ids(user), user.unit_id)


def visible_incidents(user: User) -> QuerySet[Incident]:
    qs = Incident.objects.select_related("unit", "area", "rulebook")
    if user.is_duty_room:
        return qs
    # a named need-to-know grant (dutyroom.incidents.grants) opens one work-secret incident to one person
    granted = Q(pk__in=IncidentGrant.objects.filter(user_id=user.pk, revoked_at__isnull=True).values("incident_id"))
    if user.sees_whole_city:
        return qs.filter(~Q(classification=Classification.WORK_SECRET) | granted)
    if user.unit_id is None:
        return qs.filter(granted)
    scope = user_area_in(user)
    # a verification request asked of the area, by EXISTS on the incident's key rather than a join: a join
    # multiplied the rows, and their DISTINCT over every column cost a town's board more than the query itself
    requests = Incident._meta.get_field("verification_requests").related_model._default_manager
    asked = Exists(requests.filter(incident_id=OuterRef("pk"), unit_id__in=scope))
    in_scope = Q(unit_id__in=scope) | Q(area_id__in=scope) | Q(asked)
    secret_ok = ~Q(classification=Classification.WORK_SECRET)
    if user.role in RESPONSIBLE_STAFF_ROLES:
        secret_ok |= Q(unit_id=user.unit_id)
    elif user.local_duty_room is not None:
        # a town's duty room receives its area's reports, work secrets included, as the city's does the city's:
        # it must sign their receipts and pass its own report on them upward
        secret_ok |= Q(unit_id__in=scope)
    return qs.filter((in_scope & secret_ok) | granted)


def _plainly_visible(user: User, incident: Incident) -> bool:
    """The everyday cases of ``visible_incidents`` decided on the row itself, without the scope queries (a town
    reporter filing on the town's own incident, the duty room). Always a subset of that predicate: anything
    else (territory below the unit, verification requests, grants) goes through the full query."""
    secret = incident.classification == "work_secret"
    if user.is_duty_room:
        return True
    if user.sees_whole_city:
        return not secret
    own = user.unit_id is not None and incident.unit_id == user.unit_id
    return own and (not secret or user.role in RESPONSIBLE_STAFF_ROLES)


def access_incident(user: User, incident_id: int, *, lock: bool = False) -> Incident:
    """One indexed read in the everyday case (the write path runs it on every report).

    ``lock``: the caller is in a transaction and will write the incident: the same read takes the row lock the
    writer needs (``FOR NO KEY UPDATE`` of the incident alone, see ``incidents.services.incident_lock``), so the
    incident is read once, not once to check access and again to lock it. Outside the everyday case the row
    is locked by a second read after the full visibility query."""
    incident = (_INCIDENT_LOCKED if lock else _INCIDENT).first(incident_id)
    if incident is not None and _plainly_visible(user, incident):
        return incident
    incident = visible_incidents(user).filter(pk=incident_id).first() if incident is not None else None
    if incident is None:
        raise NotFound("事件")
    if lock:
        incident = _INCIDENT_LOCKED.first(incident_id)
        assert incident is not None  # locked a moment ago in this transaction
    return incident


def _with_relations(incident_id: int) -> QuerySet[Incident]:
    return Incident.objects.select_related("unit", "area", "rulebook").filter(pk=incident_id)


# The everyday read of every report and page: compiled once (its compilation cost more than the read itself).
_INCIDENT = PreparedRead(_with_relations, 1_000_000_001)
_INCIDENT_LOCKED = PreparedRead(
    lambda incident_id: _with_relations(incident_id).select_for_update(of=("self",), no_key=True), 1_000_000_001
)


def is_protected(incident: Incident) -> bool:
    """Major, sensitive or work-secret: content never leaves the system (domain.md §6)."""
    return content_protected(incident.severity, Classification(incident.classification))
