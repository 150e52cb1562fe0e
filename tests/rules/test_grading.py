"""domain.md §2: suggested grade from figures, at every boundary of the statutory tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _pytest.mark import ParameterSet

from dutyroom.rules import Category, Figures, Grade, Rulebook, applicable_table, suggest_grade

from . import variant

ON = date(2024, 5, 1)
ACCIDENT = Category.ACCIDENT
P493 = "gb-493-production-safety"
ENV = "gb-2014-119-environment"


def row(
    figures: Figures, grade: Grade, criterion: str | None, sentence: str, subtype: str | None = None
) -> ParameterSet:
    return pytest.param(subtype, figures, grade, criterion, id=sentence)


PRODUCTION_SAFETY_ROWS = [
    row(Figures(), Grade.IV, None, "no casualties and no loss suggests IV"),
    row(Figures(deaths=2), Grade.IV, None, "2 deaths stays IV"),
    row(Figures(deaths=3), Grade.III, "deaths", "3 deaths reaches III"),
    row(Figures(deaths=9), Grade.III, "deaths", "9 deaths stays III"),
    row(Figures(deaths=10), Grade.II, "deaths", "10 deaths reaches II"),
    row(Figures(deaths=29), Grade.II, "deaths", "29 deaths stays II"),
    row(Figures(deaths=30), Grade.I, "deaths", "30 deaths reaches I"),
    row(Figures(deaths=2, missing=1), Grade.III, "deaths", "2 dead and 1 missing count as 3 deaths"),
    row(Figures(missing=10), Grade.II, "deaths", "10 missing alone count as 10 deaths"),
    row(Figures(trapped=50, injuries=500), Grade.IV, None, "trapped and minor injuries never grade"),
    row(Figures(serious_injuries=9), Grade.IV, None, "9 serious injuries stays IV"),
    row(Figures(serious_injuries=10), Grade.III, "serious_injuries", "10 serious injuries reach III"),
    row(Figures(serious_injuries=49), Grade.III, "serious_injuries", "49 serious injuries stay III"),
    row(Figures(serious_injuries=50), Grade.II, "serious_injuries", "50 serious injuries reach II"),
    row(Figures(serious_injuries=99), Grade.II, "serious_injuries", "99 serious injuries stay II"),
    row(Figures(serious_injuries=100), Grade.I, "serious_injuries", "100 serious injuries reach I"),
    row(Figures(direct_loss_cny=9_999_999), Grade.IV, None, "a loss of 9,999,999 yuan stays IV"),
    row(Figures(direct_loss_cny=10_000_000), Grade.III, "direct_loss", "a loss of 10,000,000 yuan reaches III"),
    row(Figures(direct_loss_cny=49_999_999), Grade.III, "direct_loss", "a loss of 49,999,999 yuan stays III"),
    row(Figures(direct_loss_cny=50_000_000), Grade.II, "direct_loss", "a loss of 50,000,000 yuan reaches II"),
    row(Figures(direct_loss_cny=99_999_999), Grade.II, "direct_loss", "a loss of 99,999,999 yuan stays II"),
    row(Figures(direct_loss_cny=100_000_000), Grade.I, "direct_loss", "a loss of 100,000,000 yuan reaches I"),
    row(
        Figures(deaths=3, direct_loss_cny=60_000_000),
        Grade.II,
        "direct_loss",
        "the highest grade reached by any criterion wins",
    ),
    row(
        Figures(deaths=1, serious_injuries=120, direct_loss_cny=20_000_000),
        Grade.I,
        "serious_injuries",
        "a single criterion at I outranks the others",
    ),
    row(
        Figures(deaths=10, serious_injuries=50),
        Grade.II,
        "deaths",
        "on a tie the first criterion in table order is named",
    ),
    row(Figures(evacuated=100_000), Grade.IV, None, "evacuation does not grade a production-safety accident"),
    row(Figures(deaths=12), Grade.II, "deaths", "fires use the production-safety numbers", subtype="fire"),
    row(
        Figures(deaths=3),
        Grade.III,
        "deaths",
        "an unknown subtype falls back to the category table",
        subtype="no_such_subtype",
    ),
]


@pytest.mark.parametrize(("subtype", "figures", "grade", "criterion"), PRODUCTION_SAFETY_ROWS)
def test_production_safety_grades(
    rb: Rulebook, subtype: str | None, figures: Figures, grade: Grade, criterion: str | None
) -> None:
    suggestion = suggest_grade(rb, ACCIDENT, subtype or "production_safety", figures, ON)
    assert (suggestion.grade, suggestion.table, suggestion.criterion) == (grade, P493, criterion)


ENVIRONMENT_ROWS = [
    row(Figures(evacuated=4_999), Grade.IV, None, "4,999 evacuated stays IV"),
    row(Figures(evacuated=5_000), Grade.III, "evacuated", "5,000 evacuated reach III"),
    row(Figures(evacuated=9_999), Grade.III, "evacuated", "9,999 evacuated stay III"),
    row(Figures(evacuated=10_000), Grade.II, "evacuated", "10,000 evacuated reach II"),
    row(Figures(evacuated=49_999), Grade.II, "evacuated", "49,999 evacuated stay II"),
    row(Figures(evacuated=50_000), Grade.I, "evacuated", "50,000 evacuated reach I"),
    row(Figures(deaths=3), Grade.III, "deaths", "3 deaths reach III in an environmental event"),
    row(
        Figures(deaths=29, missing=1),
        Grade.I,
        "deaths",
        "missing count with deaths in an environmental event",
    ),
    row(
        Figures(serious_injuries=50),
        Grade.II,
        "serious_injuries",
        "50 poisoned or seriously injured reach II",
    ),
    row(Figures(direct_loss_cny=4_999_999), Grade.IV, None, "an environmental loss of 4,999,999 yuan stays IV"),
    row(
        Figures(direct_loss_cny=5_000_000),
        Grade.III,
        "direct_loss",
        "an environmental loss of 5,000,000 yuan reaches III",
    ),
    row(
        Figures(direct_loss_cny=19_999_999),
        Grade.III,
        "direct_loss",
        "an environmental loss of 19,999,999 yuan stays III",
    ),
    row(
        Figures(direct_loss_cny=20_000_000),
        Grade.II,
        "direct_loss",
        "an environmental loss of 20,000,000 yuan reaches II",
    ),
    row(
        Figures(direct_loss_cny=100_000_000),
        Grade.I,
        "direct_loss",
        "an environmental loss of 100,000,000 yuan reaches I",
    ),
    row(Figures(deaths=3, evacuated=12_000), Grade.II, "evacuated", "evacuation outranks deaths when higher"),
]


@pytest.mark.parametrize(("subtype", "figures", "grade", "criterion"), ENVIRONMENT_ROWS)
def test_environmental_events_use_the_more_specific_table(
    rb: Rulebook, subtype: str | None, figures: Figures, grade: Grade, criterion: str | None
) -> None:
    suggestion = suggest_grade(rb, ACCIDENT, "environmental", figures, ON)
    assert (suggestion.grade, suggestion.table, suggestion.criterion) == (grade, ENV, criterion)


@pytest.mark.parametrize(
    "category",
    [Category.SOCIAL_SECURITY, Category.NATURAL, Category.PUBLIC_HEALTH],
    ids=lambda c: f"{c} has no grading table so the duty room decides",
)
def test_categories_without_a_table_get_no_suggestion(rb: Rulebook, category: Category) -> None:
    suggestion = suggest_grade(rb, category, None, Figures(deaths=50), ON)
    assert suggestion.grade is None
    assert (suggestion.table, suggestion.criterion, suggestion.value, suggestion.threshold) == (None,) * 4
    assert suggestion.basis == "该类别无分级标准，由值班室研判"


def test_the_basis_names_the_statute_the_figure_and_the_threshold(rb: Rulebook) -> None:
    suggestion = suggest_grade(rb, ACCIDENT, "production_safety", Figures(deaths=11, missing=1), ON)
    assert (suggestion.value, suggestion.threshold) == (12, 10)
    assert suggestion.basis == "依据 国务院令第493号 第三条：死亡（含失踪）12 人，达到 Ⅱ级 重大 标准（≥10）"


def test_the_basis_for_a_loss_uses_thousands_separators(rb: Rulebook) -> None:
    suggestion = suggest_grade(rb, ACCIDENT, None, Figures(direct_loss_cny=60_000_000), ON)
    assert (
        suggestion.basis == "依据 国务院令第493号 第三条：直接经济损失 60,000,000 元，达到 Ⅱ级 重大 标准（≥50,000,000）"
    )


def test_the_basis_below_every_grade_three_threshold_says_so(rb: Rulebook) -> None:
    suggestion = suggest_grade(rb, ACCIDENT, None, Figures(deaths=1, serious_injuries=2), ON)
    assert suggestion.grade is Grade.IV
    assert (suggestion.criterion, suggestion.value, suggestion.threshold) == (None, None, None)
    assert suggestion.basis.startswith(
        "依据 国务院令第493号 第三条：各项指标均未达到 Ⅲ级 较大 标准（死亡（含失踪）1 人 <3；"
    )
    assert suggestion.basis.endswith("），建议 Ⅳ级 一般")


def test_no_table_applies_before_the_statute_took_effect(rb: Rulebook) -> None:
    assert suggest_grade(rb, ACCIDENT, None, Figures(deaths=40), date(2007, 5, 31)).grade is None
    assert suggest_grade(rb, ACCIDENT, None, Figures(deaths=40), date(2007, 6, 1)).grade is Grade.I


def test_an_environmental_event_before_the_2014_plan_falls_back_to_the_category_table(rb: Rulebook) -> None:
    suggestion = suggest_grade(rb, ACCIDENT, "environmental", Figures(evacuated=60_000), date(2014, 12, 28))
    assert (suggestion.table, suggestion.grade) == (P493, Grade.IV)


def test_the_latest_table_in_force_wins_among_equally_specific_ones() -> None:
    def add_amended_table(data: dict[str, Any]) -> None:
        amended = {**data["grading"][0], "id": "amended-2030", "effective_from": date(2030, 1, 1)}
        amended["criteria"] = [{"id": "deaths", "label": "死亡", "fields": ["deaths"], "thresholds": {"III": 1}}]
        data["grading"].append(amended)

    rulebook = variant(add_amended_table)
    assert applicable_table(rulebook, ACCIDENT, None, date(2029, 12, 31)).id == P493  # type: ignore[union-attr]
    suggestion = suggest_grade(rulebook, ACCIDENT, None, Figures(deaths=1), date(2030, 1, 1))
    assert (suggestion.table, suggestion.grade) == ("amended-2030", Grade.III)


def test_an_aware_datetime_is_read_as_the_jurisdictions_calendar_day() -> None:
    def add_2030_table(data: dict[str, Any]) -> None:
        data["grading"].append(
            {
                **data["grading"][0],
                "id": "from-2030",
                "effective_from": date(2030, 1, 1),
                "criteria": [{"id": "d", "label": "死亡", "fields": ["deaths"], "thresholds": {"III": 1}}],
            }
        )

    rulebook = variant(add_2030_table)
    # 2029-12-31 17:00 UTC is already 2030-01-01 01:00 in Taicang.
    moment = datetime(2029, 12, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert suggest_grade(rulebook, ACCIDENT, None, Figures(deaths=1), moment).table == "from-2030"
    with pytest.raises(ValueError, match="naive"):
        suggest_grade(rulebook, ACCIDENT, None, Figures(), datetime(2030, 1, 1))


@pytest.mark.parametrize(
    "bad",
    [{"deaths": -1}, {"direct_loss_cny": -5}, {"missing": True}, {"evacuated": 1.5}, {"injuries": "3"}],
    ids=["negative deaths", "negative loss", "a boolean", "a float", "a string"],
)
def test_figures_refuse_anything_but_non_negative_integers(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Figures(**bad)
