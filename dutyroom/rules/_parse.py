"""Turns a decoded rulebook document into a validated ``Rulebook``.

Each helper takes the value and its key path (``tiers[0].clocks[1].within_minutes``) so every error can
say exactly where the file is wrong. Checks go beyond types to the promises the rest of the system leans
on: every grade (and ungraded) has exactly one tier, a more severe grade is never given a later deadline,
the immediate phone clock is the shortest limit, and ``met_by`` is the same for a kind wherever it appears.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from itertools import pairwise
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._check import ID, Checker, grade_name, kinds, minutes, show
from ._parse_alerts import parse_alerts
from .alerts import DEFAULT_POLICY
from .enums import Anchor, Category, Channel, Flag, Grade, LeadChannel, ObligationKind, ReportKind
from .figures import FIGURE_FIELDS
from .model import (
    TIER_KINDS,
    FollowupRule,
    GradeTier,
    GradingCriterion,
    GradingTable,
    ImmediateRule,
    LeadRule,
    Rulebook,
    WatchRule,
)

_RULEBOOK_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # also a file name: no dots
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_ALL_GRADES: tuple[Grade | None, ...] = (Grade.I, Grade.II, Grade.III, Grade.IV, None)
_TOP_KEYS = (
    "id",
    "version",
    "title",
    "jurisdiction",
    "effective_from",
    "timezone",
    "anchor",
    "tiers",
    "immediate",
    "followup",
    "final_report",
    "verification_reply",
    "receipt",
    "forbidden_channels",
    "subtypes",
    "grading",
)
_OPTIONAL_KEYS = ("leads", "alerts")


def parse_rulebook(data: Mapping[str, Any], source_name: str) -> Rulebook:
    """Validate a decoded document and build the ``Rulebook``; any defect raises ``RulebookError``."""
    c = Checker(source_name)
    doc = c.mapping(data, "(document)", _TOP_KEYS, _OPTIONAL_KEYS)
    # Checked in file order, so the first error reported is the first one a reader meets.
    rulebook_id = c.text(doc["id"], "id", _RULEBOOK_ID)
    version = c.positive(doc["version"], "version")
    title = c.text(doc["title"], "title")
    jurisdiction = c.text(doc["jurisdiction"], "jurisdiction")
    effective_from = c.day(doc["effective_from"], "effective_from")
    timezone = c.text(doc["timezone"], "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        c.fail("timezone", f"unknown time zone {timezone!r}")
    anchor = c.member(Anchor, doc["anchor"], "anchor")
    tiers = _tiers(c, doc["tiers"])
    subtypes = _subtypes(c, doc["subtypes"])
    rulebook = Rulebook(
        id=rulebook_id,
        version=version,
        title=title,
        jurisdiction=jurisdiction,
        effective_from=effective_from,
        timezone=timezone,
        anchor=anchor,
        tiers=tiers,
        immediate=_immediate(c, doc["immediate"], tiers),
        followup=_followup(c, doc["followup"]),
        final_report=c.clock(doc["final_report"], "final_report", ObligationKind.FINAL_REPORT),
        verification_reply=c.clock(doc["verification_reply"], "verification_reply", ObligationKind.VERIFICATION_REPLY),
        receipt=c.clock(doc["receipt"], "receipt", ObligationKind.RECEIPT),
        forbidden_channels=c.members(Channel, doc["forbidden_channels"], "forbidden_channels"),
        subtypes=subtypes,
        grading=_grading(c, doc["grading"], subtypes),
        leads=_leads(c, doc["leads"]) if "leads" in doc else None,
        alerts=parse_alerts(c, doc["alerts"]) if "alerts" in doc else DEFAULT_POLICY,
    )
    _check_clock_ids(c, rulebook)
    _check_met_by_agrees(c, rulebook)
    return rulebook


def _tiers(c: Checker, value: object) -> tuple[GradeTier, ...]:
    covered: dict[Grade | None, int] = {}
    tiers: list[GradeTier] = []
    for i, raw in enumerate(c.items(value, "tiers", allow_empty=False)):
        path = f"tiers[{i}]"
        data = c.mapping(raw, path, ("id", "grades", "clocks"))
        tier_id = c.text(data["id"], f"{path}.id", ID)
        if any(t.id == tier_id for t in tiers):
            c.fail(f"{path}.id", f"duplicate tier id {tier_id!r}")
        grades = c.unique(c.items(data["grades"], f"{path}.grades", allow_empty=False), f"{path}.grades", c.grade)
        for g, grade in enumerate(grades):
            if grade in covered:
                c.fail(
                    f"{path}.grades[{g}]",
                    f"{grade_name(grade)} is already covered by tiers[{covered[grade]}]",
                )
            covered[grade] = i
        clocks = tuple(
            c.clock(raw_clock, f"{path}.clocks[{k}]")
            for k, raw_clock in enumerate(c.items(data["clocks"], f"{path}.clocks", allow_empty=False))
        )
        tier_kinds = [clock.kind for clock in clocks]
        for k, kind in enumerate(tier_kinds):
            if kind not in TIER_KINDS:
                c.fail(
                    f"{path}.clocks[{k}].kind",
                    f"{kind} is not a tier clock (allowed: first_report, phone_report, written_report)",
                )
            if tier_kinds.index(kind) != k:
                c.fail(f"{path}.clocks[{k}].kind", f"duplicate {kind} clock in this tier")
        shape = set(tier_kinds)
        phone_written = {ObligationKind.PHONE_REPORT, ObligationKind.WRITTEN_REPORT}
        if shape not in ({ObligationKind.FIRST_REPORT}, phone_written):
            c.fail(
                f"{path}.clocks",
                "must hold either one first_report clock or both a phone_report and a "
                f"written_report clock, got {', '.join(tier_kinds)}",
            )
        tier = GradeTier(tier_id, frozenset(grades), clocks)
        phone = tier.clock_of(ObligationKind.PHONE_REPORT)
        if phone is not None and phone.within > tier.written_limit.within:
            c.fail(f"{path}.clocks", "the phone_report clock must not be due after the written_report clock")
        tiers.append(tier)
    for grade in _ALL_GRADES:
        if grade not in covered:
            c.fail("tiers", f"{grade_name(grade)} is not covered by any tier (use null in grades for ungraded)")
    _check_monotone(c, tiers)
    return tuple(tiers)


def _check_monotone(c: Checker, tiers: list[GradeTier]) -> None:
    """A more severe grade must never get a later deadline; otherwise raising a grade could relax the clock.
    Ungraded is left out on purpose: a jurisdiction may treat "unknown" as strictly as it likes."""

    def tier_of(grade: Grade) -> GradeTier:
        return next(t for t in tiers if grade in t.grades)

    graded = [Grade.I, Grade.II, Grade.III, Grade.IV]
    for severe, milder in pairwise(graded):
        a, b = tier_of(severe), tier_of(milder)
        for what, get in (("earliest", _earliest), ("written", lambda t: t.written_limit.within)):
            if get(a) > get(b):
                c.fail(
                    "tiers",
                    f"grade {severe}'s {what} deadline ({minutes(get(a))}) is later than grade "
                    f"{milder}'s ({minutes(get(b))}); a more severe grade must never have a later deadline",
                )


def _immediate(c: Checker, value: object, tiers: tuple[GradeTier, ...]) -> ImmediateRule:
    data = c.mapping(value, "immediate", ("flags", "phone"))
    flags = c.members(Flag, data["flags"], "immediate.flags", allow_empty=False)
    phone = c.clock(data["phone"], "immediate.phone", ObligationKind.PHONE_REPORT)
    for i, tier in enumerate(tiers):
        if phone.within > _earliest(tier):
            c.fail(
                "immediate.phone.within_minutes",
                f"{minutes(phone.within)} is later than the shortest clock of "
                f"tiers[{i}] ({minutes(_earliest(tier))}); reporting immediately must never be slower",
            )
    return ImmediateRule(flags, phone)


def _followup(c: Checker, value: object) -> FollowupRule:
    data = c.mapping(value, "followup", ("id", "interval_minutes", "met_by"))
    raw = data["interval_minutes"]
    if not isinstance(raw, Mapping):
        c.fail("followup.interval_minutes", f"must be a mapping of grade to minutes, got {show(raw)}")
    intervals: dict[Grade | None, timedelta] = {}
    for key, value in raw.items():
        path = f"followup.interval_minutes.{'null' if key is None else key}"
        intervals[c.grade(key, path)] = c.minutes(value, path)
    for grade in _ALL_GRADES:
        if grade not in intervals:
            c.fail(f"followup.interval_minutes.{'null' if grade is None else grade}", "required key is missing")
    return FollowupRule(
        id=c.text(data["id"], "followup.id", ID),
        interval=MappingProxyType(intervals),
        met_by=c.members(ReportKind, data["met_by"], "followup.met_by", allow_empty=False),
    )


def _subtypes(c: Checker, value: object) -> Mapping[Category, Mapping[str, str]]:
    if not isinstance(value, Mapping):
        c.fail("subtypes", f"must be a mapping of category to subtypes, got {show(value)}")
    out: dict[Category, Mapping[str, str]] = {category: MappingProxyType({}) for category in Category}
    for key, codes in value.items():
        category = c.member(Category, key, f"subtypes.{key}")
        if not isinstance(codes, Mapping):
            c.fail(f"subtypes.{key}", f"must be a mapping of code to Chinese label, got {show(codes)}")
        labels = {
            c.text(code, f"subtypes.{key}.{code}", _CODE): c.text(label, f"subtypes.{key}.{code}")
            for code, label in codes.items()
        }
        out[category] = MappingProxyType(labels)
    return MappingProxyType(out)


def _grading(c: Checker, value: object, subtypes: Mapping[Category, Mapping[str, str]]) -> tuple[GradingTable, ...]:
    tables: list[GradingTable] = []
    for i, raw in enumerate(c.items(value, "grading")):
        path = f"grading[{i}]"
        data = c.mapping(raw, path, ("id", "title", "source", "categories", "subtypes", "effective_from", "criteria"))
        categories = c.members(Category, data["categories"], f"{path}.categories", allow_empty=False)
        known = {code for category in categories for code in subtypes[category]}
        codes = c.unique(
            c.items(data["subtypes"], f"{path}.subtypes"),
            f"{path}.subtypes",
            lambda raw_code, p: c.text(raw_code, p, _CODE),
        )
        for k, code in enumerate(codes):
            if code not in known:
                c.fail(f"{path}.subtypes[{k}]", f"{code!r} is not a subtype of {', '.join(sorted(categories))}")
        criteria: list[GradingCriterion] = []
        for k, raw_criterion in enumerate(c.items(data["criteria"], f"{path}.criteria", allow_empty=False)):
            criterion = _criterion(c, raw_criterion, f"{path}.criteria[{k}]")
            if any(other.id == criterion.id for other in criteria):
                c.fail(f"{path}.criteria[{k}].id", f"duplicate criterion id {criterion.id!r}")
            criteria.append(criterion)
        table = GradingTable(
            id=c.text(data["id"], f"{path}.id", ID),
            title=c.text(data["title"], f"{path}.title"),
            source=c.text(data["source"], f"{path}.source"),
            categories=categories,
            subtypes=frozenset(codes),
            effective_from=c.day(data["effective_from"], f"{path}.effective_from"),
            criteria=tuple(criteria),
        )
        for j, other in enumerate(tables):
            if other.id == table.id:
                c.fail(f"{path}.id", f"duplicate table id {table.id!r}")
            same_scope = bool(other.subtypes & table.subtypes) or (not other.subtypes and not table.subtypes)
            if other.categories & table.categories and same_scope and other.effective_from == table.effective_from:
                c.fail(
                    path,
                    f"covers the same incidents from the same date as grading[{j}] ({other.id}); "
                    "the suggestion would be ambiguous",
                )
        tables.append(table)
    return tuple(tables)


def _criterion(c: Checker, value: object, path: str) -> GradingCriterion:
    data = c.mapping(value, path, ("id", "label", "fields", "thresholds"), ("unit",))
    names = c.unique(
        c.items(data["fields"], f"{path}.fields", allow_empty=False),
        f"{path}.fields",
        lambda raw, p: c.text(raw, p),
    )
    for k, name in enumerate(names):
        if name not in FIGURE_FIELDS:
            c.fail(f"{path}.fields[{k}]", f"unknown figure {name!r} (known: {', '.join(FIGURE_FIELDS)})")
    raw = data["thresholds"]
    if not isinstance(raw, Mapping) or not raw:
        c.fail(
            f"{path}.thresholds",
            f"must be a non-empty mapping of grade (I, II, III) to minimum, got {show(raw)}",
        )
    thresholds: dict[Grade, int] = {}
    for key, minimum in raw.items():
        grade = c.grade(key, f"{path}.thresholds.{key}")
        if grade is None or grade == Grade.IV:
            c.fail(f"{path}.thresholds.{key}", "only I, II and III have minimums; below the lowest one is IV")
        thresholds[grade] = c.positive(minimum, f"{path}.thresholds.{key}")
    ordered = [g for g in (Grade.I, Grade.II, Grade.III) if g in thresholds]
    for severe, milder in pairwise(ordered):
        if thresholds[severe] <= thresholds[milder]:
            c.fail(
                f"{path}.thresholds.{severe}",
                f"must be greater than the {milder} minimum ({thresholds[milder]}), got {thresholds[severe]}",
            )
    unit = c.text(data["unit"], f"{path}.unit") if "unit" in data else ""
    return GradingCriterion(
        c.text(data["id"], f"{path}.id", ID),
        c.text(data["label"], f"{path}.label"),
        tuple(names),
        MappingProxyType(thresholds),
        unit,
    )


_UNIT_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _unit_codes(c: Checker, value: object, path: str) -> tuple[str, ...]:
    codes = c.items(value, path, allow_empty=False)
    return tuple(c.unique(codes, path, lambda raw, p: c.text(raw, p, _UNIT_CODE)))


def _leads(c: Checker, value: object) -> LeadRule:
    """``leads``: the verification clock and the verifier units per lead channel (unit codes are checked
    against the database at start-up by the leads app, since the rules core knows no units)."""
    data = c.mapping(value, "leads", ("verification", "verifiers", "default"), ("watch",))
    clock = c.clock(data["verification"], "leads.verification", ObligationKind.LEAD_VERIFICATION)
    raw = c.mapping(data["verifiers"], "leads.verifiers", (), tuple(ch.value for ch in LeadChannel))
    verifiers = {
        LeadChannel(channel): _unit_codes(c, codes, f"leads.verifiers.{channel}") for channel, codes in raw.items()
    }
    default = _unit_codes(c, data["default"], "leads.default")
    watch = _watch(c, data["watch"]) if "watch" in data else None
    return LeadRule(verification=clock, verifiers=MappingProxyType(verifiers), default=default, watch=watch)


def _watch(c: Checker, value: object) -> WatchRule:
    """``leads.watch``: the burst detector's window, baseline, floor, threshold and cooldown."""
    keys = ("window_minutes", "baseline_windows", "min_items", "z", "cooldown_minutes", "hot_words")
    data = c.mapping(value, "leads.watch", keys)
    return WatchRule(
        window=c.minutes(data["window_minutes"], "leads.watch.window_minutes"),
        baseline_windows=c.positive(data["baseline_windows"], "leads.watch.baseline_windows"),
        min_items=c.positive(data["min_items"], "leads.watch.min_items"),
        z=c.number(data["z"], "leads.watch.z"),
        cooldown=c.minutes(data["cooldown_minutes"], "leads.watch.cooldown_minutes"),
        hot_words=c.positive(data["hot_words"], "leads.watch.hot_words"),
    )


def _check_clock_ids(c: Checker, rulebook: Rulebook) -> None:
    seen: dict[str, str] = {}
    located = [
        (f"tiers[{i}].clocks[{k}].id", clock)
        for i, tier in enumerate(rulebook.tiers)
        for k, clock in enumerate(tier.clocks)
    ]
    located += [
        ("immediate.phone.id", rulebook.immediate.phone),
        ("final_report.id", rulebook.final_report),
        ("verification_reply.id", rulebook.verification_reply),
        ("receipt.id", rulebook.receipt),
    ]
    if rulebook.leads is not None:
        located.append(("leads.verification.id", rulebook.leads.verification))
    ids = [(path, clock.id) for path, clock in located] + [("followup.id", rulebook.followup.id)]
    for path, rule_id in ids:
        if rule_id in seen:
            c.fail(path, f"duplicate rule id {rule_id!r} (also at {seen[rule_id]})")
        seen[rule_id] = path


def _check_met_by_agrees(c: Checker, rulebook: Rulebook) -> None:
    """``report_meets`` answers per obligation kind, so a kind must be met the same way in every tier."""
    first: dict[ObligationKind, tuple[str, frozenset[ReportKind]]] = {}
    located = [
        (f"tiers[{i}].clocks[{k}].met_by", clock)
        for i, tier in enumerate(rulebook.tiers)
        for k, clock in enumerate(tier.clocks)
    ] + [("immediate.phone.met_by", rulebook.immediate.phone)]
    for path, clock in located:
        if clock.kind in first and first[clock.kind][1] != clock.met_by:
            c.fail(
                path,
                f"must equal {first[clock.kind][0]} ({kinds(first[clock.kind][1])}): a {clock.kind} "
                f"obligation is met the same way whatever the tier, got {kinds(clock.met_by)}",
            )
        first.setdefault(clock.kind, (path, clock.met_by))


def _earliest(tier: GradeTier) -> timedelta:
    return min(clock.within for clock in tier.clocks)
