"""Local rules (改进办法) in the pure core: a level below the city may tighten a clock, never loosen it."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dutyroom.rules import Grade, ObligationKind, Severity, initial_clocks
from dutyroom.rules.overlay import Overlay, clock_limits, in_force, overlays_at, refusals, tighten
from tests.rules import T0, TAICANG

RB = TAICANG
LIMITS = clock_limits(RB)


def overlay(unit: str, version: int = 1, minutes_after: int = 0, **within: int) -> Overlay:
    return Overlay(
        unit=unit,
        version=version,
        within_minutes={k.replace("_", "."): v for k, v in within.items()},
        set_at=T0 + timedelta(minutes=minutes_after),
    )


def first_due(limits: dict, grade: Grade | None = None) -> timedelta:  # type: ignore[type-arg]
    planned = tighten(RB, initial_clocks(RB, Severity(grade), T0), limits)
    clock = next(c for c in planned if c.kind == ObligationKind.FIRST_REPORT)
    return clock.due_at - T0


def test_the_rulebook_limits_are_listed_by_clock_id() -> None:
    assert LIMITS["general.first"] == 45
    assert LIMITS["major.phone"] == 15 and LIMITS["major.written"] == 30
    assert LIMITS["final"] == 1440 and LIMITS["verification"] == 30 and LIMITS["receipt"] == 5


def test_a_town_tightens_its_villages_first_report_to_20_minutes() -> None:
    limits = in_force(RB, [overlay("shaxi", general_first=20)])
    assert limits["general.first"].minutes == 20 and limits["general.first"].set_by == "shaxi"
    assert limits["major.phone"].set_by == RB.ref  # untouched clocks keep the rulebook's value and name it
    assert first_due(limits) == timedelta(minutes=20)
    planned = tighten(RB, initial_clocks(RB, Severity(None), T0), limits)
    assert planned[0].rule == f"{RB.ref}/general.first+shaxi"  # the clock says which level made it


def test_a_looser_value_is_refused_naming_the_key_and_the_limit_above() -> None:
    wrong = refusals(RB, [overlay("shaxi", general_first=20)], {"general.first": 30, "final": 60})
    assert [(w.key, w.limit) for w in wrong] == [("within_minutes.general.first", 20)]
    wrong = refusals(RB, [], {"general.first": 46})
    assert [(w.key, w.limit) for w in wrong] == [("within_minutes.general.first", 45)]


def test_unknown_clock_ids_and_non_positive_values_are_refused() -> None:
    wrong = refusals(RB, [], {"no.such": 5, "receipt": 0, "final": True})
    assert sorted(w.key for w in wrong) == ["within_minutes.final", "within_minutes.no.such", "within_minutes.receipt"]


def test_inheritance_through_three_levels_keeps_the_tightest_and_who_set_it() -> None:
    chain = [
        overlay("zone", general_first=40, final=600),
        overlay("town", general_first=20),
        overlay("village", final=300),
    ]
    limits = in_force(RB, chain)
    assert (limits["general.first"].minutes, limits["general.first"].set_by) == (20, "town")
    assert (limits["final"].minutes, limits["final"].set_by) == (300, "village")
    # a lower level cannot loosen what a middle level set, even within the rulebook's limit
    assert [w.key for w in refusals(RB, chain[:2], {"general.first": 30})] == ["within_minutes.general.first"]
    # and a value written before a higher level tightened further is outvoted, never loosening
    stale = [overlay("town", general_first=30), overlay("village", general_first=40)]
    assert in_force(RB, stale)["general.first"].minutes == 30


def test_versions_an_incident_keeps_the_rules_in_force_when_it_was_opened() -> None:
    versions = [overlay("shaxi", 1, 0, general_first=30), overlay("shaxi", 2, 60, general_first=20)]
    assert overlays_at(versions, T0 + timedelta(minutes=30))[0].version == 1
    assert overlays_at(versions, T0 + timedelta(minutes=60))[0].version == 2
    assert overlays_at(versions, T0 - timedelta(minutes=1)) == []


def test_the_immediate_written_clock_follows_its_tier_written_limit() -> None:
    limits = in_force(RB, [overlay("shaxi", major_written=20)])
    planned = tighten(RB, initial_clocks(RB, Severity(Grade.II, sensitive=True), T0), limits)
    written = next(c for c in planned if c.kind == ObligationKind.WRITTEN_REPORT)
    assert written.due_at - T0 == timedelta(minutes=20)


clock_ids = st.sampled_from(sorted(LIMITS))
values = st.dictionaries(clock_ids, st.integers(min_value=-5, max_value=3000), max_size=6)


@settings(deadline=None)  # a shared machine: a slow example is no failure
@given(
    st.lists(values, min_size=0, max_size=4),
    st.sampled_from([Grade.I, Grade.II, Grade.III, Grade.IV, None]),
    st.booleans(),
)
def test_no_overlay_chain_yields_a_deadline_later_than_the_citys(
    chain_values: list[dict[str, int]],
    grade: Grade | None,
    flagged: bool,
) -> None:
    chain = [Overlay(unit=f"u{i}", version=1, within_minutes=v, set_at=T0) for i, v in enumerate(chain_values)]
    # whatever was stored, only the values refusals() lets through would be; but even unchecked ones never loosen
    limits = in_force(RB, chain)
    city = initial_clocks(RB, Severity(grade, sensitive=flagged), T0)
    local = tighten(RB, city, limits)
    assert [c.key for c in local] == [c.key for c in city]
    for mine, theirs in zip(local, city, strict=True):
        assert mine.due_at <= theirs.due_at
        assert mine.anchor_at == theirs.anchor_at
    for clock_id, limit in limits.items():
        assert 0 < limit.minutes <= LIMITS[clock_id] or limit.set_by == RB.ref
