"""When each obligation is due (domain.md §3), and whether it was met, late or is overdue.

Pure functions of their arguments: callers pass the rulebook, the times and ``now``. That keeps every
deadline reproducible from the audit trail — the same inputs give the same clocks years later — and lets
tests state the rules as tables instead of travelling in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .enums import Anchor, Flag, Grade, ObligationKind, ObligationState, ReportKind
from .model import ClockRule, Rulebook
from .timeutil import add_elapsed, require_aware, utc

_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Severity:
    """What the clocks depend on: the grade (``None`` = ungraded) and the notice's three flags."""

    grade: Grade | None
    sensitive: bool = False
    may_escalate: bool = False
    hotspot: bool = False

    def __post_init__(self) -> None:
        # Accept the stored string ("II") so callers reading a database row need not convert; refuse junk.
        if self.grade is not None:
            object.__setattr__(self, "grade", Grade(self.grade))

    @property
    def flags(self) -> frozenset[Flag]:
        present = (
            (Flag.SENSITIVE, self.sensitive),
            (Flag.MAY_ESCALATE, self.may_escalate),
            (Flag.HOTSPOT, self.hotspot),
        )
        return frozenset(flag for flag, on in present if on)

    @property
    def immediate(self) -> bool:
        """Any flag set: notice §二/§三 "不受分级标准限制……立即报告"."""
        return bool(self.flags)


@dataclass(frozen=True)
class PlannedClock:
    """An obligation to create. ``rule`` is ``"<rulebook ref>/<rule id>"`` so a row names what produced it."""

    key: str
    kind: ObligationKind
    due_at: datetime
    rule: str
    anchor_at: datetime


@dataclass(frozen=True)
class Evaluation:
    """Computed state of one clock; ``late_by_seconds`` is 0 when met, None while pending."""

    state: ObligationState
    late_by_seconds: int | None


def clock_set(rb: Rulebook, severity: Severity) -> tuple[ClockRule, ...]:
    """The initial clock rules for ``severity``: the grade tier's, or the immediate path's if a flag the
    rulebook recognises is set. Shared by ``initial_clocks`` and ``escalation_clocks`` so both agree."""
    tier = rb.tier_for(severity.grade)
    if severity.flags & rb.immediate.flags:
        return rb.immediate_clocks(tier)
    return tier.clocks


def initial_clocks(
    rb: Rulebook, severity: Severity, occurred_at: datetime, learned_at: datetime | None = None
) -> list[PlannedClock]:
    """The first-report clocks of a new incident (or, recomputed, after its occurrence time is corrected).

    The anchor follows ``rb.anchor``. A learned-anchored rulebook falls back to the occurrence time when the
    learning time is unknown: that is the earliest the unit could have learned, so the clock is never more
    lenient than the truth.
    """
    require_aware(occurred_at, "occurred_at")
    anchor = occurred_at
    if learned_at is not None:
        require_aware(learned_at, "learned_at")
        if rb.anchor == Anchor.LEARNED:
            anchor = learned_at
    return _plan(rb, clock_set(rb, severity), anchor, "initial")


def escalation_clocks(rb: Rulebook, before: Severity, after: Severity, at: datetime) -> list[PlannedClock]:
    """Clocks created when severity is raised at ``at`` (domain.md §3 [D]: anchored at the re-grading).

    Only a *stricter* clock set creates anything: its shortest limit, or its written limit, is shorter
    than before. A lowered or same-tier grade creates nothing; existing obligations are never removed or
    un-met, so history stays as it was judged.
    """
    require_aware(at, "at")
    old, new = clock_set(rb, before), clock_set(rb, after)
    if _shortest(new) < _shortest(old) or _written(new) < _written(old):
        return _plan(rb, new, at, f"escalation@{at.isoformat()}")
    return []


def followup_interval(rb: Rulebook, grade: Grade | None) -> timedelta:
    return rb.followup.interval[None if grade is None else Grade(grade)]


def followup_due(rb: Rulebook, grade: Grade | None, basis_at: datetime) -> datetime:
    """Next follow-up is due one interval after ``basis_at`` (the last report, or the last clock)."""
    return add_elapsed(basis_at, followup_interval(rb, grade), "basis_at")


def final_report_due(rb: Rulebook, handled_at: datetime) -> datetime:
    return add_elapsed(handled_at, rb.final_report.within, "handled_at")


def verification_reply_due(rb: Rulebook, requested_at: datetime, requested_due: datetime | None = None) -> datetime:
    """A request that sets its own limit wins (notice §三 "按照有关要求"); otherwise the rulebook default."""
    require_aware(requested_at, "requested_at")
    if requested_due is not None:
        return require_aware(requested_due, "requested_due")
    return add_elapsed(requested_at, rb.verification_reply.within, "requested_at")


def receipt_due(rb: Rulebook, received_at: datetime) -> datetime:
    return add_elapsed(received_at, rb.receipt.within, "received_at")


def lead_verification_due(rb: Rulebook, received_at: datetime) -> datetime:
    """A lead must be verified within the rulebook's limit of its receipt by the city (notice §四 "及时核实")."""
    if rb.leads is None:
        raise ValueError(f"{rb.ref}: the rulebook has no `leads` section")
    return add_elapsed(received_at, rb.leads.verification.within, "received_at")


def report_meets(rb: Rulebook, obligation_kind: ObligationKind, report_kind: ReportKind) -> bool:
    """Whether a report of ``report_kind`` satisfies an obligation of ``obligation_kind`` (the rulebook's
    ``met_by``). A receipt is never met by a report: the duty room confirms it."""
    return ReportKind(report_kind) in rb.met_by(ObligationKind(obligation_kind))


def evaluate(due_at: datetime, met_at: datetime | None, now: datetime) -> Evaluation:
    """State of a clock at ``now``. A report received exactly at the due time is on time; with nothing
    received, the clock is overdue from the due instant itself. Lateness is whole seconds, floored."""
    due, current = utc(due_at, "due_at"), utc(now, "now")
    if met_at is not None:
        met = utc(met_at, "met_at")
        if met <= due:
            return Evaluation(ObligationState.MET, 0)
        return Evaluation(ObligationState.LATE, (met - due) // _SECOND)
    if current >= due:
        return Evaluation(ObligationState.OVERDUE, (current - due) // _SECOND)
    return Evaluation(ObligationState.PENDING, None)


def _plan(rb: Rulebook, rules: tuple[ClockRule, ...], anchor: datetime, prefix: str) -> list[PlannedClock]:
    return [
        PlannedClock(
            key=f"{prefix}:{rule.kind.value}",
            kind=rule.kind,
            due_at=add_elapsed(anchor, rule.within, "anchor"),
            rule=f"{rb.ref}/{rule.id}",
            anchor_at=anchor,
        )
        for rule in rules
    ]


def _shortest(rules: tuple[ClockRule, ...]) -> timedelta:
    return min(rule.within for rule in rules)


def _written(rules: tuple[ClockRule, ...]) -> timedelta:
    """The written limit of a clock set: its written clock, else its first report (met by written too)."""
    for kind in (ObligationKind.WRITTEN_REPORT, ObligationKind.FIRST_REPORT):
        for rule in rules:
            if rule.kind == kind:
                return rule.within
    raise AssertionError("the validator guarantees every clock set has a written or first-report clock")
