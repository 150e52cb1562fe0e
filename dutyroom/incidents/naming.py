"""How an incident is named to a given person: the one place that decides whether its title may be shown.

A work-secret (工作秘密) incident's title is itself content: "某化工厂爆炸" says what happened. Every page,
document, export, notification and API field that names an incident asks here, so a new surface cannot
forget the rule (the sweeping test in tests/security/test_naming.py renders every one as every role).

The rule is the incident's own visibility (``access.visible_incidents``): whoever may open the incident
reads its title; anyone else reads ``SECRET_NAME`` and, where the surface shows it, the incident's number.
``viewer=None`` is "whoever will read this later" (a document that circulates, a handover snapshot, a
notification body, the monthly 通报): a work-secret title is always withheld there, because such a copy
outlives any grant and is read by people the system cannot ask about.

Incidents that are not work secrets are named as they are: who may see which *unit's* incidents is the
job of the access rules of each surface, not of the name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from dutyroom.accounts.models import User
from dutyroom.incidents.access import visible_incidents
from dutyroom.incidents.models import Incident

SECRET_NAME = "［工作秘密］"
WORK_SECRET = "work_secret"
_CACHE_ATTRIBUTE = "_incident_names_cleared"


class Named(Protocol):
    """What naming needs of an incident: a model instance, or a light row with the same three attributes."""

    pk: int
    title: str
    classification: str


def _cleared(viewer: User | None, secret_ids: set[int]) -> set[int]:
    """The work-secret incidents among ``secret_ids`` that ``viewer`` may open; remembered on the viewer object
    for the rest of the request, so a page naming a hundred incidents asks the database once per new id."""
    if viewer is None or not secret_ids:
        return set()
    if viewer.is_duty_room:
        return set(secret_ids)
    known: dict[int, bool] = viewer.__dict__.setdefault(_CACHE_ATTRIBUTE, {})
    unknown = secret_ids - known.keys()
    if unknown:
        seen = set(visible_incidents(viewer).filter(pk__in=unknown).values_list("pk", flat=True))
        known.update({pk: pk in seen for pk in unknown})
    return {pk for pk in secret_ids if known[pk]}


def incident_names(viewer: User | None, incidents: Iterable[Named]) -> dict[int, str]:
    """Each incident's name for ``viewer``, by id (one visibility query for the lot)."""
    rows = list(incidents)
    secret = {i.pk for i in rows if i.classification == WORK_SECRET}
    cleared = _cleared(viewer, secret)
    return {i.pk: SECRET_NAME if i.pk in secret and i.pk not in cleared else i.title for i in rows}


def incident_name(incident: Named | None, viewer: User | None, fallback: str = "") -> str:
    """The incident's name for ``viewer``; ``fallback`` when there is no incident."""
    if incident is None:
        return fallback
    return incident_names(viewer, [incident])[incident.pk]


def may_name(incident: Named, viewer: User | None) -> bool:
    """Whether ``viewer`` may read this incident's title (and so its other words: a question about it,
    a leader's instruction on it)."""
    return incident.classification != WORK_SECRET or incident.pk in _cleared(viewer, {incident.pk})


def incident_names_by_id(viewer: User | None, incident_ids: Iterable[int | None]) -> dict[int, str]:
    """Names for bare ids (ledger lines, audit rows): fetched here with the fields naming needs."""
    ids = {pk for pk in incident_ids if pk}
    if not ids:
        return {}
    return incident_names(viewer, Incident.objects.filter(pk__in=ids).only("pk", "title", "classification"))
