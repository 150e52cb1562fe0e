"""What every operation answers, declared so that ``/api/v1/openapi.json`` describes the body a client gets back
and a client generated from it can read it.

Each class mirrors one serializer (``dutyroom/api/serializers.py`` and the ``*_view`` functions the routes call)
field for field; the names are the contract of ``docs/api.md``. Times are strings in local time with
their offset (``2017-06-01T08:30:00+08:00``), as ``common.timefmt.iso_local`` writes them, not re-parsed
datetimes, so the text a client reads is the text the serializer wrote. A figure a report did not state is null
(unknown), never 0. django-ninja validates every answer against these classes; a serializer that gains a field
must gain it here too, or the field is silently left out of the answer.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import BaseModel, ConfigDict

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


class OpenSchema(BaseModel):
    """A body whose listed fields are always there and which may carry more, depending on its kind (a plain
    pydantic model: ninja's ``Schema`` reads a dict through attribute access and would drop the extra keys)."""

    model_config = ConfigDict(extra="allow")


# ---- assessment ----


class AppealOut(Schema):
    text: str
    by: str | None
    at: Time | None


class DecisionOut(Schema):
    upheld: bool
    reason: str
    by: str | None
    at: Time | None


class FindingOut(Schema):
    id: int
    incident: int
    unit: str
    kind: str
    kind_label: str
    state: str
    state_label: str
    evidence: str
    lead: int | None
    report: int | None
    raised_by: str | None
    raised_at: Time | None
    appeal_due_at: Time | None
    appeal_open: bool
    appeal: AppealOut | None
    decision: DecisionOut | None
    assessed_by: str
    """The duty room whose assessment the finding counts in (``duty-room`` or a town's code)."""


class AdoptionOut(Schema):
    id: int
    incident: int
    unit: str
    by: str
    note: str
    recorded_at: Time | None
    assessed_by: str
    """The duty room whose assessment the adoption counts in (``duty-room`` or a town's code)."""
    recorded_by: str | None


class PointOut(Schema):
    """One line of the ledger that adds up to a unit's score."""

    delta: int | float
    reason: str
    incident: int | None
    kind: str
    rule: str
    source: str | None
    correction: bool
    at: Time | None


class AssessmentRowOut(Schema):
    """A unit's standing in the period: score, grade, rank in its peer group, the counts and the points."""

    unit: str
    unit_name: str
    group: str
    score: int | float
    grade: str
    grade_id: str
    rank: int
    first_reports: dict[str, int]
    """``on_time``, ``late``, ``missing``."""
    first_reports_forbidden_channel: int
    criticised: bool
    grade_withheld: str | None
    on_time_rate: float | None
    worst_delay_seconds: int | None
    verification_replies: dict[str, int]
    """``on_time``, ``late``, ``missing``."""
    followups_missing: int
    finals_missing: int
    findings: dict[str, int]
    """Upheld findings by kind."""
    adopted: int
    chases: int
    points: list[PointOut]
    period: str
    closes_at: str
    assessed_by: str
    """The duty room whose assessment this is (``duty-room`` for the city's, else a town's code): scored on the
    clocks owed to it and the findings and adoptions it recorded."""


# ---- leads and public opinion ----


class LeadDuplicateOut(Schema):
    id: int
    incident: int | None
    lead: int | None
    score: float
    state: str


class WatchHitOut(Schema):
    term: str
    kind: str
    level: int
    count: int


class LeadVerifierOut(Schema):
    unit: str
    obligation: ObligationOut


class PhotoOut(Schema):
    id: int
    content_type: str
    size: int


class LeadEvidenceOut(Schema):
    """ "Learned from lead N at T", with the unit's first report as it stands now."""

    lead: int
    incident: int
    unit: str
    lead_received_at: Time | None
    first_report_at: Time | None
    lead_first_by_seconds: int | None
    obligation: int | None
    kind: str
    state: str


class LeadOut(Schema):
    """A lead as a list shows it."""

    id: int
    channel: str
    title: str
    text: str
    url: str
    occurred_at: Time | None
    received_at: Time | None
    area: str | None
    address: str
    source: str
    state: str
    verifier_unit: str | None
    incident: int | None
    duplicate_of: int | None
    reason: str
    watch_level: int
    verified_at: Time | None
    duplicates: list[LeadDuplicateOut]
    watch_hits: list[WatchHitOut]


class LeadDetailOut(LeadOut):
    """One lead: with its verifiers' clocks, photos and the who-knew-first evidence."""

    verifiers: list[LeadVerifierOut]
    photos: list[PhotoOut]
    evidence: LeadEvidenceOut | None
    raw_type: str


class IncidentDuplicateOut(Schema):
    id: int
    incident: int | None
    lead: int | None
    score: float
    state: str


class WatchTermOut(Schema):
    id: int
    term: str
    kind: str
    starts_at: Time | None
    ends_at: Time | None
    period_active: bool


class FeedOut(Schema):
    id: int
    name: str
    url: str
    channel: str
    interval_seconds: int
    last_polled_at: Time | None
    last_ok_at: Time | None
    last_status: int | None
    """The HTTP status of the last poll."""
    last_error: str
    failures: int
    items_imported: int


class WarningOut(Schema):
    """An early warning: a topic whose leads burst above their baseline."""

    id: int
    topic: str
    topic_kind: str
    window_start: Time | None
    window_end: Time | None
    related: list[str]
    reason: str
    why: str
    count: int
    baseline: float
    z: float
    state: str
    raised_at: Time | None
    lead: int | None
    items: list[int]


class WordCountOut(Schema):
    word: str
    count: int


class TermCountOut(Schema):
    term: str
    count: int


class SeriesOut(Schema):
    name: str
    data: list[int]


class TrendOut(Schema):
    unit: str
    labels: list[str]
    series: list[SeriesOut]


class NotableLeadOut(Schema):
    id: int
    title: str
    channel: str
    state: str
    watch_level: int
    received_at: Time | None


class MethodParamsOut(Schema):
    window_minutes: int
    baseline_windows: int
    min_items: int
    z: float


class MethodOut(Schema):
    hot_words: str
    burst: str
    params: MethodParamsOut | None


class OpinionReportOut(Schema):
    """The stage report of public opinion for [start, end)."""

    start: Time | None
    end: Time | None
    leads: int
    hot_words: list[WordCountOut]
    watch_terms: list[TermCountOut]
    trend: TrendOut
    notable: list[NotableLeadOut]
    warnings: list[WarningOut]
    method: MethodOut


# ---- alerts ----


class NotificationOut(Schema):
    id: int
    topic: str
    incident: int | None
    obligation: int | None
    text: str
    created_at: Time | None
    read_at: Time | None


class ChaseOut(Schema):
    id: int
    obligation: int
    unit: str
    by: str
    at: Time | None
    note: str


class WebhookOut(Schema):
    id: int
    url: str
    topics: list[str]
    unit: str | None
    created_at: Time | None


class AttemptOut(Schema):
    at: Time | None
    status: str
    """"ok", "http 503", "timeout" or "error"."""
    error: str


class DeliveryOut(Schema):
    id: int
    delivery: str
    channel: str
    state: str
    attempts: int
    topic: str
    target: str
    last_error: str
    attempt_log: list[AttemptOut]


class WebhookAttemptOut(Schema):
    at: Time | None
    status: str
    error: str
    delivery: str
    topic: str
    state: str


class PreferencesOut(Schema):
    """Where the caller's alerts go: ``channels`` in effect, ``chosen`` as the caller set them (null: not set)."""

    channels: list[str]
    chosen: list[str] | None
    topics: dict[str, list[str]]
    """Every topic with the channels it goes to."""
    sound: bool
    from_unit: bool
    email: str
    phone: str


class UnitPreferencesOut(Schema):
    unit: str
    set: bool
    channels: list[str] | None
    topics: dict[str, list[str]]
    sound: bool


class ShiftOut(Schema):
    starts_at: Time | None
    ends_at: Time | None


class RosterNowOut(Schema):
    """Who is on duty now; all null when no shift covers the moment."""

    duty_officer: str | None
    duty_leader: str | None
    city_leader: str | None
    shift: ShiftOut | None


# ---- handover and duty log ----


class OpenItemOut(Schema):
    """Something the duty room still has open: a clock, or a lead awaiting verification."""

    kind: str
    what: str
    id: int
    incident: int | None
    unit: str
    unit_name: str
    title: str
    secret: bool
    due_at: Time | None
    state: str
    link: str


class HandoverOut(Schema):
    id: int
    shift: int | None
    outgoing: str | None
    outgoing_name: str
    incoming: str | None
    incoming_name: str | None
    note: str
    signed_at: Time | None
    acknowledged_at: Time | None
    acknowledged_by: str | None
    ack_note: str
    open_items: int
    overdue_items: int
    items: list[dict[str, str | int | bool | None]]
    """The open items as they stood when the handover was signed (see ``OpenItemOut``)."""


class DutyLogRowOut(Schema):
    """A line of the day's duty log: a free entry (``source`` "entry") or a system event ("system")."""

    source: str
    id: int | None
    """A system row's audit sequence number: none yet while the entry waits to be sealed into the chain."""
    at: Time | None
    time: str
    kind: str
    label: str
    label_en: str
    text: str
    incident: int | None
    incident_title: str | None = None
    """Free entries only: the incident as the reader may name it."""
    unit: str | None
    by: str | None


class DutyLogEntryOut(Schema):
    id: int
    source: str
    at: Time | None
    time: str
    kind: str
    text: str
    incident: int | None
    unit: str | None
    by: str
    created_at: Time | None


# ---- instructions ----


class TaskOut(Schema):
    id: int
    unit: str
    unit_name: str
    due_at: Time | None
    state: str | None
    late_by_seconds: int | None
    obligation: int
    feedback: str | None
    feedback_at: Time | None


class TaskedOut(TaskOut):
    """A task as its unit reads it: with the leader's words and the incident named as the reader may name it."""

    instruction: int
    incident: int
    incident_title: str
    leader: str
    text: str
    given_at: Time | None


class InstructionOut(Schema):
    id: int
    incident: int
    leader: str
    text: str
    given_at: Time | None
    tasks: list[TaskOut]


# ---- interop and units ----


class ForwardingOut(Schema):
    id: int
    forwarding_id: str
    direction: str
    target: str
    kind: str
    incident: int | None
    state: str
    attempts: int
    next_attempt_at: Time | None
    last_error: str | None
    delivered_at: Time | None
    received_by: str | None
    received_at: Time | None
    signed_by: str | None  # the duty leader's 签发; null when none was needed (downward, automatic grades)
    signed_at: Time | None
    with_content: bool  # a work-secret incident's words sent by the signer's audited decision


class AwaitingForwardingOut(Schema):
    """An upward report waiting for the duty leader's 签发, with its clock: the rulebook sets no time within
    which the city owes the level above, so the clock counts how long it has waited."""

    id: int
    forwarding_id: str
    kind: str
    target: str
    incident: int | None
    incident_name: str  # through the naming rule: ［工作秘密］ unless the caller may read the title
    grade: str | None
    work_secret: bool  # goes as a stub unless the signer decides to send its content
    created_at: Time
    waiting_minutes: int
    due_at: Time | None  # when it is owed upward, if a rule says so (none does today)


class ForwardedReportOut(Schema):
    report: int
    kind: str
    received_by: str
    received_at: Time | None


class IncidentForwardingOut(Schema):
    incident: int
    forwarded: bool
    pending: int
    reports: list[ForwardedReportOut]


class InboxReceiptOut(OpenSchema):
    """The receipt for a forwarding, with what the delivery's kind produced (e.g. the incident it became)."""

    forwarding_id: str
    received_at: Time | None
    received_by: str


class UnitOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    duty_room: bool
    reports_to: str | None


class LimitOut(Schema):
    value: int
    set_by: str


class UnitRulesOut(Schema):
    unit: str
    rulebook: str
    within_minutes: dict[str, LimitOut]
    """Each clock with its limit in minutes and the unit (or rulebook) that set it."""
