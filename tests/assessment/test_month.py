"""A month of synthetic activity with known expected counts produces exactly the expected points (issue 9).

October 2026, evaluated on 28 November (after October closed on 6 November): on-time, late and missing first
reports, a missing follow-up, a late verification reply, an appealed-and-rejected finding, an upheld one, a
finding upheld after the close (a correction), a waiver after the close (deduction and its reversal),
adoptions at two levels, a drill that never counts, and a forbidden-channel report that proposes a finding.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dutyroom.accounts.models import User
from dutyroom.assessment.access import assessed_units
from dutyroom.assessment.models import Finding, FindingState
from dutyroom.assessment.scores import assessment_for, unit_ledger
from dutyroom.assessment.services import (
    AdoptionInput,
    FindingInput,
    adoption_record,
    finding_appeal,
    finding_decide,
    finding_raise,
    findings_propose_forbidden_channel,
)
from dutyroom.common.timefmt import LOCAL
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.orgs.models import Unit
from dutyroom.reports.services import (
    ReportInput,
    VerificationInput,
    obligation_waive,
    report_submit,
    verification_request_create,
)
from dutyroom.reports.verification import verification_reply_submit
from dutyroom.rules.periods import parse_period

pytestmark = pytest.mark.django_db
EVALUATED = datetime(2026, 11, 28, 12, tzinfo=LOCAL)
OCT = parse_period("2026-10")


def t(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=LOCAL)


def who(name: str) -> User:
    return User.objects.get(username=name)


def incident(unit: str, title: str, occurred: datetime, *, written_after: int | None = None, final: bool = True,
             channel: str = "platform", **extra: Any) -> Incident:
    reporter = who(f"{unit}-reporter")
    made = incident_create(actor=reporter, now=occurred + timedelta(minutes=1), data=IncidentInput(
        title=title, category="accident", subtype="fire", grade="IV", occurred_at=occurred, **extra))
    if written_after is not None:
        at = occurred + timedelta(minutes=written_after)
        report_submit(actor=reporter, incident=made, now=at,
                      data=ReportInput(kind="written", channel=channel, summary="现场处置中", signer="李四"))
        if final:
            report_submit(actor=reporter, incident=made, now=at + timedelta(hours=1),
                          data=ReportInput(kind="final", summary="处置结束", signer="李四"))
    return made


@pytest.fixture
def october(city: None) -> dict[str, Incident]:
    made = {
        "A": incident("shaxi", "沙溪镇仓库火灾", t(3), written_after=10),
        "B": incident("shaxi", "沙溪镇厂房火灾", t(5), written_after=60),  # 45-minute clock: 15 minutes late
        "C": incident("shaxi", "沙溪镇民房火灾", t(8)),  # never reported: missing
        "D": incident("shaxi", "沙溪镇消防演练", t(9), exercise=True),  # a drill: never counts
        "E": incident("liuhe", "浏河镇码头火灾", t(10), written_after=5, final=False),  # follow-up never sent
        "F": incident("liuhe", "浏河镇渔船火灾", t(12)),  # missing, waived after the close
        "G": incident("shaxi", "沙溪镇化工厂泄漏", t(14), written_after=5, channel="wechat", sensitive=True),
    }
    officer, assessor = who("duty-officer"), who("assessor")
    rejected = finding_raise(actor=officer, incident=made["A"], now=t(10),
                             data=FindingInput(unit="shaxi", kind="omitted", evidence="未报送伤亡"))
    finding_appeal(actor=who("shaxi-leader"), finding=rejected, text="首报已含伤亡情况", now=t(11))
    finding_decide(actor=assessor, finding=rejected, upheld=False, reason="申诉属实", now=t(12))
    upheld = finding_raise(actor=assessor, incident=made["B"], now=t(12),
                           data=FindingInput(unit="shaxi", kind="false", evidence="死亡人数与公安通报不符"))
    finding_decide(actor=assessor, finding=upheld, upheld=True, reason="核实属实", now=t(26))
    late = finding_raise(actor=officer, incident=made["E"], now=t(20),
                         data=FindingInput(unit="liuhe", kind="concealed", evidence="群众举报在先"))
    finding_decide(actor=assessor, finding=late, upheld=True, reason="查实", now=datetime(2026, 11, 20, tzinfo=LOCAL))
    adoption_record(actor=officer, incident=made["A"], now=t(6), data=AdoptionInput(unit="shaxi", by="suzhou"))
    adoption_record(actor=assessor, incident=made["A"], now=t(6), data=AdoptionInput(unit="police", by="jiangsu"))
    request = verification_request_create(actor=officer, now=t(15, 10), data=VerificationInput(
        unit="liuhe", authority="suzhou", question="网传浏河镇有人员被困，请核实"))
    verification_reply_submit(actor=who("liuhe-reporter"), request=request, now=t(15, 10, 45),
                              data=ReportInput(kind="verification_reply", summary="经核实无人员被困"))
    missing_f = Obligation.objects.get(incident=made["F"], kind="first_report")
    obligation_waive(actor=officer, obligation=missing_f, reason="事发时通信中断，经核实已电话报告",
                     now=datetime(2026, 11, 10, tzinfo=LOCAL))
    findings_propose_forbidden_channel(now=t(14, 10))
    return made


def rows_by_code(with_points: bool = False) -> dict[str, Any]:
    table = assessment_for(OCT, assessed_units(), EVALUATED, with_points=with_points)
    return {row.unit.code: row for row in table.rows}


def test_the_month_scores_exactly_as_expected(october: dict[str, Incident]) -> None:
    rows = rows_by_code()
    shaxi, liuhe, police = rows["shaxi"], rows["liuhe"], rows["police"]
    # shaxi: 100 − 1 (B late) − 1 (C missing) − 2 (谎报 upheld) + 1 (Suzhou adoption) = 97
    assert shaxi.score == Decimal(97)
    assert shaxi.first_reports == {"on_time": 3, "late": 1, "missing": 1}  # A, G (phone + written); B; C
    assert shaxi.findings == {"late": 1, "omitted": 0, "false": 1, "concealed": 0, "forbidden_channel": 0}
    assert shaxi.adopted == 1 and shaxi.worst_delay_seconds == 15 * 60
    # liuhe: 100 − 0.5 (E's follow-up) − 4 (瞒报 upheld in November) − 1 (late verification reply) = 94.5
    assert liuhe.score == Decimal("94.5")
    assert liuhe.followups_missing == 1
    assert liuhe.verification_replies == {"on_time": 0, "late": 1, "missing": 0}
    assert liuhe.first_reports == {"on_time": 1, "late": 0, "missing": 0}  # F waived
    assert police.score == Decimal(102) and police.adopted == 1
    assert (shaxi.grade.label, liuhe.grade.label, police.grade.label) == ("优秀", "优秀", "优秀")


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
    assert {line.incident for line in shaxi if line.kind != "base"} == {october["A"].pk, october["B"].pk,
                                                                         october["C"].pk}
    assert "迟报 15 分钟" in next(line.reason for line in shaxi if line.kind == "first_report_late")


def test_a_forbidden_channel_report_proposes_an_open_finding_that_does_not_count_yet(october: dict[str, Incident]
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
