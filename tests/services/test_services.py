"""Services against the database: one transaction, an audit row and outbox events per write; clocks kept true."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dutyroom.audit.models import AuditEntry
from dutyroom.common.errors import Conflict, ValidationFailed
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import (
    IncidentChanges,
    IncidentInput,
    incident_create,
    incident_mark_handled,
    incident_update,
)
from dutyroom.notifications.models import OutboxEvent
from dutyroom.obligations.models import Obligation
from dutyroom.reports.services import ReportInput, VerificationInput, report_submit, verification_request_create
from dutyroom.worker.loop import obligations_sweep

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def create(user, *, minutes_ago: float = 10, **fields) -> Incident:
    data = {
        "title": "沙溪镇厂房火灾",
        "category": "accident",
        "subtype": "fire",
        "grade": "IV",
        "occurred_at": NOW - timedelta(minutes=minutes_ago),
        **fields,
    }
    return incident_create(actor=user("shaxi-reporter"), data=IncidentInput(**data), now=NOW)


def clocks(incident: Incident) -> dict[str, Obligation]:
    return {o.kind: o for o in Obligation.objects.filter(incident=incident).order_by("id")}


def test_create_writes_one_audit_row_and_tells_the_unit_and_the_duty_room(user):
    incident = create(user)
    entries = AuditEntry.objects.filter(incident_id=incident.pk)
    assert [e.action for e in entries] == ["incident.create"]
    assert entries[0].data["rulebook"] == "taicang-2017@2"
    events = OutboxEvent.objects.filter(incident_id=incident.pk, topic="incident.created")
    assert {e.unit.code for e in events} == {"shaxi", "duty-room"}


def test_sensitive_incident_outbox_events_are_marked_protected(user):
    incident = create(user, sensitive=True)
    events = list(OutboxEvent.objects.filter(incident_id=incident.pk))
    assert {e.unit.code for e in events} == {"shaxi", "duty-room"}  # not vacuous: both audiences got one
    assert all(e.sensitive for e in events)


def test_invalid_input_creates_nothing_and_names_every_field(user):
    with pytest.raises(ValidationFailed) as failure:
        create(user, title=" ", occurred_at=NOW + timedelta(hours=1), learned_at=NOW - timedelta(hours=2))
    assert set(failure.value.errors) == {"title", "occurred_at", "learned_at"}
    assert not Incident.objects.exists() and not AuditEntry.objects.filter(object_type="incident").exists()


def test_sensitive_ungraded_incident_owes_an_immediate_phone_call_and_a_written_report(user):
    incident = create(user, grade=None, sensitive=True)
    found = clocks(incident)
    assert set(found) == {"phone_report", "written_report"}
    assert found["phone_report"].due_at == incident.occurred_at + timedelta(minutes=15)
    assert found["written_report"].due_at == incident.occurred_at + timedelta(minutes=45)


def test_exercise_incidents_run_the_same_clocks(user):
    incident = create(user, exercise=True)
    assert clocks(incident)["first_report"].due_at == incident.occurred_at + timedelta(minutes=45)


def test_upward_regrade_after_a_met_report_keeps_it_met_and_adds_clocks_at_the_regrade(user):
    incident = create(user)
    report_submit(actor=user("shaxi-reporter"), incident=incident, data=ReportInput(kind="written"), now=NOW)
    later = NOW + timedelta(minutes=20)
    incident_update(
        actor=user("duty-officer"), incident=incident, changes=IncidentChanges(set_grade=True, grade="II"), now=later
    )
    by_kind = {o.kind: o for o in Obligation.objects.filter(incident=incident)}
    assert by_kind["first_report"].state == "met"
    assert by_kind["phone_report"].due_at == later + timedelta(minutes=15)
    assert by_kind["written_report"].due_at == later + timedelta(minutes=30)
    assert by_kind["followup"].due_at == NOW + timedelta(hours=12)  # Ⅱ cadence, from the latest report
    assert AuditEntry.objects.filter(incident_id=incident.pk, action="incident.update").count() == 1


def test_follow_up_clock_rolls_and_a_silent_unit_misses_one_per_period(user):
    incident = create(user)
    reporter = user("shaxi-reporter")
    report_submit(actor=reporter, incident=incident, data=ReportInput(kind="written"), now=NOW)
    first = Obligation.objects.get(incident=incident, kind="followup")
    assert first.due_at == NOW + timedelta(hours=24)
    assert obligations_sweep(NOW + timedelta(hours=24, minutes=1)) >= 1
    follow = Obligation.objects.filter(incident=incident, kind="followup").order_by("id")
    assert [o.state for o in follow] == ["overdue", "pending"]
    assert follow[1].due_at == NOW + timedelta(hours=48)
    late_at = NOW + timedelta(hours=25)
    report_submit(actor=reporter, incident=incident, data=ReportInput(kind="followup"), now=late_at)
    follow = Obligation.objects.filter(incident=incident, kind="followup").order_by("id")
    assert follow[0].state == "late" and follow[0].late_by_seconds == 3600
    assert follow[1].state == "pending" and follow[1].due_at == late_at + timedelta(hours=24)


def test_marking_handled_stops_follow_ups_and_opens_the_final_report_clock(user):
    incident = create(user)
    report_submit(actor=user("shaxi-reporter"), incident=incident, data=ReportInput(kind="written"), now=NOW)
    handled_at = NOW + timedelta(hours=2)
    incident_mark_handled(actor=user("shaxi-leader"), incident=incident, now=handled_at)
    found = clocks(incident)
    assert found["followup"].state == "waived" and "处置结束" in found["followup"].waived_reason
    assert found["final_report"].due_at == handled_at + timedelta(hours=24)
    with pytest.raises(Conflict):
        incident_mark_handled(actor=user("duty-officer"), incident=incident, now=handled_at)


def test_a_report_from_another_unit_does_not_discharge_the_responsible_units_clock(user):
    incident = create(user, area=None)
    police = user("police-reporter")
    with pytest.raises(ValidationFailed):  # the police may not report in the town's name
        report_submit(actor=police, incident=incident, data=ReportInput(kind="written", unit="shaxi"), now=NOW)
    report_submit(
        actor=user("duty-officer"),
        incident=incident,
        now=NOW,
        data=ReportInput(kind="phone", unit="police", contact_name="值班民警"),
    )
    assert clocks(incident)["first_report"].state == "pending"


def test_verification_request_without_an_incident_is_answered_through_any_report_that_names_it(user):
    officer = user("duty-officer")
    request = verification_request_create(
        actor=officer,
        now=NOW,
        data=VerificationInput(
            unit="shaxi", authority="jiangsu", question="核实网传沙溪镇爆炸一事", due_at=NOW + timedelta(minutes=10)
        ),
    )
    obligation = Obligation.objects.get(verification_request=request)
    assert obligation.due_at == NOW + timedelta(minutes=10) and obligation.incident is None
    incident = create(user)
    report_submit(
        actor=user("shaxi-reporter"),
        incident=incident,
        now=NOW + timedelta(minutes=12),
        data=ReportInput(kind="verification_reply", verification_request=request.pk, summary="经核实系谣言"),
    )
    obligation.refresh_from_db()
    assert obligation.state == "late" and obligation.late_by_seconds == 120


def test_suggested_grade_follows_the_latest_figures_and_records_its_basis(user):
    incident = create(user)
    report_submit(
        actor=user("shaxi-reporter"),
        incident=incident,
        now=NOW,
        data=ReportInput(kind="written", casualties={"deaths": 2, "missing": 1}),
    )
    incident.refresh_from_db()
    assert incident.suggested_grade == "III"
    assert incident.grade_basis["table"] == "gb-493-production-safety"
    assert incident.grade == "IV"  # advice only: the duty room decides


def test_a_fractional_direct_loss_is_accepted_and_graded_in_whole_yuan(user):
    from decimal import Decimal

    incident = create(user)
    report_submit(
        actor=user("shaxi-reporter"),
        incident=incident,
        now=NOW,
        data=ReportInput(kind="written", direct_loss_cny=Decimal("10000000.50")),
    )
    incident.refresh_from_db()
    assert incident.suggested_grade == "III"


def test_correcting_occurrence_after_a_regrade_moves_only_the_original_clocks(user):
    incident = create(user, minutes_ago=10)
    officer = user("duty-officer")
    regraded_at = NOW + timedelta(minutes=5)
    incident_update(
        actor=officer, incident=incident, changes=IncidentChanges(set_grade=True, grade="II"), now=regraded_at
    )
    corrected = NOW - timedelta(minutes=30)
    incident_update(
        actor=officer,
        incident=incident,
        changes=IncidentChanges(occurred_at=corrected),
        now=regraded_at + timedelta(minutes=1),
    )
    found = Obligation.objects.filter(incident=incident).order_by("id")
    assert [(o.kind, o.anchor_at) for o in found] == [
        ("first_report", corrected),
        ("phone_report", regraded_at),
        ("written_report", regraded_at),
    ]
    assert found[0].due_at == corrected + timedelta(minutes=45)
