"""The worker's alert ladder and outbox fan-out against the database: who hears about a clock, and when."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dutyroom.accounts.models import Role, User
from dutyroom.alerts.fanout import outbox_fanout
from dutyroom.alerts.models import AlertEvent, Notification
from dutyroom.audit.models import AuditEntry
from dutyroom.common.clock import now as clock_now
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import IncidentInput, incident_create
from dutyroom.obligations.models import Obligation
from dutyroom.reports.services import ReportInput, obligation_waive, report_submit
from tests.alerts.ticks import audited_steps, tick

pytestmark = pytest.mark.django_db


def incident(minutes_ago: float, *, now: datetime, grade: str | None = "IV", **extra: object) -> Incident:
    return incident_create(
        actor=User.objects.get(username="shaxi-reporter"),
        now=now,
        data=IncidentInput(
            title="沙溪镇仓库火灾",
            category="accident",
            subtype="fire",
            grade=grade,
            occurred_at=now - timedelta(minutes=minutes_ago),
            **extra,
        ),
    )


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
    assert tick(due - timedelta(minutes=6)) == 0
    assert tick(due - timedelta(minutes=5)) == 1
    assert inbox("shaxi-reporter") == inbox("shaxi-leader") == ["reminder"]
    assert inbox("duty-officer") == []
    assert tick(due - timedelta(minutes=4)) == 0, "a reminder is sent once"


def test_overdue_then_escalation_to_leaders_then_the_city_leader(city, on_duty):
    on_duty(city_leader="assessor")  # any user can be rostered as the city leader on duty
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    tick(due - timedelta(minutes=5))
    assert tick(due) == 1
    assert inbox("shaxi-reporter") == ["reminder", "overdue"]
    assert inbox("duty-officer") == ["overdue"]
    assert tick(due + timedelta(minutes=10)) == 1
    assert inbox("shaxi-leader") == ["reminder", "overdue", "escalation"]
    assert inbox("duty-leader") == ["escalation"]
    assert inbox("shaxi-reporter") == ["reminder", "overdue"], "the escalation goes to leaders only"
    assert tick(due + timedelta(minutes=30)) == 1
    assert inbox("assessor") == ["escalation"]
    steps = audited_steps(incident_id=item.pk)
    assert steps == ["reminder", "overdue", "escalation.leaders", "escalation.city"], "each rung is on the history"


def test_a_met_clock_stops_its_ladder_at_once(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    report_submit(
        actor=User.objects.get(username="shaxi-reporter"),
        incident=item,
        now=now,
        data=ReportInput(kind="written", summary="已控制", signer="李四"),
    )
    tick(due + timedelta(minutes=31))
    assert not AlertEvent.objects.filter(obligation=first_clock(item)).exists()
    assert inbox("shaxi-reporter") == []


def test_a_waived_clock_stops_its_ladder(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    clock = first_clock(item)
    tick(clock.due_at)
    obligation_waive(actor=User.objects.get(username="duty-officer"), obligation=clock, reason="误报", now=now)
    assert tick(clock.due_at + timedelta(minutes=31)) == 0
    assert AlertEvent.objects.filter(obligation=clock).count() == 1


def test_after_an_outage_only_the_latest_rung_fires(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    assert tick(due + timedelta(minutes=12)) == 1
    assert inbox("shaxi-leader") == ["escalation"]
    assert inbox("shaxi-reporter") == [], "no stale reminder or overdue flood"


def test_a_second_worker_sends_nothing_twice(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    due = first_clock(item).due_at
    assert tick(due) == 1
    assert tick(due) == 0
    assert AlertEvent.objects.filter(obligation=first_clock(item)).count() == 1


def test_with_no_shift_covering_now_every_duty_officer_is_alerted(city):
    User.objects.create_user(
        "duty-officer-2", role=Role.DUTY_OFFICER, unit=User.objects.get(username="duty-officer").unit
    )
    now = clock_now()
    item = incident(30, now=now)
    tick(first_clock(item).due_at)
    assert inbox("duty-officer") == inbox("duty-officer-2") == ["overdue"]


def test_an_unconfirmed_written_report_alerts_the_duty_officer_then_the_duty_leader(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(5, now=now)
    report_submit(
        actor=User.objects.get(username="shaxi-reporter"),
        incident=item,
        now=now,
        data=ReportInput(kind="written", summary="已控制", signer="李四"),
    )
    receipt = Obligation.objects.get(incident=item, kind="receipt")
    tick(receipt.due_at)
    assert inbox("duty-officer") == ["receipt_overdue"]
    assert inbox("duty-leader") == []
    tick(receipt.due_at + timedelta(minutes=5))
    assert inbox("duty-leader") == ["receipt_overdue"]


def test_a_new_incident_reaches_the_duty_officer_on_shift_through_the_outbox(city, on_duty):
    on_duty()
    now = clock_now()
    incident(1, now=now)
    outbox_fanout(now)
    assert inbox("duty-officer") == ["new_incident"]
    assert outbox_fanout(now) == (0, False), "each outbox event is claimed once"


def test_a_major_incidents_alert_text_carries_no_content(city, on_duty):
    on_duty()
    now = clock_now()
    item = incident(1, now=now, grade="II")
    outbox_fanout(now)
    event = AlertEvent.objects.get(topic="new_incident", incident=item)
    assert event.protected and "沙溪" not in event.text and "火灾" not in event.text
    assert f"/incidents/{item.pk}/" in event.text


def test_a_leaders_instruction_reminds_the_tasked_unit_before_its_feedback_is_due(city, on_duty):
    """Leaders' instructions (批示) run on the same ladder: the tasked unit hears 5 minutes before."""
    from dutyroom.instructions.services import InstructionInput, instruction_record

    on_duty()
    now = clock_now()
    item = incident(10, now=now)
    given = instruction_record(
        actor=User.objects.get(username="duty-officer"),
        incident=item,
        now=now,
        data=InstructionInput(leader="市长", text="全力救治伤员", units=["shaxi"], due_at=now + timedelta(hours=1)),
    )
    feedback = Obligation.objects.get(pk=given.tasks.get().obligation_id)
    assert feedback.kind == "instruction_feedback"
    assert tick(feedback.due_at - timedelta(minutes=6)) >= 0
    before = inbox("shaxi-leader", "reminder")
    tick(feedback.due_at - timedelta(minutes=5))
    assert len(inbox("shaxi-leader", "reminder")) == len(before) + 1


# ---- the ladder by the batch, planned per clock (the overdue burst) ----


def test_one_sweep_turns_many_clocks_overdue_and_alerts_each_in_the_same_few_statements(
    city, on_duty, django_assert_max_num_queries
):
    """A burst: many clocks due at once are flipped and alerted by the batch, each once and each on its history,
    and each clock then waits for its next rung through the index (no search of every open clock)."""
    from dutyroom.alerts.ladder import ladder_pass
    from dutyroom.worker.loop import obligations_sweep

    on_duty()
    now = clock_now()
    items = [incident(30, now=now) for _ in range(12)]
    due = max(first_clock(item).due_at for item in items)
    tick(due - timedelta(minutes=5))  # reminders
    assert all(first_clock(i).ladder_at is None for i in items), "the next rung comes with the flip: out of the index"
    with django_assert_max_num_queries(40):  # flips and alerts by the batch, not ~20 statements per clock
        assert obligations_sweep(due) == 12
    assert inbox("duty-officer") == ["overdue"] * 12
    for item in items:
        clock = first_clock(item)
        assert clock.state == "overdue"
        assert clock.ladder_at == clock.due_at + timedelta(minutes=10), "next look: the leaders' escalation"
        assert audited_steps(object_id=str(clock.pk)) == ["reminder", "overdue"]
        flip = AuditEntry.objects.get(action="obligation.overdue", object_id=str(clock.pk))
        assert {"duty-officer", "shaxi-leader", "shaxi-reporter"} <= set(flip.data["alert"]["to"])
    assert AuditEntry.objects.filter(action="obligation.alert", data__step="overdue").count() == 0, (
        "the overdue alert is recorded in the flip's own entry, not in a second one"
    )
    assert tick(due) == 0, "nothing twice"
    with django_assert_max_num_queries(20):  # the ladder's own pass is a batch too
        sent, more = ladder_pass(due + timedelta(minutes=10))
    assert (sent, more) == (12, False)
    assert inbox("duty-leader") == ["escalation"] * 12


def test_a_clock_the_sweep_could_not_alert_is_alerted_by_the_ladders_pass(city, on_duty, monkeypatch):
    """The flip never depends on its alert: if alerting fails in the sweep, the clock still turns overdue and the
    ladder's next pass sends the overdue alert."""
    import dutyroom.alerts.ladder as ladder

    on_duty()
    now = clock_now()
    clock = first_clock(incident(30, now=now))
    broken = {"on": True}
    real = ladder.alerts_emit_many

    def failing(*args, **kwargs):
        if broken["on"]:
            raise RuntimeError("SMTP table locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(ladder, "alerts_emit_many", failing)
    from dutyroom.worker.loop import obligations_sweep

    assert obligations_sweep(clock.due_at) == 1
    clock.refresh_from_db()
    assert clock.state == "overdue" and inbox("duty-officer") == []
    broken["on"] = False
    assert tick(clock.due_at + timedelta(seconds=1)) == 1
    assert inbox("duty-officer") == ["overdue"]


def test_a_moved_deadline_gets_a_fresh_ladder(city, on_duty):
    """A deadline moved later (a corrected time, a new grade) is reminded again before its new time."""
    from dutyroom.obligations.engine import obligation_upsert
    from dutyroom.rules.deadlines import PlannedClock

    on_duty()
    now = clock_now()
    item = incident(30, now=now)
    clock = first_clock(item)
    tick(clock.due_at - timedelta(minutes=5))
    assert inbox("shaxi-reporter") == ["reminder"]
    later = clock.due_at + timedelta(hours=1)
    obligation_upsert(
        incident=item,
        unit=clock.unit,
        key=clock.key,
        now=now,
        planned=PlannedClock(key="first", kind=clock.kind, due_at=later, rule=clock.rule, anchor_at=clock.anchor_at),
    )
    assert tick(clock.due_at) == 0, "the old deadline no longer alerts"
    assert tick(later - timedelta(minutes=5)) == 1
    assert inbox("shaxi-reporter") == ["reminder", "reminder"]


def test_a_rulebook_with_another_ladder_replans_every_open_clock(city, on_duty):
    """Clocks store only when their next rung is due: a new ladder must reach them, even finished ones."""
    import dataclasses

    from dutyroom.alerts import ladder
    from dutyroom.alerts.ladder import policy_adopt
    from dutyroom.incidents.rulebooks import configured_rulebook
    from dutyroom.obligations.models import LADDER_REPLAN
    from dutyroom.rules import Audience

    on_duty(city_leader="assessor")
    now = clock_now()
    item = incident(30, now=now)
    clock = first_clock(item)
    tick(clock.due_at + timedelta(minutes=31))
    clock.refresh_from_db()
    assert clock.ladder_at is None, "every rung done: the clock is out of the ladder's index"
    policy = configured_rulebook()[0].alerts
    ladder._adopted.clear()  # as in a fresh process
    assert not policy_adopt(policy, now), "the first ladder recorded re-plans nothing"
    last = policy.steps_for(clock.kind)[-1]
    hourly = dataclasses.replace(
        last, id="escalation.hour", offset=timedelta(hours=1), to=frozenset({Audience.CITY_LEADER})
    )
    assert policy_adopt(dataclasses.replace(policy, steps=(*policy.steps, hourly)), now)
    clock.refresh_from_db()
    assert clock.ladder_at == LADDER_REPLAN
    assert not policy_adopt(dataclasses.replace(policy, steps=(*policy.steps, hourly)), now), "once per ladder"


def test_a_burst_reads_the_roster_once_a_second_and_still_alerts_the_new_shift_from_its_first_second(city):
    """The worker's sweeps keep the alerts' reads (roster, staff, preferences) for a second while busy; the shift
    on duty is resolved to the second, so the clock due at the handover goes to the incoming officer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dutyroom.common.memo import SWEEP_KEEP
    from dutyroom.duty.services import ShiftInput, shifts_save
    from dutyroom.orgs.models import Unit
    from dutyroom.worker.loop import obligations_sweep

    User.objects.create(username="night-officer", role=Role.DUTY_OFFICER, unit=Unit.objects.get(code="duty-room"))
    now = clock_now()
    handover = (now + timedelta(minutes=20)).replace(second=0, microsecond=0)
    shifts_save(
        actor=User.objects.get(username="admin"),
        now=now,
        shifts=[
            ShiftInput(
                starts_at=handover - timedelta(hours=8),
                ends_at=handover,
                duty_officer="duty-officer",
                duty_leader="duty-leader",
                city_leader="",
            ),
            ShiftInput(
                starts_at=handover,
                ends_at=handover + timedelta(hours=8),
                duty_officer="night-officer",
                duty_leader="duty-leader",
                city_leader="",
            ),
        ],
    )
    items = [incident(30, now=now) for _ in range(3)]
    dues = [handover - timedelta(milliseconds=300), handover, handover + timedelta(milliseconds=400)]
    for item, due in zip(items, dues, strict=True):
        Obligation.objects.filter(pk=first_clock(item).pk).update(due_at=due)
    reads = []
    for due in dues:
        with CaptureQueriesContext(connection) as queries:
            assert obligations_sweep(due, keep=SWEEP_KEEP) == 1
        reads.append(sum('FROM "duty_shift"' in q["sql"] for q in queries.captured_queries))
    assert inbox("duty-officer") == ["overdue"] and inbox("night-officer") == ["overdue", "overdue"]
    got = {n.event.obligation.incident_id for n in Notification.objects.filter(user__username="night-officer")}
    assert got == {items[1].pk, items[2].pk}, "from the handover's first instant, the incoming officer"
    assert reads == [1, 1, 0], "the roster is read once per second of the burst"
    assert obligations_sweep(dues[-1], keep=SWEEP_KEEP) == 0  # idle: the worker's next sweep keeps nothing
    User.objects.filter(username="night-officer").update(is_active=False)
    later = incident(30, now=now)
    Obligation.objects.filter(pk=first_clock(later).pk).update(due_at=dues[-1])
    assert obligations_sweep(dues[-1]) == 1
    assert inbox("night-officer") == ["overdue", "overdue"], "a sweep that keeps nothing reads afresh"
