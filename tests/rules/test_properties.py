"""Hypothesis properties of the clocks: the promises every table row above is an instance of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from dutyroom.rules import (
    Grade,
    ObligationKind,
    ObligationState,
    PlannedClock,
    Severity,
    escalation_clocks,
    evaluate,
    grade_severity,
    initial_clocks,
)

from . import TAICANG, learned_anchored

LEARNED = learned_anchored()
ZONES = [UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]

moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)
offsets = st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3))
grades = st.sampled_from([Grade.I, Grade.II, Grade.III, Grade.IV, None])
severities = st.builds(Severity, grades, st.booleans(), st.booleans(), st.booleans())


def plus(moment: datetime, delta: timedelta) -> datetime:
    """Elapsed-time addition. Plain ``+`` on a zoned datetime is wall-clock arithmetic and drops ``fold``,
    which lands an hour off around a daylight-saving change (hypothesis found exactly that)."""
    return (moment.astimezone(UTC) + delta).astimezone(moment.tzinfo)


def _earliest(planned: list[PlannedClock]) -> datetime:
    return min(p.due_at.astimezone(UTC) for p in planned)  # instants, never wall clocks


def _written(planned: list[PlannedClock]) -> datetime:
    kinds = {p.kind: p.due_at.astimezone(UTC) for p in planned}
    return kinds.get(ObligationKind.WRITTEN_REPORT) or kinds[ObligationKind.FIRST_REPORT]


def _at_least_as_severe(a: Severity, b: Severity) -> bool:
    return grade_severity(a.grade) >= grade_severity(b.grade) and a.flags >= b.flags


@given(due=moments, early=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)), later=offsets)
def test_a_report_received_at_or_before_the_due_time_is_never_late(
    due: datetime, early: timedelta, later: timedelta
) -> None:
    received = plus(due, -early)
    result = evaluate(due, received, plus(received, abs(later)))
    assert (result.state, result.late_by_seconds) == (ObligationState.MET, 0)


@given(
    due=moments,
    delay=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3)),
    zone=st.sampled_from(ZONES),
)
def test_late_by_is_received_minus_due_in_whole_seconds(due: datetime, delay: timedelta, zone: ZoneInfo) -> None:
    received = plus(due, delay).astimezone(zone)  # the receiving clock may speak another zone
    result = evaluate(due, received, received)
    assert result.state == ObligationState.LATE
    elapsed = received.astimezone(UTC) - due.astimezone(UTC)
    assert result.late_by_seconds == elapsed.days * 86_400 + elapsed.seconds  # microseconds dropped: floor


@given(due=moments, offset=offsets)
def test_without_a_report_a_clock_is_pending_before_and_overdue_from_the_due_instant(
    due: datetime, offset: timedelta
) -> None:
    result = evaluate(due, None, plus(due, offset))
    if offset < timedelta(0):
        assert (result.state, result.late_by_seconds) == (ObligationState.PENDING, None)
    else:
        assert result.state == ObligationState.OVERDUE
        assert result.late_by_seconds == offset.days * 86_400 + offset.seconds


@given(a=severities, b=severities, occurred=moments)
def test_a_more_severe_incident_never_gets_a_later_deadline(a: Severity, b: Severity, occurred: datetime) -> None:
    if not _at_least_as_severe(a, b):
        a, b = b, a
    if not _at_least_as_severe(a, b):
        return  # incomparable (e.g. a higher grade but fewer flags)
    severe, mild = initial_clocks(TAICANG, a, occurred), initial_clocks(TAICANG, b, occurred)
    assert _earliest(severe) <= _earliest(mild)
    assert _written(severe) <= _written(mild)


@given(
    before=severities,
    after=severities,
    occurred=moments,
    elapsed=st.timedeltas(timedelta(0), timedelta(days=5)),
)
def test_raising_severity_never_creates_a_clock_due_before_the_regrade(
    before: Severity, after: Severity, occurred: datetime, elapsed: timedelta
) -> None:
    at = plus(occurred, elapsed)
    initial = initial_clocks(TAICANG, before, occurred)
    created = escalation_clocks(TAICANG, before, after, at)
    instant = at.astimezone(UTC)
    assert all(p.anchor_at.astimezone(UTC) == instant and p.due_at.astimezone(UTC) > instant for p in created)
    # New clocks are new rows: they can never overwrite an initial clock's key.
    assert not {p.key for p in created} & {p.key for p in initial}
    if grade_severity(after.grade) < grade_severity(before.grade) and after.flags <= before.flags:
        assert created == []


@given(
    before=severities,
    after=severities,
    occurred=moments,
    met_after=st.timedeltas(timedelta(0), timedelta(hours=2)),
    regrade_after=st.timedeltas(timedelta(0), timedelta(days=2)),
)
def test_regrading_leaves_an_already_met_clock_as_it_was(
    before: Severity, after: Severity, occurred: datetime, met_after: timedelta, regrade_after: timedelta
) -> None:
    [first, *_] = initial_clocks(TAICANG, before, occurred)
    met_at = plus(occurred, met_after)
    at = plus(met_at, regrade_after)
    judged = evaluate(first.due_at, met_at, met_at)
    escalation_clocks(TAICANG, before, after, at)
    assert evaluate(first.due_at, met_at, plus(at, timedelta(days=30))) == judged


@given(severity=severities, occurred=moments, learned_after=st.timedeltas(timedelta(0), timedelta(days=2)))
def test_a_learned_anchored_rulebook_is_never_due_before_the_unit_learned(
    severity: Severity, occurred: datetime, learned_after: timedelta
) -> None:
    learned = plus(occurred, learned_after)
    for planned in initial_clocks(LEARNED, severity, occurred, learned):
        # compare instants: Python compares two datetimes of one zone by wall clock, which a DST fold confuses
        assert planned.due_at.astimezone(UTC) > learned.astimezone(UTC)
        assert planned.anchor_at.astimezone(UTC) == learned.astimezone(UTC)


@given(severity=severities, occurred=moments)
def test_every_deadline_is_its_rule_in_elapsed_time_whatever_the_zone(severity: Severity, occurred: datetime) -> None:
    for planned in initial_clocks(TAICANG, severity, occurred):
        rule = TAICANG.clock(planned.rule.split("/", 1)[1])
        assert planned.due_at.astimezone(UTC) - occurred.astimezone(UTC) == rule.within
        assert planned.due_at.tzinfo is occurred.tzinfo
