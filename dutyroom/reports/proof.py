"""What the audit chain proves about reports, compared with the rows as they are now.

The chain shows that its entries were not changed; the threat model also names "rewrite what was reported
when": a direct edit of a report's ``received_at`` or casualty figures changes no entry. So each report's
``report.submit`` entry carries what the row's times and figures were (``received_at``, ``called_at``, kind,
channel, number, figures, unit, incident) and its ``report.receipt`` entry the confirmation time, and
``dutyroom audit verify`` compares every such entry with its row (``reports_differing``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from dutyroom.audit.models import AuditEntry
from dutyroom.reports.models import Report
from dutyroom.rules.figures import FIGURE_FIELDS

CHUNK = 2000


@dataclass(frozen=True)
class Difference:
    report: int
    field: str
    entry_seq: int | None
    proven: object
    stored: object

    def describe(self) -> str:
        return (
            f"report {self.report}: {self.field} is {self.stored!r} in the database but {self.proven!r} in "
            f"audit entry {self.entry_seq}"
        )


def _as_entry(value: object) -> Any:
    """A row's value as the audit entry stored it (the same JSON round trip, so times keep milliseconds)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _same_time(proven: object, stored: datetime | None) -> bool:
    if proven is None or stored is None:
        return proven is None and stored is None
    return isinstance(proven, str) and datetime.fromisoformat(proven) == datetime.fromisoformat(_as_entry(stored))


def _same_figure(proven: object, stored: object) -> bool:
    if stored is None and proven in (0, "0"):  # a blank once stored as 0, now honestly "unknown": not an edit
        return True
    if proven is None or stored is None:
        return proven is None and stored is None
    try:
        return Decimal(str(proven)) == Decimal(str(stored))
    except InvalidOperation:
        return False


def _submitted(entry: AuditEntry, report: Report) -> Iterator[tuple[str, object, object]]:
    """(field, proven, stored) for each fact of a ``report.submit`` entry that does not hold on the row."""
    data = entry.data
    if not _same_time(data.get("received_at"), report.received_at):
        yield "received_at", data.get("received_at"), _as_entry(report.received_at)
    if "called_at" in data and not _same_time(data["called_at"], report.called_at):
        yield "called_at", data["called_at"], _as_entry(report.called_at)
    for name in ("kind", "channel", "number", "forbidden_channel"):
        if name in data and data[name] != getattr(report, name):
            yield name, data[name], getattr(report, name)
    if "figures" in data:
        # the entry lists the figures the report gave; one it leaves out was unknown, so the row must hold NULL
        given = data["figures"] or {}
        for name in (*FIGURE_FIELDS, *(n for n in given if n not in FIGURE_FIELDS)):
            value = given.get(name)
            if hasattr(report, name) and not _same_figure(value, getattr(report, name)):
                yield f"figures.{name}", value, _as_entry(getattr(report, name))
    if entry.incident_id is not None and entry.incident_id != report.incident_id:
        yield "incident", entry.incident_id, report.incident_id
    if entry.unit_code and entry.unit_code != report.unit.code:
        yield "unit", entry.unit_code, report.unit.code


def _entries() -> Iterator[list[AuditEntry]]:
    chunk: list[AuditEntry] = []
    rows = AuditEntry.objects.filter(object_type="report", action__in=("report.submit", "report.receipt")).order_by(
        "id"
    )
    for entry in rows.iterator(chunk_size=CHUNK):
        chunk.append(entry)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def reports_differing() -> list[Difference]:
    """Every report whose row no longer says what its audit entries recorded (empty when all agree)."""
    found: list[Difference] = []
    for chunk in _entries():
        ids = {int(e.object_id) for e in chunk if e.object_id.isdigit()}
        rows = Report.objects.select_related("unit").in_bulk(ids)
        for entry in chunk:
            report = rows.get(int(entry.object_id)) if entry.object_id.isdigit() else None
            if report is None:
                found.append(Difference(int(entry.object_id or 0), "row", entry.seq, "present", "deleted"))
                continue
            if entry.action == "report.receipt":
                proven = entry.data.get("confirmed_at")
                if not _same_time(proven, report.confirmed_at):
                    found.append(
                        Difference(report.pk, "confirmed_at", entry.seq, proven, _as_entry(report.confirmed_at))
                    )
                continue
            found += [
                Difference(report.pk, name, entry.seq, proven, stored)
                for name, proven, stored in _submitted(entry, report)
            ]
    return found
