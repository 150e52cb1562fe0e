"""The worker's alert ladder and outbox fan-out against the database: who hears about a clock, and when."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.alerts.ladder import ladder_sweep
from dutyroom.alerts.models import AlertEvent, Notification
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.reports.services import ReportInput, obligation_waive, report_submit

pytestmark = pytest.mark.django_db


def incident(minutes_ago: float, *, now: datetime, grade: str | None = "IV", **extra: object) -> Incident:
    return incident_create(actor=User.objects.get(username="shaxi-reporter"), now=now, data=IncidentInput(
        title="沙溪镇仓库火灾", category="accident", subtype="fire", grade=grade,
        occurred_at=now - timedelta(minutes=minutes_ago), **extra))


def inbox(username: str, topic: str | None = None) -> list[str]:
    qs = Notification.objects.filter(user__username=username).select_related("event")
    if topic:
        qs = qs.filter(event__topic=topic)
    return [n.event.topic for n in qs.order_by("id")]


def first_clock(item: Incident) -> Obligation:
    return Obligation.objects.get(incident=item, kind="first_report")


def test_a_reminder_reaches_the_units_reporters_and_leader_five_minutes_before_the_deadline(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)  # first report due in 15 minutes
    due = first_clock(item).due_at
    assert ladder_sweep(due - timedelta(minutes=6)) == 0
    assert ladder_sweep(due - timedelta(minutes=5)) == 1
    assert inbox("shaxi-reporter") == inbox("shaxi-leader") == ["reminder"]
    assert inbox("duty-officer") == []
    assert ladder_sweep(due - timedelta(minutes=4)) == 0, "a reminder is sent once"


def test_overdue_then_escalation_to_leaders_then_the_city_leader(city, on_duty):
    on_duty(city_leader="assessor")  # any user can be rostered as the city leader on duty
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    ladder_sweep(due - timedelta(minutes=5))
    assert ladder_sweep(due) == 1
    assert inbox("shaxi-reporter") == ["reminder", "overdue"]
    assert inbox("duty-officer") == ["overdue"]
    assert ladder_sweep(due + timedelta(minutes=10)) == 1
    assert inbox("shaxi-leader") == ["reminder", "overdue", "escalation"]
    assert inbox("duty-leader") == ["escalation"]
    assert inbox("shaxi-reporter") == ["reminder", "overdue"], "the escalation goes to leaders only"
    assert ladder_sweep(due + timedelta(minutes=30)) == 1
    assert inbox("assessor") == ["escalation"]
    steps = [e.data["step"] for e in AuditEntry.objects.filter(action="obligation.alert", incident_id=item.pk)]
    assert steps == ["reminder", "overdue", "escalation.leaders", "escalation.city"], "each rung is on the history"


def test_a_met_clock_stops_its_ladder_at_once(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    report_submit(actor=User.objects.get(username="shaxi-reporter"), incident=item, now=now,
                  data=ReportInput(kind="written", summary="已控制", signer="李四"))
    ladder_sweep(due + timedelta(minutes=31))
    assert not AlertEvent.objects.filter(obligation=first_clock(item)).exists()
    assert inbox("shaxi-reporter") == []


def test_a_waived_clock_stops_its_ladder(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    clock = first_clock(item)
    ladder_sweep(clock.due_at)
    obligation_waive(actor=User.objects.get(username="duty-officer"), obligation=clock, reason="误报", now=now)
    assert ladder_sweep(clock.due_at + timedelta(minutes=31)) == 0
    assert AlertEvent.objects.filter(obligation=clock).count() == 1


def test_after_an_outage_only_the_latest_rung_fires(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    assert ladder_sweep(due + timedelta(minutes=12)) == 1
    assert inbox("shaxi-leader") == ["escalation"]
    assert inbox("shaxi-reporter") == [], "no stale reminder or overdue flood"


def test_a_second_worker_sends_nothing_twice(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    assert ladder_sweep(due) == 1
    assert ladder_sweep(due) == 0
    assert AlertEvent.objects.filter(obligation=first_clock(item)).count() == 1


def test_with_no_shift_covering_now_every_duty_officer_is_alerted(city):
    User.objects.create_user("duty-officer-2", role=Role.DUTY_OFFICER, unit=User.objects.get(
        username="duty-officer").unit)
    now = clock_now()
    item = incident(30, now=now)
    ladder_sweep(first_clock(item).due_at)
    assert inbox("duty-officer") == inbox("duty-officer-2") == ["overdue"]


def test_an_unconfirmed_written_report_alerts_the_duty_officer_then_the_duty_leader(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(5, now=now)
    report_submit(actor=User.objects.get(username="shaxi-reporter"), incident=item, now=now,
                  data=ReportInput(kind="written", summary="已控制", signer="李四"))
    receipt = Obligation.objects.get(incident=item, kind="receipt")
    ladder_sweep(receipt.due_at)
    assert inbox("duty-officer") == ["receipt_overdue"]
    assert inbox("duty-leader") == []
    ladder_sweep(receipt.due_at + timedelta(minutes=5))
    assert inbox("duty-leader") == ["receipt_overdue"]


def test_a_new_incident_reaches_the_duty_officer_on_shift_through_the_outbox(city, on_duty):
    on_duty()
    now = clock_now()
    incident(1, now=now)
    outbox_fanout(now)
    assert inbox("duty-officer") == ["new_incident"]
    assert outbox_fanout(now) == 0, "each outbox event is claimed once"


def test_a_major_incidents_alert_text_carries_no_content(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(1, now=now, grade="II")
    outbox_fanout(now)
    event = AlertEvent.objects.get(topic="new_incident", incident=item)
    assert event.protected and "沙溪" not in event.text and "火灾" not in event.text
    assert f"/incidents/{item.pk}/" in event.text


def test_a_leaders_instruction_reminds_the_tasked_unit_before_its_feedback_is_due(city, on_duty):
    """Leaders' instructions (批示, issue 10) run on the same ladder: the tasked unit hears 5 minutes before."""
    from dutyroom.instructions.services import InstructionInput, instruction_record

    on_duty()
    now = clock_now()
    item = incident(10, now=now)
    given = instruction_record(actor=User.objects.get(username="duty-officer"), incident=item, now=now,
                               data=InstructionInput(leader="市长", text="全力救治伤员", units=["shaxi"],
                                                     due_at=now + timedelta(hours=1)))
    feedback = Obligation.objects.get(pk=given.tasks.get().obligation_id)
    assert feedback.kind == "instruction_feedback"
    assert ladder_sweep(feedback.due_at - timedelta(minutes=6)) >= 0
    before = inbox("shaxi-leader", "reminder")
    ladder_sweep(feedback.due_at - timedelta(minutes=5))
    assert len(inbox("shaxi-leader", "reminder")) == len(before) + 1
