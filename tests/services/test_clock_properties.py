"""Hypothesis drives random sequences of reports, re-grades, sweeps and handling through the real services;
after every step the clocks must still tell the truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dutyroom.accounts.models import User
from dutyroom.common.errors import DomainError
from dutyroom.incidents.models import Incident
from dutyroom.incidents.services import (
    IncidentChanges,
    IncidentInput,
    incident_create,
    incident_mark_handled,
    incident_update,
)
from dutyroom.obligations.models import Obligation
from dutyroom.reports.services import ReportInput, report_submit
from dutyroom.worker.loop import obligations_sweep

START = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)

actions = st.lists(
    st.one_of(
        st.tuples(st.just("report"), st.sampled_from(["phone", "written", "followup"]), st.integers(1, 120)),
        st.tuples(st.just("regrade"), st.sampled_from(["I", "II", "III", "IV", None]), st.booleans()),
        st.tuples(st.just("sweep"), st.integers(1, 2000), st.just(None)),
        st.tuples(st.just("handled"), st.integers(1, 60), st.just(None)),
    ),
    min_size=1,
    max_size=8,
)


def check_invariants(incident: Incident, met_before: dict[int, datetime], now: datetime) -> None:
    clocks = list(Obligation.objects.filter(incident=incident))
    pending_followups = [o for o in clocks if o.kind == "followup" and o.state == "pending"]
    assert len(pending_followups) <= 1, "one follow-up clock at a time"
    for clock in clocks:
        if clock.state in ("met", "late"):
            lateness = int((clock.met_at - clock.due_at).total_seconds() // 1)
            assert clock.late_by_seconds == (0 if clock.met_at <= clock.due_at else lateness)
            assert (clock.state == "late") == (clock.met_at > clock.due_at)
        if clock.state == "overdue":
            assert clock.met_at is None and clock.due_at <= now
        if clock.pk in met_before:  # nothing un-meets a met clock
            assert clock.met_at == met_before[clock.pk] and clock.state in ("met", "late")
    met_before.update({c.pk: c.met_at for c in clocks if c.met_at is not None})


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(grade=st.sampled_from(["I", "II", "III", "IV", None]), sensitive=st.booleans(), steps=actions)
def test_clocks_stay_truthful_under_any_sequence(city, grade, sensitive, steps) -> None:
    reporter = User.objects.get(username="shaxi-reporter")
    officer = User.objects.get(username="duty-officer")
    now = START
    data = IncidentInput(
        title="随机序列", category="accident", grade=grade, sensitive=sensitive, occurred_at=now - timedelta(minutes=5)
    )
    incident = incident_create(actor=reporter, now=now, data=data)
    met_before: dict[int, datetime] = {}
    for action, value, extra in steps:
        if action == "report":
            now += timedelta(minutes=extra)
            actor = officer if value == "phone" else reporter
            report_submit(
                actor=actor,
                incident=Incident.objects.get(pk=incident.pk),
                now=now,
                data=ReportInput(kind=value, summary="报告"),
            )
        elif action == "regrade":
            now += timedelta(minutes=1)
            changes = IncidentChanges(set_grade=True, grade=value, hotspot=extra)
            incident_update(actor=officer, incident=Incident.objects.get(pk=incident.pk), changes=changes, now=now)
        elif action == "sweep":
            now += timedelta(minutes=value)
            while obligations_sweep(now):
                pass
        else:
            now += timedelta(minutes=value)
            try:
                incident_mark_handled(actor=officer, incident=Incident.objects.get(pk=incident.pk), now=now)
            except DomainError:
                assert Incident.objects.get(pk=incident.pk).state != "open"
        check_invariants(incident, met_before, now)
