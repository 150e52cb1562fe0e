"""Rulebook loading and validation: a bad file must fail loudly, naming the file, the key and the reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from dutyroom.rules import (
    Anchor,
    Category,
    Channel,
    Flag,
    Grade,
    ObligationKind,
    ReportKind,
    Rulebook,
    RulebookError,
    load_rulebook,
    load_rulebook_text,
    parse_rulebook,
    rulebook_text,
)

from . import TAICANG_FILE, TAICANG_TEXT, taicang_data


def test_the_taicang_rulebook_loads_with_the_notices_numbers(rb: Rulebook) -> None:
    assert (rb.id, rb.version, rb.ref) == ("taicang-2017", 2, "taicang-2017@2")
    assert (rb.effective_from, rb.timezone, rb.anchor) == (
        date(2017, 9, 22),
        "Asia/Shanghai",
        Anchor.OCCURRED,
    )
    assert [(t.id, t.grades) for t in rb.tiers] == [
        ("major", {Grade.I, Grade.II}),
        ("general", {Grade.III, Grade.IV, None}),
    ]
    assert rb.immediate.flags == frozenset(Flag)
    assert rb.immediate.phone.within == timedelta(minutes=15)
    assert rb.forbidden_channels == {Channel.QQ, Channel.WECHAT, Channel.WEIBO}
    assert rb.final_report.within == timedelta(hours=24)
    assert rb.verification_reply.within == timedelta(minutes=30)
    assert (rb.receipt.within, rb.receipt.met_by) == (timedelta(minutes=5), frozenset())
    assert rb.subtypes[Category.NATURAL]["flood"] == "水旱灾害"
    assert rb.subtypes[Category.SOCIAL_SECURITY]["public_opinion"] == "网络舆情事件"
    assert [t.id for t in rb.grading] == ["gb-493-production-safety", "gb-2014-119-environment"]


def test_rules_are_found_by_id_including_the_derived_immediate_written_rule(rb: Rulebook) -> None:
    assert rb.clock("major.written").within == timedelta(minutes=30)
    derived = rb.clock("immediate.written@tier-general")
    assert (derived.kind, derived.within, derived.met_by) == (
        ObligationKind.WRITTEN_REPORT,
        timedelta(minutes=45),
        frozenset({ReportKind.WRITTEN}),
    )
    assert rb.tier_for(None).id == "general"
    assert rb.tier_for(Grade.I).id == "major"
    with pytest.raises(KeyError):
        rb.clock("no-such-rule")


def test_the_rulebook_is_immutable(rb: Rulebook) -> None:
    with pytest.raises(AttributeError):
        rb.version = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        rb.followup.interval[Grade.I] = timedelta(0)  # type: ignore[index]
    assert hash(rb.tiers[0]) == hash(rb.tiers[0])


# --- loading ---------------------------------------------------------------------------------------------


def test_load_by_id_and_by_path_agree() -> None:
    assert load_rulebook("taicang-2017") == load_rulebook(str(TAICANG_FILE))


def test_rulebook_text_returns_the_file_verbatim_for_the_snapshot() -> None:
    rulebook, text = rulebook_text("taicang-2017")
    assert text == TAICANG_TEXT
    assert load_rulebook_text(text, rulebook.ref) == rulebook


def test_an_unknown_id_lists_the_available_rulebooks() -> None:
    with pytest.raises(RulebookError, match=r"nanjing-2020: unknown rulebook id .*available: taicang-2017"):
        load_rulebook("nanjing-2020")


def _write_versions(folder: Path) -> None:
    v1 = TAICANG_TEXT.replace("id: taicang-2017", "id: demo").replace("version: 2", "version: 1")
    (folder / "demo.yaml").write_text(v1, encoding="utf-8")
    v2 = TAICANG_TEXT.replace("id: taicang-2017", "id: demo")
    (folder / "demo.v2.yaml").write_text(v2, encoding="utf-8")


def test_the_highest_version_is_loaded_unless_one_is_asked_for(tmp_path: Path) -> None:
    _write_versions(tmp_path)
    assert load_rulebook("demo", directory=tmp_path).ref == "demo@2"
    assert load_rulebook("demo", version=1, directory=tmp_path).ref == "demo@1"
    with pytest.raises(RulebookError, match=r"demo: no version 3 \(available versions: 1, 2\)"):
        load_rulebook("demo", version=3, directory=tmp_path)


def test_a_file_name_that_disagrees_with_its_content_is_refused(tmp_path: Path) -> None:
    (tmp_path / "demo.v3.yaml").write_text(TAICANG_TEXT.replace("id: taicang-2017", "id: demo"), encoding="utf-8")
    with pytest.raises(RulebookError, match=r"demo.v3.yaml: version: the file name says 3, the file says 2"):
        load_rulebook("demo", directory=tmp_path)
    (tmp_path / "other.yaml").write_text(TAICANG_TEXT, encoding="utf-8")
    with pytest.raises(RulebookError, match=r"other.yaml: id: the file name says 'other'"):
        load_rulebook("other", directory=tmp_path)


def test_a_path_with_the_wrong_version_is_refused() -> None:
    with pytest.raises(RulebookError, match="asked for version 1, the file is 2"):
        load_rulebook(str(TAICANG_FILE), version=1)


# --- validation ------------------------------------------------------------------------------------------

Edit = Callable[[dict[str, Any]], object]


def _set(path: str, value: object) -> Edit:
    """An edit that sets a dotted/indexed path such as ``tiers[0].clocks[1].within_minutes``."""

    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.replace("]", "").replace("[", ".").split(".")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _delete(path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for part in parents:
            target = target[part]
        del target[None if last == "null" else last]

    return edit


def _remove_ungraded(data: dict[str, Any]) -> None:
    data["tiers"][1]["grades"] = ["III", "IV"]


def _mix_tier_shapes(data: dict[str, Any]) -> None:
    data["tiers"][1]["clocks"].append(dict(data["tiers"][0]["clocks"][0], id="general.phone"))


def _unequal_met_by(data: dict[str, Any]) -> None:
    data["immediate"]["phone"]["met_by"] = ["phone"]


INVALID = [
    pytest.param(
        _set("tiers[0].clocks[1].within_minutes", -5),
        "taicang-2017.yaml: tiers[0].clocks[1].within_minutes: must be a positive integer, got -5",
        id="negative minutes are refused",
    ),
    pytest.param(
        _set("tiers[1].clocks[0].within_minutes", 0),
        "tiers[1].clocks[0].within_minutes: must be a positive integer, got 0",
        id="zero minutes are refused",
    ),
    pytest.param(
        _set("final_report.within_minutes", "1440"),
        "final_report.within_minutes: must be a positive integer, got '1440'",
        id="minutes given as a string are refused",
    ),
    pytest.param(
        _set("receipt.within_minutes", 2.5),
        "receipt.within_minutes: must be a positive integer, got 2.5",
        id="fractional minutes are refused",
    ),
    pytest.param(
        _set("colour", "red"),
        "taicang-2017.yaml: colour: unknown key",
        id="an unknown top-level key is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[0].within_minute", 15),
        "tiers[0].clocks[0].within_minute: unknown key",
        id="a misspelt clock key is refused",
    ),
    pytest.param(_delete("followup.met_by"), "followup.met_by: required key is missing", id="a missing key is refused"),
    pytest.param(
        _remove_ungraded,
        "tiers: ungraded (null) is not covered by any tier",
        id="a grade not covered by any tier is refused",
    ),
    pytest.param(
        _set("tiers[1].grades", ["II", "III", "IV", None]),
        "tiers[1].grades[0]: grade II is already covered by tiers[0]",
        id="a grade covered by two tiers is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[0].kind", "phone"),
        "tiers[0].clocks[0].kind: unknown ObligationKind 'phone'",
        id="an unknown clock kind is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[0].kind", "followup"),
        "tiers[0].clocks[0].kind: followup is not a tier clock",
        id="a non-initial kind inside a tier is refused",
    ),
    pytest.param(
        _mix_tier_shapes,
        "tiers[1].clocks: must hold either one first_report clock or both",
        id="a tier mixing a first report with a phone report is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[1].within_minutes", 60),
        "tiers: grade II's written deadline (60 min) is later than grade III's (45 min)",
        id="a more severe grade with a later deadline is refused",
    ),
    pytest.param(
        _set("immediate.phone.within_minutes", 20),
        "immediate.phone.within_minutes: 20 min is later than the shortest clock of tiers[0] (15 min)",
        id="an immediate phone clock slower than a tier is refused",
    ),
    pytest.param(
        _set("immediate.flags", ["sensitive", "urgent"]),
        "immediate.flags[1]: unknown Flag 'urgent'",
        id="an unknown flag is refused",
    ),
    pytest.param(
        _set("forbidden_channels", ["qq", "telegram"]),
        "forbidden_channels[1]: unknown Channel 'telegram'",
        id="an unknown channel is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[1].met_by", ["fax"]),
        "tiers[0].clocks[1].met_by[0]: unknown ReportKind 'fax'",
        id="an unknown report kind is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[1].met_by", []),
        "tiers[0].clocks[1].met_by: must not be empty",
        id="a clock nothing can meet is refused",
    ),
    pytest.param(
        _set("receipt.met_by", ["written"]),
        "receipt.met_by: must be []",
        id="a receipt met by a report is refused",
    ),
    pytest.param(
        _unequal_met_by,
        "immediate.phone.met_by: must equal tiers[0].clocks[0].met_by",
        id="a kind met differently in two places is refused",
    ),
    pytest.param(
        _set("final_report.id", "major.phone"),
        "final_report.id: duplicate rule id 'major.phone'",
        id="a duplicate rule id is refused",
    ),
    pytest.param(
        _set("tiers[0].clocks[0].id", "major@phone"),
        "tiers[0].clocks[0].id: must match",
        id="a rule id that could clash with a derived id is refused",
    ),
    pytest.param(
        _set("final_report.kind", "receipt"),
        "final_report.kind: must be final_report here",
        id="a rulebook-wide clock of the wrong kind is refused",
    ),
    pytest.param(
        _delete("followup.interval_minutes.null"),
        "followup.interval_minutes.null: required key is missing",
        id="a follow-up interval missing for ungraded is refused",
    ),
    pytest.param(
        _set("timezone", "Mars/Olympus"),
        "timezone: unknown time zone 'Mars/Olympus'",
        id="an unknown time zone is refused",
    ),
    pytest.param(_set("anchor", "reported"), "anchor: unknown Anchor 'reported'", id="an unknown anchor is refused"),
    pytest.param(
        _set("effective_from", "22 Sept 2017"),
        "effective_from: must be a date (YYYY-MM-DD)",
        id="an unreadable date is refused",
    ),
    pytest.param(_set("version", 0), "version: must be a positive integer, got 0", id="version zero is refused"),
    pytest.param(
        _set("subtypes.accident.fire", ""),
        "subtypes.accident.fire: must be a non-empty string",
        id="a subtype without a label is refused",
    ),
    pytest.param(
        _set("grading[1].subtypes", ["flood"]),
        "grading[1].subtypes[0]: 'flood' is not a subtype of accident",
        id="a grading table naming another category's subtype is refused",
    ),
    pytest.param(
        _set("grading[0].criteria[0].fields", ["deaths", "casualties"]),
        "grading[0].criteria[0].fields[1]: unknown figure 'casualties'",
        id="a criterion summing an unknown figure is refused",
    ),
    pytest.param(
        _set("grading[0].criteria[0].thresholds", {"I": 30, "II": 30, "III": 3}),
        "grading[0].criteria[0].thresholds.I: must be greater than the II minimum (30), got 30",
        id="thresholds that do not rise with severity are refused",
    ),
    pytest.param(
        _set("grading[0].criteria[0].thresholds", {"I": 30, "IV": 1}),
        "grading[0].criteria[0].thresholds.IV: only I, II and III have minimums",
        id="a threshold for grade IV is refused",
    ),
    pytest.param(
        _set("grading[1].effective_from", date(2007, 6, 1)),
        None,
        id="two tables on the same date but of different specificity are fine",
    ),
    pytest.param(
        _set("leads.watch.z", 0),
        "leads.watch.z: must be a positive number, got 0",
        id="a burst threshold of zero is refused",
    ),
    pytest.param(
        _delete("leads.watch.min_items"),
        "leads.watch.min_items: required key is missing",
        id="a burst detector without its floor is refused",
    ),
    pytest.param(_delete("leads.watch"), None, id="a rulebook without public-opinion watch settings is fine"),
]


@pytest.mark.parametrize(("edit", "message"), INVALID)
def test_invalid_rulebooks_name_the_file_the_key_and_why(edit: Edit, message: str | None) -> None:
    data = taicang_data()
    edit(data)
    if message is None:
        parse_rulebook(data, "taicang-2017.yaml")
        return
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(data, "taicang-2017.yaml")
    assert str(caught.value).startswith("taicang-2017.yaml: ")
    assert message in str(caught.value)


def test_two_tables_that_would_tie_are_refused() -> None:
    data = taicang_data()
    data["grading"].append(dict(data["grading"][0], id="copy"))
    with pytest.raises(
        RulebookError, match=r"grading\[2\]: covers the same incidents from the same date as grading\[0\]"
    ):
        parse_rulebook(data, "taicang-2017.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("id: [unclosed\n", r"bad.yaml: line \d+, column \d+: invalid YAML", id="a YAML syntax error"),
        pytest.param(
            "id: a\nid: b\n",
            r"bad.yaml: line 2, column 1: invalid YAML: duplicate key 'id'",
            id="a duplicated key, which YAML would silently overwrite",
        ),
        pytest.param("- just\n- a list\n", r"bad.yaml: the document must be a mapping", id="a document that is a list"),
        pytest.param("", r"bad.yaml: the document must be a mapping", id="an empty file"),
    ],
)
def test_unreadable_yaml_becomes_a_rulebook_error(text: str, message: str) -> None:
    with pytest.raises(RulebookError, match=message):
        load_rulebook_text(text, "bad.yaml")


def test_every_key_in_the_shipped_file_round_trips_through_yaml() -> None:
    # The shipped file must be plain YAML that any tool reads the same way (no tags, no anchor surprises):
    # dumped by one YAML writer and read back, it must mean the same rulebook, rule for rule.
    data = yaml.safe_load(TAICANG_TEXT)
    assert "!!" not in TAICANG_TEXT  # no explicit tags
    rewritten = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert rewritten != TAICANG_TEXT  # a genuinely different text …
    assert yaml.safe_load(rewritten) == data  # … with the same content
    assert load_rulebook_text(rewritten, "rewritten.yaml") == load_rulebook_text(TAICANG_TEXT, "taicang-2017.yaml")
