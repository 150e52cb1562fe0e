"""A duty room with one open item of every kind: built through the real services, no mocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from dutyroom.accounts.models import User
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput
from dutyroom.instructions.models import InstructionTask
from dutyroom.instructions.services import InstructionInput, instruction_record
from dutyroom.leads.models import Lead
from dutyroom.leads.services import LeadInput, LeadOrigin, lead_submit
from dutyroom.reports.intake import incident_create_with_report
from dutyroom.reports.models import VerificationRequest
from dutyroom.reports.services import ReportInput, VerificationInput, verification_request_create

SECRET = "不应泄露的工作秘密标题"


@dataclass
class Desk:
    """What is open on the duty room's desk."""

    fire: Incident  # written first report received: receipt still owed, follow-up running
    secret: Incident  # work secret, nothing reported yet: its first-report clock is overdue
    request: VerificationRequest
    lead: Lead
    task: InstructionTask


@pytest.fixture
def desk(city: None) -> Desk:
    now = clock_now()
    officer = User.objects.get(username="duty-officer")
    reporter = User.objects.get(username="shaxi-reporter")
    fire = incident_create_with_report(
        actor=reporter,
        now=now - timedelta(minutes=2),
        data=IncidentInput(
            title="沙溪镇厂房火灾", category="accident", grade="IV", occurred_at=now - timedelta(minutes=20)
        ),
        report=ReportInput(kind="written", summary="起火"),
    )
    secret = incident_create_with_report(
        actor=reporter,
        now=now - timedelta(minutes=5),
        data=IncidentInput(
            title=SECRET,
            category="social_security",
            occurred_at=now - timedelta(minutes=90),
            classification="work_secret",
        ),
        report=None,
    )
    request = verification_request_create(
        actor=officer,
        now=now,
        data=VerificationInput(unit="shaxi", authority="suzhou", question="请核实起火原因", incident=fire),
    )
    lead = lead_submit(
        now=now,
        origin=LeadOrigin(source="test", sender=officer),
        data=LeadInput(channel="public", title="浏河镇河道有油污", area="liuhe"),
    )
    given = instruction_record(
        actor=officer,
        incident=fire,
        now=now,
        data=InstructionInput(leader="王市长", text="全力扑救", units=["shaxi"], due_at=now + timedelta(hours=2)),
    )
    return Desk(fire=fire, secret=secret, request=request, lead=lead, task=given.tasks.get())
