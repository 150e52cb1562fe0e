"""What the pages show about incidents and their clocks, computed once and shared by board and incident page.

Clock states come from ``dutyroom.obligations.selectors.obligation_view``, evaluated at read time, so the board,
the incident page, board.json and the API agree to the second (a pending clock past due reads overdue
even before the worker has written the transition).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Min, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext as _

from dutyroom.accounts.models import User
from dutyroom.common.engine.sql import compiled_by_index, count_by_index
from dutyroom.common.timefmt import LOCAL, iso_local
from dutyroom.incidents.access import user_area_ids, user_area_in, visible_incidents
from dutyroom.incidents.models import Incident, IncidentState
from dutyroom.incidents.naming import incident_name
from dutyroom.incidents.rulebooks import rulebook_of
from dutyroom.leads.models import LeadEvidence, LeadVerifier
from dutyroom.obligations.models import Obligation
from dutyroom.obligations.selectors import obligation_view, open_clock_incident_ids
from dutyroom.reports.access import staffed_room, visible_obligations
from dutyroom.rules import Category, Flag, ObligationKind, ObligationState
from dutyroom.web import labels
from dutyroom.web.templatetags.dutyroom_web import countdown_text
from dutyroom.web.views.forwardings import awaiting_panel

OPEN = (ObligationState.PENDING.value, ObligationState.OVERDUE.value)
SOON = timedelta(minutes=5)
# Clocks further off than this (a 24-hour follow-up) are drawn smaller so they do not shout over urgent ones.
FAR = timedelta(hours=2)
BOARD_STATES = (IncidentState.OPEN, IncidentState.HANDLED)
# Cards on one page of the board. A typhoon day puts hundreds of incidents on it; nobody reads 500 cards,
# and rendering them cost the server 0.9 s a paint. The most urgent come first, the rest are a
# page away and summarised by unit below the cards.
BOARD_PAGE = 30
# An incident opened this recently is "new": it goes to the top of the board, above the fold, whatever its
# clocks say (a duty officer must see a fresh 较大 incident before the overdue follow-up of an old one).
NEW_FOR = timedelta(minutes=30)


def clock(obligation: Obligation, now: datetime, incident_unit_id: int | None = None) -> dict[str, Any]:
    """One statutory clock as the templates need it. ``view`` is exactly the API/board.json shape (its labels
    stay Chinese); the clock's own ``kind_label``/``state_label`` are in the page's language."""
    view = obligation_view(obligation, now)
    state = view["state"]
    is_open = state in OPEN
    css = f"state-{state}"
    if state == ObligationState.PENDING and obligation.due_at - now <= SOON:
        css += " soon"
    elif state == ObligationState.PENDING and obligation.due_at - now > FAR:
        css += " far"
    return {
        "obligation": obligation,
        "view": view,
        "state": state,
        "kind_label": labels.obligation_kind_label(obligation.kind),
        "state_label": labels.obligation_state_label(state),
        "is_open": is_open,
        "css": css,
        "countdown": countdown_text(obligation.due_at, now) if is_open else "",
        "unit_name": _("值班室") if obligation.unit.is_duty_room else labels.unit_name(obligation.unit),
        "other_unit": incident_unit_id is not None and obligation.unit_id != incident_unit_id,
    }


def _mark_lead_first(cards: list[dict[str, Any]]) -> None:
    """线索在先: the duty room heard of the incident through a lead before the unit reported it (the evidence
    the assessment may turn into a 迟报/漏报 finding), so the officer sees it on the card; one query a page."""
    ids = [card["incident"].pk for card in cards]
    if not ids:
        return
    # from a lead, at any level (a town's duty room verifying its grid worker's lead counts too); a town that
    # merely reported before its village is a candidate for the assessment, not a lead
    first = set(
        LeadEvidence.objects.filter(incident_id__in=ids, lead__isnull=False).values_list("incident_id", flat=True)
    )
    for card in cards:
        if card["incident"].pk in first:
            card["flags"] = [*card["flags"], ("lead_first", _("线索在先"))]


def incident_flags(incident: Incident) -> list[tuple[str, str]]:
    flags = [(flag.value, labels.label(flag)) for flag in Flag if getattr(incident, flag.value)]
    if incident.exercise:
        flags.append(("exercise", _("演练")))
    return flags


def grade_label(grade: str | None) -> str:
    return labels.grade_label(grade, ungraded=_("未定级"))


def subtype_label(incident: Incident) -> str:
    if not incident.subtype:
        return ""
    subtypes = rulebook_of(incident.rulebook).subtypes.get(Category(incident.category), {})
    return labels.subtype_label(incident.subtype, subtypes.get(incident.subtype, incident.subtype))


def clock_scope(user: User) -> set[int] | None:
    """Units whose clocks are the user's to watch: None = every clock (duty room, city-wide readers).

    A unit's reporter watches the clocks of their own unit (and units below it); the duty room's receipt
    clock on their report is shown to them as "waiting for the duty room", not as their own countdown.
    """
    if user.is_duty_room or user.sees_whole_city:
        return None
    return user_area_ids(user) if user.unit is not None else set()


def incident_card(
    incident: Incident,
    obligations: list[Obligation],
    now: datetime,
    scope: set[int] | None = None,
    *,
    split_receipts: bool = False,
) -> dict[str, Any]:
    """An incident with its clocks: the user's running ones by due time (most urgent first), the running
    clocks of others (``waiting``), then the settled ones."""
    clocks = [clock(o, now, incident.unit_id) for o in obligations]
    clocks.sort(key=lambda c: (c["obligation"].due_at, c["obligation"].pk))
    # The duty room's own receipts (签收) sit in their own panel, not among the clocks it chases (a receipt
    # cannot be chased, and dozens of them would bury the units' overdue reports).
    receipts = [c for c in clocks if split_receipts and c["is_open"] and c["obligation"].kind == ObligationKind.RECEIPT]
    for receipt in receipts:
        report = receipt["obligation"].report
        receipt["report_kind_label"] = labels.report_kind_label(report.kind) if report is not None else ""
    mine = [c for c in clocks if (scope is None or c["obligation"].unit_id in scope) and c not in receipts]
    open_clocks = [c for c in mine if c["is_open"]]
    waiting = [c for c in clocks if c["is_open"] and c not in mine and c not in receipts]
    done_clocks = [c for c in clocks if not c["is_open"]]
    return {
        "incident": incident,
        "url": reverse("web:incident", args=[incident.pk]),
        "category_label": labels.category_label(incident.category),
        "subtype_label": subtype_label(incident),
        "grade_label": grade_label(incident.grade),
        "suggested_label": grade_label(incident.suggested_grade) if incident.suggested_grade else "",
        "classification_label": labels.classification_label(incident.classification),
        "state_label": labels.incident_state_label(incident.state),
        "flags": incident_flags(incident),
        "open_clocks": open_clocks,
        "waiting_clocks": waiting,
        "receipt_clocks": receipts,
        "done_clocks": done_clocks,
        "overdue": sum(c["state"] == ObligationState.OVERDUE for c in open_clocks),
        "next_due": open_clocks[0]["obligation"].due_at if open_clocks else None,
        "is_new": now - incident.created_at <= NEW_FOR,
    }


def _urgency(card: dict[str, Any]) -> tuple[int, int, float, float]:
    """New incidents first (newest first), then clocks running (earliest due first, so the longest overdue
    leads), then the rest, newest first."""
    incident: Incident = card["incident"]
    if card["is_new"]:
        return (0, 0, -incident.created_at.timestamp(), 0.0)
    if card["next_due"] is not None:
        return (1, 0, card["next_due"].timestamp(), 0.0)
    return (1, 1, 0.0, -incident.occurred_at.timestamp())


def board_incidents(user: User, unit: int | None = None) -> QuerySet[Incident]:
    """Open or handled incidents, and any incident that still has a clock running (e.g. a receipt)."""
    # Two index lookups that return a few hundred ids at most (incidents by state; open clocks on their partial
    # index), not an OR over a join that the planners answer by scanning every incident and clock ever kept.
    # unordered: with the model's default order (newest first) SQLite walked the occurred_at index through a
    # million closed incidents (180 ms) instead of looking the open ones up by state (0.3 ms)
    ids = set(Incident.objects.filter(state__in=BOARD_STATES).order_by().values_list("id", flat=True))
    ids.update(open_clock_incident_ids())
    found = visible_incidents(user).filter(pk__in=ids)
    return found.filter(unit_id=unit) if unit is not None else found


def _scope_in(user: User, scope: set[int] | None) -> set[int] | RawSQL | None:
    """``clock_scope`` as queries ask for it: a large area as the tree walk (``orgs.selectors.subtree_in``)."""
    return user_area_in(user) if scope and user.unit_id is not None else scope


def _by_urgency(incidents: QuerySet[Incident], scope: set[int] | RawSQL | None, now: datetime) -> QuerySet[Incident]:
    """Ordered as the cards are: new incidents, then the watched clock due first (longest overdue leads), then
    the rest, newest first."""
    mine = Q(obligations__state__in=OPEN) & ~Q(obligations__kind=ObligationKind.RECEIPT)
    if scope is not None:
        mine &= Q(obligations__unit_id__in=scope)
    fresh = Case(When(created_at__gte=now - NEW_FOR, then=Value(0)), default=Value(1), output_field=IntegerField())
    return incidents.annotate(next_due=Min("obligations__due_at", filter=mine), fresh=fresh).order_by(
        "fresh", F("next_due").asc(nulls_last=True), "-occurred_at", "-id"
    )


def board_groups(incidents: QuerySet[Incident], now: datetime) -> list[dict[str, Any]]:
    """One line per unit: how many incidents it has on the board and how many of its clocks are overdue."""
    rows = (
        incidents.order_by()
        .values("unit_id", "unit__code", "unit__name")
        .annotate(n=Count("id", distinct=True))
        .order_by("-n", "unit__code")
    )
    overdue = dict(
        Obligation.objects.filter(incident__in=incidents.order_by().values("id"), state__in=OPEN, due_at__lte=now)
        .order_by()
        .values("incident__unit_id")
        .annotate(n=Count("id"))
        .values_list("incident__unit_id", "n")
    )
    return [
        {"code": r["unit__code"], "name": r["unit__name"], "incidents": r["n"], "overdue": overdue.get(r["unit_id"], 0)}
        for r in rows
    ]


def board_data(user: User, now: datetime, page: int | None = 1, unit: int | None = None) -> dict[str, Any]:
    """The board for ``user``: one page of cards (``page=None``: every card, for board.json), the per-unit
    summary, clocks that belong to no incident, and the counters. The number of queries does not depend on
    how many incidents there are."""
    scope = clock_scope(user)
    scope_in = _scope_in(user, scope)
    everything = board_incidents(user, unit)
    ordered = _by_urgency(everything, scope_in, now).select_related("unit", "area", "rulebook")
    total = everything.count()
    pages = max(1, -(-total // BOARD_PAGE))
    if page is not None:
        page = min(max(1, page), pages)
        ordered = ordered[(page - 1) * BOARD_PAGE : page * BOARD_PAGE]
    incidents = list(ordered)
    by_incident: dict[int, list[Obligation]] = defaultdict(list)
    obligations = (
        visible_obligations(user).filter(incident_id__in=[i.pk for i in incidents]).select_related("unit", "report")
    )
    for obligation in obligations:
        by_incident[obligation.incident_id or 0].append(obligation)
    split = staffed_room(user) is not None  # the receipts are a duty room's own: its board shows them apart
    cards = sorted(
        (incident_card(i, by_incident[i.pk], now, scope, split_receipts=split) for i in incidents), key=_urgency
    )
    _mark_lead_first(cards)
    unattached = visible_obligations(user).filter(incident__isnull=True, state__in=OPEN)
    # Leads waiting for verification are one line with a count, never a countdown each: a flood of thousands
    # of leads must not make the board thousands of cards (the verifier's queue lists them one by one).
    loose = [
        clock(o, now)
        for o in unattached.exclude(kind=ObligationKind.LEAD_VERIFICATION)
        .select_related("unit")
        .order_by("due_at", "id")[:LOOSE_SHOWN]
    ]
    paged = page is not None and total > BOARD_PAGE
    return {
        "cards": cards,
        "loose": loose,
        "counters": counters(user, now, scope_in),
        "total": total,
        "receipts": receipts_owed(user, now),
        "leads_waiting": lead_counts(unattached, now),
        "forwardings": awaiting_panel(user, now),
        "page": page or 1,
        "pages": pages,
        "paged": paged,
        "groups": board_groups(everything, now) if paged or unit is not None else [],
    }


# Unattached clocks (verification requests about no incident) shown on one page of the board at most.
LOOSE_SHOWN = 20
# Receipts listed on the board; the bulk 签收 button signs every receipt the duty room owes, listed or not.
RECEIPTS_SHOWN = 50


def receipts_owed(user: User, now: datetime) -> dict[str, Any]:
    """The reports the duty room has not yet signed for (签收), oldest first: the duty room's own clocks. The
    city's lists only the reports sent to it; a town's those its units sent to the town."""
    room = staffed_room(user)
    if room is None:
        return {"items": [], "total": 0, "overdue": 0}
    owed = visible_obligations(user).filter(
        kind=ObligationKind.RECEIPT, state__in=OPEN, report__isnull=False, owed_to=room
    )
    total, overdue = _open_counts(
        visible_obligations(user).filter(kind=ObligationKind.RECEIPT, report__isnull=False, owed_to=room), now
    )
    found = {"total": total, "overdue": overdue}
    rows = owed.select_related("unit", "report", "report__unit", "incident").order_by("due_at", "id")[:RECEIPTS_SHOWN]
    items = []
    for obligation in rows:
        item = clock(obligation, now)
        report = obligation.report
        item["report"] = report
        item["report_kind_label"] = labels.report_kind_label(report.kind) if report is not None else ""
        items.append(item)
    return {"items": items, "total": found["total"], "overdue": found["overdue"]}


def lead_counts(unattached: QuerySet[Obligation], now: datetime) -> dict[str, int]:
    """How many leads wait for verification, and how many of them are past their verification time (a media
    lead has a clock for each of its verifier units but is one lead)."""
    waiting = unattached.filter(kind=ObligationKind.LEAD_VERIFICATION).values("id")
    rows = LeadVerifier.objects.filter(obligation_id__in=waiting).order_by()
    return rows.aggregate(
        total=Count("lead_id", distinct=True),
        overdue=Count("lead_id", distinct=True, filter=Q(obligation__due_at__lte=now)),
    )


def counters(user: User, now: datetime, scope: set[int] | RawSQL | None = None) -> dict[str, int]:
    """待完成 / 已超时 (evaluated now, as every screen does) and 迟报 met late since local midnight,
    counting the clocks the user watches (``clock_scope``)."""
    # the duty room's own receipts are counted in the 待签收 panel, not as overdue reports
    watched = visible_obligations(user).exclude(kind=ObligationKind.RECEIPT)
    if scope is not None:
        watched = watched.filter(unit_id__in=scope)
    midnight = now.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    # counted in the database (partial indexes on open and late clocks), not by fetching every open clock
    opened, overdue = _open_counts(watched, now)
    late_today = _late_since(watched, midnight)
    return {"pending": opened - overdue, "overdue": overdue, "late_today": late_today}


def _open_counts(watched: QuerySet[Obligation], now: datetime) -> tuple[int, int]:
    """How many of ``watched`` are open, and how many of those are due by ``now``, through the partial index of
    open clocks (obligation_open_due). With the open states bound as parameters SQLite could not match that
    index's condition and counted by scanning every clock ever recorded (3 s a board at a million incidents);
    they are literal terms here and, on SQLite, the index is named (see ``_late_since``)."""
    table = Obligation._meta.db_table
    states = ", ".join(f"'{state}'" for state in OPEN)
    open_clocks = watched.extra(where=[f'"{table}"."state" IN ({states})']).order_by().values("due_at")
    sql, params = compiled_by_index(open_clocks, "obligation_open_due")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COUNT(CASE WHEN open_clocks.due_at <= %s THEN 1 END) FROM ({sql}) open_clocks",
            [connection.ops.adapt_datetimefield_value(now), *params],
        )
        opened, overdue = cursor.fetchone()
    return int(opened), int(overdue)


def _late_since(watched: QuerySet[Obligation], since: datetime) -> int:
    """Clocks met late since ``since``, through the partial index of late clocks by ``met_at``
    (obligation_late_met). SQLite without statistics (a new or never analysed database) took the (state, due_at)
    index for ``state = 'late'`` and visited every late clock ever recorded, a read that grew with the city's
    history; there the index is named (``INDEXED BY``, which also fails loudly if the index ever goes)."""
    # the state as a literal, not a bound parameter: SQLite matches a partial index's condition only against
    # literal terms, so ``state = ?`` could never use obligation_late_met
    late = watched.filter(met_at__gte=since).extra(
        where=[f'"{Obligation._meta.db_table}"."state" = \'{ObligationState.LATE.value}\'']
    )
    return count_by_index(late, "obligation_late_met")


def board_json(user: User, now: datetime, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The cheap polling payload. ``fingerprint`` changes whenever anything shown on the board changes."""
    data = data if data is not None else board_data(user, now, page=None)
    body: dict[str, Any] = {
        "counters": data["counters"],
        "incidents": [
            {
                "id": card["incident"].pk,
                "title": incident_name(card["incident"], user),
                "unit": card["incident"].unit.code,
                "unit_name": card["incident"].unit.name,
                "state": card["incident"].state,
                "grade": card["incident"].grade,
                "flags": [code for code, _label in card["flags"]],
                "updated_at": iso_local(card["incident"].updated_at),
                "url": card["url"],
                "obligations": [
                    c["view"]
                    for c in card["open_clocks"]
                    + card["waiting_clocks"]
                    + card.get("receipt_clocks", [])
                    + card["done_clocks"]
                ],
            }
            for card in data["cards"]
        ],
        "obligations": [c["view"] for c in data["loose"]],
        "receipts": data["receipts"]["total"],
        "leads_waiting": data["leads_waiting"],
        "forwardings_awaiting": [f["id"] for f in data["forwardings"]["items"]],
    }
    body["fingerprint"] = fingerprint(body)
    body["now"] = iso_local(now)
    body["now_ms"] = int(now.timestamp() * 1000)
    return body


def fingerprint(body: dict[str, Any]) -> str:
    """Hash of what the board shows, minus what ticks by itself (an overdue clock's running lateness)."""
    shown = [
        body["counters"],
        [
            (
                i["id"],
                i["title"],
                i["state"],
                i["grade"],
                i["flags"],
                i["updated_at"],
                [(o["id"], o["state"], o["due_at"], o["met_at"]) for o in i["obligations"]],
            )
            for i in body["incidents"]
        ],
        [(o["id"], o["state"], o["due_at"]) for o in body["obligations"]],
        body.get("receipts"),
        body.get("leads_waiting"),
        body.get("forwardings_awaiting"),
    ]
    return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:16]
