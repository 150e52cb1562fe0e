"""The rulebook as typed, immutable values.

A ``Rulebook`` is what an incident is judged under; the database snapshots its source text by ``ref``
so a later edit never re-judges history. Everything here is frozen and hashable where it can be, and
mappings are read-only proxies, so no caller can mutate a shared, cached rulebook by accident.
Parsing and validation live in ``rulebook.py``; this module only describes and navigates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from .alerts import DEFAULT_POLICY, AlertPolicy
from .enums import Anchor, Category, Channel, Flag, Grade, LeadChannel, ObligationKind, ReportKind

#: Prefix of the derived written clock on the immediate path; the tier id follows it.
IMMEDIATE_WRITTEN_PREFIX = "immediate.written@tier-"

#: Kinds a grade tier may hold; the other kinds have rulebook-wide clocks.
TIER_KINDS = frozenset({ObligationKind.FIRST_REPORT, ObligationKind.PHONE_REPORT, ObligationKind.WRITTEN_REPORT})


class RulebookError(ValueError):
    """A rulebook that cannot be trusted. The message names the file, the key path and the reason, because
    the person fixing it is editing YAML, not reading a traceback."""


@dataclass(frozen=True)
class ClockRule:
    """One deadline: ``kind`` is due ``within`` of its anchor and is met by a report of a ``met_by`` kind."""

    id: str
    kind: ObligationKind
    within: timedelta
    met_by: frozenset[ReportKind]


@dataclass(frozen=True)
class GradeTier:
    """The initial clocks for a set of grades (``None`` = ungraded)."""

    id: str
    grades: frozenset[Grade | None]
    clocks: tuple[ClockRule, ...]

    def clock_of(self, kind: ObligationKind) -> ClockRule | None:
        return next((clock for clock in self.clocks if clock.kind == kind), None)

    @property
    def written_limit(self) -> ClockRule:
        """The clock by which a written report must be in: the written clock, or the first report, which a
        written report also meets. The validator guarantees one of them exists."""
        clock = self.clock_of(ObligationKind.WRITTEN_REPORT) or self.clock_of(ObligationKind.FIRST_REPORT)
        assert clock is not None, f"tier {self.id} has neither a written nor a first report clock"
        return clock


@dataclass(frozen=True)
class ImmediateRule:
    """Notice §二/§三: flagged incidents are reported "立即", regardless of grade. ``phone`` replaces the
    tier's clocks; the written clock keeps the tier's written limit (see ``Rulebook.immediate_clocks``)."""

    flags: frozenset[Flag]
    phone: ClockRule


@dataclass(frozen=True)
class FollowupRule:
    """Follow-up (续报) cadence per grade while an incident is open."""

    id: str
    interval: Mapping[Grade | None, timedelta] = field(hash=False)
    met_by: frozenset[ReportKind]


@dataclass(frozen=True)
class GradingCriterion:
    """One line of a statutory grading table: the sum of ``fields`` compared with per-grade minimums
    ("以上" includes the bound). ``unit`` only decorates the human-readable basis."""

    id: str
    label: str
    fields: tuple[str, ...]
    thresholds: Mapping[Grade, int] = field(hash=False)
    unit: str = ""


@dataclass(frozen=True)
class GradingTable:
    """A statutory table, effective from a date. Empty ``subtypes`` = the whole category; a table that names
    subtypes is more specific and wins for them."""

    id: str
    title: str
    source: str
    categories: frozenset[Category]
    subtypes: frozenset[str]
    effective_from: date
    criteria: tuple[GradingCriterion, ...]


@dataclass(frozen=True)
class LeadRule:
    """Verifying leads (notice §四): the verification clock and which units verify leads of each channel.

    ``verifiers`` maps a channel to unit codes; channels not listed go to ``default`` (the duty room)."""

    verification: ClockRule
    verifiers: Mapping[LeadChannel, tuple[str, ...]] = field(hash=False)
    default: tuple[str, ...]
    watch: WatchRule | None = None

    def verifiers_for(self, channel: LeadChannel | str) -> tuple[str, ...]:
        return self.verifiers.get(LeadChannel(channel), self.default)


@dataclass(frozen=True)
class WatchRule:
    """Public-opinion watch (notice §四 舆情): hot words and the burst detector behind early warnings (预警).

    A topic (a watch term, or a hot word) bursts in the ``window`` ending now when it has at least
    ``min_items`` items and its Poisson z-score against the trailing baseline — the mean count of the
    ``baseline_windows`` windows before it, λ — reaches ``z``: (count − λ) / √(λ + 1) ≥ z. A topic that
    warned is quiet for ``cooldown``. ``hot_words`` is how many hot words a window lists."""

    window: timedelta
    baseline_windows: int
    min_items: int
    z: float
    cooldown: timedelta
    hot_words: int


@dataclass(frozen=True)
class Rulebook:
    """One jurisdiction's reporting rules at one version. Build it with ``parse_rulebook``/``load_rulebook``,
    which validate; constructing it directly skips every check."""

    id: str
    version: int
    title: str
    jurisdiction: str
    effective_from: date
    timezone: str
    anchor: Anchor
    tiers: tuple[GradeTier, ...]
    immediate: ImmediateRule
    followup: FollowupRule
    final_report: ClockRule
    verification_reply: ClockRule
    receipt: ClockRule
    forbidden_channels: frozenset[Channel]
    subtypes: Mapping[Category, Mapping[str, str]] = field(hash=False)
    grading: tuple[GradingTable, ...]
    #: Optional: a rulebook without ``leads`` cannot route lead verification (the leads service says so).
    leads: LeadRule | None = field(default=None, hash=False)
    # who hears about a clock and when (rules/alerts.py); a rulebook without ``alerts`` alerts nobody
    alerts: AlertPolicy = DEFAULT_POLICY

    @property
    def ref(self) -> str:
        """``id@version``: the key snapshots and obligation rule strings are stored under."""
        return f"{self.id}@{self.version}"

    @property
    def tzinfo(self) -> ZoneInfo:
        """The jurisdiction's local zone, for presenting times and for turning a datetime into a date."""
        return ZoneInfo(self.timezone)

    def tier_for(self, grade: Grade | None) -> GradeTier:
        key = None if grade is None else Grade(grade)
        for tier in self.tiers:
            if key in tier.grades:
                return tier
        raise KeyError(f"{self.ref}: no tier covers grade {key!r}")  # the validator makes this unreachable

    def immediate_clocks(self, tier: GradeTier) -> tuple[ClockRule, ClockRule]:
        """The "report immediately" clock set for ``tier``: the immediate phone clock plus a written clock due
        at the tier's written limit. The written rule gets a derived id so ``clock()`` can resolve it and an
        obligation row can say exactly which rule produced it."""
        limit = tier.written_limit
        written = ClockRule(
            id=f"{IMMEDIATE_WRITTEN_PREFIX}{tier.id}",
            kind=ObligationKind.WRITTEN_REPORT,
            within=limit.within,
            met_by=self._written_met_by,
        )
        return (self.immediate.phone, written)

    def clock(self, rule_id: str) -> ClockRule:
        """Resolve a rule id (as stored after ``ref/`` in an obligation's ``rule``) to its clock rule."""
        if rule_id.startswith(IMMEDIATE_WRITTEN_PREFIX):
            tier_id = rule_id.removeprefix(IMMEDIATE_WRITTEN_PREFIX)
            for tier in self.tiers:
                if tier.id == tier_id:
                    return self.immediate_clocks(tier)[1]
        for clock in self._all_clocks:
            if clock.id == rule_id:
                return clock
        raise KeyError(f"{self.ref}: no clock rule {rule_id!r}")

    def met_by(self, kind: ObligationKind) -> frozenset[ReportKind]:
        """Report kinds that meet an obligation of ``kind``. Tier kinds are looked up across every tier and
        the immediate path; the validator keeps ``met_by`` identical per kind, so the union is the answer."""
        kind = ObligationKind(kind)
        if kind == ObligationKind.FOLLOWUP:
            return self.followup.met_by
        if kind == ObligationKind.WRITTEN_REPORT:
            return self._written_met_by
        kinds: set[ReportKind] = set()
        for clock in self._all_clocks:
            if clock.kind == kind:
                kinds |= clock.met_by
        return frozenset(kinds)

    @cached_property
    def _all_clocks(self) -> tuple[ClockRule, ...]:
        tier_clocks = tuple(clock for tier in self.tiers for clock in tier.clocks)
        lead_clocks = (self.leads.verification,) if self.leads is not None else ()
        return (
            *tier_clocks,
            self.immediate.phone,
            self.final_report,
            self.verification_reply,
            self.receipt,
            *lead_clocks,
        )

    @cached_property
    def _written_met_by(self) -> frozenset[ReportKind]:
        # A tier without a written clock (first report only) still needs one on the immediate path; it is met
        # the way written clocks elsewhere in the book are, or by a written report if the book has none.
        kinds: set[ReportKind] = set()
        for tier in self.tiers:
            clock = tier.clock_of(ObligationKind.WRITTEN_REPORT)
            if clock is not None:
                kinds |= clock.met_by
        return frozenset(kinds) if kinds else frozenset({ReportKind.WRITTEN})
