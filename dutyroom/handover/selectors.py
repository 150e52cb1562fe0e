"""Reads: what is still open for the duty room right now (the handover's list), and handovers for a person.

Every open item is a running clock, so one shape serves them all: the reporting clocks (first, phone,
written, follow-up, final), receipts the duty room still owes, verification requests awaiting a reply,
leads not yet verified, and leaders' instructions awaiting feedback. States are evaluated at ``now`` (as the
board does), so a clock past due reads "overdue" before the worker has flipped it.

Confidentiality: a work-secret incident's title is shown only to a viewer who may see the incident
(``incidents.access.visible_incidents``: the duty room, the responsible unit, named grants); anyone else,
and the frozen snapshot of a handover (``viewer=None``), gets ``SECRET_TITLE`` instead. The snapshot never
holds a secret title because it outlives any grant and is read by every city-wide reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from dutyroom.accounts.models import User
from dutyroom.common.timefmt import iso_local
from dutyroom.handover import limits
from dutyroom.handover.models import Handover
from dutyroom.incidents.models import Incident
from dutyroom.incidents.naming import SECRET_NAME, incident_names
from dutyroom.leads.models import OPEN_LEAD_STATES, Lead
from dutyroom.obligations.engine import OPEN_STATES
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.orgs.selectors import unit_subtree_ids
from dutyroom.rules import ObligationKind, evaluate

SECRET_TITLE = SECRET_NAME
REPORTING = (
    ObligationKind.FIRST_REPORT,
    ObligationKind.PHONE_REPORT,
    ObligationKind.WRITTEN_REPORT,
    ObligationKind.FOLLOWUP,
    ObligationKind.FINAL_REPORT,
)
#: item kind → the obligation kinds behind it
ITEM_KINDS: dict[str, tuple[str, ...]] = {
    "clock": tuple(REPORTING),
    "receipt": (ObligationKind.RECEIPT,),
    "verification": (ObligationKind.VERIFICATION_REPLY,),
    "instruction": (ObligationKind.INSTRUCTION_FEEDBACK,),
}
ITEM_KIND_ORDER = ["clock", "receipt", "verification", "lead", "instruction"]


def _state(obligation: Obligation, now: datetime) -> str:
    return evaluate(obligation.due_at, obligation.met_at, now).state.value


def _may_see_secret(viewer: User | None, incidents: Iterable[Incident]) -> set[int]:
    """The work-secret incidents whose words ``viewer`` may read (naming decides, as everywhere)."""
    names = incident_names(viewer, [i for i in incidents if i.classification == "work_secret"])
    return {pk for pk, name in names.items() if name != SECRET_NAME}


def _title(incident: Incident | None, cleared: set[int], fallback: str = "") -> str:
    if incident is None:
        return fallback
    if incident.classification == "work_secret" and incident.pk not in cleared:
        return SECRET_TITLE
    return incident.title


def _incident_link(incident_id: int | None, anchor: str = "") -> str:
    return reverse("web:incident", args=[incident_id]) + anchor if incident_id else ""


def _obligation_link(kind: str, o: Obligation) -> str:
    if kind == "verification" and o.verification_request_id:
        return reverse("web:verification-list") + f"#verification-{o.verification_request_id}"
    if kind == "receipt" and o.report_id:
        return _incident_link(o.incident_id, f"#report-{o.report_id}") or reverse("web:verification-list")
    if kind == "instruction":
        return _incident_link(o.incident_id, "#instructions")
    return _incident_link(o.incident_id)


def _open_obligations(kind: str, area: set[int] | None = None) -> QuerySet[Obligation]:
    qs = Obligation.objects.filter(kind__in=ITEM_KINDS[kind], state__in=OPEN_STATES)
    if area is not None:  # a town's duty room hands over its own area's clocks only
        qs = qs.filter(unit_id__in=area)
    return qs.select_related("unit", "incident", "verification_request").order_by("due_at", "id")


def _obligation_item(kind: str, o: Obligation, now: datetime, cleared: set[int]) -> dict[str, Any]:
    secret = o.incident is not None and o.incident.classification == "work_secret"
    question = o.verification_request.question[:80] if o.verification_request is not None else ""
    if kind == "verification" and question:  # the question says what is asked; a secret one is hidden too
        title = SECRET_TITLE if secret and o.incident_id not in cleared else question
    else:
        title = _title(o.incident, cleared, question)
    return {
        "kind": kind,
        "what": o.kind,
        "id": o.pk,
        "incident": o.incident_id,
        "unit": o.unit.code,
        "unit_name": o.unit.name,
        "title": title,
        "secret": secret,
        "due_at": iso_local(o.due_at),
        "state": _state(o, now),
        "link": _obligation_link(kind, o),
    }


def _lead_items(now: datetime, area: set[int] | None = None) -> list[dict[str, Any]]:
    open_leads = Lead.objects.filter(state__in=OPEN_LEAD_STATES)
    if area is not None:  # the leads a town's duty room (or a unit of its area) verifies
        open_leads = open_leads.filter(pk__in=Lead.objects.filter(verifiers__unit_id__in=area).values("pk"))
    leads = open_leads.prefetch_related("verifiers__obligation", "verifiers__unit").order_by("received_at", "id")
    items = []
    for lead in leads[: limits.ITEMS_PER_KIND]:
        clocks = [v.obligation for v in lead.verifiers.all() if v.obligation.state in OPEN_STATES]
        first = min(clocks, key=lambda o: o.due_at) if clocks else None
        units = [v.unit for v in lead.verifiers.all()]
        items.append(
            {
                "kind": "lead",
                "what": ObligationKind.LEAD_VERIFICATION.value,
                "id": lead.pk,
                "incident": None,
                "unit": units[0].code if units else "",
                "unit_name": "、".join(u.name for u in units),
                "title": lead.title,
                "secret": False,
                "due_at": iso_local(first.due_at) if first else None,
                "state": _state(first, now) if first else lead.state,
                "link": reverse("web:lead", args=[lead.pk]),
            }
        )
    return items


def open_items(now: datetime, viewer: User | None = None, room: Unit | None = None) -> list[dict[str, Any]]:
    """Everything the duty room still has open at ``now``, ordered by kind and then by due time.

    ``viewer=None`` is the handover snapshot: every work-secret title redacted. ``room``: a town's duty room,
    whose handover lists only its own area (the town and the units below it); None: the city's, everything.
    """
    area = unit_subtree_ids(room) if room is not None else None
    per_kind = {kind: list(_open_obligations(kind, area)[: limits.ITEMS_PER_KIND]) for kind in ITEM_KINDS}
    cleared = _may_see_secret(viewer, [o.incident for rows in per_kind.values() for o in rows if o.incident])
    items: list[dict[str, Any]] = []
    for kind in ITEM_KIND_ORDER:
        if kind == "lead":
            items.extend(_lead_items(now, area))
        else:
            items.extend(_obligation_item(kind, o, now, cleared) for o in per_kind[kind])
    return items


def handovers_recent(limit: int | None = 20, room: Unit | None = None) -> QuerySet[Handover]:
    """The latest ``limit`` handovers of a duty room's book (``room`` None: the city's), newest first
    (``None``: all of them, for a list that pages itself)."""
    qs = (
        Handover.objects.select_related("outgoing", "incoming", "acknowledged_by", "shift")
        .filter(room=room)
        .order_by("-signed_at", "-id")
    )
    return qs if limit is None else qs[:limit]


def handovers_awaiting(user: User) -> QuerySet[Handover]:
    """Handovers this person may acknowledge now: not yet acknowledged, not their own, named to them or to nobody."""
    return (
        Handover.objects.select_related("outgoing", "incoming")
        .filter(acknowledged_at__isnull=True, room=user.local_duty_room)  # a book of the user's own duty room
        .exclude(outgoing=user)
        .filter(Q(incoming__isnull=True) | Q(incoming=user))
        .order_by("-signed_at", "-id")
    )


def handover_view(handover: Handover) -> dict[str, Any]:
    def who(user: User | None) -> str | None:
        return user.username if user is not None else None

    items = list(handover.items or [])
    return {
        "id": handover.pk,
        "shift": handover.shift_id,
        "outgoing": who(handover.outgoing),
        "outgoing_name": handover.outgoing.label,
        "incoming": who(handover.incoming),
        "incoming_name": handover.incoming.label if handover.incoming else None,
        "note": handover.note,
        "signed_at": iso_local(handover.signed_at),
        "acknowledged_at": iso_local(handover.acknowledged_at),
        "acknowledged_by": who(handover.acknowledged_by),
        "ack_note": handover.ack_note,
        "open_items": len(items),
        "overdue_items": sum(1 for i in items if i.get("state") == "overdue"),
        "items": items,
    }
