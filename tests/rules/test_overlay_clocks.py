"""Local rules (改进办法) on the clocks beyond the first report: follow-ups, receipts, verification replies, finals.

A town may hold the clocks owed to its own duty room to shorter limits than the city's: a follow-up every hour, a
receipt within three minutes. Each is capped by the limit in force (inherited through every level, the version in
force at the incident's opening, passed in as a time) and never moved later than the rulebook's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dutyroom.rules import (
    Grade,
    ObligationKind,
    PlannedClock,
    final_report_due,
    followup_due,
    receipt_due,
    verification_reply_due,
)
from dutyroom.rules.overlay import Overlay, followup_clock, in_force, overlays_at, tighten_one
from tests.rules import T0, TAICANG, minutes

RB = TAICANG


def overlay(unit: str, version: int = 1, set_at: datetime = T0, **within: int) -> Overlay:
    return Overlay(unit=unit, version=version, within_minutes=dict(within), set_at=set_at)


def single(clock_id: str, kind: ObligationKind, due_at: datetime, anchor_at: datetime) -> PlannedClock:
    return PlannedClock(key=clock_id, kind=kind, due_at=due_at, rule=f"{RB.ref}/{clock_id}", anchor_at=anchor_at)


def test_a_towns_followup_limit_caps_the_interval_of_every_grade_that_is_longer() -> None:
    limits = in_force(RB, [overlay("shaxi", followup=60)])
    for grade in (None, Grade.IV, Grade.III, Grade.II, Grade.I):
        clock = followup_clock(RB, grade, T0, "followup:1", limits)
        assert clock.due_at - T0 == minutes(60), grade
        assert clock.rule == f"{RB.ref}/followup+shaxi" and clock.kind == ObligationKind.FOLLOWUP


def test_a_followup_limit_longer_than_a_grades_interval_leaves_that_grade_alone() -> None:
    limits = in_force(RB, [overlay("shaxi", followup=1000)])  # Ⅰ/Ⅱ run every 12 h, Ⅲ/Ⅳ every 24 h
    assert followup_clock(RB, Grade.I, T0, "followup:1", limits).due_at - T0 == minutes(720)
    assert followup_clock(RB, Grade.I, T0, "followup:1", limits).rule == f"{RB.ref}/followup"
    assert followup_clock(RB, Grade.IV, T0, "followup:1", limits).due_at - T0 == minutes(1000)


def test_without_an_overlay_the_followup_is_the_rulebooks() -> None:
    for grade in (None, Grade.IV, Grade.I):
        clock = followup_clock(RB, grade, T0, "followup:2", {})
        assert clock.due_at == followup_due(RB, grade, T0) and clock.rule == f"{RB.ref}/followup"


def test_receipt_verification_and_final_limits_pull_their_clocks_in() -> None:
    limits = in_force(RB, [overlay("shaxi", receipt=3, verification=15, final=120)])
    at = T0 + minutes(90)
    receipt = tighten_one(RB, single("receipt", ObligationKind.RECEIPT, receipt_due(RB, at), at), limits)
    reply = tighten_one(
        RB, single("verification", ObligationKind.VERIFICATION_REPLY, verification_reply_due(RB, at), at), limits
    )
    final = tighten_one(RB, single("final", ObligationKind.FINAL_REPORT, final_report_due(RB, at), at), limits)
    assert (receipt.due_at - at, receipt.rule) == (minutes(3), f"{RB.ref}/receipt+shaxi")
    assert (reply.due_at - at, reply.rule) == (minutes(15), f"{RB.ref}/verification+shaxi")
    assert (final.due_at - at, final.rule) == (minutes(120), f"{RB.ref}/final+shaxi")


def test_inherited_through_three_levels_the_tightest_wins_and_names_its_level() -> None:
    chain = [overlay("zone", followup=600, receipt=4), overlay("town", followup=120), overlay("village", receipt=2)]
    limits = in_force(RB, chain)
    assert followup_clock(RB, None, T0, "followup:1", limits).rule == f"{RB.ref}/followup+town"
    receipt = tighten_one(RB, single("receipt", ObligationKind.RECEIPT, receipt_due(RB, T0), T0), limits)
    assert (receipt.due_at - T0, receipt.rule) == (minutes(2), f"{RB.ref}/receipt+village")


def test_the_version_in_force_at_the_opening_judges_every_later_clock() -> None:
    """An incident opened under version 1 keeps its hourly follow-ups after the town moves to half-hourly."""
    versions = [
        overlay("shaxi", 1, T0 - timedelta(days=1), followup=60),
        overlay("shaxi", 2, T0 + minutes(30), followup=30),
    ]
    opened, later_basis = T0, T0 + minutes(120)
    under_opening = in_force(RB, overlays_at(versions, opened))
    assert followup_clock(RB, None, later_basis, "followup:3", under_opening).due_at - later_basis == minutes(60)
    opened_after = in_force(RB, overlays_at(versions, T0 + minutes(31)))
    assert followup_clock(RB, None, later_basis, "followup:1", opened_after).due_at - later_basis == minutes(30)


@settings(max_examples=200, deadline=None)
@given(
    grade=st.sampled_from([None, Grade.IV, Grade.III, Grade.II, Grade.I]),
    chain=st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                "followup": st.integers(-5, 3000),
                "receipt": st.integers(-5, 20),
                "verification": st.integers(-5, 90),
                "final": st.integers(-5, 3000),
            },
        ),
        max_size=4,
    ),
    basis_minutes=st.integers(0, 60 * 24 * 400),
)
def test_no_overlay_moves_a_followup_receipt_reply_or_final_later_than_the_rulebook(
    grade: Grade | None, chain: list[dict[str, int]], basis_minutes: int
) -> None:
    limits = in_force(RB, [overlay(f"level{n}", **within) for n, within in enumerate(chain)])
    at = T0 + minutes(basis_minutes)
    assert followup_clock(RB, grade, at, "followup:1", limits).due_at <= followup_due(RB, grade, at)
    for clock_id, kind, due in (
        ("receipt", ObligationKind.RECEIPT, receipt_due(RB, at)),
        ("verification", ObligationKind.VERIFICATION_REPLY, verification_reply_due(RB, at)),
        ("final", ObligationKind.FINAL_REPORT, final_report_due(RB, at)),
    ):
        assert at < tighten_one(RB, single(clock_id, kind, due, at), limits).due_at <= due
