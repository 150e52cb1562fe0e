"""What every operation answers, declared so that ``/api/v1/openapi.json`` describes the body a client gets back
and a client generated from it can read it.

Each class mirrors one serializer (``dutyroom/api/serializers.py`` and the ``*_view`` functions the routes call)
field for field; the names are the contract of ``shared/docs/api.md``. Times are strings in local time with
their offset (``2017-06-01T08:30:00+08:00``), as ``common.timefmt.iso_local`` writes them, not re-parsed
datetimes, so the text a client reads is the text the serializer wrote. A figure a report did not state is null
(unknown), never 0. django-ninja validates every answer against these classes; a serializer that gains a field
must gain it here too, or the field is silently left out of the answer.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict

Time = str
"""A local time with its offset, e.g. ``2017-06-01T08:30:00+08:00``."""


# ---- incidents, reports, clocks ----


class LearnedFromLeadOut(Schema):
    """ "Learned from lead N at T": a confirmed lead that reached the duty room before the unit's first report."""

    lead: int
    at: Time | None
    unit: str
    obligation: int | None
    kind: str
    state: str


class ObligationOut(Schema):
    id: int
    incident: int | None
    unit: str
    owed_to: str
    kind: str
    kind_label: str
    due_at: Time | None
    state: str
    state_label: str
    met_at: Time | None
    late_by_seconds: int | None
    rule: str
    anchor_at: Time | None
    report: int | None
    verification_request: int | None
    waived_reason: str | None


class IncidentObligationOut(ObligationOut):
    """An obligation as the incident's detail shows it: with the lead the duty room learned the incident from."""

    learned_from_lead: LearnedFromLeadOut | None


class CasualtiesOut(Schema):
    """Each figure the report stated; null where it did not (unknown, not 0)."""

    deaths: int | None
    missing: int | None
    trapped: int | None
    serious_injuries: int | None
    injuries: int | None
    evacuated: int | None


class ReportOut(Schema):
    id: int
    incident: int | None
    unit: str
    kind: str
    channel: str
    number: int | None
    summary: str
    casualties: CasualtiesOut | None
    direct_loss_cny: str | None
    measures: str
    trend: str
    signer: str
    contact_name: str
    contact_phone: str
    verification_request: int | None
    called_at: Time | None
    received_at: Time | None
    confirmed_at: Time | None
    confirmed_by: str | None
    forbidden_channel: bool
    submitted_by: str | None


class FiguresOut(Schema):
    """The figures behind the suggested grade: each the latest value a report gave, null while none has."""

    deaths: int | None
    missing: int | None
    trapped: int | None
    serious_injuries: int | None
    injuries: int | None
    evacuated: int | None
    direct_loss_cny: str | int | float | None


class LocationOut(Schema):
    area: str | None
    address: str
    lat: float | None
    lon: float | None


class IncidentOut(Schema):
    """An incident as a list shows it."""

    id: int
    title: str
    category: str
    subtype: str
    grade: str | None
    suggested_grade: str | None
    grade_basis: dict[str, str | int | list[str] | None]
    """Why ``suggested_grade``: ``basis``/``basis_en`` in words, and when figures were given the table,
    criterion, value and threshold that decided it and the figures still ``unknown``."""
    figures: FiguresOut
    sensitive: bool
    may_escalate: bool
    hotspot: bool
    exercise: bool
    occurred_at: Time | None
    learned_at: Time | None
    unit: str
    location: LocationOut
    classification: str
    classified_stub: bool
    state: str
    handled_at: Time | None
    rulebook: str
    created_at: Time | None
    updated_at: Time | None
    obligations: list[ObligationOut]


class IncidentDetailOut(IncidentOut):
    """One incident: with its reports and the leads it was learned from."""

    obligations: list[IncidentObligationOut]  # type: ignore[assignment]
    reports: list[ReportOut]
    learned_from_leads: list[LearnedFromLeadOut]


class VerificationRequestOut(Schema):
    id: int
    unit: str
    authority: str
    question: str
    incident: int | None
    due_at: Time | None
    created_at: Time | None
    obligation: ObligationOut | None


class SubtypeOut(Schema):
    code: str
    name: str
    name_en: str


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    subtypes: list[SubtypeOut]


# ---- system, grants, documents ----


class AuditVerifyOut(Schema):
    ok: bool
    entries: int
    first_bad: int | None
    reason: str | None


class MeOut(Schema):
    username: str
    role: str
    unit: str | None


class GrantOut(Schema):
    incident: int
    user: str
    reason: str
    granted_by: str
    granted_at: Time | None
    revoked_by: str | None
    revoked_at: Time | None


class SpecialReportOut(Schema):
    id: int
    incident: int
    number: str
    year: int
    sequence: int
    signer: str
    issued_at: Time | None
    issued_by: str | None


class DailyReportOut(Schema):
    id: int
    day: str
    number: str
    revision: int
    generated_at: Time | None
    generated_by: str | None


class OpenSchema(Schema):
    """A body whose listed fields are always there and which may carry more, depending on its kind."""

    model_config = ConfigDict(extra="allow")
