"""Assessment scoring (domain.md §7): table tests for every default and hypothesis properties of the ledger."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from dutyroom.rules import RulebookError, default_directory
from dutyroom.rules.periods import PeriodKind, WorkCalendar, parse_period, working_day_deadline
from dutyroom.rules.scoring import (
    Fact,
    ledger,
    median,
    obligation_fact,
    on_time_rate,
    period_closes_at,
    rank_within_groups,
    score_from_counts,
)
from dutyroom.rules.scoring_book import FactKind, ScoringBook, load_scoring_book, parse_scoring_book
from tests.rules import SHANGHAI

BOOK = load_scoring_book("taicang-2017")
DATA: dict[str, Any] = yaml.safe_load((default_directory() / "taicang-2017.assessment.yaml").read_text("utf-8"))
NOV = parse_period("2026-11")
M = date(2026, 11, 1)


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("kind", "points"),
    [
        (FactKind.FIRST_REPORT_LATE, "-1"),  # 迟报 −1
        (FactKind.FINDING_FALSE, "-2"),  # 谎报 −2
        (FactKind.FINDING_OMITTED, "-3"),  # 漏报 −3
        (FactKind.FINDING_CONCEALED, "-4"),  # 瞒报 −4
        (FactKind.VERIFICATION_LATE, "-1"),
        (FactKind.VERIFICATION_MISSING, "-1"),
        (FactKind.FOLLOWUP_MISSING, "-0.5"),
        (FactKind.FINAL_MISSING, "-1"),
        (FactKind.ADOPTED_SUZHOU, "1"),
        (FactKind.ADOPTED_JIANGSU, "2"),
        (FactKind.ADOPTED_STATE_COUNCIL, "5"),
    ],
)
def test_each_default_of_domain_7_moves_the_score_by_its_points(kind: FactKind, points: str) -> None:
    result = ledger(BOOK, NOV, [Fact(kind, M, "x:1", "理由", incident=7, at=at(3))])
    assert result.score == Decimal(100) + Decimal(points)
    assert [(line.kind, line.delta, line.incident) for line in result.lines][1:] == [(kind.value, Decimal(points), 7)]
    assert result.lines[1].rule == f"taicang-2017.assessment@2017-10-01/{kind.value}"


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, "优秀"),
        (90, "优秀"),
        (89.5, "良好"),
        (75, "良好"),
        (74.5, "合格"),
        (60, "合格"),
        (59.5, "不合格"),
        (0, "不合格"),
    ],
)
def test_grade_bands_include_their_lower_bound(score: float, grade: str) -> None:
    assert BOOK.edition_for(M).grade_of(Decimal(str(score))).label == grade


def test_the_score_never_goes_below_the_floor_and_a_floor_line_explains_it() -> None:
    facts = [Fact(FactKind.FINDING_CONCEALED, M, f"finding:{i}", at=at(2)) for i in range(30)]  # −120
    result = ledger(BOOK, NOV, facts)
    assert result.score == 0
    assert result.lines[-1].kind == "floor" and result.lines[-1].delta == 20
    assert sum(line.delta for line in result.lines) == result.score


def test_zero_point_facts_leave_no_line_but_count_nothing() -> None:
    result = ledger(BOOK, NOV, [Fact(FactKind.FOLLOWUP_LATE, M, "obligation:1", at=at(2))])
    assert result.score == 100 and len(result.lines) == 1


def test_a_finding_upheld_after_the_period_closed_is_a_correction_in_that_period() -> None:
    closed = period_closes_at(BOOK, NOV)
    assert closed == datetime(2026, 12, 6, tzinfo=SHANGHAI)  # 5 days after the month ends
    late = Fact(FactKind.FINDING_OMITTED, M, "finding:1", at=closed + timedelta(days=10))
    timely = Fact(FactKind.FINDING_FALSE, M, "finding:2", at=at(20))
    lines = ledger(BOOK, NOV, [late, timely], closed).lines
    assert [(line.source, line.correction) for line in lines[1:]] == [("finding:2", False), ("finding:1", True)]


def test_a_waiver_after_close_shows_the_deduction_and_its_reversal() -> None:
    closed = period_closes_at(BOOK, NOV)
    waived = Fact(
        FactKind.FIRST_REPORT_MISSING, M, "obligation:1", "首报缺报", at=at(2), cancelled_at=closed + timedelta(days=1)
    )
    result = ledger(BOOK, NOV, [waived], closed)
    assert [(line.delta, line.correction) for line in result.lines[1:]] == [(-1, False), (1, True)]
    assert result.score == 100


def test_a_waiver_before_close_leaves_no_trace_in_the_score() -> None:
    closed = period_closes_at(BOOK, NOV)
    waived = Fact(FactKind.FIRST_REPORT_MISSING, M, "obligation:1", at=at(2), cancelled_at=at(3))
    assert ledger(BOOK, NOV, [waived], closed).lines[1:] == ()


def test_ties_share_a_rank_within_a_group_and_groups_rank_apart() -> None:
    rows = [
        ("a", "territorial", Decimal(99)),
        ("b", "territorial", Decimal(100)),
        ("c", "territorial", Decimal(99)),
        ("d", "territorial", Decimal(90)),
        ("x", "department", Decimal(80)),
    ]
    assert rank_within_groups(rows) == {"b": 1, "a": 2, "c": 2, "d": 4, "x": 1}


@pytest.mark.parametrize(
    ("text", "start", "end", "kind"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1), PeriodKind.MONTH),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1), PeriodKind.MONTH),
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1), PeriodKind.QUARTER),
        ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1), PeriodKind.QUARTER),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), PeriodKind.YEAR),
    ],
)
def test_periods_parse_to_local_calendar_bounds(text: str, start: date, end: date, kind: PeriodKind) -> None:
    period = parse_period(text)
    assert (period.start, period.end, period.kind, period.code) == (start, end, kind, text)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26-11", "2026/11", "", "2026-1"])
def test_malformed_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse_period(text)


def test_quarter_and_year_list_their_months() -> None:
    assert parse_period("2026-Q2").months == (date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1))
    assert len(parse_period("2026").months) == 12


def test_appeal_window_counts_working_days_skipping_weekends_and_holidays() -> None:
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    # Mon 30 Nov … Fri 4 Dec are the five working days; the window closes at midnight after Friday.
    assert working_day_deadline(friday, 5, BOOK.calendar, SHANGHAI) == datetime(2026, 12, 5, tzinfo=SHANGHAI)
    national_day = datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)
    # 1–7 Oct holidays (2, 5, 6, 7 listed; 3–4 a weekend), 8–9 Oct working, 10 Oct a 调休 Saturday, then 12, 13.
    assert working_day_deadline(national_day, 5, BOOK.calendar, SHANGHAI) == datetime(2026, 10, 14, tzinfo=SHANGHAI)


def test_a_calendar_without_holidays_is_monday_to_friday() -> None:
    assert WorkCalendar().add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_obligation_kinds_map_to_facts_and_receipts_are_not_scored() -> None:
    assert obligation_fact("phone_report", missing=False) == FactKind.FIRST_REPORT_LATE
    assert obligation_fact("written_report", missing=True) == FactKind.FIRST_REPORT_MISSING
    assert obligation_fact("followup", missing=True) == FactKind.FOLLOWUP_MISSING
    assert obligation_fact("receipt", missing=True) is None


def test_median_and_on_time_rate() -> None:
    assert median([]) is None and median([5]) == 5 and median([9, 1, 3]) == 3 and median([1, 2, 3, 10]) == 2.5
    assert on_time_rate(0, 0, 0) is None and on_time_rate(3, 1, 0) == 0.75


def edition_2027() -> dict[str, Any]:
    data = copy.deepcopy(DATA)
    newer = copy.deepcopy(data["editions"][0])
    newer["effective_from"] = date(2027, 1, 1)
    newer["points"]["first_report_late"] = -2
    data["editions"].append(newer)
    return data


def test_a_new_edition_applies_from_its_month_and_old_periods_keep_their_rules() -> None:
    book = parse_scoring_book(edition_2027(), "x.yaml")
    dec = parse_period("2026-12")
    jan = parse_period("2027-01")
    late_dec = Fact(FactKind.FIRST_REPORT_LATE, dec.start, "o:1", at=at(2))
    late_jan = Fact(FactKind.FIRST_REPORT_LATE, jan.start, "o:2", at=at(2))
    assert ledger(book, dec, [late_dec]).score == 99
    assert ledger(book, jan, [late_jan]).score == 98
    assert ledger(book, jan, [late_jan]).lines[1].rule.endswith("@2027-01-01/first_report_late")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["editions"][0].update(effective_from=date(2017, 10, 2)),
            r"editions\[0\].effective_from: must be the first",
        ),
        (lambda d: d["editions"][0]["points"].update(adopted_suzhou=-1), r"points.adopted_suzhou: must be ≥ 0"),
        (lambda d: d["editions"][0]["points"].update(finding_false=2), r"points.finding_false: must be ≤ 0"),
        (lambda d: d["editions"][0]["points"].pop("final_missing"), r"points.final_missing: required key"),
        (lambda d: d["editions"][0]["points"].update(bonus=1), r"points.bonus: unknown key"),
        (lambda d: d["editions"][0].update(floor=200), r"floor: floor 200 is above the base"),
        (lambda d: d["editions"][0]["grades"][1].update(min=95), r"grades\[1\].min: grade bands must be listed"),
        (lambda d: d.update(appeal_working_days=-1), r"appeal_working_days: must be a whole number"),
        (lambda d: d.update(holidays=["2026-02-30"]), r"holidays\[0\]: must be a date"),
    ],
)
def test_a_bad_assessment_rulebook_names_the_key_and_why(mutate: Any, message: str) -> None:
    data = copy.deepcopy(DATA)
    mutate(data)
    with pytest.raises(RulebookError, match=message):
        parse_scoring_book(data, "bad.assessment.yaml")


def test_editions_must_come_in_date_order() -> None:
    data = edition_2027()
    data["editions"].reverse()
    with pytest.raises(RulebookError, match=r"editions\[1\].effective_from: editions must be in order"):
        parse_scoring_book(data, "bad.yaml")


# --- properties -------------------------------------------------------------------------------------------

MONTHS = st.sampled_from([date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)])
FACTS = st.builds(
    Fact,
    kind=st.sampled_from(list(FactKind)),
    month=MONTHS,
    source=st.integers(1, 10_000).map(lambda i: f"x:{i}"),
    at=st.datetimes(min_value=datetime(2026, 10, 1), max_value=datetime(2027, 2, 1), timezones=st.just(SHANGHAI)),
)
Q4 = parse_period("2026-Q4")


def _book() -> ScoringBook:
    return BOOK


@given(st.lists(FACTS, max_size=60))
def test_ledger_lines_always_add_up_to_the_score(facts: list[Fact]) -> None:
    result = ledger(_book(), Q4, facts, period_closes_at(BOOK, Q4))
    assert sum(line.delta for line in result.lines) == result.score


@given(st.lists(FACTS, max_size=60))
def test_the_ledger_and_the_aggregate_counts_agree(facts: list[Fact]) -> None:
    counts = Counter((fact.month, fact.kind) for fact in facts)
    assert ledger(BOOK, Q4, facts).score == score_from_counts(BOOK, Q4, counts)


@given(st.lists(FACTS, max_size=60))
def test_a_score_is_never_below_the_floor_and_its_grade_is_its_band(facts: list[Fact]) -> None:
    result = ledger(BOOK, Q4, facts)
    assert result.score >= 0
    assert result.grade == BOOK.edition_for(Q4.start).grade_of(result.score)


@given(st.lists(FACTS, max_size=30), FACTS)
def test_one_more_deduction_never_raises_a_score(facts: list[Fact], extra: Fact) -> None:
    before = ledger(BOOK, Q4, facts).score
    after = ledger(BOOK, Q4, [*facts, extra]).score
    if BOOK.edition_for(extra.month).points[extra.kind] <= 0:
        assert after <= before
    else:
        assert after >= before


@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from(["territorial", "department"]), st.integers(0, 100).map(Decimal)),
        max_size=25,
        unique_by=lambda row: row[0],
    )
)
def test_ranks_start_at_one_and_a_higher_score_always_ranks_better(rows: list[tuple[int, str, Decimal]]) -> None:
    ranks = rank_within_groups(rows)
    for key, group, score in rows:
        assert ranks[key] >= 1
        for other, other_group, other_score in rows:
            if group == other_group and score > other_score:
                assert ranks[key] < ranks[other]
            if group == other_group and score == other_score:
                assert ranks[key] == ranks[other]
    if rows:
        for group in {row[1] for row in rows}:
            assert min(ranks[key] for key, g, _ in rows if g == group) == 1


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20), timezones=st.just(SHANGHAI)),
    st.integers(0, 15),
)
def test_an_appeal_window_is_never_shorter_than_its_working_days(raised: datetime, days: int) -> None:
    deadline = working_day_deadline(raised, days, BOOK.calendar, SHANGHAI)
    assert deadline > raised
    day = raised.astimezone(SHANGHAI).date()
    working = 0
    while day < deadline.date() - timedelta(days=1):
        day += timedelta(days=1)
        working += BOOK.calendar.is_working_day(day)
    assert working == days
