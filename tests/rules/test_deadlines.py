"""domain.md §3, row by row: every reporting deadline of the taicang-2017 rulebook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dutyroom.rules import (
    Flag,
    Grade,
    ObligationKind,
    ObligationState,
    PlannedClock,
    ReportKind,
    Rulebook,
    Severity,
    escalation_clocks,
    evaluate,
    final_report_due,
    followup_due,
    followup_interval,
    initial_clocks,
    receipt_due,
    report_meets,
    verification_reply_due,
)

from . import T0, learned_anchored, minutes

FIRST = ObligationKind.FIRST_REPORT
PHONE = ObligationKind.PHONE_REPORT
WRITTEN = ObligationKind.WRITTEN_REPORT
GRADES: list[Grade | None] = [Grade.I, Grade.II, Grade.III, Grade.IV, None]


def shape(planned: list[PlannedClock], anchor: datetime) -> list[tuple[str, ObligationKind, timedelta, str]]:
    """(key, kind, offset from anchor, rule) for each planned clock: what the table rows state."""
    return [(p.key, p.kind, p.due_at - anchor, p.rule) for p in planned]


def _name(grade: Grade | None) -> str:
    return "ungraded" if grade is None else f"grade {grade}"


# --- first report / phone + written by grade ------------------------------------------------------------

GRADE_ROWS = [
    pytest.param(
        Grade.IV,
        [("initial:first_report", FIRST, minutes(45), "taicang-2017@2/general.first")],
        id="grade IV owes a first report 45 minutes after occurrence",
    ),
    pytest.param(
        Grade.III,
        [("initial:first_report", FIRST, minutes(45), "taicang-2017@2/general.first")],
        id="grade III owes a first report 45 minutes after occurrence",
    ),
    pytest.param(
        None,
        [("initial:first_report", FIRST, minutes(45), "taicang-2017@2/general.first")],
        id="an ungraded incident owes a first report 45 minutes after occurrence",
    ),
    pytest.param(
        Grade.II,
        [
            ("initial:phone_report", PHONE, minutes(15), "taicang-2017@2/major.phone"),
            ("initial:written_report", WRITTEN, minutes(30), "taicang-2017@2/major.written"),
        ],
        id="grade II owes a phone report in 15 minutes and a written one in 30",
    ),
    pytest.param(
        Grade.I,
        [
            ("initial:phone_report", PHONE, minutes(15), "taicang-2017@2/major.phone"),
            ("initial:written_report", WRITTEN, minutes(30), "taicang-2017@2/major.written"),
        ],
        id="grade I owes a phone report in 15 minutes and a written one in 30",
    ),
]


@pytest.mark.parametrize(("grade", "expected"), GRADE_ROWS)
def test_initial_clocks_by_grade(rb: Rulebook, grade: Grade | None, expected: list[Any]) -> None:
    planned = initial_clocks(rb, Severity(grade), T0)
    assert shape(planned, T0) == expected
    assert all(p.anchor_at == T0 for p in planned)


IMMEDIATE_ROWS = [
    pytest.param(
        grade,
        flag,
        minutes(30) if grade in (Grade.I, Grade.II) else minutes(45),
        "major" if grade in (Grade.I, Grade.II) else "general",
        id=f"{_name(grade)} flagged {flag} phones within 15 minutes and writes by the grade's limit",
    )
    for grade in GRADES
    for flag in Flag
]


@pytest.mark.parametrize(("grade", "flag", "written_within", "tier"), IMMEDIATE_ROWS)
def test_flagged_incidents_take_the_immediate_path(
    rb: Rulebook, grade: Grade | None, flag: Flag, written_within: timedelta, tier: str
) -> None:
    severity = Severity(grade, **{flag.value: True})
    assert severity.immediate and severity.flags == {flag}
    assert shape(initial_clocks(rb, severity, T0), T0) == [
        ("initial:phone_report", PHONE, minutes(15), "taicang-2017@2/immediate.phone"),
        ("initial:written_report", WRITTEN, written_within, f"taicang-2017@2/immediate.written@tier-{tier}"),
    ]


# --- re-grading ------------------------------------------------------------------------------------------

REGRADE_AT = T0 + timedelta(hours=3, minutes=7)
MAJOR = [(PHONE, minutes(15), "major.phone"), (WRITTEN, minutes(30), "major.written")]
IMMEDIATE_GENERAL = [
    (PHONE, minutes(15), "immediate.phone"),
    (WRITTEN, minutes(45), "immediate.written@tier-general"),
]
IMMEDIATE_MAJOR = [
    (PHONE, minutes(15), "immediate.phone"),
    (WRITTEN, minutes(30), "immediate.written@tier-major"),
]

REGRADE_ROWS = [
    pytest.param(Severity(Grade.IV), Severity(Grade.II), MAJOR, id="IV raised to II owes II's clocks from the regrade"),
    pytest.param(Severity(Grade.IV), Severity(Grade.I), MAJOR, id="IV raised to I owes I's clocks from the regrade"),
    pytest.param(
        Severity(Grade.III),
        Severity(Grade.II),
        MAJOR,
        id="III raised to II owes II's clocks from the regrade",
    ),
    pytest.param(Severity(None), Severity(Grade.I), MAJOR, id="ungraded graded I owes I's clocks from the regrade"),
    pytest.param(
        Severity(Grade.IV),
        Severity(Grade.IV, sensitive=True),
        IMMEDIATE_GENERAL,
        id="IV marked sensitive owes an immediate phone report from the regrade",
    ),
    pytest.param(
        Severity(None),
        Severity(None, hotspot=True),
        IMMEDIATE_GENERAL,
        id="ungraded marked hotspot owes an immediate phone report from the regrade",
    ),
    pytest.param(
        Severity(Grade.III),
        Severity(Grade.III, may_escalate=True),
        IMMEDIATE_GENERAL,
        id="III marked may-escalate owes an immediate phone report from the regrade",
    ),
    pytest.param(
        Severity(Grade.IV, sensitive=True),
        Severity(Grade.II),
        MAJOR,
        id="sensitive IV raised to II owes the shorter written limit from the regrade",
    ),
    pytest.param(
        Severity(Grade.IV),
        Severity(Grade.II, hotspot=True),
        IMMEDIATE_MAJOR,
        id="IV raised to hotspot II owes the immediate major clocks from the regrade",
    ),
    pytest.param(Severity(Grade.II), Severity(Grade.IV), [], id="II lowered to IV creates nothing"),
    pytest.param(Severity(Grade.I), Severity(Grade.III), [], id="I lowered to III creates nothing"),
    pytest.param(Severity(Grade.II), Severity(None), [], id="II made ungraded creates nothing"),
    pytest.param(Severity(Grade.IV, sensitive=True), Severity(Grade.IV), [], id="clearing a flag creates nothing"),
    pytest.param(Severity(Grade.IV), Severity(Grade.III), [], id="IV raised to III in the same tier creates nothing"),
    pytest.param(Severity(None), Severity(Grade.IV), [], id="ungraded graded IV in the same tier creates nothing"),
    pytest.param(Severity(Grade.II), Severity(Grade.I), [], id="II raised to I in the same tier creates nothing"),
    pytest.param(
        Severity(Grade.II),
        Severity(Grade.II, sensitive=True),
        [],
        id="flagging a II incident creates nothing because its clocks are already as short",
    ),
    pytest.param(
        Severity(Grade.IV, sensitive=True),
        Severity(Grade.III, hotspot=True),
        [],
        id="swapping one flag for another in the same tier creates nothing",
    ),
]


@pytest.mark.parametrize(("before", "after", "expected"), REGRADE_ROWS)
def test_regrading(rb: Rulebook, before: Severity, after: Severity, expected: list[Any]) -> None:
    planned = escalation_clocks(rb, before, after, REGRADE_AT)
    prefix = f"escalation@{REGRADE_AT.isoformat()}"
    assert shape(planned, REGRADE_AT) == [
        (f"{prefix}:{kind.value}", kind, within, f"taicang-2017@2/{rule}") for kind, within, rule in expected
    ]
    assert all(p.anchor_at == REGRADE_AT for p in planned)


def test_correcting_the_occurrence_time_recomputes_every_initial_clock(rb: Rulebook) -> None:
    claimed, actual = T0 + minutes(30), T0
    report_at = T0 + minutes(60)
    before = initial_clocks(rb, Severity(Grade.IV), claimed)
    after = initial_clocks(rb, Severity(Grade.IV), actual)
    assert [p.key for p in before] == [p.key for p in after]
    assert evaluate(before[0].due_at, report_at, report_at).state == ObligationState.MET
    result = evaluate(after[0].due_at, report_at, report_at)
    assert (result.state, result.late_by_seconds) == (ObligationState.LATE, 15 * 60)


# --- anchor ----------------------------------------------------------------------------------------------

ANCHOR_ROWS = [
    pytest.param(
        "taicang",
        T0 + minutes(50),
        T0 + minutes(45),
        id="taicang counts from occurrence even when the unit learned later",
    ),
    pytest.param(
        "learned",
        T0 + minutes(50),
        T0 + minutes(95),
        id="a learned-anchored rulebook counts from when the unit learned",
    ),
    pytest.param(
        "learned",
        None,
        T0 + minutes(45),
        id="a learned-anchored rulebook falls back to occurrence when learning time is unknown",
    ),
]


@pytest.mark.parametrize(("book", "learned_at", "due"), ANCHOR_ROWS)
def test_clock_anchor(rb: Rulebook, book: str, learned_at: datetime | None, due: datetime) -> None:
    rulebook = rb if book == "taicang" else learned_anchored()
    [planned] = initial_clocks(rulebook, Severity(Grade.IV), T0, learned_at)
    assert planned.due_at == due
    assert planned.anchor_at == due - minutes(45)


# --- follow-up, final, verification, receipt -------------------------------------------------------------

FOLLOWUP_ROWS = [
    pytest.param(Grade.I, timedelta(hours=12), id="grade I follows up every 12 hours"),
    pytest.param(Grade.II, timedelta(hours=12), id="grade II follows up every 12 hours"),
    pytest.param(Grade.III, timedelta(hours=24), id="grade III follows up every 24 hours"),
    pytest.param(Grade.IV, timedelta(hours=24), id="grade IV follows up every 24 hours"),
    pytest.param(None, timedelta(hours=24), id="an ungraded incident follows up every 24 hours"),
]


@pytest.mark.parametrize(("grade", "interval"), FOLLOWUP_ROWS)
def test_followup_cadence(rb: Rulebook, grade: Grade | None, interval: timedelta) -> None:
    assert followup_interval(rb, grade) == interval
    assert followup_due(rb, grade, T0) == T0 + interval


def test_followup_accepts_the_stored_grade_string(rb: Rulebook) -> None:
    assert followup_interval(rb, "II") == timedelta(hours=12)  # type: ignore[arg-type]


def test_final_report_is_due_24_hours_after_the_incident_is_marked_handled(rb: Rulebook) -> None:
    assert final_report_due(rb, T0) == T0 + timedelta(hours=24)


def test_verification_reply_is_due_in_30_minutes_by_default(rb: Rulebook) -> None:
    assert verification_reply_due(rb, T0) == T0 + minutes(30)


@pytest.mark.parametrize("explicit", [minutes(10), timedelta(hours=2)], ids=["earlier", "later"])
def test_verification_reply_uses_the_requests_own_limit_when_given(rb: Rulebook, explicit: timedelta) -> None:
    assert verification_reply_due(rb, T0, T0 + explicit) == T0 + explicit


def test_receipt_must_be_confirmed_within_5_minutes_of_a_written_report(rb: Rulebook) -> None:
    assert receipt_due(rb, T0) == T0 + minutes(5)


# --- which report meets which obligation -----------------------------------------------------------------

MEETS_ROWS = [
    (ObligationKind.FIRST_REPORT, {ReportKind.PHONE, ReportKind.WRITTEN}),
    (ObligationKind.PHONE_REPORT, {ReportKind.PHONE, ReportKind.WRITTEN}),
    (ObligationKind.WRITTEN_REPORT, {ReportKind.WRITTEN}),
    (ObligationKind.FOLLOWUP, {ReportKind.FOLLOWUP}),
    (ObligationKind.FINAL_REPORT, {ReportKind.FINAL}),
    (ObligationKind.VERIFICATION_REPLY, {ReportKind.VERIFICATION_REPLY}),
    (ObligationKind.RECEIPT, set()),
]


@pytest.mark.parametrize(
    ("obligation", "report", "meets"),
    [
        pytest.param(o, r, r in ok, id=f"a {r} report {'meets' if r in ok else 'does not meet'} a {o} obligation")
        for o, ok in MEETS_ROWS
        for r in ReportKind
    ],
)
def test_report_meets(rb: Rulebook, obligation: ObligationKind, report: ReportKind, meets: bool) -> None:
    assert report_meets(rb, obligation, report) is meets


# --- evaluating a clock ----------------------------------------------------------------------------------

DUE = T0 + minutes(45)
EVALUATE_ROWS = [
    pytest.param(DUE - minutes(1), DUE + minutes(5), ObligationState.MET, 0, id="a report before the due time is met"),
    pytest.param(DUE, DUE, ObligationState.MET, 0, id="a report exactly at the due time is met"),
    pytest.param(
        DUE + timedelta(seconds=1),
        DUE + minutes(5),
        ObligationState.LATE,
        1,
        id="a report one second after the due time is late by one second",
    ),
    pytest.param(
        DUE + timedelta(seconds=90, milliseconds=999),
        DUE + minutes(5),
        ObligationState.LATE,
        90,
        id="lateness is floored to whole seconds",
    ),
    pytest.param(
        DUE + timedelta(microseconds=1),
        DUE + minutes(5),
        ObligationState.LATE,
        0,
        id="a report a microsecond late is late by zero whole seconds",
    ),
    pytest.param(
        None,
        DUE - timedelta(seconds=1),
        ObligationState.PENDING,
        None,
        id="no report one second before the due time is pending",
    ),
    pytest.param(None, DUE, ObligationState.OVERDUE, 0, id="no report at the due instant is overdue"),
    pytest.param(
        None,
        DUE + minutes(20),
        ObligationState.OVERDUE,
        1200,
        id="no report twenty minutes after the due time is overdue by 1200 seconds",
    ),
    pytest.param(
        DUE + minutes(10),
        DUE + minutes(5),
        ObligationState.LATE,
        600,
        id="a late report is judged by its own time, not by now",
    ),
]


@pytest.mark.parametrize(("met_at", "now", "state", "late_by"), EVALUATE_ROWS)
def test_evaluate(met_at: datetime | None, now: datetime, state: ObligationState, late_by: int | None) -> None:
    result = evaluate(DUE, met_at, now)
    assert (result.state, result.late_by_seconds) == (state, late_by)


def test_evaluate_compares_instants_not_wall_clocks_across_zones() -> None:
    due_utc = DUE.astimezone(UTC)
    met_in_new_york = DUE.astimezone(ZoneInfo("America/New_York")) + timedelta(seconds=30)
    assert evaluate(due_utc, met_in_new_york, met_in_new_york).late_by_seconds == 30


def test_deadlines_are_elapsed_time_across_a_daylight_saving_change(rb: Rulebook) -> None:
    new_york = ZoneInfo("America/New_York")
    handled = datetime(2024, 3, 9, 12, 0, tzinfo=new_york)  # clocks spring forward at 02:00 on 10 March
    due = final_report_due(rb, handled)
    assert due.astimezone(UTC) - handled.astimezone(UTC) == timedelta(hours=24)
    assert due.utcoffset() == timedelta(hours=-4)  # still expressed in the caller's zone


# --- refusing naive datetimes ----------------------------------------------------------------------------

NAIVE = datetime(2024, 5, 1, 9, 0)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda rb: initial_clocks(rb, Severity(Grade.IV), NAIVE), id="initial_clocks occurred_at"),
        pytest.param(lambda rb: initial_clocks(rb, Severity(Grade.IV), T0, NAIVE), id="initial_clocks learned_at"),
        pytest.param(
            lambda rb: escalation_clocks(rb, Severity(None), Severity(Grade.I), NAIVE),
            id="escalation_clocks at",
        ),
        pytest.param(lambda rb: followup_due(rb, Grade.I, NAIVE), id="followup_due"),
        pytest.param(lambda rb: final_report_due(rb, NAIVE), id="final_report_due"),
        pytest.param(lambda rb: verification_reply_due(rb, NAIVE), id="verification_reply_due requested_at"),
        pytest.param(lambda rb: verification_reply_due(rb, T0, NAIVE), id="verification_reply_due explicit due"),
        pytest.param(lambda rb: receipt_due(rb, NAIVE), id="receipt_due"),
        pytest.param(lambda rb: evaluate(NAIVE, None, T0), id="evaluate due_at"),
        pytest.param(lambda rb: evaluate(T0, NAIVE, T0), id="evaluate met_at"),
        pytest.param(lambda rb: evaluate(T0, None, NAIVE), id="evaluate now"),
    ],
)
def test_naive_datetimes_are_refused(rb: Rulebook, call: Callable[[Rulebook], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(rb)


# --- Severity --------------------------------------------------------------------------------------------


def test_severity_accepts_the_stored_grade_string_and_refuses_unknown_grades() -> None:
    assert Severity("II").grade is Grade.II  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Severity("V")  # type: ignore[arg-type]


def test_severity_without_flags_is_not_immediate() -> None:
    assert not Severity(Grade.I).immediate
    assert Severity(Grade.I).flags == frozenset()
    assert Severity(None, True, True, True).flags == frozenset(Flag)
