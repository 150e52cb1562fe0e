"""The synthetic month of October 2026 with known expected counts (see test_month.py for what it holds)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from dutyroom.accounts.models import User
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
from dutyroom.reports.services import (
    ReportInput,
    VerificationInput,
    obligation_waive,
    report_submit,
    verification_request_create,
)
from dutyroom.reports.verification import verification_reply_submit
from dutyroom.rules.periods import parse_period

EVALUATED = datetime(2026, 11, 28, 12, tzinfo=LOCAL)
OCT = parse_period("2026-10")


def t(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=LOCAL)


def who(name: str) -> User:
    return User.objects.get(username=name)


def incident(
    unit: str,
    title: str,
    occurred: datetime,
    *,
    written_after: int | None = None,
    final: bool = True,
    channel: str = "platform",
    **extra: Any,
) -> Incident:
    reporter = who(f"{unit}-reporter")
    made = incident_create(
        actor=reporter,
        now=occurred + timedelta(minutes=1),
        data=IncidentInput(title=title, category="accident", subtype="fire", grade="IV", occurred_at=occurred, **extra),
    )
    if written_after is not None:
        at = occurred + timedelta(minutes=written_after)
        report_submit(
            actor=reporter,
            incident=made,
            now=at,
            data=ReportInput(kind="written", channel=channel, summary="现场处置中", signer="李四"),
        )
        if final:
            report_submit(
                actor=reporter,
                incident=made,
                now=at + timedelta(hours=1),
                data=ReportInput(kind="final", summary="处置结束", signer="李四"),
            )
    return made


@pytest.fixture
def october(city: None) -> dict[str, Incident]:
    return october_build()


def october_build() -> dict[str, Incident]:
    """October's incidents, reports, findings, adoptions and waiver, made through the services."""
    made = {
        "A": incident("shaxi", "沙溪镇仓库火灾", t(3), written_after=10, final=False),
        "B": incident("shaxi", "沙溪镇厂房火灾", t(5), written_after=60),  # 45-minute clock: 15 minutes late
        "C": incident("shaxi", "沙溪镇民房火灾", t(8)),  # never reported: missing
        "D": incident("shaxi", "沙溪镇消防演练", t(9), exercise=True),  # a drill: never counts
        "E": incident("liuhe", "浏河镇码头火灾", t(10), written_after=5, final=False),  # follow-up never sent
        "F": incident("liuhe", "浏河镇渔船火灾", t(12)),  # missing, waived after the close
        "G": incident("shaxi", "沙溪镇化工厂泄漏", t(14), written_after=5, channel="wechat", sensitive=True),
    }
    # the police sent their own information on A (kept as information, no clock of theirs), which Jiangsu
    # used below; then shaxi's final report closes A as before
    report_submit(
        actor=who("police-reporter"),
        incident=made["A"],
        now=t(3, 9, 30),
        data=ReportInput(kind="written", summary="公安到场维持秩序，疏散围观群众"),
    )
    report_submit(
        actor=who("shaxi-reporter"),
        incident=made["A"],
        now=t(3, 10, 10),
        data=ReportInput(kind="final", summary="处置结束", signer="李四"),
    )
    officer, assessor = who("duty-officer"), who("assessor")
    rejected = finding_raise(
        actor=officer,
        incident=made["A"],
        now=t(10),
        data=FindingInput(unit="shaxi", kind="omitted", evidence="未报送伤亡"),
    )
    finding_appeal(actor=who("shaxi-leader"), finding=rejected, text="首报已含伤亡情况", now=t(11))
    finding_decide(actor=assessor, finding=rejected, upheld=False, reason="申诉属实", now=t(12))
    upheld = finding_raise(
        actor=assessor,
        incident=made["B"],
        now=t(12),
        data=FindingInput(unit="shaxi", kind="false", evidence="死亡人数与公安通报不符"),
    )
    finding_decide(actor=assessor, finding=upheld, upheld=True, reason="核实属实", now=t(26))
    late = finding_raise(
        actor=officer,
        incident=made["E"],
        now=t(20),
        data=FindingInput(unit="liuhe", kind="concealed", evidence="群众举报在先"),
    )
    finding_decide(actor=assessor, finding=late, upheld=True, reason="查实", now=datetime(2026, 11, 20, tzinfo=LOCAL))
    adoption_record(actor=officer, incident=made["A"], now=t(6), data=AdoptionInput(unit="shaxi", by="suzhou"))
    adoption_record(actor=assessor, incident=made["A"], now=t(6), data=AdoptionInput(unit="police", by="jiangsu"))
    request = verification_request_create(
        actor=officer,
        now=t(15, 10),
        data=VerificationInput(unit="liuhe", authority="suzhou", question="网传浏河镇有人员被困，请核实"),
    )
    verification_reply_submit(
        actor=who("liuhe-reporter"),
        request=request,
        now=t(15, 10, 45),
        data=ReportInput(kind="verification_reply", summary="经核实无人员被困"),
    )
    missing_f = Obligation.objects.get(incident=made["F"], kind="first_report")
    obligation_waive(
        actor=officer,
        obligation=missing_f,
        reason="事发时通信中断，经核实已电话报告",
        now=datetime(2026, 11, 10, tzinfo=LOCAL),
    )
    findings_propose_forbidden_channel(now=t(14, 10))
    return made
