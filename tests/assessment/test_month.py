"""A month of synthetic activity with known expected counts produces exactly the expected points.

October 2026, evaluated on 28 November (after October closed on 6 November): on-time, late and missing first
reports, a missing follow-up, a late verification reply, an appealed-and-rejected finding, an upheld one, a
finding upheld after the close (a correction), a waiver after the close (deduction and its reversal),
adoptions at two levels, a drill that never counts, and a forbidden-channel report that proposes a finding.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from dutyroom.assessment.access import assessed_units
from dutyroom.assessment.models import Finding, FindingState
from dutyroom.assessment.scores import assessment_for, unit_ledger
from dutyroom.assessment.services import (
    findings_propose_forbidden_channel,
)
from dutyroom.incidents.models import Incident
from dutyroom.orgs.models import Unit
from tests.assessment.conftest import EVALUATED, OCT, t

pytestmark = pytest.mark.django_db


def rows_by_code(with_points: bool = False) -> dict[str, Any]:
    table = assessment_for(OCT, assessed_units(), EVALUATED, with_points=with_points)
    return {row.unit.code: row for row in table.rows}


def test_the_month_scores_exactly_as_expected(october: dict[str, Incident]) -> None:
    rows = rows_by_code()
    shaxi, liuhe, police = rows["shaxi"], rows["liuhe"], rows["police"]
    # shaxi: 100 − 1 (B late) − 1 (C missing) − 2 (谎报 upheld) + 1 (Suzhou adoption) = 97
    assert shaxi.score == Decimal(97)
    # A on time; G's phone and written clocks met in time but over WeChat for a sensitive incident: no credit
    assert shaxi.first_reports == {"on_time": 1, "late": 1, "missing": 1}  # A; B; C
    assert shaxi.forbidden_channel_reports == 2
    assert shaxi.findings == {"late": 1, "omitted": 0, "false": 1, "concealed": 0, "forbidden_channel": 0}
    assert shaxi.adopted == 1 and shaxi.worst_delay_seconds == 15 * 60
    # liuhe: 100 − 0.5 (E's follow-up) − 4 (瞒报 upheld in November) − 1 (late verification reply) = 94.5
    assert liuhe.score == Decimal("94.5")
    assert liuhe.followups_missing == 1
    assert liuhe.verification_replies == {"on_time": 0, "late": 1, "missing": 0}
    assert liuhe.first_reports == {"on_time": 1, "late": 0, "missing": 0}  # F waived
    assert police.score == Decimal(102) and police.adopted == 1
    # shaxi (late, missing, 谎报) and liuhe (瞒报) are criticised in the 通报: their 97 and 94.5 are not 优秀
    assert (shaxi.grade.label, liuhe.grade.label, police.grade.label) == ("良好", "良好", "优秀")
    assert shaxi.grade_withheld is not None and shaxi.grade_withheld.label == "优秀"


def test_ranks_are_within_peer_groups(october: dict[str, Incident]) -> None:
    rows = rows_by_code()
    territorial = [r for r in rows.values() if r.group == "territorial"]
    assert len(territorial) == 12  # 6 towns, 4 zones, 2 subdistricts
    assert rows["chengxiang"].rank == 1 and rows["shaxi"].rank == 11 and rows["liuhe"].rank == 12
    assert rows["police"].rank == 1 and rows["market"].rank == 2  # departments rank apart


def test_every_point_is_explained_and_the_ledger_adds_up(october: dict[str, Incident]) -> None:
    rows = rows_by_code(with_points=True)
    for row in rows.values():
        assert row.points is not None and sum(line.delta for line in row.points) == row.score
    table = rows_by_code()
    assert {code: r.score for code, r in rows.items()} == {code: r.score for code, r in table.items()}
    liuhe = [(line.kind, line.delta, line.correction) for line in rows["liuhe"].points]
    assert liuhe == [
        ("base", 100, False),
        ("followup_missing", Decimal("-0.5"), False),
        ("first_report_missing", -1, False),  # F: counted when October closed …
        ("first_report_missing", 1, True),  # … and reversed by the waiver of 10 November
        ("verification_late", -1, False),
        ("finding_concealed", -4, True),  # upheld on 20 November: a correction in October
    ]
    shaxi = rows["shaxi"].points
    assert all(line.incident != october["D"].pk for line in shaxi)  # the drill leaves no line
    assert {line.incident for line in shaxi if line.kind != "base"} == {
        october["A"].pk,
        october["B"].pk,
        october["C"].pk,
    }
    assert "迟报 15 分钟" in next(line.reason for line in shaxi if line.kind == "first_report_late")


def test_a_forbidden_channel_report_proposes_an_open_finding_that_does_not_count_yet(
    october: dict[str, Incident],
) -> None:
    proposed = Finding.objects.get(kind="forbidden_channel")
    assert (proposed.incident, proposed.unit.code, proposed.state) == (october["G"], "shaxi", FindingState.OPEN)
    assert proposed.raised_by is None and "微信" in proposed.evidence
    assert findings_propose_forbidden_channel(now=t(15)) == 0  # idempotent
    assert rows_by_code()["shaxi"].findings["forbidden_channel"] == 0


def test_the_unit_ledger_has_its_rank_among_peers_and_median_delay(october: dict[str, Incident]) -> None:
    detail = unit_ledger(OCT, Unit.objects.get(code="shaxi"), EVALUATED)
    assert detail.row.rank == 11 and detail.peers == 12
    assert detail.ledger.score == detail.row.score == 97
    assert detail.median_delay_seconds == 15 * 60


def test_the_on_time_chart_has_one_point_per_month(october: dict[str, Incident]) -> None:
    from dutyroom.assessment.scores import monthly_on_time
    from dutyroom.rules.periods import parse_period

    months = monthly_on_time(parse_period("2026"), list(assessed_units()), EVALUATED)
    assert [m["month"] for m in months][9] == "2026-10" and len(months) == 12
    # G's two clocks were met over WeChat: counted as due, never as on time
    assert months[9] | {"rate": None} == {
        "month": "2026-10",
        "on_time": 2,
        "late": 1,
        "missing": 1,
        "forbidden": 2,
        "rate": None,
    }
    assert months[9]["rate"] == pytest.approx(2 / 6) and months[8]["rate"] is None
