"""The alert ladder as rulebook data and its pure timing: who hears about a clock, and when."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from dutyroom.rules import AlertTopic, Audience, ObligationKind, RulebookError, ladder_due, ladder_next_at, retry_delay

from . import T0, TAICANG, minutes, variant

DUE = T0 + minutes(45)
FIRST = ObligationKind.FIRST_REPORT


def fired(
    now_minutes_from_due: float, done: tuple[str, ...] = (), kind: ObligationKind = FIRST, open_: bool = True
) -> tuple[list[str], list[str]]:
    decision = ladder_due(TAICANG.alerts, kind, DUE, open_=open_, done=done, now=DUE + minutes(now_minutes_from_due))
    return [s.id for s in decision.fire], [s.id for s in decision.skip]


def test_the_taicang_ladder_is_the_issues_default() -> None:
    steps = {s.id: s for s in TAICANG.alerts.steps}
    assert steps["reminder"].offset == -minutes(5)
    assert steps["reminder"].to == {Audience.UNIT_REPORTERS, Audience.UNIT_LEADER}
    assert steps["overdue"].to == {Audience.UNIT_REPORTERS, Audience.UNIT_LEADER, Audience.DUTY_OFFICER}
    assert steps["escalation.leaders"].offset == minutes(10)
    assert steps["escalation.leaders"].to == {Audience.UNIT_LEADER, Audience.DUTY_LEADER}
    assert steps["escalation.city"].offset == minutes(30)
    assert steps["escalation.city"].to == {Audience.CITY_LEADER}
    assert steps["receipt.officer"].kinds == {ObligationKind.RECEIPT}
    assert steps["receipt.leader"].offset == minutes(5) and steps["receipt.leader"].to == {Audience.DUTY_LEADER}


@pytest.mark.parametrize(
    ("at", "done", "fire", "skip"),
    [
        pytest.param(-6, (), [], [], id="nothing six minutes before the deadline"),
        pytest.param(-5, (), ["reminder"], [], id="a reminder five minutes before the deadline"),
        pytest.param(-1, ("reminder",), [], [], id="a reminder is sent once"),
        pytest.param(0, ("reminder",), ["overdue"], [], id="overdue at the deadline"),
        pytest.param(9.9, ("reminder", "overdue"), [], [], id="nothing between overdue and the first escalation"),
        pytest.param(10, ("reminder", "overdue"), ["escalation.leaders"], [], id="unit and duty leaders after 10"),
        pytest.param(
            30,
            ("reminder", "overdue", "escalation.leaders"),
            ["escalation.city"],
            [],
            id="the city leader on duty after 30",
        ),
        pytest.param(
            31,
            ("reminder", "overdue", "escalation.leaders", "escalation.city"),
            [],
            [],
            id="the ladder ends after its last rung",
        ),
        pytest.param(0, (), ["overdue"], ["reminder"], id="a missed reminder is skipped, never sent late"),
        pytest.param(
            45,
            (),
            ["escalation.city"],
            ["overdue", "escalation.leaders", "reminder"],
            id="after a long outage only the latest rung fires",
        ),
    ],
)
def test_ladder_steps_fire_at_their_offsets(at: float, done: tuple[str, ...], fire: list[str], skip: list[str]) -> None:
    got_fire, got_skip = fired(at, done)
    assert got_fire == fire
    assert sorted(got_skip) == sorted(skip)


def test_a_met_or_waived_clock_stops_its_ladder_at_once() -> None:
    assert fired(10, ("reminder", "overdue"), open_=False) == ([], [])


def test_the_next_look_is_the_earliest_rung_not_done_and_none_when_the_ladder_is_finished() -> None:
    policy = TAICANG.alerts
    assert ladder_next_at(policy, FIRST, DUE, done=()) == DUE - minutes(5)
    assert ladder_next_at(policy, FIRST, DUE, done=("reminder",)) == DUE
    # after an outage the pass fired the latest rung and skipped the earlier ones: the next look is the rung after
    assert ladder_next_at(policy, FIRST, DUE, done=("reminder", "overdue", "escalation.leaders")) == DUE + minutes(30)
    every = tuple(step.id for step in policy.steps_for(FIRST))
    assert ladder_next_at(policy, FIRST, DUE, done=every) is None
    assert ladder_next_at(policy, ObligationKind.RECEIPT, DUE, done=("receipt.officer",)) == DUE + minutes(5)


def test_an_unconfirmed_receipt_alerts_the_duty_officer_then_the_duty_leader() -> None:
    assert fired(-5, kind=ObligationKind.RECEIPT) == ([], [])
    assert fired(0, kind=ObligationKind.RECEIPT) == (["receipt.officer"], [])
    assert fired(5, ("receipt.officer",), kind=ObligationKind.RECEIPT) == (["receipt.leader"], [])


def test_retry_delay_starts_near_a_second_and_doubles_up_to_the_cap() -> None:
    rand = random.Random(7)
    first = retry_delay(1, rand=rand)
    assert timedelta(seconds=1) <= first <= timedelta(seconds=1.2)
    assert timedelta(seconds=8) <= retry_delay(4, rand=rand) <= timedelta(seconds=9.6)
    assert retry_delay(40, cap_seconds=300, rand=rand) <= timedelta(seconds=360)


def test_another_city_changes_numbers_not_code() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["alerts"]["steps"][0]["offset_minutes"] = -15

    rulebook = variant(edit)
    decision = ladder_due(rulebook.alerts, FIRST, DUE, open_=True, done=(), now=DUE - minutes(15))
    assert [s.id for s in decision.fire] == ["reminder"]


def test_a_rulebook_without_alerts_alerts_nobody() -> None:
    rulebook = variant(lambda data: data.pop("alerts"))
    assert rulebook.alerts.steps == ()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s[0].__setitem__("offset_minutes", 5), "alerts.steps[0].offset_minutes: a reminder comes before"),
        (lambda s: s[1].__setitem__("offset_minutes", -1), "alerts.steps[1].offset_minutes: a overdue alert comes"),
        (lambda s: s[0].__setitem__("to", ["mayor"]), "alerts.steps[0].to[0]: unknown Audience 'mayor'"),
        (lambda s: s[0].__setitem__("topic", "chase"), "alerts.steps[0].topic: chase is not a clock alert"),
        (lambda s: s[0].__setitem__("kinds", []), "alerts.steps[0].kinds: must not be empty"),
        (lambda s: s[1].__setitem__("id", "reminder"), "alerts.steps[1].id: duplicate step id"),
    ],
)
def test_a_bad_alert_step_names_the_key_and_why(edit: Any, message: str) -> None:
    with pytest.raises(RulebookError) as caught:
        variant(lambda data: edit(data["alerts"]["steps"]))
    assert message in str(caught.value)


def test_topics_match_the_api_contract() -> None:
    assert {t.value for t in AlertTopic} == {
        "reminder",
        "overdue",
        "escalation",
        "receipt_overdue",
        "chase",
        "new_incident",
        "regraded",
        "verification_request",
        "finding",
        "lead",
        "instruction",
    }
